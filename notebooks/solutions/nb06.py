"""Solutions of notebook 06: the Jacobian's spectral abscissa and the contraction bound of a certificate."""

import numpy as np


def spectral_abscissa(J):
    """``alpha(J) = max Re lambda(J)``: the slowest local rate, which a certificate bounds by ``-margin``."""
    return float(np.max(np.linalg.eigvals(np.asarray(J, dtype=float)).real))


def contraction_bound(d0, rate, t):
    """A certificate of rate ``lambda`` promises ``|x(t) - y(t)|_M <= exp(-lambda t) |x(0) - y(0)|_M``."""
    return np.asarray(d0, dtype=float) * np.exp(-rate * np.asarray(t, dtype=float))
