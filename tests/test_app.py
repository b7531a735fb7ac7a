"""rnnlab.app, built in-process: tabs, Panel controls built from the explorer specs, the figure PNG.

The same app in a real browser is tested in ``tests/browser/test_panel_app.py``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import param
import pytest
from hypothesis import given, strategies as st
from matplotlib.quiver import Quiver
from PIL import Image

from rnnlab._app_panel import _LABEL, ExplorerPanel, panel_control
from rnnlab.app import EXPLORERS, build_app
from rnnlab.explorers import (Choice, Slider, Text, contraction_spec, mean_field_spec, normalization_spec,
                              rate_rnn_spec)


@pytest.fixture(scope="module")
def app():
    built = build_app()
    yield built
    built.close()


def _png(panel: ExplorerPanel) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(panel.figure.object)))


def test_one_tab_per_registered_explorer_built_when_first_shown(app):
    assert list(app) == list(EXPLORERS)
    assert app.tabs._names == list(EXPLORERS)
    assert list(app.panels) == [next(iter(EXPLORERS))]      # only the first tab is built at once
    app.tabs.active = 2                                      # a user opens the third tab
    title = list(EXPLORERS)[2]
    assert title in app.panels
    assert app.tabs.objects[2].objects == [app.panels[title].layout]
    for title, panel in app.panels.items():
        assert list(panel.controls) == list(panel.state.spec.controls), title
    with pytest.raises(ValueError, match="title"):
        app.panel("No such tab")


def test_controls_keep_the_specs_ranges_steps_and_values(app):
    for panel in app.panels.values():
        for name, control in panel.state.spec.controls.items():
            widget = panel.controls[name]
            assert widget.value == panel.values[name]
            if isinstance(control, Slider) and not control.log:
                assert (widget.start, widget.end, widget.step) == (control.min, control.max, control.step)
            if isinstance(control, Choice):
                assert list(widget.options) == list(control.options)


def test_moving_a_panel_slider_recomputes_and_sends_one_new_figure(app):
    panel = ex = app.panels["Phase portraits"]
    quiver = next(c for c in ex.fig.axes[0].collections if isinstance(c, Quiver))
    before_png, before_renders, before_events = _png(panel), panel.renders, len(ex.latencies)
    before_arrows = np.array(quiver.U).copy()

    panel.controls["w12"].value = -2.0   # bistable -> a rotation: the field and the fixed points change

    assert ex.values["w12"] == -2.0
    assert len(ex.latencies) == before_events + 1     # one event...
    assert panel.renders == before_renders + 1         # ...one render sent
    # The figure's arrows are the new field's directions: x-components U / |(U, V)|, U = dx1/dt (a zero
    # vector, at a fixed point on the grid, stays a zero arrow).
    speed = np.hypot(ex.result.U, ex.result.V)
    direction = ex.result.U / np.where(speed > 0, speed, 1.0)
    np.testing.assert_allclose(np.ravel(quiver.U), np.ravel(direction), atol=1e-12)
    assert not np.allclose(np.ravel(quiver.U), np.ravel(before_arrows))
    after = _png(panel)
    assert after.shape == before_png.shape
    assert (after != before_png).any(axis=-1).mean() > 0.01
    # The key beside the figure follows: it counts the new fixed points.
    n = len(ex.result.fixed_points)
    assert f"{n} fixed point" in panel.outputs["key"].object


def test_values_set_on_the_server_flow_to_the_panel_controls(app):
    panel = app.panel("Certificates")
    renders = panel.renders
    panel.update(w11=0.0, w12=0.2, w21=0.2, w22=9.0)   # w22 beyond the slider: clipped to 3
    assert [panel.controls[k].value for k in ("w11", "w12", "w21", "w22")] == [0.0, 0.2, 0.2, 3.0]
    assert panel.values["w22"] == 3.0
    assert panel.renders == renders + 1   # the echo to the Panel controls sets off no further event
    panel.update(w22=0.0)
    # The verdict table follows: small symmetric W contracts at rate 1 - g |W|_2 = 0.8.
    assert "contracting at rate 0.800" in panel.outputs["table"].object
    panel.controls["phi"].value = "relu"
    assert panel.values["phi"] == "relu"
    with pytest.raises(ValueError, match="unknown controls"):
        panel.update(w33=1.0)


def test_text_boxes_release_only_sliders_buttons_and_log_sliders_keep_their_behaviour():
    panel = ex = ExplorerPanel(mean_field_spec(N=60))
    events = len(panel.latencies)
    panel.controls["others"].value = "1.0"            # a text box applies on Enter
    assert ex.values["others"] == "1.0" and len(ex.latencies) == events + 1
    panel.controls["N"].value = 70                    # dragging the N slider: no event yet...
    assert ex.values["N"] == 60 and len(ex.latencies) == events + 1
    with param.edit_constant(panel.controls["N"]):
        panel.controls["N"].value_throttled = 70      # ...releasing it: one event
    assert ex.values["N"] == 70 and len(ex.latencies) == events + 2
    panel.buttons["finite"].clicks += 1                                # "finite N": recompute now, one event
    assert len(ex.latencies) == events + 3 and ex.result.finite_current
    panel.close()

    panel = ExplorerPanel(normalization_spec())
    panel.update(contrast=0.3)               # off the log slider's grid of 10^(k/20)
    assert panel.controls["contrast"].value == pytest.approx(10 ** -0.5)
    panel.close()


def test_the_png_has_the_figure_size_at_the_chosen_dpi():
    panel = ExplorerPanel(contraction_spec(), dpi=50)
    width, height = panel.fig.get_size_inches() * 50
    assert _png(panel).shape[:2] == (round(height), round(width))
    assert (panel.figure.width, panel.figure.height) == (round(width), round(height))
    panel.close()


@given(lo=st.floats(-10, 10), span=st.floats(0.5, 20), step=st.sampled_from([0.01, 0.05, 0.1, 0.5]),
       at=st.floats(0, 1))
def test_float_sliders_map_to_the_same_range_step_and_value(lo, span, step, at):
    slider = Slider(lo + at * span, lo, lo + span, step)
    widget = panel_control("x", slider)
    assert (widget.start, widget.end, widget.step) == (slider.min, slider.max, slider.step)
    assert widget.value == slider.value and getattr(widget, _LABEL) == "x"


def test_other_controls_map_to_their_counterparts():
    ints = panel_control("n", Slider(3, 1, 9, 2, integer=True))
    assert type(ints).__name__ == "IntSlider" and (ints.start, ints.end, ints.step, ints.value) == (1, 9, 2, 3)
    choice = panel_control("phi", Choice(("one", "two"), "two", label="activation"))
    assert choice.options == ["one", "two"] and choice.value == "two" and getattr(choice, _LABEL) == "activation"
    log = panel_control("c", Slider(0.09, 0.01, 10.0, 0.5, log=True))
    np.testing.assert_allclose(list(log.options.values()), 10.0 ** np.arange(-2, 1.01, 0.5))
    assert log.value == pytest.approx(0.1)    # the grid point nearest 0.09 in log scale
    assert panel_control("t", Text("1, 2")).value == "1, 2"


def test_unsupported_controls_and_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="'colour'"):
        panel_control("colour", object())
    with pytest.raises(ValueError, match="dpi"):
        ExplorerPanel(contraction_spec(), dpi=-1)
    with pytest.raises(ValueError, match="spec"):
        ExplorerPanel(contraction_spec)
    with pytest.raises(ValueError, match="buttons"):
        ExplorerPanel(contraction_spec()).press("finite")
    with pytest.raises(ValueError, match="explorers"):
        build_app({})
    with pytest.raises(TypeError, match="Broken"):
        build_app({"Broken": 3})


def test_import_rnnlab_and_its_widgets_do_not_import_panel():
    probe = "import rnnlab, rnnlab.widgets, sys; print('panel' in sys.modules, 'bokeh' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_app_with_every_tab_built_and_used_never_imports_ipywidgets():
    probe = """
