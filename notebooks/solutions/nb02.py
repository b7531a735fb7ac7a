"""Solutions of notebook 02: a weighted l-infinity log norm and the Theorem 1 check."""

import numpy as np


def weighted_linf_lognorm(A, eta):
    """``mu_{inf,[eta]}(A) = max_i (a_ii + sum_{j != i} |a_ij| eta_i / eta_j)``, the log norm of the
    norm ``|x| = max_i eta_i |x_i|`` (Davydov et al. 2022, Sec. II-A)."""
    A = np.asarray(A, dtype=float)
    eta = np.asarray(eta, dtype=float)
    scaled = A * eta[:, None] / eta[None, :]  # [eta] A [eta]^-1
    off = np.abs(scaled) - np.diag(np.abs(np.diag(scaled)))
    return float(np.max(np.diag(scaled) + off.sum(axis=1)))


def theorem1_holds(W, g=1.0):
    """Kozachkov et al. (2022), Theorem 1: is ``g|W|' - I`` Hurwitz? ``|W|'`` is ``|W|`` with the
    diagonal ``max(w_ii, 0)``."""
    W = np.asarray(W, dtype=float)
    absW = np.abs(W)
    np.fill_diagonal(absW, np.maximum(np.diag(W), 0.0))
    return bool(np.max(np.linalg.eigvals(g * absW - np.eye(len(W))).real) < 0)
