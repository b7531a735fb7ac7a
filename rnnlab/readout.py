"""Training a reservoir's readout, and the trained loop's gains and responses (Rivkind & Barak 2017).

Training clamps the feedback of a :class:`~rnnlab.models.Reservoir` to the targets (open loop,
Eq. 2), finds the open-loop fixed points ``x_m = W phi(x_m) + w_FB A_m`` (Eq. 3) and fits ``w_out``
by least squares so that ``w_out^T phi(x_m) = A_m`` (Eq. 16). The closed loop linearised at those
points (Eq. 4) is read through the open-loop gain ``G(s)`` around the feedback loop: its frequency
response (a Nyquist curve around ``1 + 0i``, Eq. 7) and its impulse response. The mean field of
:mod:`rnnlab.meanfield` and :mod:`rnnlab.meanfield_targets` predicts the same quantities for
``N -> inf``; the models themselves live in :mod:`rnnlab.models.reservoir`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import as_real_array, nonnegative_number, positive_int, positive_number
from .meanfield import FrequencyResponse, default_frequencies
from .models.reservoir import OpenLoopReservoir, Reservoir

__all__ = [
    "OpenLoopFixedPoints",
    "TrainedReservoir",
    "open_loop_fixed_points",
    "readout_weights",
    "train_readout",
    "open_loop_gain",
    "cross_gains",
    "readout_coefficients",
    "frequency_response",
    "impulse_response",
    "Transient",
]

MODAL_MIN_POINTS = 16  # above this many frequencies one eigendecomposition beats per-frequency solves


def _check_targets(targets) -> np.ndarray:
    A = np.atleast_1d(np.asarray(targets, dtype=float))
    if A.ndim != 1 or A.size == 0:
        raise ValueError(f"targets must be a non-empty 1-d array of output levels, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"targets must be finite, got {targets!r}")
    return A


@dataclass(frozen=True, eq=False)
class OpenLoopFixedPoints:
    """Open-loop fixed points ``x_m = W phi(x_m) + w_FB A_m`` (Eq. 3), one per target.

    Attributes
    ----------
    targets : ndarray, shape (M,)
    x : ndarray, shape (M, N)
        The fixed points ``x_m``.
    r : ndarray, shape (M, N)
        Their rates ``phi(x_m)``.
    residual : ndarray, shape (M,)
        ``max_i |x - W phi(x) - w_FB A|_i`` at each.
    iterations : ndarray of int, shape (M,)
        Newton steps taken.
    """

    targets: np.ndarray
    x: np.ndarray
    r: np.ndarray
    residual: np.ndarray
    iterations: np.ndarray


def open_loop_fixed_points(
    reservoir, targets, *, tol: float = 1e-10, max_iter: int = 100
) -> OpenLoopFixedPoints:
    """Solve Eq. 3, ``x = W phi(x) + w_FB A_m``, for each target ``A_m`` (``u = 0``).

    Damped Newton from ``x = w_FB A_m``, the deterministic part of the solution; under the fading
    memory property (``rho < 1``) the open loop has one stable fixed point per target, the one
    this finds. Raises ``RuntimeError`` if Newton fails to reach ``tol``.

    Parameters
    ----------
    reservoir : Reservoir or OpenLoopReservoir
    targets : array_like, shape (M,)
        Output levels ``A_1..A_M``.
    tol : float
        Tolerance on the max-norm residual.
    max_iter : int
        Newton steps per target.
    """
    A = _check_targets(targets)
    tol, max_iter = positive_number("tol", tol), positive_int("max_iter", max_iter)
    W, w_fb, phi, N = reservoir.W, reservoir.w_fb, reservoir.phi, reservoir.n
    xs, its, res = np.empty((A.size, N)), np.zeros(A.size, dtype=int), np.empty(A.size)

    def F(x, a):
        return -x + W @ phi(x) + w_fb * a

    for m, a in enumerate(A):
        x = w_fb * a
        Fx = F(x, a)
        k = 0
        while np.max(np.abs(Fx)) > tol and k < max_iter:
            J = W * phi.derivative(x)[None, :] - np.eye(N)
            step = np.linalg.solve(J, -Fx)
            s, norm0 = 1.0, np.linalg.norm(Fx)
            while True:  # backtracking keeps Newton from leaving the basin at kinks and near rho = 1
                x_new = x + s * step
                F_new = F(x_new, a)
                if np.linalg.norm(F_new) < (1 - 1e-4 * s) * norm0 or s < 1e-6:
                    break
                s /= 2
            x, Fx, k = x_new, F_new, k + 1
        xs[m], its[m], res[m] = x, k, np.max(np.abs(Fx))
        if res[m] > tol:
            raise RuntimeError(f"open-loop fixed point for target {a} not found: residual {res[m]:.3g}")
    return OpenLoopFixedPoints(A, xs, phi(xs), res, its)


def readout_weights(rates, targets, *, ridge: float = 0.0) -> np.ndarray:
    """Least-squares readout ``w_out`` with ``w_out^T r_m = A_m`` (Eq. 16), minimum norm.

    ``w_out = R^T (R R^T + ridge I)^-1 A`` for the rates ``R`` of shape ``(M, N)``: the form
    ``w_out = N^-1 sum_m k_m r_m`` of Eq. 16 with ``k = N (R R^T + ridge I)^-1 A``. For one target
    it is ``A r / (r^T r)``, as in the paper's derivation of Eq. 13.

    Parameters
    ----------
    rates : array_like, shape (M, N)
    targets : array_like, shape (M,)
    ridge : float
        Non-negative Tikhonov penalty ``ridge |w_out|^2``.
    """
    A = _check_targets(targets)
    R = np.atleast_2d(np.asarray(rates, dtype=float))
    if R.shape[0] != A.size:
        raise ValueError(f"rates must have shape ({A.size}, N) to match targets, got shape {R.shape}")
    ridge = nonnegative_number("ridge", ridge)
    if ridge == 0:
        # lstsq, not the normal equations: rates can be exactly collinear (an odd phi maps the
        # targets -A and A to rates -r and r), where R R^T is singular but a readout still exists.
        return np.linalg.lstsq(R, A, rcond=None)[0]
    return R.T @ np.linalg.solve(R @ R.T + ridge * np.eye(A.size), A)


@dataclass(frozen=True, eq=False)
class TrainedReservoir:
    """A reservoir after readout training (:func:`train_readout`).

    Attributes
    ----------
    reservoir : Reservoir
        The closed loop (Eq. 1) with the trained ``w_out``.
    fixed_points : OpenLoopFixedPoints
        The open-loop fixed points (Eq. 3); with ``ridge = 0`` and ``M <= N`` they are fixed points
        of the closed loop as well.
    output_error : ndarray, shape (M,)
        ``w_out^T r_m - A_m``.
    """

    reservoir: Reservoir
    fixed_points: OpenLoopFixedPoints
    output_error: np.ndarray

    def jacobian(self, m: int = 0) -> np.ndarray:
        """The closed-loop linearisation (Eq. 4) at the ``m``-th fixed point, shape ``(N, N)``."""
        return self.reservoir.jacobian(0.0, self.fixed_points.x[m])

    def open_loop_jacobian(self, m: int = 0) -> np.ndarray:
        """``-I + W R'`` at the ``m``-th fixed point, shape ``(N, N)``."""
        return self.reservoir.open_loop().jacobian(0.0, self.fixed_points.x[m])

    def frequency_response(self, omega=None, m: int = 0, *, method: str = "auto") -> FrequencyResponse:
        """The finite-N open-loop gain on ``s = i omega`` at the ``m``-th fixed point.

        The same as :func:`frequency_response` ``(self, omega, m, method=method)``.
        """
        return frequency_response(self, omega, m, method=method)


