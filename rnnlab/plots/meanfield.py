"""Plots for mean-field theory and frequency responses: Nyquist diagrams, closed-loop spectra, transients.

Rivkind & Barak (2017), Fig. 1 (left: spectrum; middle: transients; right: Nyquist) and Fig. 2 (closed
loop gain). Every function takes rnnlab results, draws on ``ax`` (a new axes when None) and returns it.
"""

from __future__ import annotations

import numpy as np

from .artists import axes_or_new, check_result, finish_legend

__all__ = ["nyquist", "closed_loop_spectrum", "transient", "closed_loop_gain", "gain_curves",
           "CRITICAL_POINT"]

#: The Nyquist critical point of the positive-feedback loop ``G_CL = G_OL / (1 - G_OL)`` (Eq. 7).
CRITICAL_POINT = 1.0 + 0.0j
MEAN_FIELD_COLOR = "tab:red"  # the paper's colours: mean field red, finite N blue
FINITE_N_COLOR = "tab:blue"


def _prediction(prediction):
    """``(rho, closed-loop poles)`` of a :class:`~rnnlab.MeanField` or a ``LocalGain``."""
    from ..meanfield import MeanField
    from ..meanfield_targets import LocalGain

    check_result("prediction", prediction, MeanField, LocalGain)
    if isinstance(prediction, MeanField):
        return prediction.rho, np.array([prediction.lambda_out + 0j])
    return prediction.rho, prediction.closed_loop_poles


def nyquist(*responses, ax=None, labels=None, colors=None, legend: bool = True):
    """Nyquist diagrams of open-loop gains, ``G(i omega)`` for ``omega`` over the whole real line.

    Each :class:`~rnnlab.FrequencyResponse` is drawn for ``omega >= 0`` (solid) and its mirror
    ``G(-i omega) = conj G(i omega)`` (dashed, same colour); the critical point ``1 + 0i``
    (:data:`CRITICAL_POINT`) is marked by a black cross. The label carries each curve's clockwise
    encirclements of it: with a stable open loop, the number of unstable closed-loop poles.

    Parameters
    ----------
    *responses : FrequencyResponse
        E.g. the mean field's and a finite-N network's (Rivkind & Barak 2017, Fig. 1 right).
    ax : matplotlib.axes.Axes, optional
    labels : sequence of str, optional
    colors : sequence of colours, optional
        Default: red for the first (mean field), blue for the second (finite N), then the cycle.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..meanfield import FrequencyResponse

    if not responses:
        raise ValueError("nyquist needs at least one FrequencyResponse")
    for r in responses:
        check_result("responses", r, FrequencyResponse)
    labels = labels if labels is not None else ["mean field", "finite N"][: len(responses)] + [
        f"G{i}" for i in range(2, len(responses))
    ]
    if len(labels) != len(responses):
        raise ValueError(f"labels must have one entry per response ({len(responses)}), got {len(labels)}")
    ax = axes_or_new(ax)
    default = [MEAN_FIELD_COLOR, FINITE_N_COLOR] + [f"C{i}" for i in range(2, 10)]
    colors = colors if colors is not None else default[: len(responses)]
    for r, label, color in zip(responses, labels, colors):
        ax.plot(r.G.real, r.G.imag, color=color, label=f"{label} ({r.encirclements} encirclements)")
        ax.plot(r.G.real, -r.G.imag, color=color, linestyle="--", linewidth=1.0)
    ax.plot([CRITICAL_POINT.real], [CRITICAL_POINT.imag], "x", color="black", markersize=10, mew=2,
            label="critical point 1 + 0i")
    # one legend entry for all dashed mirror branches, drawn after the data so line indices stay fixed
    ax.plot([], [], color="0.4", linestyle="--", linewidth=1.0, label=r"$\omega < 0$ (mirror image)")
    ax.axhline(0.0, color="0.7", linewidth=0.8, zorder=0)
    ax.axvline(0.0, color="0.7", linewidth=0.8, zorder=0)
    ax.set_xlabel(r"Re $G_{OL}(i\omega)$")
    ax.set_ylabel(r"Im $G_{OL}(i\omega)$")
    ax.set_aspect("equal", adjustable="datalim")
    finish_legend(ax, legend)
    return ax


def closed_loop_spectrum(eigenvalues=None, prediction=None, ax=None, *, legend: bool = True):
    """The closed-loop spectrum (Eq. 4): finite-N eigenvalues (blue dots) and the mean field's bulk disk
    of radius ``rho`` centred at -1 with its predicted outliers (red), as in Fig. 1 (left).

    Parameters
    ----------
    eigenvalues : array_like of complex, optional
        Eigenvalues of a finite-N closed loop (``np.linalg.eigvals(trained.jacobian(m))``).
    prediction : MeanField or LocalGain, optional
        From :func:`rnnlab.mean_field` (one target) or ``mean_field_targets(...).local[n]``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if eigenvalues is None and prediction is None:
        raise ValueError("closed_loop_spectrum needs eigenvalues, a prediction, or both")
    ax = axes_or_new(ax)
    if eigenvalues is not None:
        ev = np.asarray(eigenvalues, dtype=complex).ravel()
        ax.plot(ev.real, ev.imag, ".", color=FINITE_N_COLOR, markersize=3, label="finite N")
    if prediction is not None:
        rho, poles = _prediction(prediction)
        theta = np.linspace(0.0, 2 * np.pi, 361)
        ax.plot(-1 + rho * np.cos(theta), rho * np.sin(theta), color=MEAN_FIELD_COLOR,
                label=rf"bulk, $\rho$ = {rho:.3f}")
        ax.plot(poles.real, poles.imag, "x", color=MEAN_FIELD_COLOR, markersize=9, mew=2,
                label="predicted outliers")
    ax.axvline(0.0, color="black", linestyle=":", linewidth=1.0)
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    ax.set_aspect("equal", adjustable="datalim")
    finish_legend(ax, legend)
    return ax


