"""The Panel front end of an :class:`~rnnlab.explorers.ExplorerSpec`: Panel controls and a PNG of its figure.

:mod:`rnnlab.app` builds its tabs with :class:`ExplorerPanel`; the module docstring there says why
this rendering path was chosen over ``pn.pane.IPyWidget`` and ``pn.pane.Matplotlib``. Nothing here
imports ipywidgets: the controls are built from the spec, as the notebook's are.
"""

from __future__ import annotations

import time

import numpy as np
import panel as pn
import param

from ._compat import set_panel_debounce
from .explorers import Button, Choice, ExplorerSpec, ExplorerState, FrontEnd, Slider, Text
from .explorers.blit import BlitRenderer, render_png

__all__ = ["ExplorerPanel", "panel_control"]

# Delay before Panel processes a control change from the browser (Panel's own default: 50 ms).
DEBOUNCE_MS = 0
# Panel 1.8 renamed a widget's `name` to `label`; older Panels know only `name`.
_LABEL = "label" if "label" in pn.widgets.Widget.param else "name"


def _log_grid(control: Slider) -> dict:
    """The positions of a log slider, ``{readout: value}``: ``10 ** (log10(min) + k * step)``."""
    low, high = np.log10(control.min), np.log10(control.max)
    exponents = np.arange(low, high + control.step / 2, control.step)
    return {f"{10.0 ** e:.3g}": float(10.0 ** e) for e in exponents}


def _nearest(options, value):
    """The option of a log slider nearest ``value`` in log scale."""
    values = np.asarray(options, dtype=float)
    return options[int(np.argmin(np.abs(np.log(values / value))))]


def panel_control(name: str, control):
    """The Panel widget of one spec control: same range, step, options, value and label.

    A :class:`~rnnlab.explorers.Slider` becomes a ``FloatSlider`` (``IntSlider`` when ``integer``; a
    ``DiscreteSlider`` over the same grid of powers when ``log``, Panel having no log slider), a
    :class:`~rnnlab.explorers.Choice` a ``Select``, a :class:`~rnnlab.explorers.Text` a ``TextInput``
    (applied on Enter or blur). A slider with ``live=False`` reports on release: bind to
    ``value_throttled``, as :class:`ExplorerPanel` does.

    Examples
    --------
    >>> s = panel_control("a", Slider(0.5, -1.0, 2.0, 0.05))
    >>> type(s).__name__, s.start, s.end, s.step, s.value
    ('FloatSlider', -1.0, 2.0, 0.05, 0.5)
    >>> panel_control("phi", Choice(("tanh", "relu"), "relu")).options
    ['tanh', 'relu']
    """
    w = pn.widgets
    label = {_LABEL: getattr(control, "label", None) or name}
    if isinstance(control, Slider):
        if control.log:
            options = _log_grid(control)
            return w.DiscreteSlider(**label, options=options, value=_nearest(list(options.values()), control.value))
        if control.integer:
            return w.IntSlider(**label, start=int(control.min), end=int(control.max), step=int(control.step),
                               value=control.value)
        readout = {"format": "0." + "0" * control.digits} if control.digits else {}
        return w.FloatSlider(**label, start=control.min, end=control.max, step=control.step, value=control.value,
                             **readout)
    if isinstance(control, Choice):
        return w.Select(**label, options=list(control.options), value=control.value)
    if isinstance(control, Text):
        return w.TextInput(**label, value=control.value)
    raise ValueError(f"control {name!r} must be a Slider, Choice or Text, got {type(control).__name__}")