def train_readout(reservoir, targets, *, ridge: float = 0.0, tol: float = 1e-10) -> TrainedReservoir:
    """Train ``w_out`` for fixed points at the output levels ``targets`` (Rivkind & Barak 2017).

    Open-loop fixed points (Eq. 3), then the least-squares readout (Eq. 16).

    Parameters
    ----------
    reservoir : Reservoir or OpenLoopReservoir
    targets : array_like, shape (M,)
    ridge : float
        Tikhonov penalty of :func:`readout_weights`.
    tol : float
        Residual tolerance of :func:`open_loop_fixed_points`.

    Returns
    -------
    TrainedReservoir
        The closed loop with the trained ``w_out`` (``.reservoir``), the open-loop fixed points
        (``.fixed_points``) and the output error ``w_out^T r_m - A_m`` (``.output_error``); its
        :meth:`~TrainedReservoir.jacobian` and :meth:`~TrainedReservoir.frequency_response` analyse
        one fixed point.

    Examples
    --------
    >>> from rnnlab import Reservoir
    >>> tr = train_readout(Reservoir.random(50, 0.5, rng=0), [1.0])
    >>> bool(abs(tr.output_error[0]) < 1e-8), tr.frequency_response(m=0).encirclements
    (True, 0)
    """
    ridge = nonnegative_number("ridge", ridge)  # before the Newton solves
    fps = open_loop_fixed_points(reservoir, targets, tol=tol)
    w_out = readout_weights(fps.r, fps.targets, ridge=ridge)
    ol = reservoir if isinstance(reservoir, OpenLoopReservoir) else reservoir.open_loop()
    return TrainedReservoir(ol.closed_loop(w_out), fps, fps.r @ w_out - fps.targets)


