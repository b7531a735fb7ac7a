"""An explorer of parallel-in-time evaluation: the iterates of Jacobi, Picard, quasi-Newton or Newton
converging over the whole sequence, with the certified bound on the Jacobi sweeps (issue 19)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps

from ..certificates import Certificate, certify
from ..checks import check_choice, positive_int, positive_number
from ..models.rnn import RateRNN
from ..parallel_time import (METHODS, JacobiBound, ParallelTrajectory, rate_rnn_jacobian_norm, jacobi_bound,
                             lyapunov_exponents, parallel_evaluate, sequential_evaluate)
from ..plots.parallel_time import METHOD_COLORS
from .spec import Choice, ExplorerSpec, Html, slider_for

__all__ = ["parallel_time_spec", "parallel_time_view", "ParallelTimeView"]


@dataclass(frozen=True, eq=False)
class ParallelTimeView:
    """One event's result of :func:`parallel_time_explorer`.

    Attributes
    ----------
    g, dt : float
    result : ParallelTrajectory
        With every iterate (``keep_iterates=True``).
    exact : ndarray, shape (T + 1, n)
        The sequential Euler trajectory.
    errors : ndarray, shape (iterations + 1,)
        ``max_t |x_t^k - x_t|`` of iterate ``k``, in the certificate's norm when one holds, else the max norm.
    certificate : Certificate or None
        The best certificate of the net (:func:`rnnlab.certify`), None when none holds.
    bound : JacobiBound or None
        The certified Lipschitz factor ``L`` of an Euler step (:func:`rnnlab.parallel_time.jacobi_bound`).
    lyapunov : float
        The largest Lyapunov exponent of the Euler map along the trajectory, 1 / time.
    """

    g: float
    dt: float
    result: ParallelTrajectory
    exact: np.ndarray
    errors: np.ndarray
    certificate: Certificate | None
    bound: JacobiBound | None
    lyapunov: float

    def bound_errors(self) -> np.ndarray:
        """``L^k e_0`` for ``k = 0 .. iterations``, the certified Jacobi bound (NaN without a certificate)."""
        k = np.arange(len(self.errors))
        if self.bound is None:
            return np.full(k.shape, np.nan)
        return self.bound.error(k, self.errors[0])


def parallel_time_view(W0, x0, g: float, dt: float, method: str, *, T: int, tol: float,
                       max_iter: int | None, transient: int = 0) -> ParallelTimeView:
    """The explorer's computation for the rate RNN ``x' = -x + g W0 tanh(x)`` from ``x0`` (no plotting).

    The evaluated window starts after ``transient`` Euler steps from ``x0`` (as
    :func:`rnnlab.parallel_dichotomy`), so a chaotic net is on its attractor.

    Parameters
    ----------
    W0 : ndarray, shape (n, n)
    x0 : ndarray, shape (n,)
    g, dt : float
        Gain and Euler step.
    method : str
        One of :data:`rnnlab.parallel_time.METHODS`.
    T, tol, max_iter
        Of :func:`rnnlab.parallel_time.parallel_evaluate`.
    transient : int
        Euler steps before the window.

    Returns
    -------
    ParallelTimeView
    """
    model = RateRNN(g * np.asarray(W0, dtype=float))
    if transient:
        x0 = sequential_evaluate(model, x0, transient, dt)[-1]
    res = parallel_evaluate(model, x0, T, dt, method=method, tol=tol, max_iter=max_iter, keep_iterates=True)
    exact = sequential_evaluate(model, x0, T, dt)
    cert = certify(model).best
    bound = None
    if cert is not None:
        bound = jacobi_bound(cert, dt, rate_rnn_jacobian_norm(model, cert))
        errors = np.array([float(np.max(cert.distance(it - exact))) for it in res.iterates])
    else:
        errors = np.max(np.abs(res.iterates - exact), axis=(1, 2))
    lyap = float(lyapunov_exponents(model, x0, T, dt)[0])
    return ParallelTimeView(float(g), float(dt), res, exact, errors, cert, bound, lyap)


def parallel_time_spec(
    g: float = 0.5,
    dt: float = 0.1,
    method: str = "newton",
    *,
    n: int = 20,
    T: int = 200,
    tol: float = 1e-8,
    max_iter: int | None = None,
    transient: int = 0,
    lines: int = 6,
    seed: int = 0,
    gain_range=(0.1, 2.5),
    dt_range=(0.02, 0.5),
) -> ExplorerSpec:
    """Explore parallel-in-time evaluation of a rate RNN: every iterate over the whole sequence.

    The net is ``x' = -x + g W0 tanh(x)`` with ``W0_ij ~ N(0, 1/n)`` and ``x0 ~ N(0, 1)`` drawn once
    from ``seed`` (the draws of :func:`rnnlab.parallel_dichotomy` with the same ``rng``, so the explorer
    shows one column of the dichotomy figure). Controls: ``g``, ``dt`` (sliders) and ``method``. Each
    event runs :func:`rnnlab.parallel_evaluate` with every iterate kept and draws

    * left: unit 0 of iterates ``0, 1, 2, 4, 8, ...`` over time (light to dark) against the sequential
      trajectory (black, dashed): after ``k`` iterations the first ``k`` steps are exact;
    * right: the error ``max_t |x_t^k - x_t|`` against ``k`` (in the certificate's norm when one holds)
      and, when the net is certified, the Jacobi bound ``L^k e_0`` (``L = 1 - c dt`` to first order).

    The panel beside the controls (``"summary"``) gives the iterations, whether they converged, the
    certified rate and ``L``, and the largest Lyapunov exponent.

    Parameters
    ----------
    g, dt : float
        Initial gain and Euler step.
    method : {"jacobi", "picard", "quasi-newton", "newton"}
    n, T : int
        Units and steps.
    tol, max_iter
        Of :func:`rnnlab.parallel_evaluate` (``max_iter = T`` by default).
    transient : int
        Euler steps from ``x0`` before the evaluated window (a chaotic net then starts on its attractor).
    lines : int
        Iterates drawn on the left.
    seed : int
    gain_range, dt_range : tuple of float
        Slider ranges.

    Returns
    -------
    ExplorerSpec
        Its result is a :class:`ParallelTimeView`. In a notebook:
        :func:`rnnlab.widgets.parallel_time_explorer`.

    Examples
    --------
    >>> from rnnlab.explorers import ExplorerState
    >>> ex = ExplorerState(parallel_time_spec(g=0.3, n=8, T=60))
    >>> ex.result.result.converged, ex.result.certificate is not None
    (True, True)
    >>> ex.set(method="jacobi")
    >>> bound = ex.result.bound_errors()                       # the certified L^k e_0
    >>> bool(np.all(ex.result.errors <= bound * (1 + 1e-9) + 1e-12))
    True
    """
    check_choice("method", method, METHODS)
    for name, value, low in (("n", n, 1), ("T", T, 1), ("lines", lines, 1), ("transient", transient, 0)):
        positive_int(name, value, minimum=low)
    positive_number("dt", dt), positive_number("tol", tol)
    if max_iter is not None:
        positive_int("max_iter", max_iter)
    rng = np.random.default_rng(seed)
    W0 = rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, n))
    x0 = rng.normal(0.0, 1.0, size=n)

    def compute(g, dt, method):
        return parallel_time_view(W0, x0, g, dt, method, T=T, tol=tol, max_iter=max_iter, transient=transient)

    controls = {
        "g": slider_for("g", g, "gain_range", gain_range, 0.05, live=False),
        "dt": slider_for("dt", dt, "dt_range", dt_range, 0.01, live=False),
        "method": Choice(METHODS, method),
    }
    return ExplorerSpec(controls, compute, lambda fig, first: _ParallelTimeArtists(fig, lines),
                        figsize=(9.0, 3.6), columns=3, side=(Html("summary"),))


def _shown_iterates(iterations: int, lines: int) -> list[int]:
    """Iterates ``0, 1, 2, 4, 8, ...`` below the last, the first ``lines - 1`` of them, and the last."""
    early = [0] + [2 ** j for j in range(iterations.bit_length()) if 2 ** j < iterations]
    return sorted(set(early[: lines - 1] + [iterations]))


def _panel_html(view: ParallelTimeView) -> str:
    r = view.result
    ok = ("<b style='color:#2ca02c'>converged</b>" if r.converged
          else f"<b style='color:#d62728'>not converged</b> ({r.status})")
    rows = [f"{r.method}: {r.iterations} iterations of at most {r.max_iter}, {ok} (T = {r.T})"]
    if view.certificate is not None:
        rows.append(f"certified ({view.certificate.criterion}, {view.certificate.norm}): rate c = "
                    f"{view.certificate.rate:.3f}, Euler factor L = {view.bound.factor:.4f} "
                    f"(1 - c dt = {1 - view.certificate.rate * view.dt:.4f})")
    else:
        rows.append("no certificate holds: no bound on the sweeps")
    rows.append(f"largest Lyapunov exponent {view.lyapunov:+.3f}")
    return "<div style='font-size:90%; line-height:1.35'>" + "<br>".join(rows) + "</div>"


class _ParallelTimeArtists:
    """The explorer's figure: iterates over time, and the error per iteration, made once and moved."""

    def __init__(self, fig, lines: int):
        self.ax_x, self.ax_err = fig.subplots(1, 2)
        cmap = colormaps["viridis"]
        self.lines = lines
        self.iterates = [self.ax_x.plot([], [], color=cmap(j / max(1, lines - 1)), lw=1)[0]
                         for j in range(lines)]
        (self.exact,) = self.ax_x.plot([], [], "k--", lw=1.2, label="sequential")
        self.ax_x.set_xlabel("t")
        self.ax_x.set_ylabel("$x_0$")
        self.ax_x.set_title("iterates $x^k$ over the whole sequence")
        (self.err,) = self.ax_err.semilogy([], [], "-o", ms=3, label="error")
        (self.bnd,) = self.ax_err.semilogy([], [], "k--", lw=1, label=r"certified $L^k e_0$")
        self.ax_err.set_xlabel("iteration $k$")
        self.ax_err.set_ylabel(r"$\max_t |x_t^k - x_t|$")
        self.ax_err.set_title("error per iteration")
        self.ax_err.legend(loc="upper right", fontsize="small")
        self.ax_x.legend(loc="upper right", fontsize="small")

    def draw(self, view: ParallelTimeView) -> dict:
        r = view.result
        ks = _shown_iterates(r.iterations, self.lines)
        for line, k in zip(self.iterates, ks + [None] * (self.lines - len(ks))):
            if k is None:
                line.set_data([], [])
            else:
                line.set_data(r.t, r.iterates[k, :, 0])
                line.set_label(f"k = {k}")
        self.exact.set_data(r.t, view.exact[:, 0])
        k = np.arange(len(view.errors))
        errors = np.where(view.errors > 0, view.errors, np.nan)
        self.err.set_data(k, errors)
        color = METHOD_COLORS.get(r.method, "black")
        self.err.set_color(color)
        self.ax_err.get_legend().legend_handles[0].set_color(color)  # the key copied the first colour
        bound = view.bound_errors()
        self.bnd.set_data(k, np.where(bound > 0, bound, np.nan))
        self.ax_x.set_xlim(r.t[0], r.t[-1])
        shown = np.concatenate([r.iterates[ks, :, 0].ravel(), view.exact[:, 0]])
        shown = shown[np.isfinite(shown)]
        lo, hi = (shown.min(), shown.max()) if shown.size else (-1.0, 1.0)
        pad = 0.05 * max(hi - lo, 1e-6)
        self.ax_x.set_ylim(lo - pad, hi + pad)
        self.ax_err.set_xlim(-0.5, max(1, len(k) - 1) + 0.5)
        vals = np.concatenate([errors, bound])
        vals = vals[np.isfinite(vals) & (vals > 0)]
        if vals.size:
            self.ax_err.set_ylim(max(vals.min(), 1e-16) / 3, vals.max() * 3)
        return {"summary": _panel_html(view)}
