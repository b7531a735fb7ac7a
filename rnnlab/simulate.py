"""Simulation of any model: fixed-step Euler and RK4 over a batch of initial states, or adaptive
steps through :func:`scipy.integrate.solve_ivp`.

A trajectory that becomes non-finite or leaves ``|x|_inf <= bound`` is stopped and flagged; its
later samples are NaN, and :class:`Trajectory` says which trajectories stopped and when.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.integrate
import scipy.sparse

from .models._base import check_model, check_state

__all__ = ["Trajectory", "DivergenceError", "DivergenceWarning", "simulate"]

FIXED_STEP = ("euler", "rk4")
ADAPTIVE = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")


class DivergenceWarning(RuntimeWarning):
    """Some trajectories became non-finite or left the bound."""


class DivergenceError(RuntimeError):
    """Raised with ``on_divergence="raise"``; ``.trajectory`` holds the flagged result."""

    def __init__(self, message: str, trajectory: "Trajectory"):
        super().__init__(message)
        self.trajectory = trajectory


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The result of :func:`simulate`.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Output times.
    x : ndarray, shape (T, ..., n)
        States; the batch shape ``...`` is that of ``x0``. Samples at and after a trajectory's
        stop are NaN.
    diverged : ndarray of bool, shape (...)
        Which trajectories were stopped (non-finite, or beyond ``bound``).
    t_diverged : ndarray, shape (...)
        When each stopped trajectory was stopped; NaN for the others.
    method : str
        Integrator used.
    n_evaluations : int
        Vector-field evaluations (over the whole batch at once).
    bound : float
        The bound on ``|x|_inf`` that stops a trajectory.
    """

    t: np.ndarray
    x: np.ndarray
    diverged: np.ndarray
    t_diverged: np.ndarray
    method: str
    n_evaluations: int
    bound: float

    @property
    def final(self) -> np.ndarray:
        """States at the last output time, shape ``(..., n)``."""
        return self.x[-1]

    @property
    def n_diverged(self) -> int:
        return int(np.count_nonzero(self.diverged))

    @property
    def any_diverged(self) -> bool:
        return bool(np.any(self.diverged))

    def __repr__(self) -> str:
        batch = self.x.shape[1:-1]
        return (
            f"Trajectory(T={len(self.t)}, batch={batch}, n={self.x.shape[-1]}, method={self.method!r}, "
            f"diverged={self.n_diverged})"
        )


def simulate(
    model,
    x0,
    t,
    *,
    method: str = "rk4",
    dt: float | None = None,
    bound: float = 1e6,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    on_divergence: str = "warn",
) -> Trajectory:
    """Integrate ``x' = model.vector_field(t, x)`` from ``x0`` and sample at times ``t``.

    Parameters
    ----------
    model : Model
        Any model of the zoo (see :class:`rnnlab.models.Model`).
    x0 : array_like, shape (..., n)
        One initial state or a batch of them; the batch is integrated at once.
    t : array_like, shape (T,)
        Increasing output times; ``t[0]`` is the initial time.
    method : str
        ``"rk4"`` or ``"euler"`` (fixed steps), or a :func:`scipy.integrate.solve_ivp` method
        (``"RK45"``, ``"DOP853"``, ``"LSODA"``, ``"BDF"``, ``"Radau"``, ``"RK23"``). Implicit
        methods get the exact Jacobian.
    dt : float, optional
        Fixed-step size. Each interval ``[t_k, t_k+1]`` is split into equal steps no longer than
        ``dt``; by default one step per interval.
    bound : float
        A trajectory is stopped once ``max_i |x_i|`` exceeds it or becomes non-finite.
    rtol, atol : float
        Tolerances of the adaptive methods.
    on_divergence : {"warn", "raise", "ignore"}
        What to do besides flagging when a trajectory is stopped.

    Returns
    -------
    Trajectory

    Examples
    --------
    >>> from rnnlab import LinearSystem
    >>> traj = simulate(LinearSystem([[-1.0]]), [1.0], np.linspace(0, 1, 101))
    >>> bool(np.isclose(traj.final[0], np.exp(-1.0)))
    True
    """
    check_model(model)
    x0 = check_state(x0, model.n, "x0")
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size < 2:
        raise ValueError(f"t must be a 1-D array of at least 2 times, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ValueError("t must be finite and strictly increasing")
    if dt is not None and not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive number, got {dt!r}")
    if not bound > 0:
        raise ValueError(f"bound must be positive, got {bound!r}")
    if np.max(np.abs(x0), initial=0.0) > bound:
        raise ValueError(f"x0 must lie within the bound |x| <= {bound:g}")
    if on_divergence not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_divergence must be 'warn', 'raise' or 'ignore', got {on_divergence!r}")

    batch_shape, n = x0.shape[:-1], model.n
    x0_flat = x0.reshape(-1, n)  # (B, n)
    if method in FIXED_STEP:
        xs, t_div, n_eval = _fixed_step(model, x0_flat, t, dt, bound, method)
    elif method in ADAPTIVE:
        xs, t_div, n_eval = _adaptive(model, x0_flat, t, bound, method, rtol, atol)
    else:
        raise ValueError(f"method must be one of {FIXED_STEP + ADAPTIVE}, got {method!r}")

    t_div = t_div.reshape(batch_shape)
    traj = Trajectory(
        t=t,
        x=xs.reshape((len(t),) + batch_shape + (n,)),
        diverged=~np.isnan(t_div),
        t_diverged=t_div,
        method=method,
        n_evaluations=n_eval,
        bound=float(bound),
    )
    if traj.any_diverged and on_divergence != "ignore":
        msg = (
            f"{traj.n_diverged} of {max(1, math.prod(batch_shape))} trajectories left |x| <= {bound:g} or "
            f"became non-finite (first at t = {np.nanmin(t_div):.4g}); they are flagged in "
            "Trajectory.diverged and NaN from then on"
        )
        if on_divergence == "raise":
            raise DivergenceError(msg, traj)
        warnings.warn(msg, DivergenceWarning, stacklevel=2)
    return traj


def _euler(f, t, x, h):
    return x + h * f(t, x), 1


def _rk4(f, t, x, h):
    k1 = f(t, x)
    k2 = f(t + h / 2, x + (h / 2) * k1)
    k3 = f(t + h / 2, x + (h / 2) * k2)
    k4 = f(t + h, x + h * k3)
    return x + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4), 4


