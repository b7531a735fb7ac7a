"""rnnlab.widgets: one compute per event, artists moved in place, and the data shown are rnnlab's."""

import dataclasses
import importlib.util
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
ipywidgets = pytest.importorskip("ipywidgets")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

import rnnlab  # noqa: E402
from rnnlab import plots  # noqa: E402
from rnnlab.explorers import ExplorerSpec, Slider, rate_rnn_spec  # noqa: E402
from rnnlab.widgets import Explorer, rate_rnn_explorer  # noqa: E402

# Small settings keep the tests quick; the same ones go to the reference phase_portrait.
PORTRAIT = dict(xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), n_grid=11, n_nullcline=81, n_starts=6)



def count_calls(function):
    def counted(*args, **kwargs):
        counted.calls += 1
        return function(*args, **kwargs)

    counted.calls = 0
    return counted


def counted(spec: ExplorerSpec) -> ExplorerSpec:
    """``spec`` with its compute calls counted (``spec.compute.calls``)."""
    return dataclasses.replace(spec, compute=count_calls(spec.compute))


def computes(ex) -> int:
    return ex.state.spec.compute.calls


@pytest.fixture
def explorer():
    ex = Explorer(counted(rate_rnn_spec(**PORTRAIT)))
    yield ex
    ex.close()


def model_of(values) -> rnnlab.RateRNN:
    """The model the explorer's controls describe, built independently of the explorer."""
    W = [[values["w11"], values["w12"]], [values["w21"], values["w22"]]]
    phi = rnnlab.Activation(values["phi"], gain=values["g"])
    return rnnlab.RateRNN(W, u=[values["u1"], values["u2"]], phi=phi)


def axes_of(ex):
    ax_phase, ax_eig = ex.fig.axes
    return ax_phase, ax_eig


def shown_points(ax) -> dict:
    return {
        line.get_label(): np.c_[line.get_xdata(), line.get_ydata()]
        for line in ax.lines
        if line.get_label() in plots.KIND_STYLES
    }


def artists(ex) -> list:
    ax_phase, ax_eig = axes_of(ex)
    return list(ax_phase.collections) + list(ax_phase.lines) + list(ax_eig.lines) + list(ax_eig.texts)


# ---- the generic Explorer ----


class LineView:
    """A view of one line, counting its draws."""

    def __init__(self, fig, result):
        (self.line,) = fig.subplots().plot([0.0, 1.0], result)
        self.draws = 0

    def draw(self, result):
        self.line.set_ydata(result)
        self.draws += 1


def make_line_explorer():
    controls = {"a": Slider(0.0, -1.0, 1.0, 0.1), "b": Slider(0.0, -1.0, 1.0, 0.1)}
    ex = Explorer(counted(ExplorerSpec(controls, lambda a, b: [a, b], LineView)))
    return ex, ex.state.view.line


def test_explorer_renders_once_at_start_then_once_per_event():
    ex, line = make_line_explorer()
    assert computes(ex) == ex.state.view.draws == 1 and ex.latencies == []
    ex.controls["a"].value = 0.25
    assert computes(ex) == ex.state.view.draws == 2
    assert list(line.get_ydata()) == [0.25, 0.0] and ex.result == [0.25, 0.0]
    ex.update(a=-0.5, b=0.75)  # two controls, one event
    assert computes(ex) == 3
    assert list(line.get_ydata()) == [-0.5, 0.75]
    assert len(ex.latencies) == 2 and all(t > 0 for t in ex.latencies)
    ex.controls["a"].value = -0.5  # not a change: no event
    assert computes(ex) == 3
    ex.update(a=5.0)  # clipped to the slider's range, in the state and on the widget alike
    assert ex.values["a"] == ex.controls["a"].value == 1.0 and ex.result == [1.0, 0.75]


def test_explorer_update_refuses_unknown_controls_and_close_detaches():
    ex, _ = make_line_explorer()
    with pytest.raises(ValueError, match="unknown controls"):
        ex.update(c=1.0)
    with pytest.raises(ValueError, match="'a'"):
        ex.update(a="high")
    assert computes(ex) == 1
    ex.close()
    ex.controls["a"].value = 0.5
    assert computes(ex) == 1


