"""Logarithmic norms (matrix measures) and the matrix classes of Davydov et al. (2022), Sec. II.

Weights follow one convention for every ``p``: ``eta`` defines the norm ``|x|_{p,[eta]} = |[eta] x|_p``,
so ``mu_{p,[eta]}(A) = mu_p([eta] A [eta]^-1)`` (Davydov et al. 2022, Sec. II-A). A metric ``P``
(positive definite) defines ``|x|_P = sqrt(x^T P x)``. Every function accepts a stack of matrices
``(..., n, n)``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .checks import as_square_matrix, positive_int, positive_number
import scipy.linalg
import scipy.optimize

__all__ = [
    "lognorm",
    "spectral_abscissa",
    "metzler_majorant",
    "is_hurwitz",
    "is_m_hurwitz",
    "is_totally_hurwitz",
    "is_quasidominant",
    "perron_weights",
    "OptimalWeights",
    "optimal_weights",
]


def _check_square(A, name: str = "A") -> np.ndarray:
    return as_square_matrix(name, A, stack=True)


def _offdiag_abs(A: np.ndarray) -> np.ndarray:
    off = np.abs(A)
    idx = np.arange(A.shape[-1])
    off[..., idx, idx] = 0.0
    return off


def lognorm(A, p=2, *, eta=None, P=None):
    """The log norm ``mu(A) = lim_{h->0+} (|I + h A| - 1) / h`` (Davydov et al. 2022, Eq. 3).

    Parameters
    ----------
    A : array_like, shape (..., n, n)
    p : {1, 2, inf}
        ``mu_1`` is the largest column sum ``a_jj + sum_{i != j} |a_ij|``; ``mu_inf`` the largest
        row sum ``a_ii + sum_{j != i} |a_ij|``; ``mu_2`` the largest eigenvalue of ``(A + A^T) / 2``.
    eta : array_like of shape (n,), optional
        Positive diagonal weights: the norm ``|[eta] x|_p``.
    P : array_like of shape (n, n), optional
        Positive-definite metric for ``p = 2``: ``mu_{2,P}(A) = min{b : A^T P + P A <= 2 b P}``.

    Notes
    -----
    Davydov et al. (2022), Sec. II-A, print the first expression for ``mu_{1,[eta]}(A)`` as a row
    sum, identical to their ``mu_{inf,[eta]^-1}``; the second characterisation they give,
    ``min{b : [A]_Mzr^T eta <= b eta}``, is a column sum and agrees with the definition
    ``mu_1([eta] A [eta]^-1)``. We implement the definition (a typo in the first expression);
    ``tests/test_lognorms.py`` checks it against Eq. 3 by finite differences.

    Examples
    --------
    >>> A = np.array([[-1.0, -1.0], [2.0, -1.0]])     # Davydov et al. (2022), Example 3(i)
    >>> float(lognorm(A, 2)), float(lognorm(A, 1)), float(lognorm(A, np.inf))
    (-0.5, 1.0, 1.0)
    """
    A = _check_square(A)
    n = A.shape[-1]
    if eta is not None:
        if P is not None:
            raise ValueError("give eta or P, not both")
        eta = np.asarray(eta, dtype=float)
        if eta.shape != (n,) or not np.all(np.isfinite(eta)) or np.any(eta <= 0):
            raise ValueError(f"eta must be a positive vector of shape ({n},), got {eta!r}")
        A = A * eta[:, None] / eta[None, :]  # [eta] A [eta]^-1
    if p == 1:
        return np.max(np.diagonal(A, axis1=-2, axis2=-1) + _offdiag_abs(A).sum(axis=-2), axis=-1)
    if p in (np.inf, "inf"):
        return np.max(np.diagonal(A, axis1=-2, axis2=-1) + _offdiag_abs(A).sum(axis=-1), axis=-1)
    if p != 2:
        raise ValueError(f"p must be 1, 2 or inf, got {p!r}")
    if P is None:
        return np.linalg.eigvalsh(0.5 * (A + np.swapaxes(A, -1, -2)))[..., -1]
    P = _check_square(P, "P")
    if P.shape != (n, n) or not np.allclose(P, P.T, atol=1e-12 * (1 + np.abs(P).max())):
        raise ValueError(f"P must be a symmetric ({n}, {n}) matrix")
    try:
        L = np.linalg.cholesky(P)  # P = L L^T, so |x|_P = |L^T x|_2 and mu_{2,P}(A) = mu_2(L^T A L^-T)
    except np.linalg.LinAlgError:
        raise ValueError("P must be positive definite") from None
    B = L.T @ A @ np.linalg.inv(L.T)
    return np.linalg.eigvalsh(0.5 * (B + np.swapaxes(B, -1, -2)))[..., -1]


def spectral_abscissa(A):
    """``alpha(A) = max Re(lambda)`` over the spectrum; ``alpha(A) <= mu(A)`` for every log norm."""
    return np.max(np.linalg.eigvals(_check_square(A)).real, axis=-1)


def metzler_majorant(A) -> np.ndarray:
    """``[A]_Mzr``: the diagonal of ``A`` and ``|a_ij|`` off it (Davydov et al. 2022, Sec. II)."""
    A = _check_square(A)
    M = _offdiag_abs(A)
    idx = np.arange(A.shape[-1])
    M[..., idx, idx] = A[..., idx, idx]
    return M


def is_hurwitz(A) -> bool:
    """``A in H``: ``alpha(A) < 0``."""
    return bool(np.all(spectral_abscissa(A) < 0))


def is_m_hurwitz(A) -> bool:
    """``A in MH``: ``alpha([A]_Mzr) < 0`` (Davydov et al. 2022, Sec. II-B)."""
    return is_hurwitz(metzler_majorant(A))


def is_quasidominant(A) -> bool:
    """Some ``eta > 0`` has ``eta_i a_ii > sum_{j != i} eta_j |a_ij|``; equivalently ``-A in MH``."""
    return is_m_hurwitz(-_check_square(A))


def is_totally_hurwitz(A, max_n: int = 16) -> bool:
    """``A in TH``: every principal submatrix is Hurwitz. Checks all ``2^n - 1`` of them."""
    A = _check_square(A)
    if A.ndim != 2:
        raise ValueError(f"A must be one matrix, got shape {A.shape}")
    n = A.shape[0]
    if n > max_n:
        raise ValueError(f"A has n = {n} > max_n = {max_n}: checking 2^n submatrices would take too long")
    return all(
        is_hurwitz(A[np.ix_(idx, idx)]) for k in range(1, n + 1) for idx in itertools.combinations(range(n), k)
    )


def perron_weights(M, p=1) -> np.ndarray:
    """Weights that attain ``mu_{p,[eta]}(M) = alpha(M)`` for an irreducible Metzler ``M``.

    Davydov et al. (2022), Lemma 1, Eq. 4 with ``delta = 0``: ``eta_i = w_i^{1/p} / v_i^{1/q}``
    where ``v, w`` are the right and left Perron eigenvectors of ``M`` and ``1/p + 1/q = 1``.
    For ``p = 1`` this is ``eta = w``; for ``p = inf`` it is ``eta = 1 / v``.
    """
    M = _check_square(M, "M")
    if M.ndim != 2:
        raise ValueError(f"M must be one matrix, got shape {M.shape}")
    if np.any(_offdiag_abs(M) != np.where(np.eye(len(M), dtype=bool), 0.0, M)):
        raise ValueError("M must be Metzler (non-negative off-diagonal entries)")
    lam, vl, vr = scipy.linalg.eig(M, left=True, right=True)
    k = np.argmax(lam.real)
    v, w = np.abs(vr[:, k].real), np.abs(vl[:, k].real)
    if np.any(v <= 0) or np.any(w <= 0):
        raise ValueError("M must be irreducible: its Perron eigenvectors have zero entries")
    if p == 1:
        eta = w
    elif p in (np.inf, "inf"):
        eta = 1.0 / v
    elif p == 2:
        eta = np.sqrt(w / v)
    else:
        raise ValueError(f"p must be 1, 2 or inf, got {p!r}")
    return eta / eta.max()


@dataclass(frozen=True, eq=False)
class OptimalWeights:
    """The result of :func:`optimal_weights`.

    Attributes
    ----------
    value : float
        The optimal worst-case log norm ``min_eta max_k mu_{p,[eta]}(A_k)`` (up to ``tol``).
    eta : ndarray, shape (n,)
        Weights attaining it, scaled to ``max(eta) = 1``.
    p : {1, inf}
    lower : float
        A proven lower bound on the optimum (``max_k alpha([A_k]_Mzr)`` or a failed LP level).
    n_lp : int
        Linear programs solved.
    status : str
        ``"optimal"`` or a message from the LP solver.
    """

    value: float
    eta: np.ndarray
    p: float
    lower: float
    n_lp: int
    status: str


def optimal_weights(A, p=1, *, tol: float = 1e-9, eps: float = 1e-9, max_iter: int = 100) -> OptimalWeights:
    """Diagonal weights minimising ``max_k mu_{p,[eta]}(A_k)`` over one matrix or a few vertices.

    Davydov et al. (2022), Theorem 4 and Remark 5: bisection on ``b`` in which each step is the
    linear feasibility problem ``[A_k]_Mzr^T eta <= b eta`` (``p = 1``, Eq. 10) or
    ``[A_k]_Mzr eta' <= b eta'`` with ``eta = 1 / eta'`` (``p = inf``, Eq. 11), for all ``k``,
    with ``eta >= eps``. With the two vertices of Lemma 6 this solves the minimax of Corollary 7.
    The LPs are solved by HiGHS through :func:`scipy.optimize.linprog`.

    Parameters
    ----------
    A : array_like, shape (n, n) or (K, n, n)
    p : {1, inf}

    Examples
    --------
    >>> res = optimal_weights(np.array([[-2.0, 1.0], [4.0, -3.0]]), p=1)
    >>> round(res.value, 6), round(float(spectral_abscissa(metzler_majorant([[-2.0, 1.0], [4.0, -3.0]]))), 6)
    (-0.438447, -0.438447)
    """
    A = _check_square(A)
    tol, eps = positive_number("tol", tol), positive_number("eps", eps)
    max_iter = positive_int("max_iter", max_iter)
    mats = A.reshape(-1, A.shape[-1], A.shape[-1])
    n = mats.shape[-1]
    if p not in (1, np.inf, "inf"):
        raise ValueError(f"p must be 1 or inf for the LP, got {p!r}")
    p = 1 if p == 1 else np.inf
    Mz = metzler_majorant(mats)
    G = np.swapaxes(Mz, -1, -2) if p == 1 else Mz  # constraint G_k z <= b z on z = eta or 1/eta

    def feasible(b):
        A_ub = np.concatenate([G_k - b * np.eye(n) for G_k in G])
        res = scipy.optimize.linprog(
            np.ones(n), A_ub=A_ub, b_ub=np.zeros(len(A_ub)), bounds=[(1.0, 1.0 / eps)] * n, method="highs"
        )
        return (res.x if res.status == 0 else None), res

    lower = float(np.max(spectral_abscissa(Mz)))
    upper = float(np.max(lognorm(mats, p)))
    z = np.ones(n)
    n_lp, status = 0, "optimal"
    z_up, _ = feasible(upper)
    n_lp += 1
    if z_up is not None:
        z = z_up
    while upper - lower > tol * (1 + abs(upper)) and n_lp < max_iter:
        mid = 0.5 * (lower + upper)
        z_mid, res = feasible(mid)
        n_lp += 1
        if z_mid is not None:
            upper, z = mid, z_mid
        elif res.status == 2:  # infeasible: the optimum lies above mid
            lower = mid
        else:
            status = res.message
            break
    eta = z if p == 1 else 1.0 / z
    eta = eta / eta.max()
    value = float(np.max(lognorm(mats, p, eta=eta)))
    return OptimalWeights(value, eta, p, lower, n_lp, status)
