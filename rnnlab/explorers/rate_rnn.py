"""The two-neuron rate RNN: its phase portrait and spectrum, and which contraction criteria certify it."""

from __future__ import annotations

from collections import Counter
from html import escape

import numpy as np
from matplotlib.colors import to_hex

from ..activations import ACTIVATIONS, Activation
from ..checks import as_square_matrix, as_vector, check_callable, check_choice, interval, positive_int
from ..fixed_points import KINDS
from ..models import RateRNN
from ..phase import phase_portrait
from ..plots import artists
from .figure import MARKER_CHARS, eigenvalue_window, freeze_for_redraws
from .spec import Choice, ExplorerSpec, Html, slider_for

__all__ = ["rate_rnn_spec", "contraction_spec", "fast_criteria"]


def _portrait_options(tau, xlim, ylim, **counts) -> None:
    """Refuse, by name, what the model and :func:`rnnlab.phase_portrait` would refuse at the first event."""
    RateRNN(np.zeros((2, 2)), tau=tau)
    interval("xlim", xlim), interval("ylim", ylim)
    for name, value in counts.items():
        positive_int(name, value)


def _weight_controls(W, phi, g, weight_range, gain_range, u=None, input_range=None) -> dict:
    W = as_square_matrix("W", W, 2)
    check_choice("phi", phi, ACTIVATIONS)
    controls = {f"w{i + 1}{j + 1}": slider_for("W", W[i, j], "weight_range", weight_range, 0.05)
                for i in range(2) for j in range(2)}
    if u is not None:
        u = as_vector("u", u, 2)
        controls |= {f"u{i + 1}": slider_for("u", u[i], "input_range", input_range, 0.05) for i in range(2)}
    controls["phi"] = Choice(ACTIVATIONS, phi)
    controls["g"] = slider_for("g", g, "gain_range", gain_range, 0.05)
    return controls


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


def rate_rnn_spec(
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
) -> ExplorerSpec:
    """Explore the two-neuron rate RNN ``tau x' = -x + W phi(x) + u`` (Kozachkov et al. 2022, Eq. 1).

    Sliders set the weights ``w11 w12 w21 w22``, the inputs ``u1 u2`` and the gain ``g`` of
    ``phi`` (``phi(x) = f(g x)``, slope bound ``g`` for tanh); a dropdown picks ``phi``. Each event
    runs :func:`rnnlab.phase_portrait` on ``RateRNN(W, u, tau, Activation(phi, gain=g))`` and
    shows, updated in place, the vector field (unit arrows shaded by speed), the nullclines and the
    fixed points marked by kind, and beside it the Jacobian eigenvalues at every fixed point in the
    complex plane with the stability boundary ``Re lambda = 0``. The key beside the controls (``"key"``)
    gives the markers and the count of each kind.

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
    ExplorerSpec
        Its result is the current :class:`~rnnlab.PhasePortrait`. In a notebook:
        :func:`rnnlab.widgets.rate_rnn_explorer`.

    Examples
    --------
    >>> from rnnlab.explorers import ExplorerState
    >>> ex = ExplorerState(rate_rnn_spec())
    >>> ex.set(w12=0.0, w21=0.0, w22=2.0)          # W = 2 I: three states per neuron
    >>> sorted(ex.result.fixed_points.kinds)
    ['saddle', 'saddle', 'saddle', 'saddle', 'stable node', 'stable node', 'stable node', 'stable node', 'unstable node']
    >>> ex.set(g=0.4)                                # g W < I: one fixed point
    >>> ex.result.fixed_points.kinds, "1 fixed point" in ex.texts["key"]
    (('stable node',), True)
    """
    controls = _weight_controls(W, phi, g, weight_range, gain_range, u, input_range)
    _portrait_options(tau, xlim, ylim, n_grid=n_grid, n_nullcline=n_nullcline, n_starts=n_starts)

    def compute(w11, w12, w21, w22, u1, u2, phi, g):
        model = RateRNN([[w11, w12], [w21, w22]], u=[u1, u2], tau=tau, phi=Activation(phi, gain=g))
        return phase_portrait(model, xlim, ylim, n_grid=n_grid, n_nullcline=n_nullcline, n_starts=n_starts)

    return ExplorerSpec(controls, compute, _RateRNNView, figsize=(9.0, 4.2), columns=2, side=(Html("key"),))


class _RateRNNView:
    """The explorer's figure: a phase portrait and the eigenvalues at its fixed points, made once.

    The key (markers, colours and the count of each kind) is HTML beside the controls, not in the
    figure: on a slow CPU every label in the figure is re-rendered at each redraw, and a legend cost a
    third of it.
    """

    def __init__(self, fig, pp):
        ax_phase, ax_eig = fig.subplots(1, 2)
        self.portrait = artists.PortraitArtists(ax_phase, pp)
        self.spectrum = artists.SpectrumArtists(ax_eig)
        ax_phase.set_title(r"$\tau\dot x = -x + W\phi(x) + u$", fontsize="medium")
        ax_eig.set_title(r"eigenvalues $\lambda$ of $J$ at the fixed points", fontsize="medium")
        freeze_for_redraws(fig, (ax_phase, ax_eig))

    def draw(self, pp) -> dict:
        self.portrait.update(pp)
        lam = pp.fixed_points.eigenvalues.ravel()
        self.spectrum.update(pp.fixed_points, eigenvalue_window(lam, self.spectrum.window))
        return {"key": _key_html(pp.fixed_points.kinds)}


