"""Simulation of any model over a batch of initial states: a batched, error-controlled
Dormand-Prince 5(4) with dense output (the default), fixed-step Euler and RK4, or SciPy's solvers.

A trajectory that becomes non-finite, leaves ``|x|_inf <= bound`` or cannot be continued by an
adaptive solver is stopped and flagged, the same way on every route; its later samples are NaN, and
:class:`Trajectory` says which trajectories stopped and when.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from . import _integrators
from ._integrators import StepLimitError
from .models.base import check_model, check_state

__all__ = ["Trajectory", "DivergenceError", "DivergenceWarning", "StepLimitError", "simulate"]

FIXED_STEP = ("euler", "rk4")
ADAPTIVE = ("dopri5", "RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")
METHODS = ADAPTIVE + FIXED_STEP
MAX_STEPS = 10**6


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
    method: str = "dopri5",
    dt: float | None = None,
    bound: float = 1e6,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    on_divergence: str = "warn",
    max_steps: int = MAX_STEPS,
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
        ``"dopri5"`` (default): Dormand-Prince 5(4) with error control and its continuous
        extension for the output times (Hairer, Norsett & Wanner, *Solving ODEs I*, Sec. II.5-6),
        vectorised over the batch with one step size shared by the batch and chosen from the
        largest per-trajectory error norm, so each trajectory meets ``rtol``/``atol`` on its own.
        ``"rk4"`` or ``"euler"``: fixed steps. A :func:`scipy.integrate.solve_ivp` method
        (``"RK45"``, ``"DOP853"``, ``"LSODA"``, ``"BDF"``, ``"Radau"``, ``"RK23"``): the batch as
        one stacked system (tolerances on the stacked norm); implicit methods get the exact Jacobian.
    dt : float, optional
        Fixed-step methods: each interval ``[t_k, t_k+1]`` is split into equal steps no longer than
        ``dt``; by default one step per interval. Adaptive methods: the largest step allowed
        (``max_step`` of SciPy); by default unlimited.
    bound : float
        A trajectory is stopped once ``max_i |x_i|`` exceeds it or becomes non-finite. Every
        method stops and flags it the same way; the adaptive ones locate the crossing on their
        dense output, and also stop a trajectory the solver cannot continue (step-size underflow,
        as at a finite-time blow-up), see :mod:`rnnlab._integrators`.
    rtol, atol : float
        Relative and absolute tolerances of the adaptive methods (``rtol`` in ``[1e-13, 1)``,
        ``atol >= 0``).
    on_divergence : {"warn", "raise", "ignore"}
        What to do besides flagging when a trajectory is stopped.
    max_steps : int
        The most steps an integration may take. Fixed-step work above it, or an adaptive run whose
        ``dt`` alone implies more, is refused with ``ValueError`` before starting; an adaptive run
        that needs more raises :class:`StepLimitError`.

    Returns
    -------
    Trajectory

    Examples
    --------
    >>> from rnnlab import LinearSystem
    >>> traj = simulate(LinearSystem([[-1.0]]), [1.0], np.linspace(0, 1, 101))
    >>> bool(np.isclose(traj.final[0], np.exp(-1.0), rtol=1e-6))
    True
    >>> traj.method
    'dopri5'
    """
    check_model(model)
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, one of {METHODS}, got {type(method).__name__}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    x0 = check_state(_float_array("x0", x0), model.n, "x0")
    t = _float_array("t", t)
    if t.ndim != 1 or t.size < 2:
        raise ValueError(f"t must be a 1-D array of at least 2 times, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ValueError("t must be finite and strictly increasing")
    if dt is not None:
        dt = _real("dt", dt)
        if not (np.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive number, got {dt!r}")
    bound = _real("bound", bound)
    if not bound > 0:
        raise ValueError(f"bound must be positive, got {bound!r}")
    rtol, atol = _real("rtol", rtol), _real("atol", atol)
    if not 1e-13 <= rtol < 1:
        raise ValueError(f"rtol must lie in [1e-13, 1), got {rtol!r}")
    if not (np.isfinite(atol) and atol >= 0):
        raise ValueError(f"atol must be a finite number >= 0, got {atol!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)):
        raise TypeError(f"max_steps must be an integer, got {type(max_steps).__name__}")
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    if np.max(np.abs(x0), initial=0.0) > bound:
        raise ValueError(f"x0 must lie within the bound |x| <= {bound:g}")
    if on_divergence not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_divergence must be 'warn', 'raise' or 'ignore', got {on_divergence!r}")
    _check_work(t, dt, method, max_steps)

    batch_shape, n = x0.shape[:-1], model.n
    x0_flat = x0.reshape(-1, n)  # (B, n)
    max_step = np.inf if dt is None else dt
    if method in FIXED_STEP:
        xs, t_div, n_eval = _fixed_step(model, x0_flat, t, dt, bound, method)
    elif method == "dopri5":
        xs, t_div, n_eval = _integrators.dopri5(
            model.vector_field, t, x0_flat, rtol=rtol, atol=atol, bound=bound, max_step=max_step,
            max_steps=max_steps,
        )
    else:
        xs, t_div, n_eval = _integrators.scipy_solver(
            model, t, x0_flat, method=method, rtol=rtol, atol=atol, bound=bound, max_step=max_step,
            max_steps=max_steps,
        )

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
            f"{traj.n_diverged} of {max(1, math.prod(batch_shape))} trajectories left |x| <= {bound:g}, "
            f"became non-finite or could not be continued (first at t = {np.nanmin(t_div):.4g}); they are "
            "flagged in Trajectory.diverged and NaN from then on"
        )
        if on_divergence == "raise":
            raise DivergenceError(msg, traj)
        warnings.warn(msg, DivergenceWarning, stacklevel=2)
    return traj


def _float_array(name, value):
    """``value`` as a real float array, or a ``TypeError``/``ValueError`` naming ``name``."""
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be real, got a complex array")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of real numbers ({error})") from None


def _real(name, value) -> float:
    """A real scalar, or a ``TypeError`` naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0 or np.iscomplexobj(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None


def _check_work(t, dt, method, max_steps):
    """Refuse, before starting, work that needs more than ``max_steps`` steps."""
    if dt is None:
        return
    spans = np.diff(t)
    if method in FIXED_STEP:
        needed = float(np.sum(np.maximum(1.0, np.ceil(spans / dt - 1e-9))))
        what = "fixed steps"
    else:
        needed = float(np.ceil((t[-1] - t[0]) / dt - 1e-9))
        what = "steps at least (dt is the largest step allowed)"
    if needed > max_steps:
        raise ValueError(
            f"dt = {dt:g} over t in [{t[0]:g}, {t[-1]:g}] needs {needed:.3g} {what}, more than "
            f"max_steps={max_steps}; increase dt or max_steps"
        )


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
