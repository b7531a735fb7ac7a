"""Steady states of ORGaNICs (Rawat, Heeger & Martiniani 2024): the normalization equation (Eq. 2),
the fixed-point iterations (Algorithms 1 and 2), and the contrast-response and normalization curves.

The circuit itself (:class:`~rnnlab.models.ORGaNICs`, Eqs. 1, 14 and 86, with its closed-form fixed
point of Eq. 4) lives in :mod:`rnnlab.models.organics`; its 2-D phase portraits and regimes in
:mod:`rnnlab.organics_circuit`.

Decisions where the paper leaves a choice
-----------------------------------------
* Algorithm 1 stops on the residual of the ``y`` equation only (line 6); :func:`iterate_fixed_point`
  stops when both equations of Eq. 109 hold to ``tol``, so its answer is a zero of the vector field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import nonnegative_number, positive_int, positive_number, real_number
from .models.base import as_matrix, as_vector
from .models.organics import ORGaNICs

__all__ = [
    "normalization",
    "IterativeFixedPoint",
    "iterate_fixed_point",
    "ContrastResponse",
    "contrast_response",
    "NormalizationCurve",
    "normalization_curve",
    "ring_population",
]


def normalization(z, W, sigma) -> np.ndarray:
    """The normalization equation ``[z]^2 / (sigma^2 + W ([z]^2 + [-z]^2))`` (Eq. 2), shape ``(n,)``.

    It is the steady rate ``y_s^+`` of ORGaNICs with ``W_r = I`` and ``b = b0`` a constant; ``-z``
    in place of ``z`` gives ``y_s^-``.

    Examples
    --------
    >>> normalization([1.0, 0.0], np.ones((2, 2)), 1.0)
    array([0.5, 0. ])
    """
    W = as_matrix("W", W)
    n = W.shape[0]
    z = as_vector("z", z, n)
    sigma = as_vector("sigma", sigma, n, positive=True)
    return np.maximum(z, 0.0) ** 2 / (sigma**2 + W @ z**2)


@dataclass(frozen=True, eq=False)
class IterativeFixedPoint:
    """The result of :func:`iterate_fixed_point` (Algorithm 1 or Algorithm 2).

    Attributes
    ----------
    x : ndarray, shape (2 n,)
        The last iterate ``(y, a)``.
    converged : bool
        Whether both residuals fell below ``tol`` within ``max_iter`` iterations.
    iterations : int
        Updates performed (lines 7-8 of Algorithms 1 and 2).
    residuals : ndarray, shape (iterations + 1,)
        ``max(|r_y|_2, |r_a|_2)`` before each update and after the last, with ``r_y``, ``r_a`` the
        residuals of the two lines of Eq. 109.
    max_singular_value : float
        ``|W_r|_2``; the paper finds the scheme works when it is 1 (App. G, last line).
    iterates : ndarray, shape (iterations + 1, 2 n)
        The initial approximation and every update (Fig. 4c plots these).
    init : str
        ``"algorithm1"`` (lines 3-4 of Algorithm 1) or ``"algorithm2"`` (Eqs. 115-116).
    lambda_m : float
        The ``lambda_m`` of Eqs. 115-116 (1 for Algorithm 1).
    """

    x: np.ndarray
    converged: bool
    iterations: int
    residuals: np.ndarray
    max_singular_value: float
    iterates: np.ndarray | None = None
    init: str = "algorithm1"
    lambda_m: float = 1.0

    @property
    def residual(self) -> float:
        """The last entry of ``residuals``."""
        return float(self.residuals[-1])

    @property
    def rate(self) -> float:
        """Geometric mean of the residual ratios ``r_{k+1} / r_k`` over the iterations (nan if none):
        below 1 the scheme contracts, at or above 1 it stalls or diverges."""
        r = self.residuals[np.isfinite(self.residuals)]
        if len(r) < 2 or np.any(r[:-1] <= 0):
            return float("nan")
        ratios = r[1:] / r[:-1]
        ratios = ratios[ratios > 0]
        return float(np.exp(np.mean(np.log(ratios)))) if len(ratios) else 0.0

    def errors(self, x_true) -> np.ndarray:
        """``|x_k - x_true|_2`` of every iterate: the error of Fig. 4a against a simulated fixed point."""
        x_true = np.asarray(x_true, dtype=float)
        if x_true.shape != self.x.shape:
            raise ValueError(f"x_true must have shape {self.x.shape}, got {x_true.shape}")
        return np.linalg.norm(self.iterates - x_true, axis=-1)


def _residuals(model, bz, c, y, a):
    r_y = y - bz - (1.0 - np.sqrt(a)) * (model.W_r @ y)
    r_a = a - c - model.W @ (y**2 * a)
    return max(np.linalg.norm(r_y), np.linalg.norm(r_a))


def _lambda_max(W_r) -> float:
    """The "maximum eigenvalue" of ``W_r`` in Eq. 115: the largest real part of its eigenvalues."""
    return float(np.max(np.linalg.eigvals(W_r).real))


def iterate_fixed_point(model: ORGaNICs, *, tol: float = 1e-10, max_iter: int = 100,
                        init: str = "algorithm1") -> IterativeFixedPoint:
    """Fixed point of Eq. 14 by the iterative schemes of Sec. 6.1 and Appendix G.

    Both repeat (Eq. 117)

        y <- (I - W_r + D(sqrt(a)) W_r)^-1 (b z),    a <- b0^2 sigma^2 + W (y^2 a),

    until both equations of Eq. 109 hold to ``tol`` (the paper checks the ``y`` equation only); they
    differ in the start. Algorithm 1 (``init="algorithm1"``, for ``|W_r|_2 = 1``) starts from
    ``a = sigma^2 b0^2 + W (W_r b z)^2`` and ``y = W_r b z / sqrt(a)``. Algorithm 2
    (``init="algorithm2"``, App. G, for a general ``W_r``) from Eqs. 115-116,

        a0 = sigma^2 b0^2 + W ((W_r b z / d(b0 sigma))^2 b0^2 sigma^2),    y0 = W_r b z / d(sqrt(a0)),

    with ``d(m) = lambda_m - lambda_m^2 + lambda_m^2 m``. For ``lambda_m = 1`` the two starts agree.
    For ``W_r = I`` the first update gives Eq. 4's ``y_s`` for the current ``a``.

    Decisions: ``lambda_m`` ("the maximum eigenvalue of ``W_r``") is the largest real part of its
    eigenvalues, which is the largest eigenvalue for the symmetric ``W_r`` that Eq. 114 assumes.
    Where ``d`` vanishes (e.g. ``lambda_m = 0``) Eqs. 115-116 are undefined; the start then falls back
    to ``d = 1``, Algorithm 1's.

    Returns
    -------
    IterativeFixedPoint
        With ``converged=False`` (not an exception) when ``max_iter`` is reached or the iterate
        stops being finite; its ``residuals``, ``rate`` and ``iterates`` say how it went.

    Examples
    --------
    >>> m = ORGaNICs(W=np.full((2, 2), 0.5), z=[0.6, 0.3], W_r=[[0.6, -0.8], [0.8, 0.6]])  # a rotation
    >>> result = iterate_fixed_point(m, init="algorithm2")
    >>> result.converged, result.lambda_m, result.iterations
    (True, 0.6, 9)
    >>> bool(np.allclose(m.vector_field(0.0, result.x), 0.0))
    True
    """
    if not isinstance(model, ORGaNICs):
        raise ValueError(f"model must be an ORGaNICs, got {type(model).__name__}")
    if model.rectified:
        raise ValueError("model must be the main model (Eq. 14) for Algorithm 1, got rectified=True")
    tol = positive_number("tol", tol)
    max_iter = positive_int("max_iter", max_iter, minimum=0)
    if init not in ("algorithm1", "algorithm2"):
        raise ValueError(f"init must be 'algorithm1' or 'algorithm2', got {init!r}")
    bz = model.b * model._constant_drive("Algorithm 1")
    c = model.b0**2 * model.sigma**2
    I = np.eye(model.n_neurons)
    lam = _lambda_max(model.W_r) if init == "algorithm2" else 1.0

    def d(m):
        value = lam - lam**2 + lam**2 * m
        return np.where(np.abs(value) > 1e-12, value, 1.0)

    drive = model.W_r @ bz
    a = c + model.W @ ((drive / d(np.sqrt(c))) ** 2 * c) if init == "algorithm2" else c + model.W @ drive**2
    y = drive / d(np.sqrt(a)) if init == "algorithm2" else drive / np.sqrt(a)
    residuals, iterates = [_residuals(model, bz, c, y, a)], [np.concatenate([y, a])]
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while residuals[-1] > tol and k < max_iter and np.isfinite(residuals[-1]):
            try:
                y = np.linalg.solve(I - model.W_r + np.sqrt(np.maximum(a, 0.0))[:, None] * model.W_r, bz)
            except np.linalg.LinAlgError:
                residuals.append(np.inf)
                iterates.append(np.full(2 * model.n_neurons, np.nan))
                k += 1
                break
            a = c + model.W @ (y**2 * a)
            k += 1
            residuals.append(_residuals(model, bz, c, y, a))
            iterates.append(np.concatenate([y, a]))
    return IterativeFixedPoint(
        x=iterates[-1],
        converged=bool(residuals[-1] <= tol),
        iterations=k,
        residuals=np.array(residuals),
        max_singular_value=float(np.linalg.norm(model.W_r, 2)),
        iterates=np.array(iterates),
        init=init,
        lambda_m=float(lam),
    )


@dataclass(frozen=True, eq=False)
class ContrastResponse:
    """Steady-state responses of an ORGaNICs circuit as its drive is scaled: ``z = c * z0``.

    Attributes
    ----------
    contrasts : ndarray, shape (C,)
        The scale factors ``c``.
    y_plus, y_minus : ndarray, shape (C, n)
        The steady firing rates ``[y_s]^2`` and ``[-y_s]^2`` (Eq. 5 at Eq. 4) at each contrast.
    converged : ndarray of bool, shape (C,)
        Whether the steady state was found (always True on the analytic route, ``W_r = I``).
    """

    contrasts: np.ndarray
    y_plus: np.ndarray
    y_minus: np.ndarray
    converged: np.ndarray


def contrast_response(model: ORGaNICs, contrasts) -> ContrastResponse:
    """Contrast-response curves: the steady state of ``model`` with its drive ``z`` scaled by each
    contrast ``c`` (the model's own ``z`` is ``z0``).

    With ``W_r = I`` the steady state is the analytic fixed point (Eq. 4); with ``b = b0`` one
    constant, ``y_plus`` is then the normalization equation (Eq. 2) of ``c z0``: a sigmoid in
    ``log c`` whose half-saturation contrast grows with ``sigma`` (for one neuron with self-weight
    ``w``: ``c_50 = sigma / (|z0| sqrt(w))``). Other ``W_r`` go through Algorithm 1
    (:func:`iterate_fixed_point`), whose convergence is reported per contrast.

    Examples
    --------
    >>> m = ORGaNICs(W=[[1.0]], z=[1.0], sigma=0.5)
    >>> curve = contrast_response(m, [0.5, 1e6])
    >>> [round(float(v), 4) for v in curve.y_plus[:, 0]]   # half saturation at c = 0.5, then 1
    [0.5, 1.0]
    """
    if not isinstance(model, ORGaNICs):
        raise ValueError(f"model must be an ORGaNICs circuit, got {type(model).__name__}")
    c = np.asarray(contrasts, dtype=float)
    if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ValueError(f"contrasts must be a non-empty 1-D array of non-negative numbers, "
                         f"got {contrasts!r}")
    z0 = model._constant_drive("a contrast-response curve")
    n = model.n_neurons
    y_plus, y_minus, converged = np.empty((c.size, n)), np.empty((c.size, n)), np.ones(c.size, dtype=bool)
    for k, ck in enumerate(c):
        y_plus[k], y_minus[k], converged[k] = _steady_rates(model.replace(z=ck * z0))
    return ContrastResponse(c, y_plus, y_minus, converged)


def _steady_rates(model: ORGaNICs):
    """``(y_s^+, y_s^-, converged)``: Eq. 4 (Eq. 88) for ``W_r = I``, Algorithm 1 otherwise."""
    if model.identity_recurrence:
        x, converged = model.fixed_point(), True
    else:
        result = iterate_fixed_point(model)
        x, converged = result.x, result.converged
    y_plus, y_minus, _ = model.firing_rates(x)
    return y_plus, y_minus, converged


@dataclass(frozen=True, eq=False)
class NormalizationCurve:
    """Steady-state responses of an ORGaNICs circuit as its normalization weights are scaled: ``W = s W0``.

    Attributes
    ----------
    scales : ndarray, shape (C,)
        The factors ``s``.
    y_plus, y_minus : ndarray, shape (C, n)
        The steady rates ``[y_s]^2`` and ``[-y_s]^2`` at each scale.
    converged : ndarray of bool, shape (C,)
        Whether the steady state was found (always, on the analytic route ``W_r = I``).
    """

    scales: np.ndarray
    y_plus: np.ndarray
    y_minus: np.ndarray
    converged: np.ndarray


def normalization_curve(model: ORGaNICs, scales) -> NormalizationCurve:
    """Normalization curves: the steady state of ``model`` with its weights ``W`` scaled by each ``s``.

    With ``W_r = I`` and ``b = b0`` one constant, ``y_plus`` is Eq. 2 with ``s W``: each response
    falls with the strength of its normalization pool, ``[z_i]^2 / (sigma_i^2 + s (W z^2)_i)``, to
    half of its unnormalized value ``[z_i]^2 / sigma_i^2`` at ``s = sigma_i^2 / (W z^2)_i``. Other
    ``W_r`` go through Algorithm 1 (:func:`iterate_fixed_point`), whose convergence is reported.

    Examples
    --------
    >>> m = ORGaNICs(W=[[1.0]], z=[2.0], sigma=1.0)
    >>> curve = normalization_curve(m, [0.0, 0.25, 1.0])
    >>> curve.y_plus[:, 0].tolist()                     # 4 / (1 + 4 s): halved at s = 1/4
    [4.0, 2.0, 0.8]
    """
    if not isinstance(model, ORGaNICs):
        raise ValueError(f"model must be an ORGaNICs circuit, got {type(model).__name__}")
    s = np.asarray(scales, dtype=float)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError(f"scales must be a non-empty 1-D array of non-negative numbers, got {scales!r}")
    model._constant_drive("a normalization curve")
    n = model.n_neurons
    y_plus, y_minus, converged = np.empty((s.size, n)), np.empty((s.size, n)), np.ones(s.size, dtype=bool)
    for k, sk in enumerate(s):
        y_plus[k], y_minus[k], converged[k] = _steady_rates(model.replace(W=sk * model.W))
    return NormalizationCurve(s, y_plus, y_minus, converged)


def ring_population(n: int, stimulus: float = 0.0, *, contrast: float = 1.0, tuning_width: float = 0.5,
                    pool_width: float = 1.0, sigma=0.1, **params) -> ORGaNICs:
    """A population of ``n`` neurons with preferred angles on a ring and a Gaussian normalization pool.

    Neuron ``i`` prefers ``theta_i = 2 pi i / n``; its drive is ``z_i = contrast * exp(-d_i^2 / (2 w_z^2))``
    with ``d_i`` the angular distance from ``stimulus`` to ``theta_i`` and ``w_z = tuning_width``; its
    pool weights are ``W_ij = exp(-d_ij^2 / (2 w_p^2)) / n`` with ``w_p = pool_width`` (a wide pool
    tends to ``W = 1 1^T / n``, the fully normalized circuit of App. C). This is the textbook
    normalization model of a tuned population (Carandini & Heeger 2012), not an example of the paper;
    the other parameters are those of :class:`ORGaNICs`.

    Examples
    --------
    >>> m = ring_population(8, stimulus=0.0, pool_width=100.0)
    >>> bool(np.allclose(m.W, 1 / 8, rtol=1e-3)), int(np.argmax(m.z))
    (True, 0)
    """
    n = positive_int("n", n)
    tuning_width, pool_width = positive_number("tuning_width", tuning_width), positive_number("pool_width",
                                                                                              pool_width)
    stimulus, contrast = real_number("stimulus", stimulus), nonnegative_number("contrast", contrast)
    theta = 2 * np.pi * np.arange(n) / n

    def distance(u, v):
        return np.angle(np.exp(1j * (u - v)))  # signed, on (-pi, pi]

    z = contrast * np.exp(-distance(theta, stimulus) ** 2 / (2 * tuning_width**2))
    W = np.exp(-distance(theta[:, None], theta[None, :]) ** 2 / (2 * pool_width**2)) / n
    return ORGaNICs(W=W, z=z, sigma=sigma, **params)
