"""An explorer described once, free of any widget library: controls, a compute function, a view.

An :class:`ExplorerSpec` says what an explorer is: its controls (:class:`Slider`, :class:`Choice`,
:class:`Text`, each with its range, step or options), ``compute(**values) -> result`` (the analysis,
free of plotting), a view that builds the figure's artists once and moves them for each result, and
what stands beside the controls (:class:`Html` texts that the view fills in, :class:`Button`\\ s).
:class:`ExplorerState` runs it: the current values, the result, the figure and its texts, and one
event per change. The front ends only translate: :class:`rnnlab.widgets.Explorer` builds ipywidgets
from a spec, :class:`rnnlab._app_panel.ExplorerPanel` Panel widgets; both hold an
:class:`ExplorerState` and render its figure.

A spec is built per front end: its compute function may keep state between events (the mean-field
explorer keeps its finite network), so one spec serves one explorer on screen.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..checks import interval, real_number

__all__ = ["Slider", "Choice", "Text", "Html", "Button", "ExplorerSpec", "ExplorerState", "View", "slider_for",
           "FrontEnd"]


def _number(owner: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{owner} {name} must be a finite number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Slider:
    """A number in ``[min, max]``, moved in steps of ``step``.

    Parameters
    ----------
    value, min, max, step : float
        The initial value is clipped to the range, as a slider shows it.
    label : str, optional
        Shown beside the slider; default the control's name.
    live : bool
        Report while dragged; False reports once, on release (for computations of seconds).
    digits : int
        Decimals of the readout.
    integer : bool
        Whole numbers only (``value``, ``min``, ``max`` and ``step`` integers).
    log : bool
        A logarithmic slider: ``min`` and ``max`` are values (positive) and ``step`` is in decades,
        so the slider's positions are ``10 ** (log10(min) + k * step)``.

    Examples
    --------
    >>> Slider(5.0, 0.0, 1.0, 0.1).value
    1.0
    >>> Slider(0.5, 0.0, 1.0, 0.1).coerce("a", 2)
    1.0
    """

    value: float
    min: float
    max: float
    step: float
    label: str | None = None
    live: bool = True
    digits: int = 2
    integer: bool = False
    log: bool = False

    def __post_init__(self):
        low, high, step = (_number("Slider", n, getattr(self, n)) for n in ("min", "max", "step"))
        if not low < high or step <= 0:
            raise ValueError(f"Slider needs min < max and step > 0, got min={low}, max={high}, step={step}")
        if self.log and low <= 0:
            raise ValueError(f"a log Slider needs min > 0, got {low}")
        if self.integer and not all(float(v).is_integer() for v in (self.value, low, high, step)):
            raise ValueError(f"an integer Slider needs whole value, min, max and step, got "
                             f"{(self.value, low, high, step)}")
        if not isinstance(self.digits, int) or self.digits < 0:
            raise ValueError(f"Slider digits must be an integer >= 0, got {self.digits!r}")
        object.__setattr__(self, "value", self.coerce("value", self.value))

    def coerce(self, name: str, value):
        """``value`` clipped to the range (an ``int`` for an integer slider); ValueError naming ``name``
        for anything but a finite number."""
        value = min(max(_number("control", repr(name), value), float(self.min)), float(self.max))
        if self.integer:
            if not value.is_integer():
                raise ValueError(f"control {name!r} takes whole numbers, got {value!r}")
            return int(value)
        return value


def slider_for(name: str, value, range_name: str, bounds, step: float, **options) -> Slider:
    """The :class:`Slider` of a spec factory's argument ``name`` (its initial value) over ``bounds``
    (the factory's argument ``range_name``, ``(low, high)``): bad values are refused naming those
    arguments rather than the slider's fields.

    Examples
    --------
    >>> slider_for("g", 0.5, "gain_range", (0.1, 4.0), 0.05).max
    4.0
    >>> slider_for("g", 0.5, "gain_range", (4.0, 0.1), 0.05)
    Traceback (most recent call last):
    ...
    ValueError: gain_range must be (low, high) with low < high, got (4.0, 0.1)
    """
    low, high = interval(range_name, bounds)
    return Slider(real_number(name, value), low, high, step, **options)


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (strings), shown as a dropdown."""

    options: tuple
    value: str
    label: str | None = None

    def __post_init__(self):
        if isinstance(self.options, str) or not isinstance(self.options, (tuple, list)):
            raise ValueError(f"Choice options must be a tuple or list of strings, got {self.options!r}")
        object.__setattr__(self, "options", tuple(self.options))
        if not self.options or not all(isinstance(o, str) for o in self.options):
            raise ValueError(f"Choice options must be a non-empty sequence of strings, got {self.options!r}")
        self.coerce("value", self.value)

    def coerce(self, name: str, value) -> str:
        if value not in self.options:
            raise ValueError(f"control {name!r} must be one of {self.options}, got {value!r}")
        return value


@dataclass(frozen=True)
class Text:
    """A line of text, applied on Enter or when the box loses focus."""

    value: str
    label: str | None = None

    def __post_init__(self):
        self.coerce("value", self.value)

    def coerce(self, name: str, value) -> str:
        if not isinstance(value, str):
            raise ValueError(f"control {name!r} takes a string, got {type(value).__name__}")
        return value


CONTROLS = (Slider, Choice, Text)


@dataclass(frozen=True)
class Html:
    """Text beside the controls: fixed (``value``) or filled in by the view (the key ``name`` of what
    its ``draw`` returns). Text in a widget costs nothing at redraw; text in the figure does."""

    name: str
    value: str = ""


@dataclass(frozen=True)
class Button:
    """A button: a press calls ``action()``, then runs one event (a recompute with the current values)."""

    name: str
    label: str
    action: Callable[[], Any]
    tooltip: str = ""

    def __post_init__(self):
        if not callable(self.action):
            raise ValueError(f"Button {self.name!r} needs a callable action, got {self.action!r}")


class View(Protocol):
    """What ``ExplorerSpec.view(fig, result)`` returns: it has built the artists of ``fig`` once, and
    ``draw(result)`` moves them (``set_data``, ``set_UVC``, ...; it never creates figures) and
    returns the HTML of the :class:`Html` items it fills in, by name (or None)."""

    def draw(self, result) -> Mapping[str, str] | None: ...


@dataclass(frozen=True, eq=False)
class ExplorerSpec:
    """One explorer, described for any front end.

    Parameters
    ----------
    controls : dict of str to Slider, Choice or Text
        In the order shown; the names are the keyword arguments of ``compute``.
    compute : callable
        ``compute(**values) -> result``.
    view : callable
        ``view(fig, result) -> View``: builds the artists on ``fig`` (a figure of ``figsize`` with
        the constrained layout) for the first result.
    figsize : (float, float)
        Inches.
    columns : int
        Columns of the control grid.
    side : tuple
        Beside the controls, top to bottom: :class:`Html` and :class:`Button` items, or tuples of
        them shown in a row.

    Examples
    --------
    >>> class Echo:                      # a view without artists: it writes the result into "key"
    ...     def draw(self, result):
    ...         return {"key": f"result {result}"}
    >>> spec = ExplorerSpec({"a": Slider(0.0, -1.0, 1.0, 0.1)}, compute=lambda a: 2 * a,
    ...                     view=lambda fig, result: Echo(), figsize=(2.0, 2.0), side=(Html("key"),))
    >>> state = ExplorerState(spec)
    >>> state.set(a=0.25)
    >>> state.result, state.texts
    (0.5, {'key': 'result 0.5'})
    """

    controls: Mapping[str, Any]
    compute: Callable[..., Any]
    view: Callable[[Figure, Any], View]
    figsize: tuple = (6.4, 4.8)
    columns: int = 2
    side: tuple = ()

    def __post_init__(self):
        if not isinstance(self.controls, Mapping) or not self.controls:
            raise ValueError("controls must be a non-empty dict of name -> Slider, Choice or Text")
        for name, control in self.controls.items():
            if not (isinstance(name, str) and name.isidentifier()):
                raise ValueError(f"controls must be named by identifiers (compute's keywords), got {name!r}")
            if not isinstance(control, CONTROLS):
                raise ValueError(f"controls[{name!r}] must be a Slider, Choice or Text, "
                                 f"got {type(control).__name__}")
        object.__setattr__(self, "controls", dict(self.controls))
        if not callable(self.compute) or not callable(self.view):
            raise ValueError("compute and view must be callables: compute(**values) -> result, "
                             "view(fig, result) -> an object with draw(result)")
        if (not isinstance(self.figsize, (tuple, list)) or len(self.figsize) != 2
                or not all(_number("figsize", "entry", v) > 0 for v in self.figsize)):
            raise ValueError(f"figsize must be two positive numbers (inches), got {self.figsize!r}")
        if isinstance(self.columns, bool) or not isinstance(self.columns, int) or self.columns < 1:
            raise ValueError(f"columns must be an integer >= 1, got {self.columns!r}")
        if not isinstance(self.side, (tuple, list)):
            raise ValueError(f"side must be a tuple of Html and Button items, got {self.side!r}")
        rows = tuple(row if isinstance(row, tuple) else (row,) for row in self.side)
        items = [item for row in rows for item in row]
        if not all(isinstance(item, (Html, Button)) for item in items):
            raise ValueError(f"side must hold Html and Button items (or tuples of them), got {self.side!r}")
        names = [item.name for item in items]
        if len(set(names)) != len(names):
            raise ValueError(f"side items need distinct names, got {names}")
        object.__setattr__(self, "side", rows)

    def items(self, kind) -> dict:
        """The side items of type ``kind`` (:class:`Html` or :class:`Button`), by name."""
        return {item.name: item for row in self.side for item in row if isinstance(item, kind)}


class ExplorerState:
    """One explorer on screen, without its widgets: the values, the result, the figure and its texts.

    Parameters
    ----------
    spec : ExplorerSpec
    fig : matplotlib.figure.Figure, optional
        The figure to draw on (a front end passes one on its own canvas, e.g. ipympl's); default a
        new figure of ``spec.figsize`` on an off-screen Agg canvas, without pyplot.

    Attributes
    ----------
    values : dict
        The current value of every control.
    result : object
        The latest ``compute(**values)``.
    texts : dict of str to str
        The current HTML of every :class:`Html` item.
    fig : matplotlib.figure.Figure
    view : View
    """

    def __init__(self, spec: ExplorerSpec, fig: Figure | None = None):
        if not isinstance(spec, ExplorerSpec):
            raise ValueError(f"spec must be an ExplorerSpec, got {type(spec).__name__}")
        if fig is None:
            fig = Figure(figsize=spec.figsize, layout="constrained")
            FigureCanvasAgg(fig)
        self.spec, self.fig = spec, fig
        self.values = {name: control.value for name, control in spec.controls.items()}
        self.texts = {name: item.value for name, item in spec.items(Html).items()}
        self.result = spec.compute(**self.values)
        self.view = spec.view(fig, self.result)
        self._draw()

    def coerce(self, values: Mapping) -> dict:
        """``values`` as the controls hold them (sliders clip to their range); ValueError naming an
        unknown control or a value the control cannot take."""
        unknown = sorted(set(values) - set(self.spec.controls))
        if unknown:
            raise ValueError(f"unknown controls {unknown}; the controls are {list(self.spec.controls)}")
        return {name: self.spec.controls[name].coerce(name, value) for name, value in values.items()}

    def set(self, **values) -> None:
        """One event: set the controls named (coerced, as :meth:`coerce`), compute, move the artists.

        A compute that raises (a text box holding no numbers) leaves the values, the result and the
        figure as they were."""
        values = {**self.values, **self.coerce(values)}
        self.result = self.spec.compute(**values)
        self.values = values
        self._draw()

    def press(self, name: str) -> None:
        """Press button ``name``: its action, then one event."""
        buttons = self.spec.items(Button)
        if name not in buttons:
            raise ValueError(f"name must be one of the buttons {list(buttons)}, got {name!r}")
        buttons[name].action()
        self.set()

    def _draw(self) -> None:
        texts = self.view.draw(self.result) or {}
        unknown = sorted(set(texts) - set(self.texts))
        if unknown:
            raise ValueError(f"the view filled in {unknown}, which are not Html items of the spec "
                             f"({list(self.texts)})")
        self.texts.update(texts)


class FrontEnd:
    """What every front end of a spec shares: its :class:`ExplorerState` (``self.state``), read through
    ``values``, ``result`` and ``fig``, and buttons pressed as events. A front end implements
    ``_event(run)``: call ``run()`` (which changes the state), then show the texts and the figure."""

    state: ExplorerState

    @property
    def fig(self):
        """The explorer's figure."""
        return self.state.fig

    @property
    def values(self) -> dict:
        """The current value of every control, by name."""
        return dict(self.state.values)

    @property
    def result(self):
        """The result of the latest ``compute``."""
        return self.state.result

    def press(self, name: str) -> None:
        """Press button ``name`` (as a click does): its action, then one event."""
        buttons = self.state.spec.items(Button)
        if name not in buttons:
            raise ValueError(f"name must be one of the buttons {list(buttons)}, got {name!r}")
        self._event(lambda: self.state.press(name))

    def _event(self, run) -> None:
        raise NotImplementedError
