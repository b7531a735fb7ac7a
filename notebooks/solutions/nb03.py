"""Solutions of notebook 03: the negative-feedback coupling and its skew-symmetry in the metric."""

import numpy as np


def negative_feedback(B, M):
    """``L = B - M^-1 B^T M`` (Kozachkov et al. 2022, Eq. 3) for the block-diagonal metric ``M``."""
    B = np.asarray(B, dtype=float)
    M = np.asarray(M, dtype=float)
    return B - np.linalg.solve(M, B.T @ M)


def metric_asymmetry(L, M):
    """``max |M L + L^T M|``: zero exactly when ``M L`` is skew-symmetric."""
    L = np.asarray(L, dtype=float)
    M = np.asarray(M, dtype=float)
    return float(np.abs(M @ L + L.T @ M).max())
