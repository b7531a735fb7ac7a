"""Blitted renders of an explorer's figure: its data artists over a cached picture of the rest.

Shared by the front ends: the notebook explorers (:class:`~rnnlab.widgets.Explorer`, on a live ipympl
canvas or as a PNG in an ``Output``) and the Panel app (:mod:`rnnlab._app_panel`). In all of them
text (tick labels, axis labels, titles) is most of a full Agg draw and changes only when an axes'
limits or labels do.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

__all__ = ["BlitRenderer", "PNG_COMPRESS_LEVEL", "encode_png", "render_png"]

# zlib level of the figure's PNG: level 1 encodes a 900 x 420 explorer figure about twice as fast as
# PIL's default (6) for a file about 10% larger, which costs nothing on a local connection.
PNG_COMPRESS_LEVEL = 1


def encode_png(rgba) -> bytes:
    """The PNG of an ``(H, W, 4)`` uint8 RGBA image (an Agg buffer) at :data:`PNG_COMPRESS_LEVEL`."""
    with io.BytesIO() as png:
        Image.fromarray(np.asarray(rgba)).save(png, format="png", compress_level=PNG_COMPRESS_LEVEL)
        return png.getvalue()


def render_png(canvas, blitter=None) -> bytes:
    """Render the figure of the Agg ``canvas`` once, blitted by ``blitter`` (a :class:`BlitRenderer` of
    that figure) or in full when None, and return the pixels as PNG."""
    if blitter is not None:
        blitter.draw(canvas)
    else:
        canvas.draw()
    return encode_png(canvas.buffer_rgba())


class BlitRenderer:
    """Render a figure by drawing only its data artists over a cached picture of everything else.

    Most of an explorer's render is text: tick labels, axis labels and titles (on the rate-RNN figure
    the axes decorations are 60% of a full Agg draw), and they change only when an axes' limits or
    labels do. The data artists of each axes (collections, lines, patches, texts, images) are marked
    animated, so that drawing the figure or an axes leaves them out; the rest, the background, is
    kept. Each render restores the background and draws the data artists on top in zorder, as
    matplotlib's own blitting does. An axes whose key (position, limits, scales, labels, titles,
    legend texts) changed has its region of the background cleared and redrawn alone; the whole
    background is redrawn when the figure's key (size, dpi, figure texts, number of axes) changed
    or when the region of a changed axes overlaps another axes.

    The data artists are animated only while a render runs, so a full draw by anyone else (ipympl's own
    draws on resize or on the browser's request) shows the whole figure as usual.

    The one difference from a full draw: data artists with zorder below the spines' (2.5) are drawn
    over the spines instead of under them, at the axes' edge only (``tests/test_app.py`` bounds it).

    Attributes
    ----------
    full_draws, axes_draws : int
        Whole-background and single-axes background redraws so far.
    """

    PAD = 2  # pixels around an axes' tight box, for antialiasing

    def __init__(self, fig):
        self.fig = fig
        self._figure_key = None
        self._axes_keys: dict = {}
        self._boxes: dict = {}
        self._background = None
        self.full_draws = 0
        self.axes_draws = 0

    @staticmethod
    def _data(ax) -> list:
        return [*ax.collections, *ax.lines, *ax.patches, *ax.texts, *ax.images, *ax.artists, *ax.tables]

    @staticmethod
    def _axes_key(ax) -> tuple:
        legend = ax.get_legend()
        return (ax.get_visible(), ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(),
                ax.get_xscale(), ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel(),
                tuple(ax.get_title(loc) for loc in ("left", "center", "right")),
                tuple(t.get_text() for t in legend.get_texts()) if legend is not None else None)

    def _box(self, ax, renderer):
        return ax.get_tightbbox(renderer).padded(self.PAD)

    def _redraw_all(self, canvas) -> None:
        # Into the buffer only (ipympl's draw would also send it); the animated artists are left out.
        FigureCanvasAgg.draw(canvas)
        renderer = canvas.get_renderer()
        self._boxes = {ax: self._box(ax, renderer) for ax in self.fig.axes}
        self.full_draws += 1

    def _redraw_axes(self, canvas, changed) -> bool:
        """Redraw the background of the axes in ``changed`` alone; False if their regions overlap others."""
        renderer = canvas.get_renderer()
        regions, boxes = {}, {}
        for ax in changed:
            boxes[ax] = self._box(ax, renderer)   # with the new limits: tick labels are laid out now
            box = type(boxes[ax]).union([self._boxes[ax], boxes[ax]])
            others = [b for other, b in self._boxes.items() if other is not ax]
            if any(box.overlaps(b) for b in others):
                return False
            regions[ax] = box
        pixels = np.asarray(renderer.buffer_rgba())  # (H, W, 4), row 0 at the top
        pixels[...] = self._background
        height, width = pixels.shape[:2]
        face = np.round(255 * np.asarray(self.fig.get_facecolor())).astype(np.uint8)
        for ax, box in regions.items():
            x0, x1 = max(int(np.floor(box.x0)), 0), min(int(np.ceil(box.x1)), width)
            y0, y1 = max(height - int(np.ceil(box.y1)), 0), min(height - int(np.floor(box.y0)), height)
            pixels[y0:y1, x0:x1] = face
            ax.draw(renderer)
            self._boxes[ax] = boxes[ax]
            self.axes_draws += 1
        return True

    def draw(self, canvas) -> None:
        """Leave the current picture of the figure in ``canvas``'s buffer."""
        for ax in self.fig.axes:
            for artist in self._data(ax):
                artist.set_animated(True)
        figure_key = (self.fig.dpi, tuple(self.fig.get_size_inches()), tuple(self.fig.axes),
                      tuple(t.get_text() for t in self.fig.texts))
        axes_keys = {ax: self._axes_key(ax) for ax in self.fig.axes}
        changed = [ax for ax in self.fig.axes if axes_keys[ax] != self._axes_keys.get(ax)]
        fresh = figure_key != self._figure_key or self._background is None
        if not fresh:
            pixels = np.asarray(canvas.get_renderer().buffer_rgba())
            fresh = pixels.shape != self._background.shape  # the renderer was remade (size, dpi ratio)
        if fresh:
            self._redraw_all(canvas)
        elif changed:
            if not self._redraw_axes(canvas, changed):
                self._redraw_all(canvas)
        else:
            pixels[...] = self._background
        if fresh or changed:
            # A copy in numpy rather than Agg's copy_from_bbox/restore_region: a region taken from a
            # renderer that ipympl has since remade must never be written back into the new one.
            self._background = np.array(canvas.get_renderer().buffer_rgba())
        self._figure_key, self._axes_keys = figure_key, axes_keys
        for ax in self.fig.axes:
            if ax.get_visible():
                for artist in sorted(self._data(ax), key=lambda a: a.get_zorder()):
                    ax.draw_artist(artist)
            for artist in self._data(ax):
                artist.set_animated(False)
