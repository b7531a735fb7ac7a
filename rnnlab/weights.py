"""Random weight matrices. Every constructor takes ``rng`` (a seed or a ``numpy.random.Generator``)."""

from __future__ import annotations

import numpy as np

from .checks import nonnegative_number, real_number
import scipy.sparse

__all__ = ["gaussian_weights", "sparse_weights"]


def _check_size(n) -> int:
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return int(n)


def gaussian_weights(n: int, g: float = 1.0, *, rng=None) -> np.ndarray:
    """``W_ij ~ N(0, g^2 / n)`` i.i.d., the random network of gain ``g`` (Rivkind & Barak 2017).

    Its eigenvalues fill the disk of radius ``g`` as ``n`` grows (the circular law).

    Examples
    --------
    >>> W = gaussian_weights(400, g=1.5, rng=0)
    >>> round(float(W.std() * np.sqrt(400)), 1)
    1.5
    """
    n = _check_size(n)
    g = nonnegative_number("g", g)
    return np.random.default_rng(rng).normal(0.0, g / np.sqrt(n), size=(n, n))


def sparse_weights(
    n: int, density: float, magnitude: float, *, rng=None, zero_diagonal: bool = False
) -> np.ndarray:
    """Sparse weights: a fraction ``density`` of entries drawn uniformly from ``[-magnitude, magnitude]``.

    This is the initialisation of the Sparse Combo Net (Kozachkov et al. 2022, appendix A4.1.1,
    which uses ``scipy.sparse.random`` and then zeroes the diagonal: ``zero_diagonal=True``).
    """
    n = _check_size(n)
    density = real_number("density", density, low=0.0, high=1.0)
    magnitude = nonnegative_number("magnitude", magnitude)
    rng = np.random.default_rng(rng)
    W = scipy.sparse.random(
        n, n, density=density, random_state=rng, data_rvs=lambda k: rng.uniform(-magnitude, magnitude, k)
    ).toarray()
    if zero_diagonal:
        np.fill_diagonal(W, 0.0)
    return W
