"""Every explorer the lab registers labels every axes (title, x and y label), the mean-field explorer
keeps its window while the data fit in it, and its "finite N" button says what it computes."""

import functools

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
ipywidgets = pytest.importorskip("ipywidgets")
pytest.importorskip("panel")
matplotlib.use("Agg")

from rnnlab import explorers, widgets  # noqa: E402
from rnnlab.app import EXPLORERS  # noqa: E402
from rnnlab.explorers import ExplorerState, mean_field_spec  # noqa: E402
from rnnlab.widgets import mean_field_explorer  # noqa: E402


# Smaller than the app's defaults where a build costs seconds; the figures' axes are the same.
SMALL = {mean_field_spec: dict(N=60, n_omega=120)}


def _factory_function(factory):
    return factory.func if isinstance(factory, functools.partial) else factory


def test_every_explorer_spec_is_registered_in_the_app_and_shown_in_the_notebooks():
    specs = {name for name in explorers.__all__ if name.endswith("_spec")}
    registered = {_factory_function(factory).__name__ for factory in EXPLORERS.values()}
    notebook = {getattr(widgets, name).spec.__name__ for name in widgets.__all__ if name.endswith("_explorer")}
    assert specs == registered == notebook


@pytest.mark.parametrize("title", list(EXPLORERS))
def test_every_axes_of_every_registered_explorer_has_a_title_and_axis_labels(title):
    factory = EXPLORERS[title]
    explorer = ExplorerState(factory(**SMALL.get(_factory_function(factory), {})))
    explorer.fig.canvas.draw()   # as a front end shows it
    try:
        assert explorer.fig.axes, title
        for k, ax in enumerate(explorer.fig.axes):
            where = f"{title}, axes {k}"
            assert ax.get_title().strip(), f"{where}: no title"
            assert ax.get_xlabel().strip(), f"{where}: no x label"
            assert ax.get_ylabel().strip(), f"{where}: no y label"
            # Shown, not only set: the label texts lie inside the figure.
            box = explorer.fig.bbox
            for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
                extent = text.get_window_extent(explorer.fig.canvas.get_renderer())
                assert text.get_visible() and box.contains(*extent.min) and box.contains(*extent.max), where
    finally:
        explorer.fig.clear()


def _data_points(ax) -> np.ndarray:
    """The finite points of every line drawn in data coordinates (not the axh/axvlines), shape (K, 2)."""
    xy = [line.get_xydata() for line in ax.lines if line.get_transform() == ax.transData]
    xy = np.concatenate([p for p in xy if len(p)])
    return xy[np.isfinite(xy).all(axis=1)]


def test_the_mean_field_window_holds_every_curve_and_stays_put_for_small_moves():
    ex = mean_field_explorer(N=60, n_omega=120)
    try:
        limits = lambda: [(ax.get_xlim(), ax.get_ylim()) for ax in ex.fig.axes]  # noqa: E731
        for event in (dict(g=0.6), dict(A=1.0), dict(g=1.2), dict(A=-0.5), dict(g=0.9, A=0.5)):
            ex.update(**event)
            for ax in ex.fig.axes:   # the curves of the mean field and the finite network, the poles
                xy = _data_points(ax)
                (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
                assert len(xy) > 0
                x, y = xy.T
                assert np.all((x0 <= x) & (x <= x1) & (y0 <= y) & (y <= y1)), event
                assert x1 - x0 == pytest.approx(y1 - y0)   # equal units on both axes
        before = limits()
        for A in (0.51, 0.5, 0.52, 0.49):   # a slider nudged back and forth
            ex.update(A=A)
            assert limits() == before, A
    finally:
        ex.close()


def test_the_finite_n_button_is_explained_by_a_tooltip_and_a_caption():
    ex = mean_field_explorer(N=60, n_omega=120)
    try:
        tooltip = ex.buttons["finite"].tooltip
        assert "eigendecomposition" in tooltip and "N" in tooltip
        captions = [w.value for w in _walk(ex.widget) if isinstance(w, ipywidgets.HTML)
                    and "Rivkind" in w.value]
        assert len(captions) == 1 and "eigendecomposition" in captions[0] and "&infin;" in captions[0]
        from rnnlab._app_panel import ExplorerPanel

        # The app's tab shows both: the tooltip on its button, the caption beside it.
        app_tab = ExplorerPanel(mean_field_spec(N=60, n_omega=120))
        assert [b.description for b in app_tab.buttons.values()] == [tooltip]
        assert [pane.object for pane in app_tab.outputs.values()].count(captions[0]) == 1
    finally:
        ex.close()


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


@pytest.mark.parametrize("ylabels", [True, False])
def test_pinned_labels_sit_where_matplotlibs_placement_puts_them_at_any_dpi(ylabels):
    import matplotlib.pyplot as plt

    from rnnlab.explorers.figure import pin_labels

    def figure():
        fig, axes = plt.subplots(1, 2, figsize=(6.0, 3.0), layout="constrained")
        for ax in axes:
            ax.plot([0.0, 100.0], [-1.0, 1.0])
            ax.set(title="a title $\\lambda$", xlabel="Re $\\lambda$ ($1/\\tau$)", ylabel="$y^+$")
        fig.get_layout_engine().execute(fig)
        fig.set_layout_engine("none")
        return fig

    auto, pinned = figure(), figure()
    pin_labels(pinned, pinned.axes, ylabels=ylabels)
    assert not any(ax.xaxis._autolabelpos for ax in pinned.axes)
    assert all(ax.yaxis._autolabelpos != ylabels for ax in pinned.axes)
    for dpi in (100.0, 150.0, 72.0):   # ipympl's pixel ratio and the Panel app change the dpi
        for fig in (auto, pinned):
            fig.set_dpi(dpi)
            fig.canvas.draw()
        for a, p in zip(auto.axes, pinned.axes):
            for text_a, text_p in ((a.title, p.title), (a.xaxis.label, p.xaxis.label),
                                   (a.yaxis.label, p.yaxis.label)):
                box_a = text_a.get_window_extent(auto.canvas.get_renderer())
                box_p = text_p.get_window_extent(pinned.canvas.get_renderer())
                # within 2 pixels: glyph widths do not scale exactly with the dpi (hinting)
                np.testing.assert_allclose(box_p.extents, box_a.extents, atol=2.0)
    plt.close(auto)
    plt.close(pinned)
