"""The explorer mechanism and the first explorers; :mod:`rnnlab.widgets` re-exports them."""

from __future__ import annotations

import time
from collections import Counter

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.ticker import MaxNLocator

from ..plots import artists
from ..activations import ACTIVATIONS, Activation
from ..fixed_points import KINDS
from ..models import RateRNN
from ..phase import phase_portrait
from .._compat import ipympl_send_whole_png_frames, watch_ipympl_front_end
from .blit import BlitRenderer, encode_png

__all__ = ["Explorer", "rate_rnn_explorer", "contraction_explorer", "fast_criteria"]


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def freeze_for_redraws(fig, axes) -> None:
    """Make a figure cheap to redraw on every event: few tick labels (text is most of a redraw), and
    one layout pass now, then none (a constrained-layout pass per event costs as much as the draw)."""
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_locator(MaxNLocator(4))
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")


def _close_tree(widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


class Explorer:
    """Bind ipywidgets controls to ``compute`` and ``draw`` on one matplotlib figure.

    Parameters
    ----------
    controls : dict of str to ipywidgets.ValueWidget
        The controls; their names are the keyword arguments of ``compute``.
    compute : callable
        ``compute(**values) -> result``: the analysis, free of plotting.
    draw : callable
        ``draw(result)``: moves the existing artists of ``fig`` to show ``result``
        (``set_UVC``, ``set_data``, ``set_offsets``, ``set_segments``, ...). It must not create
        figures; the explorer then calls ``fig.canvas.draw_idle()``.
    fig : matplotlib.figure.Figure
        The figure ``draw`` updates.
    columns : int
        Columns of the control grid above the figure.
    extras : sequence of ipywidgets.Widget
        Widgets shown beside the controls, such as an ``ipywidgets.HTML`` key that ``draw`` fills
        in (text in a widget costs nothing at redraw; text in the figure does).
    blit : bool
        On a live ipympl canvas, render each event by drawing only the data artists over a cached
        picture of the axes and their text (:class:`~rnnlab.widgets.blit.BlitRenderer`) and send
        the pixels at once; False leaves the render to ipympl (``draw_idle``: the browser asks back
        for a full draw). Either way ipympl's frames go out whole, as PNGs at zlib level 1
        (:func:`~rnnlab._compat.ipympl_send_whole_png_frames`). Other canvases always take the full draw.

    Attributes
    ----------
    result : object
        The result of the latest ``compute``.
    latencies : list of float
        Seconds from each event (a control change, or one :meth:`update`) to the redraw request:
        ``compute`` + ``draw`` + ``draw_idle`` (or the display of the figure in the ``Output``).
        The initial render is not an event. With a non-interactive backend such as Agg,
        ``draw_idle`` renders at once, so this includes a full render; on ipympl with ``blit`` it
        includes the blitted render and its hand-over to ipympl (the PNG encode and send), and
        without ``blit`` ipympl renders later, off this clock.
    widget : ipywidgets.Widget
        The controls and the figure, ready to display.

    Examples
    --------
    >>> import ipywidgets, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> (line,) = ax.plot([0.0, 1.0], [0.0, 0.0])
    >>> ex = Explorer({"a": ipywidgets.FloatSlider(value=0.0, min=-1.0, max=1.0)},
    ...               compute=lambda a: [0.0, a], draw=lambda y: line.set_ydata(y), fig=fig)
    >>> ex.controls["a"].value = 0.5
    >>> list(line.get_ydata()), len(ex.latencies)
    ([0.0, 0.5], 1)
    """

    def __init__(self, controls: dict, compute, draw, fig, *, columns: int = 2, extras=(), blit: bool = True):
        if not controls:
            raise ValueError("controls must name at least one widget")
        for name, control in controls.items():
            if not isinstance(control, ipywidgets.ValueWidget):
                raise ValueError(
                    f"controls[{name!r}] must be an ipywidgets value widget, got {type(control).__name__}"
                )
        if not callable(compute) or not callable(draw):
            raise ValueError("compute and draw must be callables: compute(**values) -> result, draw(result)")
        self.controls = dict(controls)
        self.compute = compute
        self.draw = draw
        self.fig = fig
        self.result = None
        self.latencies: list[float] = []
        self._holding = False

        grid = ipywidgets.GridBox(
            list(self.controls.values()),
            # The controls keep their width; the extras wrap below them when the row is too narrow
            # (a shrinking grid let a verdict table cover the right-hand sliders' readouts).
            layout=ipywidgets.Layout(grid_template_columns=f"repeat({columns}, max-content)", flex="0 0 auto"),
        )
        self._blitter = None
        if isinstance(fig.canvas, ipywidgets.DOMWidget):  # ipympl: the canvas is a live widget
            self._output = None
            view = fig.canvas
            # With or without blit: see its note on ipympl's frames.
            ipympl_send_whole_png_frames(fig.canvas, encode_png)
            if blit and self._watch_front_end(fig.canvas):
                self._blitter = BlitRenderer(fig)
        else:
            self._output = view = ipywidgets.Output()
            # Shown through the Output only: take it from pyplot, whose inline backend would show it
            # again and close it, and give it its own off-screen canvas (closing resets the canvas).
            plt.close(fig)
            FigureCanvasAgg(fig)
        top = ipywidgets.HBox([grid, *extras], layout=ipywidgets.Layout(flex_flow="row wrap"))
        self.widget = ipywidgets.VBox([top, view])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._render()

    @property
    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **values) -> None:
        """Set several controls at once, as one event (one ``compute``, one redraw).

        Sliders clip values to their range, as they do in the browser.
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(
                f"update got unknown controls {unknown}; the controls are {sorted(self.controls)}"
            )
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self._event()

    def close(self) -> None:
        """Detach the controls, close the widgets and the figure."""
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        _close_tree(self.widget)
        plt.close(self.fig)

    def _on_change(self, change) -> None:
        if not self._holding:
            self._event()

    def _event(self) -> None:
        start = time.perf_counter()
        self._render()
        self.latencies.append(time.perf_counter() - start)

    def _watch_front_end(self, canvas) -> bool:
        """Blit only once the browser, since its last ``refresh`` (a view coming up, a page reload),
        has asked for a full draw itself. Until then events take ``draw_idle``, ipympl's own
        request-and-answer path, in which the browser asks for each frame once it is ready for it;
        a front end still coming up is never sent a frame it did not ask for. (The blank figures
        that led to this gate turned out to have another cause, ipympl's non-PNG frames before
        ``initialized``, fixed in :func:`~rnnlab._compat.ipympl_send_whole_png_frames`; the gate
        stays as the cautious start-up.) False where ipympl's messages cannot be watched: the
        explorer then never blits and takes ``draw_idle`` always."""
        self._front_end_ready = False

        def refreshed():
            self._front_end_ready = False

        def drawn():
            self._front_end_ready = True

        return watch_ipympl_front_end(canvas, refreshed, drawn)

    def _render(self) -> None:
        self.result = self.compute(**self.values)
        if (self._blitter is not None and self._front_end_ready
                and not getattr(self.fig.canvas, "syncing_data_url", True)):
            # ipympl with its front end up: draw the data over the cached background and send the
            # pixels now. draw_idle would ask the browser to ask back for a full draw (a round trip
            # and every tick label again), so pyplot's auto-draw of a stale figure (which any
            # artist update or background redraw would trigger) is held off until the pixels are out.
            callback, self.fig.stale_callback = self.fig.stale_callback, None
            try:
                self.draw(self.result)
                self._blitter.draw(self.fig.canvas)
                self.fig.stale = False
            finally:
                self.fig.stale_callback = callback
            self.fig.canvas.blit()
            return
        self.draw(self.result)
        if self._output is not None and _in_ipython():
            from IPython.display import display

            with self._output:  # displaying renders the figure: no draw_idle as well
                self._output.clear_output(wait=True)
                display(self.fig)
        else:
            self.fig.canvas.draw_idle()

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


# The markers of artists.KIND_STYLES as characters, filled and open, for the explorer's HTML key.
MARKER_CHARS = {
    "o": ("\u25cf", "\u25cb"),
    "D": ("\u25c6", "\u25c7"),
    "X": ("\u2716", "\u2716"),
    "s": ("\u25a0", "\u25a1"),
}


def _key_html(kinds) -> str:
    """The key of the rate-RNN explorer: the marker of each kind of fixed point with its count now."""
    counts = Counter(kinds)
    rows = [f"<b>{len(kinds)} fixed point{'' if len(kinds) == 1 else 's'}</b>"]
    for kind in KINDS:
        style = artists.KIND_STYLES[kind]
        char = MARKER_CHARS[style["marker"]][style["markerfacecolor"] == "white"]
        weight = "bold" if counts[kind] else "normal"
        rows.append(
            f"<span style='color:{to_hex(style['color'])}'>{char}</span> "
            f"<span style='font-weight:{weight}'>{kind}: {counts[kind]}</span>"
        )
    for i, style in enumerate(artists.NULLCLINE_STYLES.values()):
        line = f"<span style='color:{to_hex(style['colors'])}'>&#9473;</span>"
        rows.append(f"{line} dx<sub>{i + 1}</sub>/dt = 0 (nullcline)")
    rows.append("<span style='color:#4d4d4d'>&#9476;</span> Re &lambda; = 0 (stability boundary)")
    return "<div style='line-height:1.35; font-size:90%'>" + "<br>".join(rows) + "</div>"


def rate_rnn_explorer(
    W=((2.0, 0.5), (0.5, 1.0)),
    u=(0.0, 0.0),
    phi: str = "tanh",
    g: float = 1.0,
    *,
    tau: float = 1.0,
    xlim=(-3.0, 3.0),
    ylim=(-3.0, 3.0),
    n_grid: int = 17,
    n_nullcline: int = 121,
    n_starts: int = 9,
    weight_range=(-4.0, 4.0),
    input_range=(-2.0, 2.0),
    gain_range=(0.1, 4.0),
) -> Explorer:
    """Explore the two-neuron rate RNN ``tau x' = -x + W phi(x) + u`` (Kozachkov et al. 2022, Eq. 1).

    Sliders set the weights ``w11 w12 w21 w22``, the inputs ``u1 u2`` and the gain ``g`` of
    ``phi`` (``phi(x) = f(g x)``, slope bound ``g`` for tanh); a dropdown picks ``phi``. Each event
    runs :func:`rnnlab.phase_portrait` on ``RateRNN(W, u, tau, Activation(phi, gain=g))`` and
    shows, updated in place, the vector field (unit arrows shaded by speed), the nullclines and the
    fixed points marked by kind, and beside it the Jacobian eigenvalues at every fixed point in the
    complex plane with the stability boundary ``Re lambda = 0``.

    Parameters
    ----------
    W : array_like, shape (2, 2)
        Initial weights.
    u : array_like, shape (2,)
        Initial inputs.
    phi : str
        Initial activation, one of :data:`rnnlab.ACTIVATIONS`.
    g : float
        Initial gain of ``phi``.
    tau : float
        Time constant (fixed).
    xlim, ylim : (float, float)
        The window of the phase portrait.
    n_grid, n_nullcline, n_starts : int
        Passed to :func:`rnnlab.phase_portrait`; the defaults keep a typical event under 100 ms.
        An odd ``n_starts`` puts a Newton start at the centre of the window, where ``x = 0`` is a
        fixed point whenever ``u = 0`` (an unstable node there has a small Newton basin).
    weight_range, input_range, gain_range : (float, float)
        Slider ranges.

    Returns
    -------
    Explorer
        ``explorer.result`` is the current :class:`~rnnlab.PhasePortrait`.

    Examples
    --------
    >>> ex = rate_rnn_explorer()
    >>> ex.update(w12=0.0, w21=0.0, w22=2.0)      # W = 2 I: three states per neuron
    >>> sorted(ex.result.fixed_points.kinds)
    ['saddle', 'saddle', 'saddle', 'saddle', 'stable node', 'stable node', 'stable node', 'stable node', 'unstable node']
    >>> ex.controls["g"].value = 0.4                # g W < I: one fixed point
    >>> ex.result.fixed_points.kinds
    ('stable node',)
    """
    W = np.asarray(W, dtype=float)
    u = np.asarray(u, dtype=float)
    if W.shape != (2, 2) or u.shape != (2,):
        raise ValueError(f"W must have shape (2, 2) and u shape (2,), got {W.shape} and {u.shape}")
    if phi not in ACTIVATIONS:
        raise ValueError(f"phi must be one of {ACTIVATIONS}, got {phi!r}")

    def slider(value, bounds, description):
        return ipywidgets.FloatSlider(
            value=value, min=bounds[0], max=bounds[1], step=0.05, description=description,
            readout_format=".2f", continuous_update=True,
        )

    weights = [(f"w{i + 1}{j + 1}", W[i, j]) for i in range(2) for j in range(2)]
    controls = {name: slider(value, weight_range, name) for name, value in weights}
    controls |= {f"u{i + 1}": slider(u[i], input_range, f"u{i + 1}") for i in range(2)}
    controls["phi"] = ipywidgets.Dropdown(options=ACTIVATIONS, value=phi, description="phi")
    controls["g"] = slider(g, gain_range, "g")

    def compute(w11, w12, w21, w22, u1, u2, phi, g):
        model = RateRNN([[w11, w12], [w21, w22]], u=[u1, u2], tau=tau, phi=Activation(phi, gain=g))
        return phase_portrait(model, xlim, ylim, n_grid=n_grid, n_nullcline=n_nullcline, n_starts=n_starts)

    values = {name: control.value for name, control in controls.items()}
    with plt.ioff():  # shown inside the explorer's widget, not by pyplot
        fig = plt.figure(figsize=(9.0, 4.2), layout="constrained")
    view = _RateRNNView(fig, compute(**values))
    return Explorer(controls, compute, view.draw, fig, columns=2, extras=[view.key])


# A window kept from the last event may be this many times the tight one before it is replaced:
# 1.5 ** 2, one step of the ladder beyond the at most 1.5 of a fresh window.
_LOOSEST = 2.25


def _eigenvalue_window(lam, current=None):
    """The window of a live spectrum: ``current`` (``(xlim, ylim)``) while it still holds ``lam`` as
    :func:`~rnnlab.plots.artists.eigenvalue_limits` would and is at most :data:`_LOOSEST` times the
    tight window, otherwise a fresh one. The hysteresis keeps an eigenvalue that moves back and
    forth across a step of the ladder (a slider nudged right, then left) from changing the window,
    and with it the axes' tick labels, at every event: a frame-rate concern of live explorers, so it
    lives here and not in :mod:`rnnlab.plots`."""
    fresh = artists.eigenvalue_limits(lam)
    if current is None:
        return fresh
    (x0, x1), (y0, y1) = current
    edges = (-x0, x1, y1)
    if y0 != -y1 or any(not tight <= edge <= _LOOSEST * tight
                        for edge, tight in zip(edges, artists.tight_eigenvalue_edges(lam))):
        return fresh
    return (x0, x1), (y0, y1)


class _RateRNNView:
    """The explorer's figure and key: a phase portrait and the eigenvalues at its fixed points.

    Everything is made once; :meth:`draw` moves it. The key (markers, colours and the count of
    each kind) lives in an HTML widget beside the controls, not in the figure: on a slow CPU every
    label in the figure is re-rendered at each redraw, and a legend cost a third of it.
    """

    def __init__(self, fig, pp):
        ax_phase, ax_eig = fig.subplots(1, 2)
        self.portrait = artists.PortraitArtists(ax_phase, pp)
        self.spectrum = artists.SpectrumArtists(ax_eig)
        ax_phase.set_title(r"$\tau\dot x = -x + W\phi(x) + u$", fontsize="medium")
        ax_eig.set_title(r"eigenvalues $\lambda$ of $J$ at the fixed points", fontsize="medium")
        freeze_for_redraws(fig, (ax_phase, ax_eig))
        self.key = ipywidgets.HTML()
        self.draw(pp)

    def draw(self, pp) -> None:
        self.portrait.update(pp)
        lam = pp.fixed_points.eigenvalues.ravel()
        self.spectrum.update(pp.fixed_points, _eigenvalue_window(lam, self.spectrum.window))
        self.key.value = _key_html(pp.fixed_points.kinds)


# ---------------------------------------------------------------------------------------------------
# contraction explorer


def fast_criteria(model_type=RateRNN) -> tuple:
    """The criteria :func:`rnnlab.certify` runs on ``model_type``, less Theorem 7's LMI search.

    On a 2x2 rate RNN the others take about 5 ms together; Theorem 7 (cvxpy, a bisection over
    ``2^n`` vertex LMIs) about 55 ms, which with a render would break a 100 ms event budget.
    """
    from ..certificates import registered

    return tuple(c.fn for c in registered(model_type) if c.cost == "fast")


def _verdict_html(certs) -> str:
    """The verdict and rate of every criterion, as a small HTML table for the explorer."""
    from html import escape

    rows = []
    for c in certs:
        if not c.applies:
            verdict, color = "n/a", "#999999"
        elif c.holds:
            verdict, color = "&#10003; holds", to_hex(artists.CERTIFICATE_COLORS["holds"])
        else:
            verdict, color = "&#10007; fails", to_hex(artists.CERTIFICATE_COLORS["fails"])
        rate = f"{c.rate:.3f}" if c.applies and np.isfinite(c.rate) else "-"
        rows.append(f"<tr style='color:{color}'><td>{escape(c.criterion)}</td><td>{verdict}</td>"
                    f"<td style='text-align:right'>{rate}</td><td>{c.norm}</td></tr>")
    best = certs.best
    head = (f"<b>contracting at rate {best.rate:.3f}</b> ({escape(best.criterion)}, {best.norm}; its unit "
            "ball in the portrait)" if best is not None else "<b>no criterion certifies contraction</b>")
    return ("<div style='font-size:90%'>" + head + "<table><tr><th>criterion</th><th>verdict</th><th>rate</th>"
            "<th>norm</th></tr>" + "".join(rows) + "</table></div>")


def contraction_explorer(
    W=((0.5, -1.0), (1.0, 0.2)),
    phi: str = "tanh",
    g: float = 1.0,
    *,
    tau: float = 1.0,
    criteria=None,
    xlim=(-3.0, 3.0),
    ylim=(-3.0, 3.0),
    n_grid: int = 15,
    n_nullcline: int = 81,
    n_starts: int = 5,
    weight_range=(-3.0, 3.0),
    gain_range=(0.1, 3.0),
) -> Explorer:
    """Explore which contraction criteria certify the two-neuron rate RNN ``tau x' = -x + W phi(x)``.

    Sliders set ``w11 w12 w21 w22`` and the gain ``g`` of ``phi`` (its slope bound, the ``g`` of
    Kozachkov et al. 2022); a dropdown picks ``phi``. Each event certifies
    ``RateRNN(W, tau=tau, phi=Activation(phi, gain=g))`` with every criterion in ``criteria`` and
    shows each verdict and rate in an HTML table beside the sliders, and the phase portrait (vector
    field, nullclines, fixed points) with the unit ball of the fastest certificate that holds, drawn
    around the origin. Everything is updated in place.

    Parameters
    ----------
    W : array_like, shape (2, 2)
        Initial weights.
    phi : str
        Initial activation, one of :data:`rnnlab.ACTIVATIONS`.
    g : float
        Initial gain of ``phi``.
    tau : float
        Time constant (fixed).
    criteria : sequence of callables, optional
        ``fn(model) -> Certificate``; default :func:`fast_criteria`, i.e. what :func:`rnnlab.certify`
        runs without Theorem 7 (add ``rnnlab.certificates.kozachkov.theorem7`` for it, at ~55 ms per
        event).
    xlim, ylim : (float, float)
        The window of the phase portrait.
    n_grid, n_nullcline, n_starts : int
        Passed to :func:`rnnlab.phase_portrait`.
    weight_range, gain_range : (float, float)
        Slider ranges.

    Returns
    -------
    Explorer
        ``explorer.result`` is ``(portrait, certificates)``: a :class:`~rnnlab.PhasePortrait` and the
        :class:`~rnnlab.Certificates` of the current model; ``explorer.table`` is the HTML table.

    Examples
    --------
    >>> ex = contraction_explorer()
    >>> ex.update(w11=0.0, w12=0.2, w21=0.2, w22=0.0)      # small symmetric W: rate 1 - g |W|_2
    >>> [c.criterion for c in ex.result[1] if c.holds], round(ex.result[1].best.rate, 3)
    (['Davydov Thm 16', 'Kozachkov Thm 1', 'Kozachkov Thm 2', 'Kozachkov Thm 5'], 0.8)
    """
    from ..certificates import Certificates

    W = np.asarray(W, dtype=float)
    if W.shape != (2, 2):
        raise ValueError(f"W must have shape (2, 2), got {W.shape}")
    if phi not in ACTIVATIONS:
        raise ValueError(f"phi must be one of {ACTIVATIONS}, got {phi!r}")
    criteria = fast_criteria(RateRNN) if criteria is None else tuple(criteria)
    if not criteria or not all(callable(fn) for fn in criteria):
        raise ValueError("criteria must be a non-empty sequence of callables fn(model) -> Certificate")

    def slider(value, bounds, description):
        return ipywidgets.FloatSlider(
            value=value, min=bounds[0], max=bounds[1], step=0.05, description=description,
            readout_format=".2f", continuous_update=True,
        )

    controls = {f"w{i + 1}{j + 1}": slider(W[i, j], weight_range, f"w{i + 1}{j + 1}")
                for i in range(2) for j in range(2)}
    controls["phi"] = ipywidgets.Dropdown(options=ACTIVATIONS, value=phi, description="phi")
    controls["g"] = slider(g, gain_range, "g")

    def compute(w11, w12, w21, w22, phi, g):
        model = RateRNN([[w11, w12], [w21, w22]], tau=tau, phi=Activation(phi, gain=g))
        pp = phase_portrait(model, xlim, ylim, n_grid=n_grid, n_nullcline=n_nullcline, n_starts=n_starts)
        return pp, Certificates(fn(model) for fn in criteria)

    values = {name: control.value for name, control in controls.items()}
    with plt.ioff():
        fig = plt.figure(figsize=(5.2, 4.4), layout="constrained")
    view = _ContractionView(fig, compute(**values))
    explorer = Explorer(controls, compute, view.draw, fig, columns=2, extras=[view.table])
    explorer.table = view.table
    return explorer


class _ContractionView:
    """The contraction explorer's figure (phase portrait and a unit ball) and its verdict table."""

    def __init__(self, fig, result):
        pp, _ = result
        ax = fig.subplots()
        self.portrait = artists.PortraitArtists(ax, pp)
        (self.ball,) = ax.plot([], [], color="tab:green", linewidth=2.0, zorder=3)
        self.scale = 0.25 * min(np.ptp(pp.xlim), np.ptp(pp.ylim))  # the ball's radius in the window
        ax.set_title(r"$\tau\dot x = -x + W\phi(x)$ and the certified unit ball", fontsize="medium")
        freeze_for_redraws(fig, (ax,))
        self.table = ipywidgets.HTML()
        self.draw(result)

    def draw(self, result) -> None:
        pp, certs = result
        self.portrait.update(pp)
        best = certs.best
        if best is None:
            self.ball.set_data([], [])
        else:
            boundary = self.scale * artists.ball_boundary(best, (0, 1))  # (K, 2)
            self.ball.set_data(boundary[:, 0], boundary[:, 1])
        self.table.value = _verdict_html(certs)
