"""An explorer's display carries a PNG of its figure beside the widget view, and HTML exported without
a kernel's widget state (``jupyter nbconvert --to html``) shows that picture instead of a blank canvas."""

import base64
import io

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
ipywidgets = pytest.importorskip("ipywidgets")
matplotlib.use("Agg")
from PIL import Image  # noqa: E402

from rnnlab.widgets import contraction_explorer  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _pixels(png_base64: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png_base64))).convert("RGBA"))


def _rendered(explorer) -> np.ndarray:
    explorer.fig.canvas.draw()
    return np.asarray(explorer.fig.canvas.buffer_rgba())


def test_the_display_bundle_holds_the_widget_view_and_a_png_of_the_figure_as_it_is_now():
    from IPython.core.formatters import DisplayFormatter

    ex = contraction_explorer()
    try:
        first, _ = DisplayFormatter().format(ex)                # what IPython sends for `explorer`
        assert first[WIDGET_VIEW]["model_id"] == ex.widget.model_id
        np.testing.assert_array_equal(_pixels(first["image/png"]), _rendered(ex))
        ex.update(w11=-1.0, g=2.0)
        now, _ = DisplayFormatter().format(ex)
        shown = _pixels(now["image/png"])
        np.testing.assert_array_equal(shown, _rendered(ex))   # the figure after the event ...
        assert not np.array_equal(shown, _pixels(first["image/png"]))   # ... which is another picture
        assert "image/png" not in ex._repr_mimebundle_(exclude={"image/png"})
        assert "image/png" not in ex._repr_mimebundle_(include={"text/plain", WIDGET_VIEW})
    finally:
        ex.close()


def _exported_html(bundle, widget_state=None) -> str:
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    output = nbformat.v4.new_output("display_data", data=bundle)
    cell = nbformat.v4.new_code_cell("explorer", outputs=[output])
    nb = nbformat.v4.new_notebook(cells=[cell])
    if widget_state is not None:
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
            "state": widget_state, "version_major": 2, "version_minor": 0}}
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    return html


def test_html_exported_without_widget_state_shows_the_picture():
    ex = contraction_explorer()
    try:
        bundle = ex._repr_mimebundle_()
        html = _exported_html(bundle)
        assert f'src="data:image/png;base64,{bundle["image/png"]}"' in html
        # With the widget's state saved (nbconvert --execute saves it unless told not to), nbconvert
        # shows the widget view instead, which needs ipympl's front end: docs/teaching.md says so.
        saved = _exported_html(bundle, {bundle[WIDGET_VIEW]["model_id"]: {}})
        assert bundle["image/png"] not in saved and "application/vnd.jupyter.widget-view+json" in saved
    finally:
        ex.close()


def test_with_ipympl_the_picture_leaves_the_live_canvas_alone():
    """The PNG is rendered on a canvas of its own: the live ipympl canvas stays the figure's, is sent
    nothing, and the next event is still blitted (no request for a full draw)."""
    import importlib.util
    import os
    import subprocess
    import sys

    if importlib.util.find_spec("ipympl") is None:  # importing ipympl would switch this process's backend
        pytest.skip("ipympl is not installed")
    code = """
import base64, io
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from rnnlab.widgets import rate_rnn_explorer
plt.ion()   # as %matplotlib widget leaves a notebook
ex = rate_rnn_explorer(n_grid=9, n_nullcline=41)
canvas, messages = ex.fig.canvas, []
canvas.send = lambda content, buffers=None: messages.append(content["data"])
for message in ({"type": "initialized"}, {"type": "refresh"}, {"type": "draw"}):   # the front end comes up
    canvas._handle_message(canvas, message, [])
ex.controls["w11"].value = 0.3
del messages[:]
png = Image.open(io.BytesIO(base64.b64decode(ex._repr_mimebundle_()["image/png"])))
sent_by_display = len(messages)
ex.controls["w12"].value = -1.2
print(sent_by_display, ex.fig.canvas is canvas, type(canvas).__name__, messages, png.size)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg"},
    )
    assert out.stdout.split() == ["0", "True", "Canvas", "['{\"type\":", '"binary"}\']', "(900,", "420)"]
