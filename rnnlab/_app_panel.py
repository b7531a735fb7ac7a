"""An :class:`~rnnlab.widgets.Explorer` shown with Panel: native Panel controls and a PNG of its figure.

:mod:`rnnlab.app` builds its tabs with :class:`ExplorerPanel`; the module docstring there says why
this rendering path was chosen over ``pn.pane.IPyWidget`` and ``pn.pane.Matplotlib``.
"""

from __future__ import annotations

import re

import ipywidgets
import numpy as np
import panel as pn
import param
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ._compat import set_panel_debounce
from .widgets.blit import BlitRenderer, encode_png

__all__ = ["ExplorerPanel", "panel_control"]

# Delay before Panel processes a control change from the browser (Panel's own default: 50 ms).
DEBOUNCE_MS = 0
# Panel 1.8 renamed a widget's `name` to `label`; older Panels know only `name`.
_LABEL = "label" if "label" in pn.widgets.Widget.param else "name"


def _options(widget) -> dict:
    """The options of a selection widget as ``{label: value}`` (ipywidgets takes labels, pairs or a dict)."""
    options = widget.options
    if isinstance(options, dict):
        return {str(label): value for label, value in options.items()}
    pairs = [o if isinstance(o, tuple) and len(o) == 2 else (str(o), o) for o in options]
    return {str(label): value for label, value in pairs}


def panel_control(widget):
    """The Panel widget that stands for one ipywidgets control: same range, step, options and value.

    Parameters
    ----------
    widget : ipywidgets.ValueWidget
        A ``FloatSlider``, ``FloatLogSlider``, ``IntSlider``, ``Dropdown``, ``Select``,
        ``RadioButtons``, ``ToggleButtons``, ``SelectionSlider``, ``Checkbox``, ``ToggleButton``,
        ``FloatText``/``BoundedFloatText``, ``IntText``/``BoundedIntText`` or ``Text``. A slider with
        ``continuous_update=False`` reports on release in Panel too (bind to ``value_throttled``,
        as :class:`ExplorerPanel` does).

    Returns
    -------
    panel.widgets.Widget

    Raises
    ------
    TypeError
        For any other widget type.

    Examples
    --------
    >>> import ipywidgets
    >>> s = panel_control(ipywidgets.FloatSlider(value=0.5, min=-1.0, max=2.0, step=0.05, description="a"))
    >>> type(s).__name__, s.start, s.end, s.step, s.value
    ('FloatSlider', -1.0, 2.0, 0.05, 0.5)
    >>> panel_control(ipywidgets.Dropdown(options=["tanh", "relu"], value="relu")).options
    {'tanh': 'tanh', 'relu': 'relu'}
    """
    w = pn.widgets
    label = {_LABEL: widget.description}
    # Order matters: FloatLogSlider is not a FloatSlider, BoundedFloatText is a FloatText.
    if isinstance(widget, ipywidgets.FloatLogSlider):
        # Panel has no log slider: a discrete slider over the same grid of powers.
        exponents = np.arange(widget.min, widget.max + widget.step / 2, widget.step)
        options = {f"{widget.base ** e:.3g}": float(widget.base ** e) for e in exponents}
        values = np.array(list(options.values()))
        nearest = list(options.values())[int(np.argmin(np.abs(np.log(values / widget.value))))]
        return w.DiscreteSlider(**label, options=options, value=nearest)
    if isinstance(widget, ipywidgets.FloatSlider):
        decimals = re.fullmatch(r"\.(\d+)f", widget.readout_format or "")  # ".2f" reads "0.00" in Panel
        places = int(decimals.group(1)) if decimals else 0
        readout = {"format": "0." + "0" * places} if places else {}
        return w.FloatSlider(**label, start=widget.min, end=widget.max, step=widget.step, value=widget.value,
                             **readout)
    if isinstance(widget, ipywidgets.IntSlider):
        return w.IntSlider(**label, start=widget.min, end=widget.max, step=widget.step, value=widget.value)
    if isinstance(widget, ipywidgets.SelectionSlider):
        return w.DiscreteSlider(**label, options=_options(widget), value=widget.value)
    if isinstance(widget, (ipywidgets.Dropdown, ipywidgets.Select)):
        return w.Select(**label, options=_options(widget), value=widget.value)
    if isinstance(widget, (ipywidgets.RadioButtons, ipywidgets.ToggleButtons)):
        return w.RadioButtonGroup(**label, options=_options(widget), value=widget.value)
    if isinstance(widget, (ipywidgets.Checkbox, ipywidgets.ToggleButton)):
        return w.Checkbox(**label, value=widget.value)
    if isinstance(widget, ipywidgets.BoundedFloatText):
        return w.FloatInput(**label, value=widget.value, start=widget.min, end=widget.max, step=widget.step)
    if isinstance(widget, ipywidgets.FloatText):
        return w.FloatInput(**label, value=widget.value)
    if isinstance(widget, ipywidgets.BoundedIntText):
        return w.IntInput(**label, value=widget.value, start=widget.min, end=widget.max, step=widget.step)
    if isinstance(widget, ipywidgets.IntText):
        return w.IntInput(**label, value=widget.value)
    if isinstance(widget, (ipywidgets.Text, ipywidgets.Textarea)):  # both apply on Enter or blur
        return w.TextInput(**label, value=widget.value)
    raise TypeError(f"widget must be an ipywidgets slider, selection, checkbox, number or text box; "
                    f"got {type(widget).__name__} (add its Panel counterpart to panel_control)")


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