def _fixed_step(model, x0, t, dt, bound, method):
    step = _rk4 if method == "rk4" else _euler
    f = model.vector_field
    xs = np.empty((len(t),) + x0.shape)  # (T, B, n)
    xs[0] = x0
    x = x0.copy()
    alive = np.ones(len(x0), dtype=bool)
    t_div = np.full(len(x0), np.nan)
    n_eval = 0
    for k in range(len(t) - 1):
        span = t[k + 1] - t[k]
        m = 1 if dt is None else max(1, math.ceil(span / dt - 1e-9))
        h = span / m
        for j in range(m):
            tj = t[k] + j * h
            # Overflow in a trajectory that is about to be flagged is expected, not a warning.
            with np.errstate(over="ignore", invalid="ignore"):
                x_new, evals = step(f, tj, x, h)
                ok = np.all(np.isfinite(x_new), axis=-1) & (np.max(np.abs(x_new), axis=-1) <= bound)
            n_eval += evals
            newly = alive & ~ok
            if newly.any():
                t_div[newly] = tj + h
                alive &= ok
            # Stopped trajectories stay frozen at their last good state so they cannot overflow.
            x = np.where(alive[:, None], x_new, x)
        xs[k + 1] = x
        xs[k + 1, ~alive] = np.nan
    return xs, t_div, n_eval


def _adaptive(model, x0, t, bound, method, rtol, atol):
    """Integrate the whole batch as one system; restart without a trajectory that leaves the bound."""
    n_traj, n = x0.shape
    xs = np.full((len(t), n_traj, n), np.nan)
    xs[0] = x0
    t_div = np.full(n_traj, np.nan)
    active = np.arange(n_traj)
    y0, t0, k_next = x0.ravel(), t[0], 1  # k_next: first output not yet written
    n_eval = 0
    implicit = method in ("Radau", "BDF", "LSODA")

    while active.size and k_next < len(t):
        m = active.size

        def fun(s, y):
            return model.vector_field(s, y.reshape(m, n)).ravel()

        def jac(s, y):
            return scipy.sparse.block_diag(list(model.jacobian(s, y.reshape(m, n))), format="csr")

        def leaves_bound(s, y):
            return bound - np.max(np.abs(y))

        leaves_bound.terminal = True
        with np.errstate(over="ignore", invalid="ignore"):
            sol = scipy.integrate.solve_ivp(
                fun, (t0, t[-1]), y0, method=method, t_eval=t[k_next:], events=leaves_bound,
                rtol=rtol, atol=atol, **({"jac": jac} if implicit else {}),
            )
        n_eval += sol.nfev
        n_out = sol.t.size
        xs[k_next : k_next + n_out, active] = sol.y.T.reshape(n_out, m, n)
        k_next += n_out
        if sol.status == 1:  # a trajectory reached the bound
            t0 = sol.t_events[0][0]
            y_event = sol.y_events[0][0].reshape(m, n)
            out = np.max(np.abs(y_event), axis=-1) >= bound * (1 - 1e-9)
        elif sol.status == -1:  # the solver failed: stop the trajectories that are non-finite
            y_last = sol.y[:, -1].reshape(m, n) if n_out else y0.reshape(m, n)
            out = ~np.all(np.isfinite(y_last), axis=-1)
            if not out.any():
                raise RuntimeError(f"solve_ivp failed ({method}): {sol.message}")
            t0 = sol.t[-1] if n_out else t0
            y_event = y_last
        else:
            break
        t_div[active[out]] = t0
        active, y0 = active[~out], y_event[~out].ravel()
    return xs, t_div, n_eval