def _check_index(trained: TrainedReservoir, m) -> int:
    M = trained.fixed_points.targets.size
    if not isinstance(m, (int, np.integer)) or isinstance(m, bool) or not 0 <= m < M:
        raise ValueError(f"m must be the index of a fixed point, an integer in [0, {M}), got {m!r}")
    return int(m)


def _resolvent_sums(J: np.ndarray, b: np.ndarray, C: np.ndarray, s: np.ndarray, method: str) -> np.ndarray:
    """``C (s I - J)^-1 b`` for every ``s``: shape ``s.shape + (C.shape[0],)``.

    ``"modal"``: one eigendecomposition ``J = V diag(lambda) V^-1`` (O(N^3) once), then
    ``sum_i (C V)_i (V^-1 b)_i / (s - lambda_i)``, O(N) per frequency and output. Checked against
    one direct solve at the ``s`` nearest the spectrum; if the eigenvectors are too ill-conditioned
    to give 1e-8 there, it falls back to ``"direct"``: one LU solve per ``s``, O(N^3) each.
    """
    N = J.shape[0]
    out = np.empty(s.shape + (C.shape[0],), dtype=complex)

    def direct(sk):
        return C @ np.linalg.solve(sk * np.eye(N) - J, b)

    if method == "auto":
        method = "modal" if s.size > MODAL_MIN_POINTS else "direct"
    if method == "modal" and s.size > 1:
        lam, V = np.linalg.eig(J)
        residues = (C @ V) * np.linalg.solve(V, b.astype(complex))[None, :]  # (K, N)
        flat = s.ravel()
        out = (residues @ (1.0 / (flat[None, :] - lam[:, None]))).T.reshape(out.shape)
        worst = np.unravel_index(np.argmin(np.min(np.abs(flat[:, None] - lam[None, :]), axis=1)), s.shape)
        ref = direct(s[worst])
        if np.max(np.abs(out[worst] - ref)) <= 1e-8 * max(np.max(np.abs(ref)), 1e-300):
            return out
    elif method not in ("modal", "direct"):
        raise ValueError(f"method must be 'auto', 'modal' or 'direct', got {method!r}")
    for idx, sk in np.ndenumerate(s):
        out[idx] = direct(sk)
    return out


def open_loop_gain(trained: TrainedReservoir, s, m: int = 0, *, method: str = "auto") -> np.ndarray:
    """The exact finite-N open-loop gain ``G_OL(s) = w_out^T R' (s I + I - W R')^-1 w_FB``
    (Eqs. 5-6 with ``s = i omega``) at the ``m``-th fixed point.

    The paper's scaling: ``G_OL`` is the readout's response to a unit perturbation of the clamped
    drive ``f``, so the closed loop (Eq. 7) is unstable where ``G_OL = 1``; by the matrix determinant
    lemma ``det(sI - J_CL) = det(sI - J_OL) (1 - G_OL(s))``.

    Parameters
    ----------
    trained : TrainedReservoir
    s : complex or array_like
        Laplace variable(s); ``s = 1j * omega`` for the frequency response.
    m : int
        Which fixed point.
    method : {"auto", "modal", "direct"}
        ``"modal"``: one eigendecomposition of the open-loop Jacobian, then O(N) per ``s`` (falls
        back to ``"direct"`` if the eigenvectors are too ill-conditioned); ``"direct"``: one LU
        solve per ``s``; ``"auto"`` (default): ``"modal"`` for more than
        :data:`MODAL_MIN_POINTS` values of ``s`` (an eigendecomposition costs about as much as
        that many LU solves).

    Returns
    -------
    ndarray, shape of ``s``, complex
    """
    m = _check_index(trained, m)
    net = trained.reservoir
    d = net.phi.derivative(trained.fixed_points.x[m])  # R'
    s = np.asarray(s, dtype=complex)
    J = net.W * d[None, :] - np.eye(net.n)  # -I + W R'
    return _resolvent_sums(J, net.w_fb, (net.w_out * d)[None, :], s, method)[..., 0]


