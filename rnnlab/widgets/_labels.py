"""Titles and axis labels that cost a full redraw no layout: their positions are computed once."""

from __future__ import annotations

from matplotlib.transforms import ScaledTranslation

__all__ = ["pin_labels"]


def pin_labels(fig, axes, *, ylabels: bool = True) -> None:
    """Fix where the titles and axis labels of ``axes`` are drawn, at the distance from each axes'
    edge that matplotlib's automatic placement gives them now.

    Matplotlib places a title and an axis label at every draw, from the boxes of the tick labels
    (the cost of having them on a full draw of an explorer's figure, more than drawing their glyphs).
    Pinned, the label keeps its distance in inches from the axes' edge: right under any dpi (ipympl's
    pixel ratio, the Panel app's dpi) and any figure size. Call it after the figure's one layout pass
    (:func:`rnnlab.widgets.explorer.freeze_for_redraws`) and after the labels are set.

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