import sys
from rnnlab.app import build_app
app = build_app()
for title in app:
    panel = app.panel(title)
    name, control = next(iter(panel.state.spec.controls.items()))
    panel.update(**{name: control.value})
app.close()
print('ipywidgets' in sys.modules, 'ipympl' in sys.modules, len(app.panels))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "MPLBACKEND": "agg"})
    assert out.stdout.split() == ["False", "False", str(len(EXPLORERS))]


@pytest.mark.parametrize("factory", [rate_rnn_spec, contraction_spec])
def test_blitting_gives_the_full_draw_but_at_the_spines(factory):
    """Same events with and without blitting: the pixels agree except on the axes' edges, where the
    data artists drawn last cover the spines (the rate-RNN figure's eigenvalue axes rescale at each
    event, so its background is redrawn by axes; the contraction figure's never changes)."""
    blitted, full = ExplorerPanel(factory(), blit=True), ExplorerPanel(factory(), blit=False)
    events = [("w11", 0.3), ("w12", -1.2), ("g", 2.0), ("w22", -0.4)]
    limits = lambda: [(ax.get_xlim(), ax.get_ylim()) for ax in full.fig.axes]  # noqa: E731
    rescaled = 0   # events that moved some axes' limits: each costs the blitter one axes redraw
    for name, value in events:
        before = limits()
        for panel in (blitted, full):
            panel.controls[name].value = value
        rescaled += limits() != before
        a, b = _png(blitted), _png(full)
        ys, xs = np.nonzero((a != b).any(axis=-1))
        height = a.shape[0]
        near_edge = np.zeros(len(xs), dtype=bool)
        for ax in full.fig.axes:
            box = ax.get_window_extent()
            x0, x1, y0, y1 = box.x0, box.x1, height - box.y1, height - box.y0   # rows from the top
            inside = (xs >= x0 - 3) & (xs <= x1 + 3) & (ys >= y0 - 3) & (ys <= y1 + 3)
            on_edge = ((np.minimum(abs(xs - x0), abs(xs - x1)) <= 3)
                       | (np.minimum(abs(ys - y0), abs(ys - y1)) <= 3))
            near_edge |= inside & on_edge
        assert near_edge.all(), f"after {name} = {value}: pixels differ away from the spines"
        assert len(xs) < 0.005 * a.shape[0] * a.shape[1]
    renderer = blitted._blit
    assert renderer.full_draws == 1
    assert renderer.axes_draws == rescaled
    assert (rescaled > 0) == (factory is rate_rnn_spec)
    blitted.close()
    full.close()
