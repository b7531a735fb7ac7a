"""Plots for ORGaNICs: phase portraits of the 2-D circuit with energy contours, spectra, normalization
curves and the random stability trials (Rawat, Heeger & Martiniani 2024)."""

from __future__ import annotations

import numpy as np

from .artists import (  # noqa: F401  (KIND_STYLES: for the docstrings' links)
    KIND_STYLES,
    PortraitArtists,
    axes_or_new,
    check_result,
    finish_legend,
    kinds_present,
)

__all__ = ["circuit_portrait", "organics_spectrum", "normalization_curves", "stability_trials",
           "iteration_errors"]

ENERGY_CMAP = "Blues_r"  # low energy dark: the valley the flow descends into


def _energy_levels(V, n: int):
    """Geometric contour levels of ``V`` between its small positive values and its maximum."""
    positive = V[V > 0]
    if positive.size == 0:
        return None
    lo, hi = np.percentile(positive, 0.5), positive.max()
    return np.geomspace(max(lo, hi * 1e-8), hi, n) if hi > lo else None


def circuit_portrait(cp, ax=None, *, energy: bool = True, levels: int = 12, legend: bool = True):
    """Draw a :class:`~rnnlab.organics_circuit.CircuitPortrait`: field, nullclines, fixed points
    by kind (:data:`KIND_STYLES`) and, where defined, contours of the energy of Eq. 129 (App. H).

    Parameters
    ----------
    cp : CircuitPortrait
        From :func:`rnnlab.organics_circuit.circuit_portrait`.
    ax : matplotlib.axes.Axes, optional
    energy : bool
        Draw the energy contours (geometrically spaced) when ``cp.energy`` exists.
    levels : int
        Number of contour levels.
    legend : bool

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from rnnlab.organics_circuit import circuit_2d, circuit_portrait as compute
    >>> ax = circuit_portrait(compute(circuit_2d(w_r=2.0)))
    >>> sorted(t.get_text() for t in ax.get_legend().get_texts())[-3:]
    ['saddle', 'stable focus', 'unstable focus']
    """
    from ..organics_circuit import CircuitPortrait

    check_result("cp", cp, CircuitPortrait)
    ax = axes_or_new(ax)
    pp = cp.portrait
    artists = PortraitArtists(ax, pp, kinds=kinds_present(pp.fixed_points.kinds))
    # the state is (y, a): name the nullclines in the circuit's variables, not x1/x2
    for name, label in (("x", r"$\dot y = 0$"), ("y", r"$\dot a = 0$")):
        if name in artists.nullclines:
            artists.nullclines[name].set_label(label)
    if energy and cp.energy is not None:
        lv = _energy_levels(cp.energy, levels)
        if lv is not None:
            ax.contour(cp.energy_y, cp.energy_a, cp.energy, levels=lv, cmap=ENERGY_CMAP, linewidths=0.8,
                       alpha=0.8, zorder=1.5)
            ax.plot([], [], color="tab:blue", linewidth=0.8, label="energy V (App. H)")
    ax.set_xlabel("$y$")
    ax.set_ylabel("$a$")
    finish_legend(ax, legend)
    return ax


def organics_spectrum(jacobian_eigenvalues, quadratic_eigenvalues=None, ax=None, *, legend: bool = True):
    """Eigenvalues of the Jacobian at a fixed point, and the roots of Eq. 8 over them.

    Parameters
    ----------
    jacobian_eigenvalues : array_like of complex
        ``eig(J)`` at the fixed point (dots).
    quadratic_eigenvalues : array_like of complex, optional
        Roots of ``det(lambda^2 I + lambda B + K)`` (Eq. 8) or of App. C's formulas (open circles):
        Sec. 4 says they are the same set.
    ax : matplotlib.axes.Axes, optional
    legend : bool

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = organics_spectrum([-1 + 1j, -1 - 1j], [-1 + 1j, -1 - 1j])
    >>> [line.get_label() for line in ax.lines][1:]
    ['eig J', 'Eq. 8 roots']
    """
    lam = np.asarray(jacobian_eigenvalues, dtype=complex).ravel()
    ax = axes_or_new(ax)
    ax.axvline(0.0, color="0.3", linestyle="--", linewidth=1.0, label=r"Re $\lambda$ = 0")
    ax.plot(lam.real, lam.imag, "o", color="tab:blue", markersize=5, label="eig J")
    if quadratic_eigenvalues is not None:
        mu = np.asarray(quadratic_eigenvalues, dtype=complex).ravel()
        ax.plot(mu.real, mu.imag, "o", markerfacecolor="none", markeredgecolor="tab:red", markersize=10,
                label="Eq. 8 roots")
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    finish_legend(ax, legend)
    return ax


