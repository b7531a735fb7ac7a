"""rnnlab.app, built in-process: tabs, Panel controls bound to the explorers both ways, the figure PNG.

The same app in a real browser is tested in ``tests/browser/test_panel_app.py``.
"""

from __future__ import annotations

import io
import subprocess
import sys

import ipywidgets
import numpy as np
import param
import pytest
from hypothesis import given, strategies as st
from matplotlib.quiver import Quiver
from PIL import Image

from rnnlab._app_panel import ExplorerPanel, panel_control
from rnnlab.app import EXPLORERS, build_app
from rnnlab.widgets import (contraction_explorer, mean_field_explorer, normalization_explorer,
                            rate_rnn_explorer)


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
        assert set(panel.controls) == set(panel.explorer.controls), title
    with pytest.raises(ValueError, match="title"):
        app.panel("No such tab")


def test_controls_keep_the_explorers_ranges_steps_and_values(app):
    for panel in app.panels.values():
        for name, control in panel.explorer.controls.items():
            mirror = panel.controls[name]
            assert mirror.value == control.value
            if isinstance(control, ipywidgets.FloatSlider):
                assert (mirror.start, mirror.end, mirror.step) == (control.min, control.max, control.step)
            if isinstance(control, ipywidgets.Dropdown):
                assert list(mirror.options.values()) == list(control.options)


def test_moving_a_panel_slider_recomputes_and_sends_one_new_figure(app):
    panel = app.panels["Phase portraits"]
    ex = panel.explorer
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
    assert f"{n} fixed point" in panel.extras[0].object


def test_the_explorer_side_flows_back_to_the_panel_controls(app):
    panel = app.panel("Certificates")
    renders = panel.renders
    panel.explorer.update(w11=0.0, w12=0.2, w21=0.2, w22=0.0)
    assert [panel.controls[k].value for k in ("w11", "w12", "w21", "w22")] == [0.0, 0.2, 0.2, 0.0]
    assert panel.renders == renders + 1   # the echo back to Panel sets off no further event
    # The verdict table is mirrored: small symmetric W contracts at rate 1 - g |W|_2 = 0.8.
    assert "contracting at rate 0.800" in panel.extras[0].object
    panel.controls["phi"].value = "relu"
    assert panel.explorer.values["phi"] == "relu"


def test_text_boxes_release_only_sliders_buttons_and_log_sliders_keep_their_behaviour():
    panel = ExplorerPanel(mean_field_explorer(N=60))
    ex, events = panel.explorer, len(panel.explorer.latencies)
    panel.controls["others"].value = "1.0"            # a text box applies on Enter
    assert ex.values["others"] == "1.0" and len(ex.latencies) == events + 1
    panel.controls["N"].value = 70                    # dragging the N slider: no event yet...
    assert ex.values["N"] == 60 and len(ex.latencies) == events + 1
    with param.edit_constant(panel.controls["N"]):
        panel.controls["N"].value_throttled = 70      # ...releasing it: one event
    assert ex.values["N"] == 70 and len(ex.latencies) == events + 2
    (button,) = [extra for extra in panel.extras if type(extra).__name__ == "Button"]
    button.clicks += 1                                # "finite N": recompute now, one event
    assert len(ex.latencies) == events + 3 and ex.result.finite_current
    panel.close()

    panel = ExplorerPanel(normalization_explorer())
    panel.explorer.update(contrast=0.3)               # off the log slider's grid of 10^(k/20)
    assert panel.controls["contrast"].value == pytest.approx(10 ** -0.5)
    panel.close()


def test_the_png_has_the_figure_size_at_the_chosen_dpi():
    panel = ExplorerPanel(contraction_explorer(), dpi=50)
    width, height = panel.explorer.fig.get_size_inches() * 50
    assert _png(panel).shape[:2] == (round(height), round(width))
    assert (panel.figure.width, panel.figure.height) == (round(width), round(height))
    panel.close()


@given(lo=st.floats(-10, 10), span=st.floats(0.5, 20), step=st.sampled_from([0.01, 0.05, 0.1, 0.5]),
       at=st.floats(0, 1))
def test_float_sliders_map_to_the_same_range_step_and_value(lo, span, step, at):
    slider = ipywidgets.FloatSlider(min=lo, max=lo + span, step=step, value=lo + at * span, description="x")
    mirror = panel_control(slider)
    assert (mirror.start, mirror.end, mirror.step) == (slider.min, slider.max, slider.step)
    assert mirror.value == slider.value


def test_other_controls_map_to_their_counterparts():
    ints = panel_control(ipywidgets.IntSlider(value=3, min=1, max=9, step=2))
    assert (ints.start, ints.end, ints.step, ints.value) == (1, 9, 2, 3)
    pairs = panel_control(ipywidgets.Dropdown(options=[("one", 1), ("two", 2)], value=2))
    assert pairs.options == {"one": 1, "two": 2} and pairs.value == 2
    log = panel_control(ipywidgets.FloatLogSlider(value=0.09, base=10, min=-2, max=1, step=0.5))
    np.testing.assert_allclose(list(log.options.values()), 10.0 ** np.arange(-2, 1.01, 0.5))
    assert log.value == pytest.approx(0.1)    # the grid point nearest 0.09 in log scale
    assert panel_control(ipywidgets.Checkbox(value=True)).value is True


def test_unsupported_controls_and_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="ColorPicker"):
        panel_control(ipywidgets.ColorPicker())
    with pytest.raises(ValueError, match="dpi"):
        ExplorerPanel(contraction_explorer(), dpi=-1)
    with pytest.raises(ValueError, match="explorers"):
        build_app({})
    with pytest.raises(TypeError, match="Broken"):
        build_app({"Broken": 3})


def test_import_rnnlab_and_its_widgets_do_not_import_panel():
    probe = "import rnnlab, rnnlab.widgets, sys; print('panel' in sys.modules, 'bokeh' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("factory", [rate_rnn_explorer, contraction_explorer])
def test_blitting_gives_the_full_draw_but_at_the_spines(factory):
    """Same events with and without blitting: the pixels agree except on the axes' edges, where the
    data artists drawn last cover the spines (the rate-RNN figure's eigenvalue axes rescale at each
    event, so its background is redrawn by axes; the contraction figure's never changes)."""
    blitted, full = ExplorerPanel(factory(), blit=True), ExplorerPanel(factory(), blit=False)
    events = [("w11", 0.3), ("w12", -1.2), ("g", 2.0), ("w22", -0.4)]
    limits = lambda: [(ax.get_xlim(), ax.get_ylim()) for ax in full.explorer.fig.axes]  # noqa: E731
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
        for ax in full.explorer.fig.axes:
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
    assert (rescaled > 0) == (factory is rate_rnn_explorer)
    blitted.close()
    full.close()