# ---------------------------------------------------------------------------------------------------
# contraction


def fast_criteria(model_type=RateRNN) -> tuple:
    """The criteria :func:`rnnlab.certify` runs on ``model_type``, less Theorem 7's LMI search.

    On a 2x2 rate RNN the others take about 5 ms together; Theorem 7 (cvxpy, a bisection over
    ``2^n`` vertex LMIs) about 55 ms, which with a render would break a 100 ms event budget.
    """
    from ..certificates import registered

    return tuple(c.fn for c in registered(model_type) if c.cost == "fast")


def _verdict_html(certs) -> str:
    """The verdict and rate of every criterion, as a small HTML table for the explorer."""
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


def contraction_spec(
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
) -> ExplorerSpec:
    """Explore which contraction criteria certify the two-neuron rate RNN ``tau x' = -x + W phi(x)``.

    Sliders set ``w11 w12 w21 w22`` and the gain ``g`` of ``phi`` (its slope bound, the ``g`` of
    Kozachkov et al. 2022); a dropdown picks ``phi``. Each event certifies
    ``RateRNN(W, tau=tau, phi=Activation(phi, gain=g))`` with every criterion in ``criteria`` and
    shows each verdict and rate in an HTML table beside the sliders (``"table"``), and the phase
    portrait (vector field, nullclines, fixed points) with the unit ball of the fastest certificate that
    holds, drawn around the origin. Everything is updated in place.

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
    ExplorerSpec
        Its result is ``(portrait, certificates)``: a :class:`~rnnlab.PhasePortrait` and the
        :class:`~rnnlab.Certificates` of the current model. In a notebook:
        :func:`rnnlab.widgets.contraction_explorer`.

    Examples
    --------
    >>> from rnnlab.explorers import ExplorerState
    >>> ex = ExplorerState(contraction_spec())
    >>> ex.set(w11=0.0, w12=0.2, w21=0.2, w22=0.0)      # small symmetric W: rate 1 - g |W|_2
    >>> [c.criterion for c in ex.result[1] if c.holds], round(ex.result[1].best.rate, 3)
    (['Davydov Thm 16', 'Kozachkov Thm 1', 'Kozachkov Thm 2', 'Kozachkov Thm 5'], 0.8)
    """
    from ..certificates import Certificates

    controls = _weight_controls(W, phi, g, weight_range, gain_range)
    _portrait_options(tau, xlim, ylim, n_grid=n_grid, n_nullcline=n_nullcline, n_starts=n_starts)
    if criteria is None:
        criteria = fast_criteria(RateRNN)
    elif isinstance(criteria, str) or not np.iterable(criteria) or not tuple(criteria):
        raise ValueError(f"criteria must be a non-empty sequence of callables fn(model) -> Certificate, "
                         f"got {criteria!r}")
    criteria = tuple(criteria)
    for fn in criteria:
        check_callable("criteria", fn)

    def compute(w11, w12, w21, w22, phi, g):
        model = RateRNN([[w11, w12], [w21, w22]], tau=tau, phi=Activation(phi, gain=g))
        pp = phase_portrait(model, xlim, ylim, n_grid=n_grid, n_nullcline=n_nullcline, n_starts=n_starts)
        return pp, Certificates(fn(model) for fn in criteria)

    return ExplorerSpec(controls, compute, _ContractionView, figsize=(5.2, 4.4), columns=2, side=(Html("table"),))


class _ContractionView:
    """The contraction explorer's figure: the phase portrait and the certified unit ball."""

    def __init__(self, fig, result):
        pp, _ = result
        ax = fig.subplots()
        self.portrait = artists.PortraitArtists(ax, pp)
        (self.ball,) = ax.plot([], [], color="tab:green", linewidth=2.0, zorder=3)
        self.scale = 0.25 * min(np.ptp(pp.xlim), np.ptp(pp.ylim))  # the ball's radius in the window
        ax.set_title(r"$\tau\dot x = -x + W\phi(x)$ and the certified unit ball", fontsize="medium")
        freeze_for_redraws(fig, (ax,))

    def draw(self, result) -> dict:
        pp, certs = result
        self.portrait.update(pp)
        best = certs.best
        if best is None:
            self.ball.set_data([], [])
        else:
            boundary = self.scale * artists.ball_boundary(best, (0, 1))  # (K, 2)
            self.ball.set_data(boundary[:, 0], boundary[:, 1])
        return {"table": _verdict_html(certs)}