class _PaneCanvas(FigureCanvasAgg):
    """An off-screen Agg canvas whose ``draw_idle`` hands the figure to a callback instead of drawing.

    The explorer calls ``draw_idle`` once per event; the callback renders once and sends the PNG.
    """

    def __init__(self, figure, on_draw_idle):
        super().__init__(figure)
        self._on_draw_idle = on_draw_idle

    def draw_idle(self, *args, **kwargs):
        self._on_draw_idle()


class ExplorerPanel:
    """One explorer as a Panel layout: its controls as Panel widgets, its HTML extras, its figure.

    A Panel control sets the explorer's ipywidgets control, which runs the explorer's event
    (``compute`` then ``draw``); the figure is then rendered once, on an off-screen Agg canvas, and
    sent to the browser as a PNG (:attr:`figure`). Changes made on the explorer side
    (``explorer.update``, a slider clipping a value) flow back to the Panel controls.

    Parameters
    ----------
    explorer : rnnlab.widgets.Explorer
        The explorer; this object owns it from now on (:meth:`close` closes it).
    dpi : float, optional
        Resolution of the PNG; default the figure's own. The figure is shown at its size in pixels.
    blit : bool
        Redraw only the data artists over a cached background while the axes stay put
        (:class:`_BlitRenderer`); False renders the whole figure at every event.

    Attributes
    ----------
    explorer : Explorer
    controls : dict of str to panel.widgets.Widget
        The Panel control of each of the explorer's controls, by name.
    extras : list of panel.pane.HTML or panel.widgets.Button
        Mirrors of the explorer's other widgets: HTML (keys, verdict tables) and buttons.
    figure : panel.pane.PNG
        The figure; its ``object`` is the latest PNG.
    layout : panel.Column
        Controls and extras in a row above the figure, as in the notebook.
    renders : int
        Figures sent so far.
    """

    def __init__(self, explorer, *, dpi: float | None = None, blit: bool = True):
        if dpi is not None and not (np.isfinite(dpi) and dpi > 0):
            raise ValueError(f"dpi must be a positive number, got {dpi!r}")
        self.explorer = explorer
        self.dpi = float(dpi) if dpi is not None else float(explorer.fig.dpi)
        self.renders = 0
        self._syncing = False
        self._blit = BlitRenderer(explorer.fig) if blit else None

        self.controls = {}
        for key, control in explorer.controls.items():
            self.controls[key] = mirror = panel_control(control)
            # Panel waits DEBOUNCE_MS after a change from the browser before processing it (to batch
            # changes); at the default 50 ms that was a third of a key press's latency here. Changes
            # that arrive while an event runs are still merged into one.
            set_panel_debounce(mirror, DEBOUNCE_MS)
            # A slider that reports only on release in the notebook does so here too.
            on_release = not getattr(control, "continuous_update", True) and "value_throttled" in mirror.param
            mirror.param.watch(self._from_panel(key), "value_throttled" if on_release else "value")
            control.observe(self._to_panel(key), names="value")

        shown = set(map(id, explorer.controls.values()))
        self.extras = []
        for widget in _walk(explorer.widget):
            if id(widget) in shown:
                continue
            if isinstance(widget, (ipywidgets.HTML, ipywidgets.HTMLMath, ipywidgets.Label)):
                pane = pn.pane.HTML(widget.value)
                widget.observe(lambda change, pane=pane: setattr(pane, "object", change["new"]),
                               names="value")
                self.extras.append(pane)
            elif isinstance(widget, ipywidgets.Button):  # e.g. "recompute now": a click runs its handlers
                button = pn.widgets.Button(**{_LABEL: widget.description}, description=widget.tooltip or None)
                button.on_click(lambda event, widget=widget: widget.click())
                self.extras.append(button)

        explorer.fig.set_dpi(self.dpi)
        _PaneCanvas(explorer.fig, self.render)
        width, height = explorer.fig.canvas.get_width_height()
        self.figure = pn.pane.PNG(self._png(), width=width, height=height, sizing_mode="fixed")
        grid = pn.GridBox(*self.controls.values(), ncols=self._columns())
        self.layout = pn.Column(pn.Row(grid, *self.extras), self.figure, css_classes=["rnnlab-explorer"])

    def _columns(self) -> int:
        """The explorer's number of control columns, read from its grid (2 if it has none)."""
        for widget in _walk(self.explorer.widget):
            if isinstance(widget, ipywidgets.GridBox):
                found = re.search(r"repeat\((\d+)", widget.layout.grid_template_columns or "")
                if found:
                    return int(found.group(1))
        return 2

    def _from_panel(self, key):
        def callback(event):
            if not self._syncing:
                self.explorer.controls[key].value = event.new
        return callback

    def _to_panel(self, key):
        def callback(change):
            pane_control, value = self.controls[key], change["new"]
            if isinstance(pane_control, pn.widgets.DiscreteSlider) and value not in pane_control.values:
                options = np.asarray(pane_control.values, dtype=float)   # a log slider's grid
                value = pane_control.values[int(np.argmin(np.abs(np.log(options / value))))]
            if pane_control.value != value:
                self._syncing = True
                try:
                    pane_control.value = value
                    if "value_throttled" in pane_control.param:   # Panel keeps it read-only
                        with param.edit_constant(pane_control):
                            pane_control.value_throttled = value
                finally:
                    self._syncing = False
        return callback

    def _png(self) -> bytes:
        """Render the figure once on its Agg canvas (blitting or not) and encode the pixels as PNG."""
        canvas = self.explorer.fig.canvas
        if self._blit is not None:
            self._blit.draw(canvas)
        else:
            canvas.draw()
        return encode_png(canvas.buffer_rgba())

    def render(self) -> None:
        """Send the figure as it is now to the browser (the explorer calls this after each event)."""
        self.figure.object = self._png()
        self.renders += 1

    def close(self) -> None:
        """Close the explorer (its widgets and figure)."""
        self.explorer.close()