def transient(response, prediction=None, ax=None, *, legend: bool = True):
    """The transient after a delta-like kick (Fig. 1, middle): the output (thick) and a few neurons (thin)
    of a finite-N network, with the mean field's output prediction (red, dashed).

    Parameters
    ----------
    response : Transient
        From :func:`rnnlab.readout.impulse_response`.
    prediction : MeanField or LocalGain, optional
        Its ``impulse_response(t)`` is drawn on the same times.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..readout import Transient

    check_result("response", response, Transient)
    ax = axes_or_new(ax)
    ax.plot(response.t, response.x, color="0.6", linewidth=0.7)
    ax.plot(response.t, response.z, color=FINITE_N_COLOR, linewidth=2.5, label="output z, finite N")
    if prediction is not None:
        _prediction(prediction)
        ax.plot(response.t, prediction.impulse_response(response.t), "--", color=MEAN_FIELD_COLOR,
                linewidth=2,
                label="output, mean field")
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xlabel("t")
    ax.set_ylabel(r"$\delta z$, $\delta x_i$")
    finish_legend(ax, legend)
    return ax


def closed_loop_gain(omega, *predictions, ax=None, labels=None, legend: bool = True):
    """``|G_CL(i omega)|`` (Eq. 7) around one or more fixed points: frequency selectivity (Fig. 2).

    Parameters
    ----------
    omega : array_like, shape (K,)
    *predictions : MeanField or LocalGain
    labels : sequence of str, optional
        Default ``A = <target>``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    omega = np.asarray(omega, dtype=float)
    if not predictions:
        raise ValueError("closed_loop_gain needs at least one prediction")
    ax = axes_or_new(ax)
    labels = labels if labels is not None else [f"A = {p.A:g}" for p in predictions]
    for p, label in zip(predictions, labels):
        _prediction(p)
        ax.plot(omega, np.abs(p.closed_loop_gain(omega)), label=label)
    ax.set_xlabel(r"$\omega$")
    ax.set_ylabel(r"$|G_{CL}(i\omega)|$")
    finish_legend(ax, legend)
    return ax


def gain_curves(curves, ax=None, *, against: str = "g", legend: bool = True):
    """The outlier pole ``lambda_out`` and the bulk edge ``rho - 1`` against ``g`` or ``A``.

    Both are growth rates of the trained closed loop (Rivkind & Barak 2017: the largest Lyapunov
    exponent is ``max(lambda_out, rho - 1)``); the dotted zero line is the stability boundary.

    Parameters
    ----------
    curves : GainCurves
        From :func:`rnnlab.meanfield.gain_curves`.
    ax : matplotlib.axes.Axes, optional
    against : {"g", "A"}
        The swept parameter on the horizontal axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..meanfield import GainCurves

    check_result("curves", curves, GainCurves)
    if against not in ("g", "A"):
        raise ValueError(f"against must be 'g' or 'A', got {against!r}")
    ax = axes_or_new(ax)
    x = curves.g if against == "g" else curves.A
    ax.plot(x, curves.lambda_out, "o-", label=rf"$\lambda_{{out}}$ ({curves.phi})")
    ax.plot(x, curves.rho - 1.0, "s--", label=rf"$\rho - 1$ ({curves.phi})")
    ax.axhline(0.0, color="black", linestyle=":", linewidth=1.0)
    ax.set_xlabel(against)
    ax.set_ylabel("growth rate")
    finish_legend(ax, legend)
    return ax