def normalization_curves(curve, ax=None, *, neurons=None, legend: bool = True):
    """Steady rates against contrast (:class:`ContrastResponse`) or pool strength
    (:class:`NormalizationCurve`), one line per neuron: ``y^+`` solid, ``y^-`` dashed where non-zero.

    Parameters
    ----------
    curve : ContrastResponse or NormalizationCurve
    ax : matplotlib.axes.Axes, optional
    neurons : sequence of int, optional
        Which neurons to draw; all by default.
    legend : bool

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from rnnlab import ORGaNICs, normalization_curve
    >>> m = ORGaNICs(W=[[1.0, 0.5], [0.5, 1.0]], z=[1.0, -0.5], sigma=0.5)
    >>> ax = normalization_curves(normalization_curve(m, np.geomspace(0.01, 10, 20)))
    >>> [line.get_label() for line in ax.lines]
    ['neuron 0: $y^+$', 'neuron 1: $y^-$']
    """
    from ..organics_steady import ContrastResponse, NormalizationCurve

    check_result("curve", curve, ContrastResponse, NormalizationCurve)
    ax = axes_or_new(ax)
    if isinstance(curve, ContrastResponse):
        x, xlabel = curve.contrasts, "contrast $c$ (drive $c\\,z_0$)"
    else:
        x, xlabel = curve.scales, "pool strength $s$ (weights $s\\,W_0$)"
    n = curve.y_plus.shape[1]
    neurons = range(n) if neurons is None else neurons
    for i in neurons:
        if not 0 <= i < n:
            raise ValueError(f"neurons must be indices in [0, {n}), got {i!r}")
        color = f"C{i % 10}"
        if np.any(curve.y_plus[:, i] > 0) or not np.any(curve.y_minus[:, i] > 0):
            ax.plot(x, curve.y_plus[:, i], color=color, label=f"neuron {i}: $y^+$")
        if np.any(curve.y_minus[:, i] > 0):
            ax.plot(x, curve.y_minus[:, i], color=color, linestyle="--", label=f"neuron {i}: $y^-$")
    if np.all(x > 0):
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("steady rate")
    finish_legend(ax, legend)
    return ax


def stability_trials(trials, ax=None):
    """Fraction of stable random circuits per bound on ``|W_r|_2``, with 95% Wilson intervals (Sec. 5).

    Examples
    --------
    >>> from rnnlab.organics_trials import stability_trials as run
    >>> ax = stability_trials(run(3, (1.0, 2.0), 2, rng=0, t_settle=30.0))
    >>> len(ax.patches)
    2
    """
    from ..organics_trials import StabilityTrials

    check_result("trials", trials, StabilityTrials)
    ax = axes_or_new(ax)
    s, f = trials.max_singular_values, trials.fractions
    lo, hi = trials.interval()
    ax.bar(s, f, width=0.5, color="tab:green", alpha=0.7, yerr=np.vstack([f - lo, hi - f]), capsize=4)
    for si, k in zip(s, trials.counts):
        ax.annotate(f"{k}/{trials.n_trials}", (si, 0.05), ha="center", fontsize="small")
    ax.set_xticks(s)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel(r"$\|W_r\|_2$")
    ax.set_ylabel("fraction stable (95% CI)")
    return ax


def iteration_errors(trials, ax=None, *, bound: int = 0, legend: bool = True):
    """Fig. 4a: mean (with one standard deviation) and maximum error of Algorithms 1 and 2 per iteration,
    against the simulated fixed points of the stable trials at ``trials.max_singular_values[bound]``.

    Examples
    --------
    >>> from rnnlab.organics_trials import stability_trials as run
    >>> ax = iteration_errors(run(3, (1.0,), 3, rng=0, t_settle=30.0, iterations=4))
    >>> ax.get_yscale(), len(ax.lines) >= 4
    ('log', True)
    """
    from ..organics_trials import StabilityTrials

    check_result("trials", trials, StabilityTrials)
    ax = axes_or_new(ax)
    e = trials.iteration_errors[:, bound]  # (2, N, K + 1)
    k = np.arange(e.shape[-1])
    for j, (name, color) in enumerate((("Algorithm 1", "tab:blue"), ("Algorithm 2", "tab:orange"))):
        good = np.all(np.isfinite(e[j]), axis=-1)
        if not good.any():
            continue
        ej = np.maximum(e[j][good], 1e-16)
        mean, sd = ej.mean(axis=0), ej.std(axis=0)
        ax.errorbar(k, mean, yerr=np.vstack([np.minimum(sd, 0.999 * mean), sd]), color=color, marker="o",
                    markersize=3, capsize=2, label=f"{name}: mean")
        ax.plot(k, ej.max(axis=0), color=color, linestyle=":", label=f"{name}: max")
    ax.set_yscale("log")
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(r"$\|x_k - x_{\rm sim}\|_2$")
    finish_legend(ax, legend)
    return ax