def test_explorer_checks_its_arguments():
    with pytest.raises(ValueError, match="controls"):
        ExplorerSpec({}, lambda: 0, LineView)
    with pytest.raises(ValueError, match=r"controls\['a'\]"):
        ExplorerSpec({"a": 1.0}, lambda a: 0, LineView)
    with pytest.raises(ValueError, match=r"controls\['a'\]"):
        ExplorerSpec({"a": ipywidgets.FloatSlider()}, lambda a: 0, LineView)
    with pytest.raises(ValueError, match="callables"):
        ExplorerSpec({"a": Slider(0.0, -1.0, 1.0, 0.1)}, None, LineView)
    with pytest.raises(ValueError, match="spec"):
        Explorer({"a": Slider(0.0, -1.0, 1.0, 0.1)})


def test_explorer_widget_holds_the_controls_and_a_view_of_the_figure():
    ex, _ = make_line_explorer()
    top, view = ex.widget.children
    assert list(top.children[0].children) == list(ex.controls.values())
    # Agg's canvas is not a widget: the figure goes in an Output.
    assert isinstance(view, ipywidgets.Output)


# ---- the rate-RNN explorer ----


def test_a_slider_event_recomputes_once_and_moves_the_same_artists(explorer):
    calls = computes(explorer)
    before = artists(explorer)
    ax_phase, ax_eig = axes_of(explorer)
    (quiver,) = [c for c in ax_phase.collections if isinstance(c, Quiver)]
    U_before = quiver.U.copy()
    eig_before = {k: p.copy() for k, p in shown_points(ax_eig).items()}
    image_before = np.asarray(explorer.fig.canvas.buffer_rgba()).copy()

    explorer.controls["w11"].value = 0.5
    assert computes(explorer) == calls + 1
    assert artists(explorer) == before  # the same objects, in the same order: nothing new
    assert all(a is b for a, b in zip(artists(explorer), before))
    assert not np.allclose(quiver.U, U_before)  # ... with new data
    assert any(
        not np.array_equal(p, eig_before[k]) for k, p in shown_points(ax_eig).items()
    )
    # ... and the canvas really was redrawn.
    assert not np.array_equal(np.asarray(explorer.fig.canvas.buffer_rgba()), image_before)
    assert len(explorer.latencies) == 1


def test_no_figure_is_created_across_events(explorer):
    n_figures = len(plt.get_fignums())
    for k, value in enumerate(np.linspace(-2.0, 2.0, 8)):
        explorer.controls[("w11", "w12", "u1", "g")[k % 4]].value = abs(value) if k % 4 == 3 else value
    assert len(plt.get_fignums()) == n_figures
    assert len(explorer.latencies) == 8


@pytest.mark.parametrize(
    "values",
    [
        dict(w11=2.0, w12=0.0, w21=0.0, w22=2.0),  # nine fixed points
        dict(w11=0.5, w12=-2.0, w21=2.0, w22=0.5),  # one stable focus
        dict(w11=2.0, w12=0.5, w21=-0.3, w22=1.5, u1=0.1),  # saddle, node and unstable focus
    ],
)
def test_fixed_points_shown_are_rnnlabs(explorer, values):
    explorer.update(**values)
    model = model_of(explorer.values)
    reference = rnnlab.phase_portrait(model, **PORTRAIT).fixed_points
    fps = explorer.result.fixed_points
    np.testing.assert_array_equal(fps.x, reference.x)
    assert fps.kinds == reference.kinds
    # They are zeros of the vector field of the model the sliders describe.
    assert np.max(np.abs(model.vector_field(0.0, fps.x))) < 1e-9
    shown = shown_points(axes_of(explorer)[0])
    assert {k: len(p) for k, p in shown.items() if len(p)} == Counter(fps.kinds)
    for kind, points in shown.items():
        np.testing.assert_array_equal(points, fps.x[[k == kind for k in fps.kinds]])
    key = explorer.widget.children[0].children[1].value
    assert f"<b>{len(fps)} fixed point" in key


