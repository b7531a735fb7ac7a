"""Contraction makes an RNN parallel: the whole trajectory of a step map at once.

A fixed-step discretisation of ``x' = f(t, x)`` (Euler or RK4) is a map ``x_t = F_t(x_{t-1})``,
``t = 1..T``. Instead of stepping it, solve the ``T`` equations ``x_t - F_t(x_{t-1}) = 0`` together by a
fixed-point iteration over the whole sequence. Iteration ``k -> k + 1`` linearises each step about the
current iterate,

    x_t^{k+1} = F_t(x_{t-1}^k) + A_t (x_{t-1}^{k+1} - x_{t-1}^k),        x_0^{k+1} = x_0,

a linear time-varying recurrence ``x_t = A_t x_{t-1} + b_t`` that a parallel associative scan solves in
``O(log T)`` sequential depth (:func:`linear_scan`). The choice of ``A_t`` is the method (the unifying
view of Gonzalez et al. 2024, "Towards scalable and stable parallelization of nonlinear RNNs", and
Gonzalez's 2026 thesis):

* ``"jacobi"``: ``A_t = 0``, each sweep applies every step to the previous sweep;
* ``"picard"``: ``A_t = I``, Picard iteration of the integral equation;
* ``"quasi-newton"``: ``A_t = diag(dF_t/dx)`` (quasi-DEER);
* ``"newton"``: ``A_t = dF_t/dx`` (DEER, Lim et al. 2024).

Every method makes at least the first ``k`` steps exact after ``k`` iterations, so all converge in at most
``T`` iterations in exact arithmetic; how much sooner is the question. For Jacobi a contraction
certificate answers it (:func:`jacobi_bound`, derived in ``docs/parallel_time.md``): if ``mu(J_f) <= -c``
in a norm, the Euler map is Lipschitz with a factor ``L`` (``1 - c dt`` in a weighted l1/linf norm, and
to first order in ``dt`` in a metric ``M``) and the sweep-``k`` error is at most ``L^k`` times the first.
For a chaotic net nothing contracts and the iterations run out of budget: :class:`ParallelTrajectory`
says so in ``converged`` and ``status``, never silently.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .checks import as_real_array, positive_number, real_number
from .certificates import Certificate, certify
from .models.base import check_model, check_state
from .models.rnn import RateRNN

__all__ = [
    "METHODS",
    "STEPS",
    "linear_scan",
    "sequential_scan",
    "step_map",
    "sequential_evaluate",
    "ParallelTrajectory",
    "parallel_evaluate",
    "metric_norm",
    "JacobiBound",
    "jacobi_bound",
    "lyapunov_exponents",
    "rate_rnn_jacobian_norm",
    "Dichotomy",
    "parallel_dichotomy",
]

METHODS = ("jacobi", "picard", "quasi-newton", "newton")
STEPS = ("euler", "rk4")


# --------------------------------------------------------------------------------------------------
# Linear time-varying recurrences


def _check_recurrence(A, b, x0):
    b = np.asarray(b, dtype=float)
    if b.ndim != 2:
        raise ValueError(f"b must have shape (T, n), got shape {b.shape}")
    T, n = b.shape
    A = np.asarray(A, dtype=float)
    if A.shape not in ((T, n), (T, n, n)):
        raise ValueError(f"A must have shape ({T}, {n}) (diagonal) or ({T}, {n}, {n}), got shape {A.shape}")
    x0 = np.asarray(x0, dtype=float)
    if x0.shape != (n,):
        raise ValueError(f"x0 must have shape ({n},), got shape {x0.shape}")
    return A, b, x0


def sequential_scan(A, b, x0) -> np.ndarray:
    """Solve ``x_t = A_t x_{t-1} + b_t``, ``t = 1..T``, one step after the other (the reference).

    Parameters
    ----------
    A : array_like, shape (T, n, n) or (T, n)
        Transition matrices, or their diagonals.
    b : array_like, shape (T, n)
    x0 : array_like, shape (n,)

    Returns
    -------
    ndarray, shape (T, n)
        ``x_1 .. x_T``.
    """
    A, b, x0 = _check_recurrence(A, b, x0)
    x = np.empty_like(b)
    prev = x0
    for t in range(len(b)):
        prev = (A[t] @ prev if A.ndim == 3 else A[t] * prev) + b[t]
        x[t] = prev
    return x


def linear_scan(A, b, x0) -> np.ndarray:
    """Solve ``x_t = A_t x_{t-1} + b_t``, ``t = 1..T``, by a parallel associative scan.

    The pairs ``(A_t, b_t)`` are affine maps ``x -> A_t x + b_t``; composing them is associative,
    ``(A_2, b_2) o (A_1, b_1) = (A_2 A_1, A_2 b_1 + b_2)``. The inclusive scan of Hillis & Steele
    composes, at round ``r = 0, 1, ...``, each element with the one ``2^r`` places before it, so after
    ``ceil(log2 T)`` rounds element ``t`` holds the map ``x_0 -> x_t``. Each round is one batched
    (vectorised) product over all ``t``: ``O(log T)`` depth, ``O(T log T)`` work.

    Parameters
    ----------
    A : array_like, shape (T, n, n) or (T, n)
        Transition matrices, or their diagonals (then every product is elementwise).
    b : array_like, shape (T, n)
    x0 : array_like, shape (n,)

    Returns
    -------
    ndarray, shape (T, n)
        ``x_1 .. x_T``; equal to :func:`sequential_scan` up to rounding.

    Examples
    --------
    >>> A = np.full((4, 1), 0.5); b = np.ones((4, 1))
    >>> linear_scan(A, b, [0.0]).ravel()
    array([1.   , 1.5  , 1.75 , 1.875])
    """
    A, b, x0 = _check_recurrence(A, b, x0)
    A, b = A.copy(), b.copy()
    diagonal = A.ndim == 2
    T = len(b)
    shift = 1
    while shift < T:
        # element t <- (element t) o (element t - shift); right-hand sides read the previous round.
        A_late, A_early, b_early = A[shift:], A[:-shift], b[:-shift]
        if diagonal:
            b[shift:] = A_late * b_early + b[shift:]
            A[shift:] = A_late * A_early
        else:
            b[shift:] = np.einsum("tij,tj->ti", A_late, b_early) + b[shift:]
            A[shift:] = A_late @ A_early
        shift *= 2
    return (A * x0 if diagonal else A @ x0) + b


# --------------------------------------------------------------------------------------------------
# The step map F_t and its Jacobian, over the whole sequence at once


def _time_varying(value, depth: int = 0) -> bool:
    """Whether a model (or one of its parts) holds a callable other than an activation, e.g. ``u(t)``."""
    if depth > 4 or isinstance(value, Activation):
        return False
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_time_varying(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, (list, tuple)):
        return any(_time_varying(v, depth + 1) for v in value)
    return callable(value)


class _Stacked:
    """``f`` and ``J_f`` of a model on a stack of states ``(T, n)`` at the times ``t`` of shape ``(T,)``.

    A model without callable parts is evaluated in one vectorised call; otherwise (an input ``u(t)``,
    or a callable the check cannot see through) one call per time, which gives the same numbers.
    """

    def __init__(self, model, vectorised: bool):
        self.model, self.vectorised = model, vectorised

    def f(self, t, x):
        if self.vectorised:
            return self.model.vector_field(t[0], x)
        return np.stack([self.model.vector_field(s, xs) for s, xs in zip(t, x)])

    def jac(self, t, x):
        if self.vectorised:
            return np.asarray(self.model.jacobian(t[0], x))
        return np.stack([self.model.jacobian(s, xs) for s, xs in zip(t, x)])


def _step(fs: _Stacked, step: str, t, x, h, jacobian: bool):
    """``F(x)`` of shape ``(T, n)`` and, if asked, ``dF/dx`` of shape ``(T, n, n)``, for each row of ``x``."""
    if step == "euler":
        Fx = x + h * fs.f(t, x)
        if not jacobian:
            return Fx, None
        return Fx, np.eye(x.shape[-1]) + h * fs.jac(t, x)
    k1 = fs.f(t, x)
    x2 = x + (h / 2) * k1
    k2 = fs.f(t + h / 2, x2)
    x3 = x + (h / 2) * k2
    k3 = fs.f(t + h / 2, x3)
    x4 = x + h * k3
    k4 = fs.f(t + h, x4)
    Fx = x + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    if not jacobian:
        return Fx, None
    # The chain rule through the four stages: dk_i/dx = J(stage_i) (I + c_i h dk_{i-1}/dx).
    eye = np.eye(x.shape[-1])
    d1 = fs.jac(t, x)
    d2 = fs.jac(t + h / 2, x2) @ (eye + (h / 2) * d1)
    d3 = fs.jac(t + h / 2, x3) @ (eye + (h / 2) * d2)
    d4 = fs.jac(t + h, x4) @ (eye + h * d3)
    return Fx, eye + (h / 6) * (d1 + 2 * d2 + 2 * d3 + d4)


def _check_grid(model, x0, T, dt, step):
    check_model(model)
    x0 = check_state(x0, model.n, "x0")
    if x0.ndim != 1:
        raise ValueError(f"x0 must be one state of shape ({model.n},), got shape {x0.shape}")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T must be a positive integer number of steps, got {T!r}")
    positive_number("dt", dt)
    if step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}, got {step!r}")
    return x0


def step_map(model, t, x, dt: float, *, step: str = "euler", jacobian: bool = False):
    """The step map ``F_t(x)`` (and ``dF_t/dx``) of a model on a stack of times and states.

    Parameters
    ----------
    model : Model
    t : array_like, shape (T,)
        The time at the start of each step.
    x : array_like, shape (T, n)
        The state at the start of each step.
    dt : float
    step : {"euler", "rk4"}
        ``F(x) = x + dt f(t, x)``, or the classical Runge-Kutta step (as :func:`rnnlab.simulate`).
    jacobian : bool
        Also return the exact Jacobian of the map (the chain rule through the stages).

    Returns
    -------
    F : ndarray, shape (T, n)
    dF : ndarray, shape (T, n, n), or None
    """
    check_model(model)
    t = np.atleast_1d(np.asarray(t, dtype=float))
    x = check_state(x, model.n)
    if x.ndim != 2 or len(x) != len(t):
        raise ValueError(f"x must have shape ({len(t)}, {model.n}) to match t, got shape {x.shape}")
    if step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}, got {step!r}")
    return _step(_Stacked(model, not _time_varying(model)), step, t, x, float(dt), jacobian)


def sequential_evaluate(model, x0, T: int, dt: float, *, t0: float = 0.0, step: str = "euler") -> np.ndarray:
    """The trajectory ``x_0 .. x_T`` of the step map, one step after the other (the baseline).

    Returns
    -------
    ndarray, shape (T + 1, n)
    """
    x0 = _check_grid(model, x0, T, dt, step)
    fs = _Stacked(model, True)  # one state at a time: always one call per step
    x = np.empty((T + 1, model.n))
    x[0] = x0
    for k in range(T):
        x[k + 1] = _step(fs, step, np.array([t0 + k * dt]), x[k : k + 1], dt, False)[0][0]
    return x


# --------------------------------------------------------------------------------------------------
# Parallel-in-time evaluation


@dataclass(frozen=True, eq=False)
class ParallelTrajectory:
    """The result of :func:`parallel_evaluate`.

    Attributes
    ----------
    t : ndarray, shape (T + 1,)
        ``t0 + k dt``.
    x : ndarray, shape (T + 1, n)
        The last iterate, ``x[0] = x0``.
    method : str
        One of :data:`METHODS`.
    step : str
        ``"euler"`` or ``"rk4"``.
    iterations : int
        Iterations (linear scans) performed.
    residuals : ndarray, shape (iterations + 1,)
        ``max_t |x_t^k - F_t(x_{t-1}^k)|_inf`` of iterate ``k = 0 .. iterations``.
    converged : bool
        Whether the last residual is at most ``tol``.
    status : {"converged", "max_iter", "non-finite"}
        Why the iteration stopped; ``"non-finite"`` keeps the last finite iterate.
    tol : float
    max_iter : int
    iterates : ndarray, shape (iterations + 1, T + 1, n), or None
        Every iterate, with ``keep_iterates=True``.
    """

    t: np.ndarray
    x: np.ndarray
    method: str
    step: str
    iterations: int
    residuals: np.ndarray
    converged: bool
    status: str
    tol: float
    max_iter: int
    iterates: np.ndarray | None = None

    @property
    def T(self) -> int:
        return len(self.t) - 1

    def __repr__(self) -> str:
        return (
            f"ParallelTrajectory(method={self.method!r}, step={self.step!r}, T={self.T}, "
            f"n={self.x.shape[-1]}, "
            f"iterations={self.iterations}, converged={self.converged}, residual={self.residuals[-1]:.3g})"
        )


def _transitions(method: str, dF: np.ndarray | None, T: int, n: int) -> np.ndarray:
    if method == "jacobi":
        return np.zeros((T, n))
    if method == "picard":
        return np.ones((T, n))
    if method == "quasi-newton":
        return np.diagonal(dF, axis1=-2, axis2=-1).copy()
    return dF


def parallel_evaluate(
    model,
    x0,
    T: int,
    dt: float,
    *,
    t0: float = 0.0,
    method: str = "newton",
    step: str = "euler",
    tol: float = 1e-9,
    max_iter: int | None = None,
    init=None,
    keep_iterates: bool = False,
) -> ParallelTrajectory:
    """Evaluate ``T`` steps of a model's Euler or RK4 map over the whole sequence at once.

    Iteration ``k`` (module docstring) solves the linear recurrence
    ``x_t^{k+1} = A_t x_{t-1}^{k+1} + F_t(x_{t-1}^k) - A_t x_{t-1}^k`` by :func:`linear_scan`; the
    input sequence is the model's own ``u(t)`` at ``t_k = t0 + k dt`` (as :func:`rnnlab.simulate`).
    The residual ``max_t |x_t - F_t(x_{t-1})|_inf`` is checked before every iteration.

    Parameters
    ----------
    model : Model
        Any model of the zoo.
    x0 : array_like, shape (n,)
    T : int
        Number of steps.
    dt : float
    t0 : float
    method : {"jacobi", "picard", "quasi-newton", "newton"}
        ``A_t`` = 0, ``I``, ``diag(dF_t/dx)``, ``dF_t/dx`` (Jacobi, Picard, quasi-DEER, DEER).
    step : {"euler", "rk4"}
    tol : float
        Converged once the residual is at most ``tol`` (absolute, in the max norm).
    max_iter : int, optional
        The iteration budget; ``T`` by default, within which every method converges in exact
        arithmetic (the first ``k`` steps are exact after ``k`` iterations). A smaller budget is where
        a chaotic net shows: it ends with ``converged=False``, ``status="max_iter"``.
    init : array_like, shape (T + 1, n) or (T, n), optional
        The first iterate (``x_1 .. x_T``, or with ``x_0`` in front, which is then ignored); by default
        ``x_t = x0`` for all ``t``, as DEER.
    keep_iterates : bool
        Keep every iterate in the result (memory ``iterations * T * n``), for plots and bounds.

    Returns
    -------
    ParallelTrajectory

    Examples
    --------
    >>> from rnnlab import RateRNN
    >>> rnn = RateRNN([[0.0, 0.5], [-0.5, 0.0]], u=0.1)
    >>> res = parallel_evaluate(rnn, [1.0, 0.0], T=100, dt=0.1, method="newton")
    >>> res.converged, res.iterations < 10
    (True, True)
    >>> bool(np.allclose(res.x, sequential_evaluate(rnn, [1.0, 0.0], 100, 0.1)))
    True
    """
    x0 = _check_grid(model, x0, T, dt, step)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    positive_number("tol", tol)
    max_iter = T if max_iter is None else max_iter
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    n = model.n
    t = t0 + dt * np.arange(T + 1)
    x = np.empty((T + 1, n))
    x[0] = x0
    if init is None:
        x[1:] = x0
    else:
        init = np.asarray(init, dtype=float)
        if init.shape not in ((T, n), (T + 1, n)) or not np.all(np.isfinite(init)):
            raise ValueError(
                f"init must be finite with shape ({T}, {n}) or ({T + 1}, {n}), got shape {init.shape}"
            )
        x[1:] = init[-T:]

    fs = _Stacked(model, not _time_varying(model))
    want_jac = method in ("quasi-newton", "newton")
    residuals, iterates = [], [x.copy()] if keep_iterates else None
    status = "max_iter"
    for k in range(max_iter + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            Fx, dF = _step(fs, step, t[:-1], x[:-1], dt, want_jac and k < max_iter)  # (T, n), (T, n, n)
        residual = float(np.max(np.abs(x[1:] - Fx)))
        residuals.append(residual)
        if residual <= tol:
            status = "converged"
            break
        if k == max_iter:
            break
        A = _transitions(method, dF, T, n)
        b = Fx - (A * x[:-1] if A.ndim == 2 else np.einsum("tij,tj->ti", A, x[:-1]))
        with np.errstate(over="ignore", invalid="ignore"):
            x_new = b if method == "jacobi" else linear_scan(A, b, x0)  # A = 0: the scan is b itself
        if not (np.all(np.isfinite(x_new)) and np.isfinite(residual)):
            status = "non-finite"
            break
        x[1:] = x_new
        if keep_iterates:
            iterates.append(x.copy())
    return ParallelTrajectory(
        t=t,
        x=x,
        method=method,
        step=step,
        iterations=len(residuals) - 1,
        residuals=np.array(residuals),
        converged=status == "converged",
        status=status,
        tol=float(tol),
        max_iter=int(max_iter),
        iterates=None if iterates is None else np.stack(iterates),
    )


# --------------------------------------------------------------------------------------------------
# The certified bound on Jacobi sweeps


def metric_norm(J, certificate: Certificate) -> np.ndarray:
    """The norm of matrices ``J`` induced by a certificate's vector norm.

    ``|J|_M = |M^{1/2} J M^{-1/2}|_2`` for ``norm="l2"``, ``|[eta] J [eta]^{-1}|_p`` for ``"l1"``/``"linf"``.

    Parameters
    ----------
    J : array_like, shape (..., n, n)
    certificate : Certificate

    Returns
    -------
    ndarray, shape (...)
    """
    J = np.asarray(J, dtype=float)
    if J.ndim < 2 or J.shape[-1] != J.shape[-2]:
        raise ValueError(f"J must be a square matrix or a stack (..., n, n), got shape {J.shape}")
    n = J.shape[-1]
    if certificate.norm == "l2":
        M = np.eye(n) if certificate.metric is None else np.asarray(certificate.metric, dtype=float)
        w, V = np.linalg.eigh(M)
        R = (V * np.sqrt(w)) @ V.T
        R_inv = (V / np.sqrt(w)) @ V.T
        return np.linalg.norm(R @ J @ R_inv, ord=2, axis=(-2, -1))
    eta = np.ones(n) if certificate.metric is None else np.asarray(certificate.metric, dtype=float)
    Jw = eta[:, None] * J / eta[None, :]
    return np.linalg.norm(Jw, ord=1 if certificate.norm == "l1" else np.inf, axis=(-2, -1))


@dataclass(frozen=True, eq=False)
class JacobiBound:
    """The certified bound on the Jacobi sweeps of an Euler map (:func:`jacobi_bound`).

    Attributes
    ----------
    rate : float
        Certified contraction rate ``c`` of ``x' = f(t, x)``.
    dt : float
    norm : str
        The certificate's norm.
    jacobian_norm : float
        The bound ``s >= |J_f(t, x)|`` (induced norm) used for the ``dt^2`` term.
    factor : float
        ``L >= |I + dt J_f(t, x)|`` for all ``t, x``: the Lipschitz factor of one Euler step.
    """

    rate: float
    dt: float
    norm: str
    jacobian_norm: float
    factor: float

    def error(self, k, initial_error):
        """The bound ``L^k e_0`` on ``max_t |x_t^k - x_t|`` after ``k`` sweeps, from ``e_0`` at ``k = 0``."""
        return np.asarray(initial_error, dtype=float) * self.factor ** np.asarray(k, dtype=float)

    def sweeps(self, T: int, initial_error: float, tol: float) -> int:
        """Sweeps that guarantee ``max_t |x_t^k - x_t| <= tol``: ``min(T, ceil(log(tol / e_0) / log L))``.

        ``T`` sweeps make every step exact whatever ``L`` is.
        """
        if initial_error <= tol:
            return 0
        if self.factor >= 1:
            return int(T)
        if self.factor <= 0:
            return min(int(T), 1)
        return min(int(T), math.ceil(math.log(tol / initial_error) / math.log(self.factor)))


def jacobi_bound(certificate: Certificate, dt: float, jacobian_norm: float) -> JacobiBound:
    """The Lipschitz factor ``L`` of an Euler step from a contraction certificate.

    The certificate states ``mu(J_f(t, x)) <= -c`` in its norm for all ``t, x``; with
    ``s >= |J_f(t, x)|`` (the induced norm of the same metric, :func:`metric_norm`), one Euler step
    ``F(x) = x + dt f(t, x)`` satisfies ``|F(x) - F(y)| <= L |x - y|`` with (``docs/parallel_time.md``)

    * ``norm="l1"`` or ``"linf"`` (weights ``eta``): ``L = max(1 - c dt, s dt - 1)``, which is exactly
      ``1 - c dt`` once ``dt <= 2 / (s + c)``;
    * ``norm="l2"`` (metric ``M``): ``L = sqrt(1 - 2 c dt + s^2 dt^2) = 1 - c dt + O(dt^2)``.

    Jacobi sweep ``k`` then obeys ``|x_t^k - x_t| <= L |x_{t-1}^{k-1} - x_{t-1}|`` and ``x_t^k = x_t``
    for ``t <= k``, so ``max_t |x_t^k - x_t| <= L^k max_t |x_t^0 - x_t|`` in the certificate's norm: the
    ``(1 - c dt)^k`` of issue 19, exact in l1/linf and to first order in l2.

    Parameters
    ----------
    certificate : Certificate
        One that holds (``rate = c > 0``).
    dt : float
        Euler step.
    jacobian_norm : float
        ``s``, an upper bound of ``|J_f(t, x)|`` in the certificate's metric over all states and times
        (a bound over a set of states gives a bound only for iterates that stay in that set).

    Examples
    --------
    >>> from rnnlab import Certificate
    >>> cert = Certificate("example", True, 0.5, "linf", None, "-")
    >>> jacobi_bound(cert, dt=0.1, jacobian_norm=2.0).factor
    0.95
    """
    if not isinstance(certificate, Certificate):
        raise TypeError(f"certificate must be an rnnlab Certificate, got {type(certificate).__name__}")
    if not certificate.holds:
        raise ValueError(
            f"certificate must hold (a positive rate) to bound the sweeps; {certificate.criterion} does not"
        )
    positive_number("dt", dt)
    c = float(certificate.rate)
    if not real_number("jacobian_norm", jacobian_norm) >= c:
        raise ValueError(
            f"jacobian_norm must be finite and at least the rate {c:g} (|J| >= -mu(J)), got {jacobian_norm!r}"
        )
    s = float(jacobian_norm)
    if certificate.norm == "l2":
        factor = math.sqrt(max(0.0, 1 - 2 * c * dt + (s * dt) ** 2))
    else:
        factor = max(1 - c * dt, s * dt - 1)
    return JacobiBound(rate=c, dt=float(dt), norm=certificate.norm, jacobian_norm=s, factor=factor)


# --------------------------------------------------------------------------------------------------
# Lyapunov exponents and the dichotomy


def lyapunov_exponents(
    model, x0, T: int, dt: float, *, k: int = 1, t0: float = 0.0, step: str = "euler", transient: int = 0
) -> np.ndarray:
    """The ``k`` largest Lyapunov exponents of the step map along its trajectory, by the QR method.

    ``Q_t R_t = dF_t(x_{t-1}) Q_{t-1}`` (reduced QR, ``Q_0`` the first ``k`` unit vectors, signs fixed so
    ``diag R_t > 0``); ``lambda_i = sum_t log R_t[i, i] / (T dt)`` over the steps after ``transient``,
    in units of 1 / time, so a contraction at rate ``c`` gives ``lambda_1 <= log(L) / dt ~ -c``.

    Parameters
    ----------
    model, x0, T, dt, t0, step
        As :func:`parallel_evaluate`; ``T`` counts the steps after the transient.
    k : int
        How many exponents, ``1 <= k <= n``.
    transient : int
        Steps run first and not counted (the trajectory approaches its attractor).

    Returns
    -------
    ndarray, shape (k,)
        Decreasing.
    """
    x0 = _check_grid(model, x0, T, dt, step)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= model.n:
        raise ValueError(f"k must be an integer in [1, {model.n}], got {k!r}")
    if isinstance(transient, bool) or not isinstance(transient, (int, np.integer)) or transient < 0:
        raise ValueError(f"transient must be a non-negative integer, got {transient!r}")
    fs = _Stacked(model, True)
    x = x0[None, :]
    Q = np.eye(model.n)[:, :k]
    log_r = np.zeros(k)
    for j in range(transient + T):
        Fx, dF = _step(fs, step, np.array([t0 + j * dt]), x, dt, True)
        if j >= transient:
            Q, R = np.linalg.qr(dF[0] @ Q)
            signs = np.sign(np.diag(R))
            signs[signs == 0] = 1.0
            Q = Q * signs
            log_r += np.log(np.abs(np.diag(R)))
        x = Fx
    return np.sort(log_r / (T * dt))[::-1]


def rate_rnn_jacobian_norm(model: RateRNN, certificate: Certificate) -> float:
    """``s >= |J_f(x)|`` in the certificate's metric for a rate RNN, over every state.

    ``J = T^{-1} (W D - I)`` with ``D = diag(phi'(x))``, ``0 <= D <= g I``, so in the metric
    ``|R J R^{-1}| <= (|R W R^{-1}| |R D R^{-1}| + 1) / min tau``; ``|R D R^{-1}| <= g`` for a diagonal
    metric and ``<= g sqrt(cond M)`` for ``M = R^2``. The ``T^{-1}`` of unequal ``tau`` adds
    ``|R T^{-1} R^{-1}| / (1 / min tau)`` in the same way; it is 1 for a diagonal metric or one ``tau``.
    """
    g = model.phi.d_max
    tau_min = float(np.min(model.tau))
    spread = 1.0
    if certificate.norm == "l2" and certificate.metric is not None:
        w = np.linalg.eigvalsh(np.asarray(certificate.metric, dtype=float))
        spread = math.sqrt(w[-1] / w[0])
    tau_spread = 1.0 if np.all(model.tau == model.tau[0]) else spread
    w_norm = float(metric_norm(model.W, certificate))
    return tau_spread * (w_norm * g * spread + 1.0) / tau_min


@dataclass(frozen=True, eq=False)
class Dichotomy:
    """The result of :func:`parallel_dichotomy`: iteration counts across a gain ``g``.

    Attributes
    ----------
    g : ndarray, shape (m,)
    iterations : dict[str, ndarray of int, shape (m,)]
        Per method; the budget where the method did not converge.
    converged : dict[str, ndarray of bool, shape (m,)]
    rate : ndarray, shape (m,)
        The best certified contraction rate (NaN where no certificate holds).
    jacobi_bound : ndarray, shape (m,)
        The certified bound on the Jacobi sweeps (NaN where no certificate holds).
    lyapunov : ndarray, shape (m,)
        The largest Lyapunov exponent of the Euler map along the trajectory, 1 / time.
    T, dt, tol, max_iter, n : int, float, float, int, int
    """

    g: np.ndarray
    iterations: dict
    converged: dict
    rate: np.ndarray
    jacobi_bound: np.ndarray
    lyapunov: np.ndarray
    T: int
    dt: float
    tol: float
    max_iter: int
    n: int

    @property
    def methods(self) -> tuple:
        return tuple(self.iterations)


def parallel_dichotomy(
    gains,
    *,
    n: int = 100,
    T: int = 400,
    dt: float = 0.1,
    methods=("jacobi", "quasi-newton", "newton"),
    tol: float = 1e-8,
    max_iter: int | None = None,
    transient: int = 0,
    rng=None,
) -> Dichotomy:
    """Iterations of each method against the certified rate and the largest Lyapunov exponent, for
    the rate RNN ``x' = -x + W tanh(x)``, ``W_ij ~ N(0, g^2 / n)``, across the gain ``g``.

    One weight draw ``W_0`` (``g = 1``) is scaled to every gain, so the curves vary with ``g`` only; the
    edge of chaos is near ``g = 1`` for large ``n`` (Sompolinsky, Crisanti & Sommers 1988). The
    initial state is ``x0 ~ N(0, 1)``, also shared, after ``transient`` Euler steps.

    Parameters
    ----------
    gains : array_like, shape (m,)
        Positive gains.
    n, T, dt, tol, max_iter
        Network size, steps, step, tolerance and iteration budget (``T`` by default).
    methods : sequence of str
        From :data:`METHODS`.
    transient : int
        Euler steps from ``x0`` before the evaluated window.
    rng : numpy Generator or int, optional

    Returns
    -------
    Dichotomy
    """
    g = as_real_array("gains", gains, finite=False)
    if g.ndim != 1 or g.size == 0 or not np.all(np.isfinite(g)) or np.any(g <= 0):
        raise ValueError(f"gains must be a non-empty 1-D array of positive numbers, got {gains!r}")
    methods = tuple(methods)
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise ValueError(f"methods must be a non-empty subset of {METHODS}, got {methods!r}")
    rng = np.random.default_rng(rng)
    W0 = rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, n))
    x_start = rng.normal(0.0, 1.0, size=n)
    budget = T if max_iter is None else max_iter
    iterations = {m: np.zeros(g.size, dtype=int) for m in methods}
    converged = {m: np.zeros(g.size, dtype=bool) for m in methods}
    rate, bound, lyap = (np.full(g.size, np.nan) for _ in range(3))
    for i, gi in enumerate(g):
        model = RateRNN(gi * W0)
        x0 = sequential_evaluate(model, x_start, transient, dt)[-1] if transient else x_start
        for m in methods:
            res = parallel_evaluate(model, x0, T, dt, method=m, tol=tol, max_iter=budget)
            iterations[m][i] = res.iterations if res.converged else budget
            converged[m][i] = res.converged
        best = certify(model).best
        if best is not None:
            rate[i] = best.rate
            jb = jacobi_bound(best, dt, rate_rnn_jacobian_norm(model, best))
            exact = sequential_evaluate(model, x0, T, dt)
            e0 = float(np.max(best.distance(exact - x0)))
            # The residual x_t - F(x_{t-1}) = e_t - (F(x_{t-1}) - F(x*_{t-1})) is at most (1 + L) max_t |e_t|.
            bound[i] = jb.sweeps(T, e0, tol / (_to_max_norm(best, n) * (1 + jb.factor)))
        lyap[i] = lyapunov_exponents(model, x0, T, dt)[0]
    return Dichotomy(g=g, iterations=iterations, converged=converged, rate=rate, jacobi_bound=bound,
                     lyapunov=lyap, T=int(T), dt=float(dt), tol=float(tol), max_iter=int(budget), n=int(n))


def _to_max_norm(certificate: Certificate, n: int) -> float:
    """``C`` with ``|v|_inf <= C |v|_cert``, so ``|v|_cert <= tol / C`` guarantees ``|v|_inf <= tol``."""
    if certificate.norm == "l2":
        M = np.eye(n) if certificate.metric is None else np.asarray(certificate.metric, dtype=float)
        return 1.0 / math.sqrt(np.linalg.eigvalsh(M)[0])
    eta = np.ones(n) if certificate.metric is None else np.asarray(certificate.metric, dtype=float)
    return 1.0 / float(np.min(eta))
