"""Plots of :mod:`rnnlab.parallel_time`: the dichotomy across the gain, and iterates converging."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..parallel_time import Dichotomy, ParallelTrajectory
from .artists import axes_or_new, check_result, finish_legend

__all__ = ["parallel_dichotomy", "parallel_iterates", "parallel_residuals"]

METHOD_COLORS = {
    "jacobi": "tab:blue", "picard": "tab:cyan", "quasi-newton": "tab:orange", "newton": "tab:red",
}


def parallel_dichotomy(d: Dichotomy, ax=None, *, legend: bool = True):
    """Iterations of each method against the gain ``g``, with the certified Jacobi bound, the
    certified region (shaded) and the largest Lyapunov exponent (right axis, its zero dotted).

    A method that ran out of budget is drawn with an open marker at the budget.

    Returns
    -------
    matplotlib.axes.Axes
        The left (iterations) axes.
    """
    check_result("d", d, Dichotomy)
    ax = axes_or_new(ax)
    for m in d.methods:
        color = METHOD_COLORS.get(m, "black")
        ax.plot(d.g, d.iterations[m], "-", color=color, label=m)
        ok = d.converged[m]
        ax.plot(d.g[ok], d.iterations[m][ok], "o", color=color, ms=4)
        ax.plot(d.g[~ok], d.iterations[m][~ok], "o", color=color, mfc="white", ms=5)
    if np.any(np.isfinite(d.jacobi_bound)):
        ax.plot(d.g, d.jacobi_bound, "k--", lw=1, label="certified Jacobi bound")
    certified = np.isfinite(d.rate)
    if certified.any():
        ax.axvspan(d.g.min(), d.g[certified].max(), color="tab:green", alpha=0.1, label="certified")
    ax.axhline(d.max_iter, color="gray", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("gain $g$")
    ax.set_ylabel(f"iterations to residual $\\leq$ {d.tol:.0e}")
    right = ax.twinx()
    right.plot(d.g, d.lyapunov, color="tab:purple", lw=1.5, label=r"$\lambda_{max}$")
    right.axhline(0.0, color="tab:purple", lw=0.8, ls=":")
    right.set_ylabel(r"largest Lyapunov exponent $\lambda_{max}$", color="tab:purple")
    finish_legend(ax, legend)
    return ax


def parallel_iterates(result: ParallelTrajectory, ax=None, *, component: int = 0, every: int = 1):
    """Component ``component`` of every ``every``-th iterate over time, light to dark, and the last
    iterate dashed. Needs ``keep_iterates=True``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_result("result", result, ParallelTrajectory)
    if result.iterates is None:
        raise ValueError("result must keep its iterates: call parallel_evaluate(..., keep_iterates=True)")
    n = result.x.shape[-1]
    if not 0 <= component < n:
        raise ValueError(f"component must be in [0, {n}), got {component!r}")
    if every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    ax = axes_or_new(ax)
    ks = range(0, len(result.iterates), every)
    cmap = plt.get_cmap("viridis")
    for j, k in enumerate(ks):
        ax.plot(result.t, result.iterates[k, :, component], color=cmap(j / max(1, len(ks) - 1)), lw=1)
    ax.plot(result.t, result.x[:, component], "k--", lw=1.2, label=f"iterate {result.iterations}")
    ax.set_xlabel("t")
    ax.set_ylabel(f"$x_{{{component}}}$")
    title = f"{result.method}: {result.iterations} iterations, converged={result.converged}"
    ax.set_title(title, fontsize="small")
    finish_legend(ax, True)
    return ax


def parallel_residuals(results, ax=None, *, legend: bool = True):
    """The residual per iteration of one or several :class:`ParallelTrajectory` (log scale).

    Returns
    -------
    matplotlib.axes.Axes
    """
    results = [results] if isinstance(results, ParallelTrajectory) else list(results)
    for r in results:
        check_result("results", r, ParallelTrajectory)
    ax = axes_or_new(ax)
    for r in results:
        res = np.where(r.residuals > 0, r.residuals, np.nan)
        ax.semilogy(np.arange(len(res)), res, "-o", ms=3, color=METHOD_COLORS.get(r.method), label=r.method)
        ax.axhline(r.tol, color="gray", lw=0.8, ls=":")
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(r"residual $\max_t |x_t - F_t(x_{t-1})|_\infty$")
    finish_legend(ax, legend)
    return ax