def test_the_eigenvalue_scatter_is_the_jacobian_spectrum_at_the_fixed_points(explorer):
    explorer.update(w11=2.0, w12=0.5, w21=-0.3, w22=1.5, u1=0.1, u2=0.0)
    model = model_of(explorer.values)
    fps = explorer.result.fixed_points
    assert len(fps) >= 2
    shown = shown_points(axes_of(explorer)[1])
    for kind, points in shown.items():
        at = fps.x[[k == kind for k in fps.kinds]]
        lam = np.linalg.eigvals(model.jacobian(0.0, at)).ravel()  # exact Jacobian, independently
        np.testing.assert_allclose(
            np.sort_complex(points[:, 0] + 1j * points[:, 1]), np.sort_complex(lam), atol=1e-12
        )
    assert sum(len(p) for p in shown.values()) == 2 * len(fps)


def test_the_gain_g_scales_the_slope(explorer):
    # W = 1.5 I with tanh: g W < 1 gives one fixed point, g W > 1 three per neuron.
    explorer.update(w11=1.5, w12=0.0, w21=0.0, w22=1.5, u1=0.0, u2=0.0, g=0.5)
    assert explorer.result.fixed_points.kinds == ("stable node",)
    explorer.controls["g"].value = 1.0
    assert Counter(explorer.result.fixed_points.kinds) == {"stable node": 4, "saddle": 4, "unstable node": 1}


def test_changing_the_nonlinearity(explorer):
    explorer.update(w11=2.0, w12=0.0, w21=0.0, w22=2.0, u1=0.5, u2=0.5)
    tanh_fps = explorer.result.fixed_points
    calls = computes(explorer)
    explorer.controls["phi"].value = "relu"
    assert computes(explorer) == calls + 1
    model = model_of(explorer.values)
    assert model.phi.name == "relu"
    fps = explorer.result.fixed_points
    assert not np.array_equal(fps.x, tanh_fps.x)
    np.testing.assert_array_equal(fps.x, rnnlab.phase_portrait(model, **PORTRAIT).fixed_points.x)
    # The arrows follow the relu field.
    ax_phase = axes_of(explorer)[0]
    (quiver,) = [c for c in ax_phase.collections if isinstance(c, Quiver)]
    X, Y = np.meshgrid(explorer.result.x, explorer.result.y)
    F = model.vector_field(0.0, np.stack([X, Y], -1)).reshape(-1, 2)
    np.testing.assert_allclose(quiver.U * np.hypot(*F.T), F[:, 0], atol=1e-12)


def test_the_key_counts_the_kinds(explorer):
    explorer.update(w11=2.0, w12=0.0, w21=0.0, w22=2.0, u1=0.0, u2=0.0, g=1.0)
    key = explorer.widget.children[0].children[1].value
    assert "stable node: 4" in key and "saddle: 4" in key and "unstable node: 1" in key
    assert "stable focus: 0" in key