def cross_gains(trained: TrainedReservoir, s, m: int = 0, *, method: str = "auto") -> np.ndarray:
    """The finite-N cross terms ``G_mk(s) = N^-1 r_k^T R'_m (s I - J_OL)^-1 w_FB`` of Eq. 17, one per
    target ``k``, at the ``m``-th fixed point; ``open_loop_gain = cross_gains @ readout_coefficients``.

    Returns
    -------
    ndarray, shape ``s.shape + (M,)``, complex
    """
    m = _check_index(trained, m)
    net, fps = trained.reservoir, trained.fixed_points
    d = net.phi.derivative(fps.x[m])
    J = net.W * d[None, :] - np.eye(net.n)
    return _resolvent_sums(J, net.w_fb, fps.r * d[None, :] / net.n, np.asarray(s, dtype=complex), method)


def readout_coefficients(trained: TrainedReservoir) -> np.ndarray:
    """The ``k`` of Eq. 16, ``w_out = N^-1 sum_m k_m r_m``: ``k = N (R R^T)^+ R w_out``, shape (M,)."""
    R = trained.fixed_points.r
    return trained.reservoir.n * np.linalg.pinv(R @ R.T) @ (R @ trained.reservoir.w_out)


@dataclass(frozen=True, eq=False)
class Transient:
    """The linearised closed loop's response to a delta-like kick ``delta x(0) = eps w_FB``.

    Attributes
    ----------
    t : ndarray, shape (T,)
    z : ndarray, shape (T,)
        Output deviation ``z(t) - A_m`` per unit ``eps``.
    x : ndarray, shape (T, K)
        Deviations of the neurons ``neurons`` per unit ``eps``.
    neurons : ndarray of int, shape (K,)
    """

    t: np.ndarray
    z: np.ndarray
    x: np.ndarray
    neurons: np.ndarray


def impulse_response(trained: TrainedReservoir, t, m: int = 0, *, neurons=10, rng=None) -> Transient:
    """Response of the trained closed loop (Eq. 4) at the ``m``-th fixed point to a unit delta in
    the feedback drive, ``delta x(t) = e^{J_CL t} w_FB``, ``delta z = w_out^T R' delta x`` (the
    inverse Laplace transform of ``G_CL``, Eq. 7; Fig. 1, middle column).

    Parameters
    ----------
    trained : TrainedReservoir
    t : array_like, shape (T,)
        Non-negative times.
    m : int
        Which fixed point.
    neurons : int or array_like of int
        How many random neurons (drawn with ``rng``), or which.
    rng : seed or numpy.random.Generator
    """
    m = _check_index(trained, m)
    t = as_real_array("t", t)
    if t.ndim != 1 or np.any(t < 0) or np.any(np.diff(t) <= 0):
        raise ValueError(f"t must be a non-empty 1-d array of increasing non-negative times, got {t!r}")
    net = trained.reservoir
    if isinstance(neurons, (int, np.integer)):
        size = min(int(neurons), net.n)
        neurons = np.sort(np.random.default_rng(rng).choice(net.n, size=size, replace=False))
    neurons = np.asarray(neurons, dtype=int)
    lam, V = np.linalg.eig(trained.jacobian(m))
    coef = np.linalg.solve(V, net.w_fb.astype(complex))  # (N,)
    d = net.phi.derivative(trained.fixed_points.x[m])
    E = np.exp(np.multiply.outer(t, lam)) * coef  # (T, N)
    z = np.real(E @ ((net.w_out * d) @ V))
    x = np.real(E @ V[neurons].T)
    return Transient(t, z, x, neurons)


def frequency_response(
    trained: TrainedReservoir, omega=None, m: int = 0, *, method: str = "auto"
) -> FrequencyResponse:
    """The exact finite-N open-loop gain of :func:`open_loop_gain` on ``s = i omega`` as a
    :class:`~rnnlab.meanfield.FrequencyResponse`, with its Nyquist count around ``1 + 0i``.

    Parameters
    ----------
    trained : TrainedReservoir
    omega : array_like, optional
        Non-negative increasing frequencies; default :func:`~rnnlab.meanfield.default_frequencies`.
    m : int
        Which fixed point.
    method : {"auto", "modal", "direct"}
        See :func:`open_loop_gain`.
    """
    omega = default_frequencies() if omega is None else np.asarray(omega, dtype=float)
    return FrequencyResponse(omega, open_loop_gain(trained, 1j * omega, m, method=method))
