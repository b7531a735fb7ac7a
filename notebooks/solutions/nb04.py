"""Solutions of notebook 04: the ORGaNICs steady state for W_r = I and the roots of Eq. 8."""

import numpy as np


def organics_steady_state(z, W, sigma, b, b0):
    """Steady state of ORGaNICs with ``W_r = I`` (Rawat et al. 2024, Eqs. 4-5), as ``[y_s, a_s]``.

    ``a_s = b0^2 sigma^2 + W (b z)^2`` and ``y_s = b z / sqrt(a_s)``.
    """
    bz = np.asarray(b, dtype=float) * np.asarray(z, dtype=float)
    b0, sigma, W = (np.asarray(v, dtype=float) for v in (b0, sigma, W))
    a_s = b0**2 * sigma**2 + W @ bz**2
    return np.concatenate([bz / np.sqrt(a_s), a_s])


def quadratic_roots(B, K):
    """The ``2 n`` roots of ``det(lambda^2 I + lambda B + K) = 0`` (Eq. 8), sorted by decreasing real part,
    as the eigenvalues of the companion matrix ``[[0, I], [-K, -B]]``."""
    B = np.asarray(B, dtype=float)
    K = np.asarray(K, dtype=float)
    n = len(B)
    companion = np.block([[np.zeros((n, n)), np.eye(n)], [-K, -B]])
    lam = np.linalg.eigvals(companion)
    return lam[np.argsort(-lam.real, kind="stable")]