def test_explorer_arguments_are_checked():
    with pytest.raises(ValueError, match=r"W must be a square matrix of shape \(2, 2\)"):
        rate_rnn_explorer(W=[[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="phi must be one of"):
        rate_rnn_explorer(phi="elu")


def test_importing_widgets_does_not_import_torch():
    code = "import sys, rnnlab.widgets; print('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert out.stdout.strip() == "False"


def test_close_closes_every_widget_of_the_explorer():
    ex, _ = make_line_explorer()
    controls = list(ex.controls.values())
    assert all(control.comm is not None for control in controls)
    ex.close()
    assert all(control.comm is None for control in controls)
    assert ex.widget.comm is None


def test_with_ipympl_the_canvas_is_the_widget_and_stays_the_one_figure():
    if importlib.util.find_spec("ipympl") is None:  # importing ipympl would switch this process's backend
        pytest.skip("ipympl is not installed")
    code = """
import matplotlib.pyplot as plt
from rnnlab.widgets import rate_rnn_explorer
ex = rate_rnn_explorer(n_grid=9, n_nullcline=41)
before = plt.get_fignums()
for value in (0.1, 0.5, 1.0):
    ex.controls["w11"].value = value
print(ex.widget.children[1] is ex.fig.canvas, before, plt.get_fignums(), len(ex.latencies))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg"},
    )
    assert out.stdout.split() == ["True", "[1]", "[1]", "3"]


def test_with_ipympl_each_event_is_blitted_and_matches_a_full_draw():
    if importlib.util.find_spec("ipympl") is None:  # importing ipympl would switch this process's backend
        pytest.skip("ipympl is not installed")
    code = """
import io
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image
from rnnlab.widgets import rate_rnn_explorer
plt.ion()   # as %matplotlib widget leaves a notebook: a stale figure asks for draw_idle
ex = rate_rnn_explorer(n_grid=9, n_nullcline=41)
canvas = ex.fig.canvas
messages, frames = [], []
def send(content, buffers=None):
    messages.append(content["data"])
    frames.extend(np.asarray(Image.open(io.BytesIO(bytes(b)))) for b in buffers or ())
canvas.send = send
for message in ({"type": "initialized"}, {"type": "refresh"}, {"type": "draw"}):   # the front end comes up
    canvas._handle_message(canvas, message, [])
del messages[:]
sent = []
blit = ex.fig.canvas.blit
ex.fig.canvas.blit = lambda *a: (sent.append(1), blit(*a))
for name, value in (("w11", 0.3), ("w12", -1.2), ("g", 2.0), ("w22", -0.4)):
    ex.controls[name].value = value
draws, binaries = sum('"draw"' in m for m in messages), sum('"binary"' in m for m in messages)
blitted = np.asarray(ex.fig.canvas.buffer_rgba()).copy()
# The browser's picture: each frame's opaque pixels over the last (whole frames cover everything).
shown = frames[0].copy()
for frame in frames[1:]:
    shown[frame[..., 3] > 0] = frame[frame[..., 3] > 0]
animated = sum(a.get_animated() for ax in ex.fig.axes for a in [*ax.collections, *ax.lines, *ax.texts])
ex.fig.stale_callback = None   # the check's own full draw must not ask the front end for another
FigureCanvasAgg.draw(ex.fig.canvas)   # the whole figure, as ipympl draws it on the browser's request
full = np.asarray(ex.fig.canvas.buffer_rgba())
print(len(sent), animated, (blitted != full).any(axis=-1).mean() < 0.005, draws, binaries,
      len(frames), np.array_equal(shown, blitted), canvas.get_diff_image.__qualname__.split(".")[0])
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg"},
    )
    # Four events sent as four blits and nothing else (no request for a full draw); nothing left
    # animated; the picture is the full draw's but at the spines, which the data artists drawn last
    # cover (as in the Panel app); the PNG frames sent (one at the start, one per event, written by
    # rnnlab's whole-frame encoder) give exactly the blitted picture.
    assert out.stdout.split() == ["4", "0", "True", "0", "4", "5", "True", "ipympl_send_whole_png_frames"]


def test_with_ipympl_a_resize_or_pixel_ratio_change_between_events_redraws_the_background():
    """The browser resizes the figure or changes its device pixel ratio (a zoom, another screen):
    ipympl remakes the Agg renderer at the new size, and the next blitted event must paint the whole
    new picture, never the cached background of the old size."""
    if importlib.util.find_spec("ipympl") is None:
        pytest.skip("ipympl is not installed")
    code = """
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from rnnlab.widgets import contraction_explorer
plt.ion()
ex = contraction_explorer()
canvas = ex.fig.canvas
canvas.send = lambda content, buffers=None: None
for message in ({"type": "initialized"}, {"type": "refresh"}, {"type": "draw"}):
    canvas._handle_message(canvas, message, [])
name = next(n for n, c in ex.controls.items() if hasattr(c, "step"))
control, out = ex.controls[name], []
for message in ({"type": "set_device_pixel_ratio", "device_pixel_ratio": 2},
                {"type": "resize", "width": 700, "height": 380},
                {"type": "set_device_pixel_ratio", "device_pixel_ratio": 1}):
    canvas._handle_message(canvas, message, [])
    full_draws = ex._blitter.full_draws
    control.value = control.value + control.step if control.value < control.max else control.min
    blitted = np.asarray(canvas.buffer_rgba()).copy()
    ex.fig.stale_callback = None
    FigureCanvasAgg.draw(canvas)
    full = np.asarray(canvas.buffer_rgba())
    out.append((blitted.shape == full.shape, bool((blitted != full).any(axis=-1).mean() < 0.005),
                ex._blitter.full_draws - full_draws))
print(out)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg"},
    )
    assert out.stdout.strip() == str([(True, True, 1)] * 3)


def test_with_ipympl_events_before_the_browser_asks_for_a_frame_take_draw_idle():
    """While the front end comes up (after its ``refresh``, before its first ``draw`` request) an
    event asks the browser to request the frame (draw_idle) instead of pushing a blitted one, which
    a view still sizing its canvas could wipe; from the browser's first request on, events blit."""
    if importlib.util.find_spec("ipympl") is None:
        pytest.skip("ipympl is not installed")
    code = """
import matplotlib.pyplot as plt
from rnnlab.widgets import contraction_explorer
plt.ion()
ex = contraction_explorer()
canvas, messages = ex.fig.canvas, []
canvas.send = lambda content, buffers=None: messages.append(content["data"])
name = next(n for n, c in ex.controls.items() if hasattr(c, "step"))
control, out = ex.controls[name], []
def event():
    del messages[:]
    control.value = control.value + control.step if control.value < control.max else control.min
    out.append((sum('"draw"' in m for m in messages) > 0, sum('"binary"' in m for m in messages)))
for message in ({"type": "refresh"}, {"type": "initialized"}):
    canvas._handle_message(canvas, message, [])
event()                                                  # front end up, no frame asked for yet
canvas._handle_message(canvas, {"type": "draw"}, [])     # the browser asks: from now on, blit
event()
canvas._handle_message(canvas, {"type": "refresh"}, [])  # a page reload: draw_idle again
event()
print(out)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg"},
    )
    assert out.stdout.strip() == str([(True, 0), (False, 1), (True, 0)])


@pytest.mark.parametrize("blit", [True, False])
def test_with_ipympl_a_frame_asked_for_before_the_front_end_is_initialized_is_a_png(blit):
    """The browser's ``draw`` request can reach the kernel before its ``initialized`` (a browser test
    saw it for the second of two explorers shown together). ipympl 0.10 then sends the raw RGBA
    buffer as the frame, and the broken image it makes in the browser leaves the figure a 0 x 0
    canvas; every frame of an explorer must be a PNG of the figure, and the synced ``_data_url`` a
    data URL of it."""
    if importlib.util.find_spec("ipympl") is None:
        pytest.skip("ipympl is not installed")
    code = f"""
