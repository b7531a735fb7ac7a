"""ORGaNICs: the recurrent circuit for divisive normalization of Rawat, Heeger & Martiniani (2024).

With ``n`` principal (E) neurons ``y`` and ``n`` inhibitory modulator (I) neurons ``a``, Eq. 1 reads

    tau_y * y' = -y + b * z + (1 - a^+) * W_r (sqrt(y^+) - sqrt(y^-))
    tau_a * a' = -a + b0^2 * sigma^2 + W ((y^+ + y^-) * (a^+)^2)

with firing rates ``y^+- = [+-y]^2`` and ``a^+ = sqrt([a])`` (``[.]`` is rectification), so that
``sqrt(y^+) - sqrt(y^-) = y``, ``y^+ + y^- = y^2`` and ``(a^+)^2 = [a]``: the model integrated here
is Eq. 14,

    tau_y * y' = -y + b * z + (1 - sqrt([a])) * (W_r y)
    tau_a * a' = -a + b0^2 * sigma^2 + W (y^2 * [a]),

which is Eq. 3 when ``W_r = I``. The state is ``x = (y, a)``, of size ``2 n``.

The rectified model (Appendix F, Eq. 86) keeps only the neurons with positive receptive fields,
``sqrt(y^+) = [y]`` in place of ``y`` in both equations (``rectified=True``):

    tau_y * y' = -y + b * z + (1 - sqrt([a])) * (W_r [y])
    tau_a * a' = -a + b0^2 * sigma^2 + W ([y]^2 * [a]).

Decisions where the paper leaves a choice
-----------------------------------------
* ``sqrt([a])`` has no derivative at ``a = 0``; :meth:`ORGaNICs.jacobian` uses the left derivative
  ``0`` for ``a <= 0``. Since ``W >= 0`` and ``b0 * sigma > 0``, ``a' > 0`` on ``a = 0``: the set
  ``a > 0`` is forward invariant, and every fixed point has ``a >= b0^2 sigma^2 > 0``, where the
  Jacobian is exact.
* In the rectified model ``[y]`` has no derivative at ``y = 0``; the Jacobian takes ``1`` for
  ``y >= 0``, the convention of Eq. 90 (``1_{z >= 0}``), so at ``z_i = 0`` it is Eq. 90 exactly.
* Eq. 2 follows from Eq. 5 when ``b = b0`` *with all entries equal* (Sec. 3, "with all elements equal
  to a constant b0"); for per-neuron gains ``b = b0`` the two differ, since ``W (b^2 z^2)`` is not
  ``b_i^2 W z^2``. :func:`normalization` is Eq. 2; :meth:`ORGaNICs.fixed_point` is Eq. 4.
* Algorithm 1 stops on the residual of the ``y`` equation only (line 6); :func:`iterate_fixed_point`
  stops when both equations of Eq. 109 hold to ``tol``, so its answer is a zero of the vector field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .base import Input, ModelBase, as_input, as_matrix, as_vector, check_state, set_fields

__all__ = [
    "ORGaNICs",
    "normalization",
    "IterativeFixedPoint",
    "iterate_fixed_point",
    "ContrastResponse",
    "contrast_response",
    "NormalizationCurve",
    "normalization_curve",
    "ring_population",
]


@dataclass(frozen=True, eq=False)
class ORGaNICs(ModelBase):
    """The ORGaNICs circuit (Rawat, Heeger & Martiniani 2024, Eq. 1 and Eq. 14).

    Parameters
    ----------
    W : array_like, shape (n, n)
        Non-negative normalization weights onto the ``a`` neurons.
    z : float, array_like of shape (n,), or callable
        Input drive ``z = W_zx x``, constant or ``z(t)`` (see :meth:`from_input`).
    b, b0 : float or array_like of shape (n,)
        Positive input gains of ``z`` (onto ``y``) and of ``sigma`` (onto ``a``).
    sigma : float or array_like of shape (n,)
        Positive semi-saturation constants.
    tau_y, tau_a : float or array_like of shape (n,)
        Positive time constants of the ``y`` and ``a`` neurons.
    W_r : array_like of shape (n, n), optional
        Recurrent weights among the ``y`` neurons; the identity by default (Sec. 4).
    rectified : bool
        The rectified model of Appendix F (Eq. 86) instead of Eq. 1.

    Notes
    -----
    **State layout.** A state is ``x = [y, a]``, shape ``(..., 2 n)``: the ``n`` principal neurons ``y``
    first, then the ``n`` modulators ``a``. So ``model.n`` (the state dimension every rnnlab model has)
    is ``2 n`` while ``model.n_neurons`` is ``n``, the size of ``W``; :meth:`split` returns ``(y, a)``.

    Examples
    --------
    >>> model = ORGaNICs(W=np.full((3, 3), 0.5), z=[1.0, -0.5, 0.2], sigma=0.1)
    >>> x = model.fixed_point()
    >>> bool(np.allclose(model.vector_field(0.0, x), 0.0))
    True
    >>> model.n, model.n_neurons, [part.shape for part in model.split(x)]
    (6, 3, [(3,), (3,)])
    """

    W: np.ndarray
    z: Input = field(default=0.0)
    b: float | np.ndarray = 1.0
    b0: float | np.ndarray = 1.0
    sigma: float | np.ndarray = 1.0
    tau_y: float | np.ndarray = 1.0
    tau_a: float | np.ndarray = 1.0
    W_r: np.ndarray | None = None
    rectified: bool = False

    def __post_init__(self):
        if not isinstance(self.rectified, (bool, np.bool_)):
            raise ValueError(f"rectified must be True or False, got {self.rectified!r}")
        W = as_matrix("W", self.W)
        if np.any(W < 0):
            raise ValueError("W must be non-negative (normalization weights), got a negative entry")
        m = W.shape[0]
        W_r = np.eye(m) if self.W_r is None else self.W_r
        set_fields(
            self,
            W=W,
            z=as_input("z", self.z, m),
            b=as_vector("b", self.b, m, positive=True),
            b0=as_vector("b0", self.b0, m, positive=True),
            sigma=as_vector("sigma", self.sigma, m, positive=True),
            tau_y=as_vector("tau_y", self.tau_y, m, positive=True),
            tau_a=as_vector("tau_a", self.tau_a, m, positive=True),
            W_r=as_matrix("W_r", W_r, m),
        )

    @classmethod
    def from_input(cls, W_zx, x, **params) -> "ORGaNICs":
        """The circuit driven by ``z = W_zx x`` (Sec. 3) for an input ``x`` of shape ``(m,)`` or ``x(t)``.

        ``W_zx`` has shape ``(n, m)``; the other parameters are those of :class:`ORGaNICs`.
        """
        W_zx = np.array(W_zx, dtype=float)
        if W_zx.ndim != 2 or not np.all(np.isfinite(W_zx)):
            raise ValueError(f"W_zx must be a finite matrix of shape (n, m), got shape {W_zx.shape}")
        if callable(x):
            return cls(z=lambda t: W_zx @ np.asarray(x(t), dtype=float), **params)
        x = np.asarray(x, dtype=float)
        if x.shape != (W_zx.shape[1],) or not np.all(np.isfinite(x)):
            raise ValueError(f"x must be finite of shape ({W_zx.shape[1]},), got shape {x.shape}")
        return cls(z=W_zx @ x, **params)

    @property
    def n_neurons(self) -> int:
        """Neurons of each type, ``n``."""
        return self.W.shape[0]

    @property
    def n(self) -> int:
        """State dimension ``2 n``: ``x = (y, a)``."""
        return 2 * self.W.shape[0]

    @property
    def identity_recurrence(self) -> bool:
        """Whether ``W_r = I``, the case of Sec. 4."""
        return bool(np.array_equal(self.W_r, np.eye(self.n_neurons)))

    def split(self, x):
        """``(y, a)`` from states ``x`` of shape ``(..., 2 n)``."""
        return x[..., : self.n_neurons], x[..., self.n_neurons :]

    def _recurrent(self, y):
        """What the ``y`` neurons feed back: ``y`` (Eq. 1), or ``[y]`` (Eq. 86) when rectified."""
        return np.maximum(y, 0.0) if self.rectified else y

    def vector_field(self, t, x):
        """Eq. 14 (Eq. 1 with ``sqrt(y^+) - sqrt(y^-) = y``), or Eq. 86; ``x`` of shape ``(..., 2 n)``."""
        y, a = self.split(np.asarray(x, dtype=float))
        a_pos = np.maximum(a, 0.0)
        r = self._recurrent(y)
        dy = (-y + self.b * self._input(self.z, t) + (1.0 - np.sqrt(a_pos)) * (r @ self.W_r.T)) / self.tau_y
        da = (-a + self.b0**2 * self.sigma**2 + (r**2 * a_pos) @ self.W.T) / self.tau_a
        return np.concatenate([dy, da], axis=-1)

    def jacobian(self, t, x):
        """The exact Jacobian of :meth:`vector_field`, shape ``(..., 2 n, 2 n)``.

        At the fixed point of Eq. 4 (Eq. 88) it is Eq. 6 (Eq. 90).

        ``d sqrt([a]) / da`` is taken as ``0`` for ``a <= 0``, and ``d[y]/dy`` as ``1`` for ``y >= 0``
        (see the module notes).
        """
        y, a = self.split(np.asarray(x, dtype=float))
        m = self.n_neurons
        a_pos = np.maximum(a, 0.0)
        r = self._recurrent(y)
        dr = (y >= 0).astype(float) if self.rectified else np.ones_like(y)
        on = a > 0
        sa = np.sqrt(a_pos)
        dsa = np.where(on, 0.5 / np.where(on, sa, 1.0), 0.0)  # (..., n)
        I = np.eye(m)
        ty, ta = self.tau_y[:, None], self.tau_a[:, None]
        J = np.zeros(y.shape[:-1] + (2 * m, 2 * m))
        J[..., :m, :m] = (-I + (1.0 - sa)[..., :, None] * self.W_r * dr[..., None, :]) / ty
        J[..., :m, m:] = I * (-(r @ self.W_r.T) * dsa / self.tau_y)[..., None, :]
        J[..., m:, :m] = self.W * (2.0 * r * a_pos)[..., None, :] / ta
        J[..., m:, m:] = (-I + self.W * (r**2 * on)[..., None, :]) / ta
        return J

    def _constant_drive(self, what: str) -> np.ndarray:
        if callable(self.z):
            raise ValueError(f"z must be constant for {what}, got a callable z(t)")
        return self.z

    def fixed_point(self) -> np.ndarray:
        """The unique fixed point ``(y_s, a_s)`` for ``W_r = I`` (Eq. 4), shape ``(2 n,)``.

        ``a_s = b0^2 sigma^2 + W (b^2 z^2)`` and ``y_s = b z / sqrt(a_s)``; for the rectified model
        Eq. 88: ``a_s = b0^2 sigma^2 + W [b z]^2`` and ``y_s = [b z] / sqrt(a_s) - [-b z]``.
        """
        if not self.identity_recurrence:
            raise ValueError("W_r must be the identity for the analytic fixed point (Eq. 4); "
                             "use iterate_fixed_point for other W_r")
        bz = self.b * self._constant_drive("the analytic fixed point")
        if self.rectified:
            a_s = self.b0**2 * self.sigma**2 + self.W @ np.maximum(bz, 0.0) ** 2
            return np.concatenate([np.maximum(bz, 0.0) / np.sqrt(a_s) - np.maximum(-bz, 0.0), a_s])
        a_s = self.b0**2 * self.sigma**2 + self.W @ bz**2
        return np.concatenate([bz / np.sqrt(a_s), a_s])

    def firing_rates(self, x):
        """``(y^+, y^-, a^+) = ([y]^2, [-y]^2, sqrt([a]))`` of states ``x`` (Sec. 3; Eq. 5 at Eq. 4)."""
        y, a = self.split(check_state(x, self.n))
        return np.maximum(y, 0.0) ** 2, np.maximum(-y, 0.0) ** 2, np.sqrt(np.maximum(a, 0.0))


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
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol!r}")
    if int(max_iter) != max_iter or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
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
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    for name, value in (("tuning_width", tuning_width), ("pool_width", pool_width)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not (np.isfinite(stimulus) and np.isfinite(contrast) and contrast >= 0):
        raise ValueError(f"stimulus must be finite and contrast non-negative, got {stimulus!r}, {contrast!r}")
    theta = 2 * np.pi * np.arange(n) / n

    def distance(u, v):
        return np.angle(np.exp(1j * (u - v)))  # signed, on (-pi, pi]

    z = contrast * np.exp(-distance(theta, stimulus) ** 2 / (2 * tuning_width**2))
    W = np.exp(-distance(theta[:, None], theta[None, :]) ** 2 / (2 * pool_width**2)) / n
    return ORGaNICs(W=W, z=z, sigma=sigma, **params)
