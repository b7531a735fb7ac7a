"""rnnlab.explorers: one explorer spec, run headless and shown by both front ends alike.

The controls coerce values as sliders and dropdowns do (hypothesis); a spec refuses what no front end
could show, naming it; the headless state runs one compute per event; and the notebook front end
(ipywidgets) and the app's (Panel), built from the same spec and given the same events, hold the same
values, the same texts and the same pixels.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from PIL import Image  # noqa: E402

from rnnlab import explorers  # noqa: E402
from rnnlab.explorers import (Button, Choice, ExplorerSpec, ExplorerState, Html, Slider,  # noqa: E402
                              Text)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


# ---- controls ----


@given(low=finite, span=st.floats(1e-3, 1e6), step=st.floats(1e-4, 10.0), value=finite, new=finite)
def test_a_slider_clips_to_its_range_and_clipping_is_idempotent(low, span, step, value, new):
    slider = Slider(value, low, low + span, step)
    assert slider.min <= slider.value <= slider.max
    assert slider.value == min(max(value, low), low + span)
    clipped = slider.coerce("a", new)
    assert slider.min <= clipped <= slider.max
    assert slider.coerce("a", clipped) == clipped
    if low <= new <= low + span:
        assert clipped == new


@given(st.one_of(st.just(math.nan), st.just(math.inf), st.just(True), st.text(max_size=3), st.none()))
def test_a_slider_refuses_what_is_not_a_finite_number_naming_the_control(bad):
    with pytest.raises(ValueError, match="'gain'"):
        Slider(0.5, 0.0, 1.0, 0.1).coerce("gain", bad)


def test_integer_and_log_sliders():
    n = Slider(60, 50, 800, 10, integer=True)
    assert n.coerce("N", 900) == 800 and isinstance(n.coerce("N", 70.0), int)
    with pytest.raises(ValueError, match="'N' takes whole numbers"):
        n.coerce("N", 70.5)
    with pytest.raises(ValueError, match="integer Slider"):
        Slider(0.5, 0, 10, 1, integer=True)
    c = Slider(1e3, 1e-2, 1e2, 0.05, log=True)
    assert c.value == 1e2
    with pytest.raises(ValueError, match="log Slider needs min > 0"):
        Slider(1.0, 0.0, 1.0, 0.1, log=True)


@pytest.mark.parametrize("args, match", [
    ((0.0, 1.0, 1.0, 0.1), "min < max"),
    ((0.0, 0.0, 1.0, 0.0), "step > 0"),
    ((0.0, math.nan, 1.0, 0.1), "min must be a finite number"),
    ((0.0, 0.0, 1.0, "0.1"), "step must be a finite number"),
])
def test_a_slider_refuses_a_range_no_front_end_can_show(args, match):
    with pytest.raises(ValueError, match=match):
        Slider(*args)


def test_choices_and_text():
    phi = Choice(["tanh", "relu"], "relu")
    assert phi.options == ("tanh", "relu") and phi.coerce("phi", "tanh") == "tanh"
    with pytest.raises(ValueError, match="'phi' must be one of"):
        phi.coerce("phi", "sigmoid")
    with pytest.raises(ValueError, match="non-empty sequence of strings"):
        Choice((), "tanh")
    with pytest.raises(ValueError, match="'others' takes a string"):
        Text("1.0").coerce("others", 1.0)


# ---- the spec and its headless state ----


class Echo:
    """A view of one line that echoes the result into the text "key", counting its draws."""

    def __init__(self, fig, result):
        (self.line,) = fig.subplots().plot([0.0, 1.0], [0.0, result])
        self.draws = 0

    def draw(self, result):
        self.line.set_ydata([0.0, result])
        self.draws += 1
        return {"key": f"a + b = {result:.2f}"}


def echo_spec(**kwargs) -> ExplorerSpec:
    pressed = []
    spec = dict(controls={"a": Slider(0.0, -1.0, 1.0, 0.1), "b": Slider(0.5, 0.0, 1.0, 0.1)},
                compute=lambda a, b: a + b + len(pressed), view=Echo, figsize=(3.0, 2.0),
                side=((Button("bump", "+1", lambda: pressed.append(1)), Html("caption", "fixed")), Html("key")))
    return ExplorerSpec(**{**spec, **kwargs})


def test_the_state_runs_one_compute_and_one_draw_per_event():
    state = ExplorerState(echo_spec())
    assert state.result == 0.5 and state.view.draws == 1
    assert state.texts == {"caption": "fixed", "key": "a + b = 0.50"}
    state.set(a=0.25, b=2.0)   # two controls, one event; b clipped to its range
    assert state.values == {"a": 0.25, "b": 1.0} and state.result == 1.25 and state.view.draws == 2
    assert state.texts["key"] == "a + b = 1.25"
    np.testing.assert_array_equal(state.view.line.get_ydata(), [0.0, 1.25])
    state.press("bump")   # the action, then one event with the current values
    assert state.result == 2.25 and state.view.draws == 3
    with pytest.raises(ValueError, match=r"unknown controls \['c'\]"):
        state.set(c=1.0)
    with pytest.raises(ValueError, match="buttons"):
        state.press("a")
    assert state.view.draws == 3   # a refused event changes nothing
    failing = ExplorerState(echo_spec(compute=lambda a, b: 1.0 / (a - 0.25)))
    with pytest.raises(ZeroDivisionError):
        failing.set(a=0.25, b=1.0)   # a compute that raises leaves the state as it was
    assert failing.values == {"a": 0.0, "b": 0.5} and failing.result == -4.0
    assert failing.view.draws == 1 and failing.texts["key"] == "a + b = -4.00"
    assert type(state.fig.canvas).__name__ == "FigureCanvasAgg"   # off-screen, no pyplot


@pytest.mark.parametrize("kwargs, match", [
    (dict(controls={}), "non-empty"),
    (dict(controls={"not a name": Slider(0.0, 0.0, 1.0, 0.1)}), "identifiers"),
    (dict(controls={"a": 0.5}), r"controls\['a'\] must be a Slider"),
    (dict(compute=None), "callables"),
    (dict(view="Echo"), "callables"),
    (dict(figsize=(3.0, -1.0)), "figsize"),
    (dict(columns=0), "columns"),
    (dict(side=("key",)), "side must hold Html and Button"),
    (dict(side=(Html("key"), Html("key"))), "distinct names"),
])
def test_a_spec_refuses_what_no_front_end_could_show(kwargs, match):
    with pytest.raises(ValueError, match=match):
        echo_spec(**kwargs)


def test_a_view_may_fill_in_only_the_specs_texts():
    with pytest.raises(ValueError, match=r"\['key'\].*not Html items"):
        ExplorerState(echo_spec(side=(Html("other"),)))
    with pytest.raises(ValueError, match="spec must be an ExplorerSpec"):
        ExplorerState(echo_spec)


# ---- both front ends from one spec ----

# Small settings: each pair below builds two explorers and runs four events on each.
SPECS = {
    "rate_rnn": (explorers.rate_rnn_spec, dict(n_grid=9, n_nullcline=41, n_starts=5)),
    "contraction": (explorers.contraction_spec, dict(n_grid=9, n_nullcline=41)),
    "circuit": (explorers.circuit_spec, dict(n_grid=9, n_nullcline=41)),
    "normalization": (explorers.normalization_spec, dict(n=12)),
    "mean_field": (explorers.mean_field_spec, dict(N=50, n_omega=80)),
    "parallel_time": (explorers.parallel_time_spec, dict(n=6, T=40)),
}


def _events(spec: ExplorerSpec) -> list[dict]:
    """Four events: each slider to 30% and 80% of its range (integers and log sliders on their grid),
    the last option of each choice, then two controls at once."""
    def at(control, fraction):
        if isinstance(control, Choice):
            return control.options[-1]
        if control.log:
            return float(control.min * (control.max / control.min) ** fraction)
        value = control.min + fraction * (control.max - control.min)
        return int(round(value / control.step) * control.step) if control.integer else value

    changed = {n: c for n, c in spec.controls.items() if not isinstance(c, Text)}
    first = next(iter(changed))
    return [{first: at(changed[first], 0.3)}, {n: at(c, 0.8) for n, c in changed.items()},
            {first: at(changed[first], 0.5)}, {n: at(c, 0.3) for n, c in list(changed.items())[-2:]}]


@pytest.mark.parametrize("name", list(SPECS))
def test_the_notebook_and_the_app_show_the_same_explorer(name):
    pytest.importorskip("ipywidgets")
    pytest.importorskip("panel")
    from rnnlab._app_panel import _LABEL, ExplorerPanel
    from rnnlab.widgets import Explorer

    factory, small = SPECS[name]
    notebook, app = Explorer(factory(**small)), ExplorerPanel(factory(**small))
    try:
        spec = notebook.state.spec
        for key, control in spec.controls.items():   # the same controls, labels, ranges and options
            widget, pane = notebook.controls[key], app.controls[key]
            assert widget.description == getattr(pane, _LABEL) == (control.label or key)
            assert widget.value == pytest.approx(pane.value) and notebook.values[key] == app.values[key]
            if isinstance(control, Slider) and not control.log:
                assert (widget.min, widget.max, widget.step) == (pane.start, pane.end, pane.step)
                assert widget.continuous_update == control.live
            if isinstance(control, Choice):
                assert list(widget.options) == list(pane.options) == list(control.options)
        assert list(notebook.outputs) == list(app.outputs) and list(notebook.buttons) == list(app.buttons)
        for event in _events(spec):
            notebook.update(**event)
            app.update(**event)
            assert notebook.values == app.values, event
            for key in notebook.outputs:
                assert notebook.outputs[key].value == app.outputs[key].object, (event, key)
            shown = np.asarray(Image.open(io.BytesIO(app.figure.object)))
            np.testing.assert_array_equal(np.asarray(notebook.fig.canvas.buffer_rgba()), shown)
        assert len(notebook.latencies) == len(app.latencies) == 4
    finally:
        notebook.close()
        app.close()
