"""The ipywidgets front end of an :class:`~rnnlab.explorers.ExplorerSpec`, and the notebook explorers."""

from __future__ import annotations

import inspect
import math
import time
from contextlib import contextmanager

import ipywidgets
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg

from .. import explorers
from .._compat import ipympl_send_whole_png_frames, watch_ipympl_front_end
from ..explorers import Button, Choice, ExplorerSpec, ExplorerState, FrontEnd, Slider, Text
from ..explorers.blit import BlitRenderer, encode_png, render_png

__all__ = ["Explorer", "control_widget", "rate_rnn_explorer", "contraction_explorer", "circuit_explorer",
           "normalization_explorer", "mean_field_explorer", "parallel_time_explorer"]


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def control_widget(name: str, control) -> ipywidgets.ValueWidget:
    """The ipywidgets control of one spec control: same range, step, options, value and label.

    A :class:`~rnnlab.explorers.Slider` becomes a ``FloatSlider`` (``IntSlider`` when ``integer``,
    ``FloatLogSlider`` when ``log``; ``live=False`` is ``continuous_update=False``), a
    :class:`~rnnlab.explorers.Choice` a ``Dropdown``, a :class:`~rnnlab.explorers.Text` a ``Text`` that
    applies on Enter or blur.

    Examples
    --------
    >>> w = control_widget("a", Slider(0.5, -1.0, 2.0, 0.05))
    >>> type(w).__name__, w.min, w.max, w.step, w.value, w.description, w.readout_format
    ('FloatSlider', -1.0, 2.0, 0.05, 0.5, 'a', '.2f')
    """
    label = getattr(control, "label", None) or name
    if isinstance(control, Slider):
        common = dict(step=control.step, description=label, continuous_update=control.live)
        if control.integer:
            return ipywidgets.IntSlider(value=control.value, min=int(control.min), max=int(control.max), **common)
        if control.log:
            return ipywidgets.FloatLogSlider(value=control.value, base=10, min=math.log10(control.min),
                                             max=math.log10(control.max), **common)
        return ipywidgets.FloatSlider(value=control.value, min=control.min, max=control.max,
                                      readout_format=f".{control.digits}f", **common)
    if isinstance(control, Choice):
        return ipywidgets.Dropdown(options=control.options, value=control.value, description=label)
    if isinstance(control, Text):
        return ipywidgets.Text(value=control.value, description=label, continuous_update=False)
    raise ValueError(f"control {name!r} must be a Slider, Choice or Text, got {type(control).__name__}")


@contextmanager
def _no_auto_draw(fig):
    """Hold off pyplot's auto-draw of a stale figure (any artist update would trigger it)."""
    callback, fig.stale_callback = fig.stale_callback, None
    try:
        yield
        fig.stale = False
    finally:
        fig.stale_callback = callback


