"""Fixed points of any model by multi-start Newton iteration with the exact Jacobian."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import nonnegative_number, positive_int, positive_number

from .models.base import check_model, check_state

__all__ = ["FixedPoint", "FixedPoints", "find_fixed_points", "classify"]

KINDS = ("stable node", "stable focus", "saddle", "unstable node", "unstable focus", "non-hyperbolic")


def classify(eigenvalues, tol: float = 1e-8) -> str:
    """The kind of a fixed point from the eigenvalues of its Jacobian.

    ``"non-hyperbolic"`` if some eigenvalue has ``|Re| <= tol``; otherwise ``"saddle"`` if the
    real parts have both signs; otherwise a stable or unstable ``"node"`` (all eigenvalues real)
    or ``"focus"`` (some complex pair).

    Examples
    --------
    >>> classify([-1.0 + 2.0j, -1.0 - 2.0j])
    'stable focus'
    >>> classify([-1.0, 3.0])
    'saddle'
    """
    tol = nonnegative_number("tol", tol)
    if isinstance(eigenvalues, (str, bytes)):
        raise TypeError(f"eigenvalues must be an array of numbers, got {eigenvalues!r}")
    lam = np.asarray(eigenvalues)
    if lam.dtype.kind not in "fiuc":
        raise TypeError(f"eigenvalues must be an array of numbers, got dtype {lam.dtype}")
    if lam.size == 0:
        raise ValueError("eigenvalues must not be empty: a fixed point has at least one eigenvalue")
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues must be finite, got NaN or inf")
    re, im = lam.real, lam.imag
    if np.any(np.abs(re) <= tol):
        return "non-hyperbolic"
    if np.any(re > 0) and np.any(re < 0):
        return "saddle"
    shape = "focus" if np.any(np.abs(im) > tol) else "node"
    return f"{'stable' if np.all(re < 0) else 'unstable'} {shape}"


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """One fixed point: state, Jacobian eigenvalues, residual ``|f(x)|_inf`` and kind."""

    x: np.ndarray
    eigenvalues: np.ndarray
    residual: float
    kind: str

    @property
    def stable(self) -> bool:
        """Linearly stable: every eigenvalue has a negative real part."""
        return self.kind.startswith("stable")


@dataclass(frozen=True, eq=False)
class FixedPoints:
    """The distinct fixed points found by :func:`find_fixed_points`, with solver diagnostics.

    Attributes
    ----------
    x : ndarray, shape (K, n)
        The fixed points, sorted lexicographically.
    eigenvalues : ndarray of complex, shape (K, n)
        Eigenvalues of the Jacobian at each, sorted by decreasing real part.
    residual : ndarray, shape (K,)
        ``max_i |f_i(x)|`` at each.
    kinds : tuple of str
        :func:`classify` of each.
    n_starts, n_converged : int
        Newton starts, and how many of them converged.
    """

    x: np.ndarray
    eigenvalues: np.ndarray
    residual: np.ndarray
    kinds: tuple
    n_starts: int
    n_converged: int

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i) -> FixedPoint:
        return FixedPoint(self.x[i], self.eigenvalues[i], float(self.residual[i]), self.kinds[i])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def stable(self) -> np.ndarray:
        """Boolean mask of the linearly stable fixed points."""
        return np.array([k.startswith("stable") for k in self.kinds], dtype=bool)

    def __repr__(self) -> str:
        counts = {k: self.kinds.count(k) for k in KINDS if k in self.kinds}
        return f"FixedPoints({len(self)} found: {counts})"


def find_fixed_points(
    model,
    x0=None,
    *,
    box=None,
    n_starts: int = 64,
    rng=None,
    t: float = 0.0,
    tol: float = 1e-10,
    xtol: float = 1e-9,
    max_iter: int = 100,
    distinct_tol: float = 1e-6,
    hyperbolic_tol: float = 1e-8,
) -> FixedPoints:
    """Find fixed points ``f(t, x) = 0`` by damped Newton iteration from many starts at once.

    Parameters
    ----------
    model : Model
        Any model of the zoo; its exact Jacobian drives Newton's method.
    x0 : array_like, shape (m, n), optional
        Starting states. If omitted, ``n_starts`` states are drawn uniformly from ``box``.
    box : array_like, shape (n, 2) or (2,), optional
        Lower and upper bounds of the random starts (per coordinate, or one pair for all);
        default ``(-5, 5)``.
    n_starts : int
        Number of random starts when ``x0`` is omitted.
    rng : int or numpy.random.Generator, optional
        Source of the random starts.
    t : float
        Time at which a time-varying input is frozen.
    tol : float
        Convergence threshold on ``max_i |f_i(x)|``.
    xtol : float
        Convergence threshold on the Newton step, relative to ``1 + max_i |x_i|``; both must hold.
    max_iter : int
        Newton iterations per start.
    distinct_tol : float
        Fixed points closer than this (max norm, relative to ``1 + |x|``) are the same.
    hyperbolic_tol : float
        Threshold on ``|Re lambda|`` for "non-hyperbolic"; see :func:`classify`.

    Returns
    -------
    FixedPoints

    Examples
    --------
    >>> from rnnlab import RateRNN
    >>> fps = find_fixed_points(RateRNN([[2.0]]), rng=0)   # x = 2 tanh(x): three fixed points
    >>> fps.kinds
    ('stable node', 'unstable node', 'stable node')
    """
    check_model(model)
    tol, xtol = positive_number("tol", tol), positive_number("xtol", xtol)
    max_iter = positive_int("max_iter", max_iter)
    distinct_tol = nonnegative_number("distinct_tol", distinct_tol)
    hyperbolic_tol = nonnegative_number("hyperbolic_tol", hyperbolic_tol)
    n = model.n
    if x0 is None:
        if not isinstance(n_starts, (int, np.integer)) or n_starts < 1:
            raise ValueError(f"n_starts must be a positive integer, got {n_starts!r}")
        lo, hi = _check_box(box, n)
        x = np.random.default_rng(rng).uniform(lo, hi, size=(n_starts, n))
    else:
        x = check_state(x0, n, "x0").reshape(-1, n).copy()

    f = lambda z: model.vector_field(t, z)  # noqa: E731
    with np.errstate(over="ignore", invalid="ignore"):
        x, converged = _newton(f, lambda z: model.jacobian(t, z), x, tol, xtol, max_iter)
    x = _distinct(x[converged], distinct_tol)

    # Sort on coordinates rounded to the de-duplication scale: Newton's round-off (1e-16 apart in the
    # first coordinate) must not decide the order of points that differ in the second.
    key = np.round(x / distinct_tol) if distinct_tol > 0 else x
    order = np.lexsort(key.T[::-1]) if len(x) else np.arange(0)
    x = x[order]
    res = np.max(np.abs(f(x)), axis=-1) if len(x) else np.zeros(0)
    eig = np.linalg.eigvals(model.jacobian(t, x)) if len(x) else np.zeros((0, n), complex)
    eig = np.take_along_axis(eig, np.argsort(-eig.real, axis=-1, kind="stable"), axis=-1)
    kinds = tuple(classify(lam, hyperbolic_tol) for lam in eig)
    return FixedPoints(x, eig, res, kinds, n_starts=len(converged), n_converged=int(converged.sum()))


def _check_box(box, n):
    if box is None:
        box = (-5.0, 5.0)
    b = np.asarray(box, dtype=float)
    if b.shape == (2,):
        b = np.tile(b, (n, 1))
    if b.shape != (n, 2) or not np.all(np.isfinite(b)) or np.any(b[:, 0] > b[:, 1]):
        raise ValueError(f"box must be (low, high) or have shape ({n}, 2) with low <= high, got {box!r}")
    return b[:, 0], b[:, 1]


def _newton(f, jac, x, tol, xtol, max_iter):
    """Damped Newton with a Levenberg-Marquardt fallback, on a batch of starts at once.

    Each iteration takes the Newton step, halved until ``|f|_2`` decreases; where no length
    decreases it (a near-singular Jacobian far from a root), it takes a Levenberg-Marquardt step
    ``-(J^T J + m I)^-1 J^T f``, a descent direction for ``|f|_2^2`` for every ``m > 0``. A start
    converges when ``|f|_inf <= tol`` and its Newton step is below ``xtol`` (relative to ``1 + |x|``),
    so points near a degenerate root are iterated onto it rather than left scattered around it.
    A start stops when it makes less than 10% progress for five iterations in a row (a slow point,
    or no root nearby). Returns the states and a mask of the converged ones.
    """
    m, n = x.shape
    fx = f(x)
    norm2 = np.linalg.norm(fx, axis=-1)
    active = np.isfinite(norm2)
    converged = np.zeros(m, dtype=bool)
    slow = np.zeros(m, dtype=int)
    eye = np.eye(n)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        J, fi = jac(x[idx]), fx[idx]
        try:
            step = np.linalg.solve(J, -fi[..., None])[..., 0]
        except np.linalg.LinAlgError:  # a singular Jacobian somewhere: least-squares steps
            step = (np.linalg.pinv(J) @ -fi[..., None])[..., 0]
        done = (np.max(np.abs(fi), axis=-1) <= tol) & (
            np.max(np.abs(step), axis=-1) <= xtol * (1 + np.max(np.abs(x[idx]), axis=-1))
        )
        converged[idx[done]] = True
        active[idx[done]] = False
        keep = ~done & np.all(np.isfinite(step), axis=-1)
        active[idx[~done & ~keep]] = False
        idx, J, fi, step = idx[keep], J[keep], fi[keep], step[keep]
        old = norm2[idx].copy()

        pending = np.ones(idx.size, dtype=bool)
        trials = [lambda k, lam=0.5**j: lam * step[k] for j in range(12)]
        JtJ, Jtf = np.swapaxes(J, -1, -2) @ J, (np.swapaxes(J, -1, -2) @ fi[..., None])[..., 0]
        scale = np.max(np.abs(np.diagonal(JtJ, axis1=-2, axis2=-1)), axis=-1) + 1e-300
        trials += [
            lambda k, mu=10.0**e: np.linalg.solve(JtJ[k] + (mu * scale[k])[:, None, None] * eye, -Jtf[k][..., None])[..., 0]
            for e in range(-6, 3)
        ]
        for trial in trials:
            k = np.flatnonzero(pending)
            x_try = x[idx[k]] + trial(k)
            f_try = f(x_try)
            n_try = np.linalg.norm(f_try, axis=-1)
            better = np.isfinite(n_try) & (n_try < old[k])
            rows = idx[k[better]]
            x[rows], fx[rows], norm2[rows] = x_try[better], f_try[better], n_try[better]
            pending[k[better]] = False
            if not pending.any():
                break
        active[idx[pending]] = False  # no descent direction left: a local minimum of |f|
        slow[idx] = np.where(norm2[idx] > 0.9 * old, slow[idx] + 1, 0)
        active &= slow < 5
    return x, converged


def _distinct(x, tol):
    keep: list[np.ndarray] = []
    for xi in x:
        if all(np.max(np.abs(xi - k)) > tol * (1 + np.max(np.abs(k))) for k in keep):
            keep.append(xi)
    return np.array(keep).reshape(-1, x.shape[-1])
