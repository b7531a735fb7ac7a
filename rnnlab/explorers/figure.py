"""Figures cheap to redraw at every event: one layout pass, few tick labels, pinned labels, and axes
windows that do not flicker. Frame-rate concerns of live explorers, kept out of :mod:`rnnlab.plots`."""

from __future__ import annotations

from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation

from ..plots import artists

__all__ = ["freeze_for_redraws", "pin_labels", "eigenvalue_window", "LOOSEST", "MARKER_CHARS"]

# The markers of artists.KIND_STYLES as characters, filled and open, for the explorers' HTML keys.
MARKER_CHARS = {
    "o": ("\u25cf", "\u25cb"),
    "D": ("\u25c6", "\u25c7"),
    "X": ("\u2716", "\u2716"),
    "s": ("\u25a0", "\u25a1"),
}

# A window kept from the last event may be this many times the tight one before it is replaced:
# 1.5 ** 2, one step of the ladder of eigenvalue_limits beyond the at most 1.5 of a fresh window.
LOOSEST = 2.25


def freeze_for_redraws(fig, axes) -> None:
    """Make a figure cheap to redraw on every event: few tick labels (text is most of a redraw), and
    one layout pass now, then none (a constrained-layout pass per event costs as much as the draw)."""
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_locator(MaxNLocator(4))
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")


def pin_labels(fig, axes, *, ylabels: bool = True) -> None:
    """Fix where the titles and axis labels of ``axes`` are drawn, at the distance from each axes'
    edge that matplotlib's automatic placement gives them now.

    Matplotlib places a title and an axis label at every draw, from the boxes of the tick labels
    (the cost of having them on a full draw of an explorer's figure, more than drawing their glyphs).
    Pinned, the label keeps its distance in inches from the axes' edge: right under any dpi (ipympl's
    pixel ratio, the Panel app's dpi) and any figure size. Call it after the figure's one layout pass
    (:func:`freeze_for_redraws`) and after the labels are set.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    axes : sequence of matplotlib.axes.Axes
    ylabels : bool
        Pin the y labels too. Their place depends on the width of the y tick labels, so leave them to
        matplotlib on axes whose limits change (pinned x labels and titles stay right: tick labels
        keep their height, and there are no tick labels above the axes).
    """
    fig.draw_without_rendering()  # places the labels once, where matplotlib puts them
    inch = fig.dpi_scale_trans
    for ax in axes:
        # An explicit y turns the title's automatic placement off; 1.0 is where it is (nothing sits
        # above the axes).
        ax.set_title(ax.get_title(), y=1.0, fontsize=ax.title.get_fontsize())
        box = ax.get_window_extent()
        x_label = ax.xaxis.label
        below = (x_label.get_transform().transform(x_label.get_position())[1] - box.y0) / fig.dpi
        ax.xaxis.set_label_coords(0.5, 0.0, transform=ax.transAxes + ScaledTranslation(0.0, below, inch))
        if ylabels:
            y_label = ax.yaxis.label
            left = (y_label.get_transform().transform(y_label.get_position())[0] - box.x0) / fig.dpi
            ax.yaxis.set_label_coords(0.0, 0.5, transform=ax.transAxes + ScaledTranslation(left, 0.0, inch))


def eigenvalue_window(lam, current=None):
    """The window of a live spectrum: ``current`` (``(xlim, ylim)``) while it still holds ``lam`` as
    :func:`~rnnlab.plots.artists.eigenvalue_limits` would and is at most :data:`LOOSEST` times the
    tight window, otherwise a fresh one. The hysteresis keeps an eigenvalue that moves back and
    forth across a step of the ladder (a slider nudged right, then left) from changing the window,
    and with it the axes' tick labels, at every event."""
    fresh = artists.eigenvalue_limits(lam)
    if current is None:
        return fresh
    (x0, x1), (y0, y1) = current
    edges = (-x0, x1, y1)
    if y0 != -y1 or any(not tight <= edge <= LOOSEST * tight
                        for edge, tight in zip(edges, artists.tight_eigenvalue_edges(lam))):
        return fresh
    return (x0, x1), (y0, y1)