import base64, io
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from rnnlab.explorers import ExplorerSpec, Slider
from rnnlab.widgets import Explorer
plt.rcParams["figure.dpi"] = 50
class Line:
    def __init__(self, fig, result):
        (self.line,) = fig.subplots().plot([0.0, 1.0], result)
    def draw(self, result):
        self.line.set_ydata(result)
spec = ExplorerSpec({{"a": Slider(0.0, -1.0, 1.0, 0.1)}}, lambda a: [0.0, a], Line, figsize=(3, 2))
ex = Explorer(spec, blit={blit})
canvas, frames = ex.fig.canvas, []
canvas.send = lambda content, buffers=None: frames.extend(bytes(b) for b in buffers or ())
canvas._handle_message(canvas, {{"type": "draw"}}, [])         # before "initialized"
url = canvas._data_url
for message in ({{"type": "refresh"}}, {{"type": "initialized"}}, {{"type": "draw"}}):
    canvas._handle_message(canvas, message, [])
ex.controls["a"].value = 0.5
canvas._handle_message(canvas, {{"type": "draw"}}, [])
images = [np.asarray(Image.open(io.BytesIO(f))) for f in frames if f.startswith(b"\\x89PNG")]
prefix = "data:image/png;base64,"
print(len(frames), all(f.startswith(b"\\x89PNG") for f in frames), {{i.shape for i in images}},
      url.startswith(prefix) and base64.b64decode(url[len(prefix):]) == frames[0],
      canvas._data_url == url)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg"},
    )
    # Each frame (asked for before and after "initialized", and the event's) a PNG of the 150 x 100
    # figure; the data URL synced before "initialized" is the first frame, and it stays that.
    frames = 4 if blit else 3   # with blit the event pushes its own frame
    assert out.stdout.split(maxsplit=3)[:3] == [str(frames), "True", "{(100,"]
    assert out.stdout.split()[-2:] == ["True", "True"]
