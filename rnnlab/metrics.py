"""Constant metrics for the Euclidean (l2) case: ``M`` with ``A^T M + M A`` negative definite.

A metric ``M`` (symmetric positive definite) defines ``|x|_M = sqrt(x^T M x)``; the contraction rate
of ``x' = A x`` in it is ``-mu_{2,M}(A)`` (:func:`rnnlab.lognorms.lognorm` with ``P=M``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from .checks import as_square_matrix
from .lognorms import is_hurwitz, lognorm, metzler_majorant

__all__ = ["lyapunov_metric", "metzler_diagonal_metric", "lds_metric", "LDSResult", "lmi_solver", "solve_quietly"]


def lmi_solver(solver=None):
    """The cvxpy solver for the small SDPs here: the one asked for, else CLARABEL (an interior-point
    method, faster and more accurate on them than cvxpy's first-order default SCS) when installed."""
    import cvxpy as cp

    if solver is not None:
        return solver
    return "CLARABEL" if "CLARABEL" in cp.installed_solvers() else None


def solve_quietly(problem, solver) -> None:
    """``problem.solve`` without cvxpy's "Solution may be inaccurate" warning: the status says so too,
    and every metric a solver returns is verified exactly before use."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
        problem.solve(solver=solver)


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
    A = as_square_matrix("A", A, stack=True)
    if A.ndim != 2:
        raise ValueError(f"A must be one matrix, got shape {A.shape}")
    if not is_hurwitz(A):
        raise ValueError("A must be Hurwitz (all eigenvalues with negative real part) for a Lyapunov metric")
    n = len(A)
    Q = np.eye(n) if Q is None else as_square_matrix("Q", Q, stack=True)
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
    M = as_square_matrix("M", M, stack=True)
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


@dataclass(frozen=True, eq=False)
class LDSResult:
    """The result of :func:`lds_metric`.

    Attributes
    ----------
    lds : bool
        Whether a diagonal ``P > 0`` with ``P A + A^T P < 0`` was found (and verified exactly).
    p : ndarray, shape (n,) or None
        The diagonal of ``P``, scaled to ``max = 1``.
    rate : float
        ``-mu_{2,P^{1/2}}(A)``, the contraction rate of ``x' = A x`` in ``|x| = sqrt(x^T P x)``
        (NaN when none was found).
    status : str
        The solver's status.
    """

    lds: bool
    p: np.ndarray | None
    rate: float
    status: str


def lds_metric(A, *, solver=None) -> LDSResult:
    """Lyapunov diagonal stability (Davydov et al. 2022, Sec. II-B (iii)): a diagonal ``P > 0`` with
    ``P A + A^T P`` negative definite, searched as an LMI with cvxpy.

    Solves ``min t`` subject to ``P A + A^T P <= t I``, ``P = diag(p) >= 0``, ``sum(p) = n``; ``A`` is
    LDS exactly when the optimum is negative (then every ``p_i > 0``, since a zero ``p_i`` would put
    a zero on the diagonal). An infeasible or failed solve is a result with ``lds=False``.

    Examples
    --------
    >>> res = lds_metric([[-1.0, -1.0], [2.0, -1.0]])   # Davydov Example 3(i): LDS, not M-Hurwitz
    >>> res.lds, res.rate > 0
    (True, True)
    """
    import cvxpy as cp

    A = as_square_matrix("A", A, stack=True)
    if A.ndim != 2:
        raise ValueError(f"A must be one matrix, got shape {A.shape}")
    n = len(A)
    p, t = cp.Variable(n, nonneg=True), cp.Variable()
    S = cp.diag(p) @ A
    problem = cp.Problem(cp.Minimize(t), [0.5 * (S + S.T) << t * np.eye(n), cp.sum(p) == n])
    solve_quietly(problem, lmi_solver(solver))
    if p.value is None or t.value is None or not np.all(p.value > 0):
        return LDSResult(False, None, np.nan, str(problem.status))
    q = p.value / p.value.max()
    rate = -float(lognorm(A, 2, P=np.diag(q)))
    return LDSResult(rate > 0, q if rate > 0 else None, rate if rate > 0 else np.nan, str(problem.status))