class ExplorerPanel(FrontEnd):
    """One explorer as a Panel layout: its controls as Panel widgets, its HTML, its figure as a PNG.

    A Panel control runs one event of the explorer's :class:`~rnnlab.explorers.ExplorerState`
    (``compute``, then the view moves the artists); the figure is then rendered once, on its off-screen
    Agg canvas, and sent to the browser as a PNG (:attr:`figure`). Values set from this side
    (:meth:`update`, a value clipped to a slider's range) flow back to the Panel controls.

    Parameters
    ----------
    spec : ExplorerSpec
        The explorer (build one per panel: its compute function may keep state).
    dpi : float, optional
        Resolution of the PNG; default the figure's own. The figure is shown at its size in pixels.
    blit : bool
        Redraw only the data artists over a cached background while the axes stay put
        (:class:`~rnnlab.explorers.blit.BlitRenderer`); False renders the whole figure at every event.

    Attributes
    ----------
    state : ExplorerState
    controls : dict of str to panel.widgets.Widget
        The Panel control of each of the spec's controls, by name.
    outputs : dict of str to panel.pane.HTML
        The spec's :class:`~rnnlab.explorers.Html` items (keys, verdict tables), by name.
    buttons : dict of str to panel.widgets.Button
    figure : panel.pane.PNG
        The figure; its ``object`` is the latest PNG.
    layout : panel.Column
        Controls and side items in a row above the figure, as in the notebook.
    renders : int
        Figures sent so far.
    latencies : list of float
        Seconds from each event to its PNG (compute, draw, render, encode).
    """

    def __init__(self, spec: ExplorerSpec, *, dpi: float | None = None, blit: bool = True):
        if dpi is not None and not (np.isfinite(dpi) and dpi > 0):
            raise ValueError(f"dpi must be a positive number, got {dpi!r}")
        self.state = ExplorerState(spec)
        self.dpi = float(dpi) if dpi is not None else float(self.state.fig.dpi)
        self.state.fig.set_dpi(self.dpi)
        self.renders = 0
        self.latencies: list[float] = []
        self._syncing = False
        self._blit = BlitRenderer(self.state.fig) if blit else None

        self.controls = {}
        for name, control in spec.controls.items():
            self.controls[name] = widget = panel_control(name, control)
            # Panel waits DEBOUNCE_MS after a change from the browser before processing it (to batch
            # changes); at the default 50 ms that was a third of a key press's latency here. Changes
            # that arrive while an event runs are still merged into one.
            set_panel_debounce(widget, DEBOUNCE_MS)
            on_release = isinstance(control, Slider) and not control.live
            widget.param.watch(self._from_panel(name), "value_throttled" if on_release else "value")
        self.outputs = {name: pn.pane.HTML(text) for name, text in self.state.texts.items()}
        self.buttons = {}
        for name, item in spec.items(Button).items():
            self.buttons[name] = button = pn.widgets.Button(**{_LABEL: item.label}, description=item.tooltip or None)
            button.on_click(lambda event, name=name: self.press(name))
        shown = {**self.outputs, **self.buttons}
        rows = [[shown[item.name] for item in row] for row in spec.side]
        side = [pn.Row(*row) if len(row) > 1 else row[0] for row in rows]
        beside = [pn.Column(*side)] if len(side) > 1 else side

        width, height = self.state.fig.canvas.get_width_height()
        self.figure = pn.pane.PNG(render_png(self.state.fig.canvas, self._blit), width=width, height=height,
                                  sizing_mode="fixed")
        grid = pn.GridBox(*self.controls.values(), ncols=spec.columns)
        self.layout = pn.Column(pn.Row(grid, *beside), self.figure, css_classes=["rnnlab-explorer"])

    def update(self, **values) -> None:
        """Set several controls at once, as one event; the Panel controls follow."""
        values = self.state.coerce(values)
        self._event(lambda: self.state.set(**values), values)

    def close(self) -> None:
        """Release the figure's artists (the figure is on no pyplot list: nothing else holds it)."""
        self.state.fig.clear()

    def _from_panel(self, name):
        def callback(event):
            if not self._syncing:
                self._event(lambda: self.state.set(**{name: event.new}), (name,))
        return callback

    def _event(self, run, names=()) -> None:
        start = time.perf_counter()
        run()
        self._sync_controls(names)
        for name, text in self.state.texts.items():
            if self.outputs[name].object != text:
                self.outputs[name].object = text
        self.render()
        self.latencies.append(time.perf_counter() - start)

    def _sync_controls(self, names) -> None:
        """Show the state's values of the controls ``names`` on their Panel controls (values set by
        :meth:`update`, a value clipped to its range)."""
        self._syncing = True
        try:
            for name in names:
                widget, value = self.controls[name], self.state.values[name]
                if isinstance(widget, pn.widgets.DiscreteSlider) and value not in widget.values:
                    value = _nearest(widget.values, value)   # a log slider's grid
                if widget.value != value:
                    widget.value = value
                    if "value_throttled" in widget.param:   # Panel keeps it read-only
                        with param.edit_constant(widget):
                            widget.value_throttled = value
        finally:
            self._syncing = False

    def render(self) -> None:
        """Render the figure as it is now and send it to the browser."""
        self.figure.object = render_png(self.state.fig.canvas, self._blit)
        self.renders += 1