def _close_tree(widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


class Explorer(FrontEnd):
    """An :class:`~rnnlab.explorers.ExplorerSpec` in a notebook: ipywidgets controls above its figure.

    Each control change is one event: the :class:`~rnnlab.explorers.ExplorerState` computes and moves
    the figure's artists, the HTML beside the controls is updated, and the figure is rendered.

    Parameters
    ----------
    spec : ExplorerSpec
    blit : bool
        Render each event by drawing only the data artists over a cached picture of the axes and their
        text (:class:`~rnnlab.explorers.blit.BlitRenderer`). On a live ipympl canvas
        (``%matplotlib widget``) the pixels are sent at once; False leaves the render to ipympl
        (``draw_idle``: the browser asks back for a full draw). Either way ipympl's frames go out whole,
        as PNGs at zlib level 1 (:func:`~rnnlab._compat.ipympl_send_whole_png_frames`). With any other
        backend the figure is shown as a PNG in an ``ipywidgets.Output``, blitted the same way.

    Attributes
    ----------
    state : ExplorerState
    fig : matplotlib.figure.Figure
    controls : dict of str to ipywidgets.ValueWidget
        The controls by name; setting one's ``value`` is an event.
    outputs : dict of str to ipywidgets.HTML
        The spec's :class:`~rnnlab.explorers.Html` items by name.
    buttons : dict of str to ipywidgets.Button
    latencies : list of float
        Seconds from each event (a control change, one :meth:`update`, a button) to the redraw
        request: compute + draw + the render (blitted, or ``draw_idle``). The initial render is not an
        event. On ipympl with ``blit`` it includes the render and its hand-over to ipympl (the PNG
        encode and send); without ``blit`` ipympl renders later, off this clock; in an ``Output`` it
        includes the PNG.
    widget : ipywidgets.Widget
        The controls and the figure, ready to display.

    Examples
    --------
    >>> from rnnlab.explorers import ExplorerSpec, Slider
    >>> class Line:
    ...     def __init__(self, fig, result):
    ...         (self.line,) = fig.subplots().plot([0.0, 1.0], result)
    ...     def draw(self, result):
    ...         self.line.set_ydata(result)
    >>> ex = Explorer(ExplorerSpec({"a": Slider(0.0, -1.0, 1.0, 0.1)}, lambda a: [0.0, a], Line))
    >>> ex.controls["a"].value = 0.5
    >>> ex.result, len(ex.latencies)
    ([0.0, 0.5], 1)
    """

    def __init__(self, spec: ExplorerSpec, *, blit: bool = True):
        if not isinstance(spec, ExplorerSpec):
            raise ValueError(f"spec must be an ExplorerSpec (rnnlab.explorers), got {type(spec).__name__}")
        with plt.ioff():  # shown inside the explorer's widget, not by pyplot
            fig = plt.figure(figsize=spec.figsize, layout="constrained")
        self.state = ExplorerState(spec, fig)
        self.latencies: list[float] = []
        self._holding = False

        self.controls = {name: control_widget(name, control) for name, control in spec.controls.items()}
        self.outputs = {name: ipywidgets.HTML(text) for name, text in self.state.texts.items()}
        self.buttons = {}
        for name, item in spec.items(Button).items():
            self.buttons[name] = button = ipywidgets.Button(description=item.label, tooltip=item.tooltip)
            button.on_click(lambda _, name=name: self.press(name))
        grid = ipywidgets.GridBox(
            list(self.controls.values()),
            # The controls keep their width; the side items wrap below them when the row is too narrow
            # (a shrinking grid let a verdict table cover the right-hand sliders' readouts).
            layout=ipywidgets.Layout(grid_template_columns=f"repeat({spec.columns}, max-content)",
                                     flex="0 0 auto"),
        )
        shown = {**self.outputs, **self.buttons}
        rows = [[shown[item.name] for item in row] for row in spec.side]
        side = [ipywidgets.HBox(row) if len(row) > 1 else row[0] for row in rows]
        if len(side) > 1:
            side = [ipywidgets.VBox(side)]

        self._blitter = BlitRenderer(fig) if blit else None
        self._front_end_ready = False
        if isinstance(fig.canvas, ipywidgets.DOMWidget):  # ipympl: the canvas is a live widget
            self._output = None
            view = fig.canvas
            ipympl_send_whole_png_frames(fig.canvas, encode_png)  # with or without blit: see its note
            if self._blitter is not None and not self._watch_front_end(fig.canvas):
                self._blitter = None
        else:
            self._output = view = ipywidgets.Output()
            # Shown through the Output only: take it from pyplot, whose inline backend would show it
            # again and close it, and give it its own off-screen canvas (closing resets the canvas).
            plt.close(fig)
            FigureCanvasAgg(fig)
        top = ipywidgets.HBox([grid, *side], layout=ipywidgets.Layout(flex_flow="row wrap"))
        self.widget = ipywidgets.VBox([top, view])
        self._handlers = {name: (lambda change, name=name: self._on_change(name, change))
                          for name in self.controls}
        for name, control in self.controls.items():
            control.observe(self._handlers[name], names="value")
        self._show_figure()

    def update(self, **values) -> None:
        """Set several controls at once, as one event (one ``compute``, one redraw).

        Sliders clip values to their range, as they do in the browser.
        """
        values = self.state.coerce(values)
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self._event(lambda: self.state.set(**values))

    def close(self) -> None:
        """Detach the controls, close the widgets and the figure."""
        for name, control in self.controls.items():
            control.unobserve(self._handlers[name], names="value")
        _close_tree(self.widget)
        plt.close(self.fig)

    def _on_change(self, name, change) -> None:
        if not self._holding:
            self._event(lambda: self.state.set(**{name: change["new"]}))

    def _event(self, run) -> None:
        start = time.perf_counter()
        if (self._output is None and self._blitter is not None and self._front_end_ready
                and not getattr(self.fig.canvas, "syncing_data_url", True)):
            # ipympl with its front end up: draw the data over the cached background and send the
            # pixels now. draw_idle would ask the browser to ask back for a full draw (a round trip
            # and every tick label again), so pyplot's auto-draw of a stale figure is held off until
            # the pixels are out.
            with _no_auto_draw(self.fig):
                run()
                self._blitter.draw(self.fig.canvas)
            self._show_texts()
            self.fig.canvas.blit()
        else:
            run()
            self._show_texts()
            self._show_figure()
        self.latencies.append(time.perf_counter() - start)

    def _show_texts(self) -> None:
        for name, text in self.state.texts.items():
            self.outputs[name].value = text

    def _show_figure(self) -> None:
        if self._output is None:
            self.fig.canvas.draw_idle()
            return
        png = render_png(self.fig.canvas, self._blitter)
        if _in_ipython():
            from IPython.display import Image, display

            with self._output:
                self._output.clear_output(wait=True)
                display(Image(png))

    def _watch_front_end(self, canvas) -> bool:
        """Blit only once the browser, since its last ``refresh`` (a view coming up, a page reload),
        has asked for a full draw itself. Until then events take ``draw_idle``, ipympl's own
        request-and-answer path, in which the browser asks for each frame once it is ready for it;
        a front end still coming up is never sent a frame it did not ask for. (The blank figures
        that led to this gate turned out to have another cause, ipympl's non-PNG frames before
        ``initialized``, fixed in :func:`~rnnlab._compat.ipympl_send_whole_png_frames`; the gate
        stays as the cautious start-up.) False where ipympl's messages cannot be watched: the
        explorer then never blits and takes ``draw_idle`` always."""

        def refreshed():
            self._front_end_ready = False

        def drawn():
            self._front_end_ready = True

        return watch_ipympl_front_end(canvas, refreshed, drawn)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """The widget view plus a PNG of the figure as it is now, for front ends without a kernel.

        A live front end shows the widget view; one without the widget's state (HTML exported by
        ``jupyter nbconvert`` with no widget state saved, GitHub) skips it and shows the next type it
        knows, the ``image/png``: the picture of the explorer when it was displayed (a live ipympl
        canvas exports blank). One full render, once per display, never per event.
        """
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        if (include is None or "image/png" in include) and not (exclude and "image/png" in exclude):
            import base64
            import io

            with io.BytesIO() as png:
                self.fig.savefig(png, format="png")  # on a canvas of its own: the live one is untouched
                bundle["image/png"] = base64.b64encode(png.getvalue()).decode("ascii")
        return bundle


def _notebook_explorer(spec_factory, name: str):
    """``name(*args, **kwargs)``: ``Explorer(spec_factory(*args, **kwargs))``, with the spec's signature."""

    def factory(*args, **kwargs) -> Explorer:
        return Explorer(spec_factory(*args, **kwargs))

    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = __name__
    factory.__signature__ = inspect.signature(spec_factory).replace(return_annotation=Explorer)
    factory.__doc__ = (
        f"The explorer of :func:`rnnlab.explorers.{spec_factory.__name__}` in a notebook: "
        f"``Explorer({spec_factory.__name__}(*args, **kwargs))``.\n\n"
        f"    It takes the same arguments; the spec's docstring says what it shows. The returned\n"
        f"    :class:`Explorer` has the controls, the figure and ``result``.\n")
    factory.spec = spec_factory
    return factory


rate_rnn_explorer = _notebook_explorer(explorers.rate_rnn_spec, "rate_rnn_explorer")
contraction_explorer = _notebook_explorer(explorers.contraction_spec, "contraction_explorer")
circuit_explorer = _notebook_explorer(explorers.circuit_spec, "circuit_explorer")
normalization_explorer = _notebook_explorer(explorers.normalization_spec, "normalization_explorer")
mean_field_explorer = _notebook_explorer(explorers.mean_field_spec, "mean_field_explorer")
parallel_time_explorer = _notebook_explorer(explorers.parallel_time_spec, "parallel_time_explorer")
