"""Jacobian spectra: eigenvalues of the linearisation at a state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import real_number
from .models.base import check_model, check_state

__all__ = ["Spectrum", "jacobian_spectrum"]


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Eigenvalues of a Jacobian, sorted by decreasing real part.

    Attributes
    ----------
    eigenvalues : ndarray of complex, shape (n,)
    x : ndarray, shape (n,)
        The state at which the Jacobian was taken.
    t : float
    """

    eigenvalues: np.ndarray
    x: np.ndarray
    t: float

    @property
    def abscissa(self) -> float:
        """Spectral abscissa ``max Re lambda``; negative means linearly stable."""
        return float(self.eigenvalues.real.max())

    @property
    def radius(self) -> float:
        """Spectral radius ``max |lambda|``."""
        return float(np.abs(self.eigenvalues).max())

    @property
    def stable(self) -> bool:
        return self.abscissa < 0


def jacobian_spectrum(model, x, t: float = 0.0) -> Spectrum:
    """The eigenvalues of ``model.jacobian(t, x)`` at one state ``x``.

    Examples
    --------
    >>> from rnnlab import LinearSystem
    >>> jacobian_spectrum(LinearSystem([[0.0, 1.0], [-1.0, 0.0]]), [0.0, 0.0]).eigenvalues
    array([0.+1.j, 0.-1.j])
    """
    check_model(model)
    x = check_state(x, model.n)
    if x.ndim != 1:
        raise ValueError(f"x must be one state of shape ({model.n},), got shape {x.shape}")
    t = real_number("t", t)
    lam = np.linalg.eigvals(model.jacobian(t, x))
    lam = lam[np.lexsort((-lam.imag, -lam.real))]
    return Spectrum(lam, x, float(t))
