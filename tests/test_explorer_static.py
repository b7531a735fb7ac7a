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
    cell = nbformat.v4.new_code_cell("explorer", outputs=[nbformat.v4.new_output("display_data", data=bundle)])
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
