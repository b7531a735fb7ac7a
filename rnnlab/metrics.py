"""Constant metrics for the Euclidean (l2) case: ``M`` with ``A^T M + M A`` negative definite.

A metric ``M`` (symmetric positive definite) defines ``|x|_M = sqrt(x^T M x)``; the contraction rate
of ``x' = A x`` in it is ``-mu_{2,M}(A)`` (:func:`rnnlab.lognorms.lognorm` with ``P=M``).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .lognorms import _check_square, is_hurwitz, metzler_majorant

__all__ = ["lyapunov_metric", "metzler_diagonal_metric"]


def lyapunov_metric(A, Q=None) -> np.ndarray:
    """The solution ``M`` of ``A^T M + M A = -Q`` for a Hurwitz ``A`` (default ``Q = I``).

    ``M = int_0^inf exp(A^T t) Q exp(A t) dt`` is positive definite; Kozachkov et al. (2022),
    appendix A4.1.1, compute the Sparse Combo Net's module metrics from this equation.

    Examples
    --------
    >>> M = lyapunov_metric([[-1.0, 2.0], [0.0, -3.0]])
    >>> bool(np.all(np.linalg.eigvalsh(M) > 0))
    True
    """
    A = _check_square(A)
    if A.ndim != 2:
        raise ValueError(f"A must be one matrix, got shape {A.shape}")
    if not is_hurwitz(A):
        raise ValueError("A must be Hurwitz (all eigenvalues with negative real part) for a Lyapunov metric")
    n = len(A)
    Q = np.eye(n) if Q is None else _check_square(Q, "Q")
    if Q.shape != (n, n) or np.linalg.eigvalsh(0.5 * (Q + Q.T)).min() <= 0:
        raise ValueError(f"Q must be a positive-definite ({n}, {n}) matrix")
    M = scipy.linalg.solve_continuous_lyapunov(A.T, -Q)
    return 0.5 * (M + M.T)


def metzler_diagonal_metric(M, delta: float = 0.0) -> np.ndarray:
    """Diagonal ``P`` with ``P M + M^T P`` negative definite, for a Hurwitz Metzler ``M``.

    ``P = diag(w_i / v_i)`` with ``v, w`` the right and left Perron eigenvectors: then
    ``(P M + M^T P) v = 2 alpha(M) w < 0``, and a symmetric Metzler matrix that maps a positive
    vector to a negative one is negative definite. A reducible ``M`` has zero Perron entries; the
    eigenvectors of ``M + delta 1 1^T`` (Davydov et al. 2022, Lemma 1) work for small ``delta > 0``,
    tried in decreasing sizes when ``delta = 0`` fails.

    Returns the diagonal of ``P`` scaled to ``max = 1``.
    """
    M = _check_square(M, "M")
    if M.ndim != 2:
        raise ValueError(f"M must be one matrix, got shape {M.shape}")
    if np.any(metzler_majorant(M) != M):
        raise ValueError("M must be Metzler (non-negative off-diagonal entries)")
    if not is_hurwitz(M):
        raise ValueError("M must be Hurwitz for a diagonal metric to exist")
    scale = 1.0 + np.abs(M).max()
    for d in [delta] + ([scale * 10.0**-k for k in range(2, 12)] if delta == 0 else []):
        lam, vl, vr = scipy.linalg.eig(M + d * np.ones_like(M), left=True, right=True)
        k = np.argmax(lam.real)
        v, w = np.abs(vr[:, k].real), np.abs(vl[:, k].real)
        if np.all(v > 0) and np.all(w > 0):
            p = w / v
            p /= p.max()
            if np.linalg.eigvalsh(p[:, None] * M + M.T * p[None, :]).max() < 0:
                return p
    raise ValueError("no diagonal metric found: M is too close to the stability boundary")
