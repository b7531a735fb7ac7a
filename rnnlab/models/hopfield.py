"""The Hopfield and firing-rate models of Davydov, Proskurnikov & Bullo (2022)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..activations import Activation, get_activation
from .base import Input, ModelBase, as_input, as_matrix, as_vector, set_fields

__all__ = ["Hopfield", "FiringRateModel"]


def _check_common(model) -> None:
    A = as_matrix("A", model.A)
    n = A.shape[0]
    set_fields(
        model,
        A=A,
        C=as_vector("C", model.C, n, nonnegative=True),
        u=as_input("u", model.u, n),
        phi=get_activation(model.phi),
    )


@dataclass(frozen=True, eq=False)
class Hopfield(ModelBase):
    """The Hopfield network ``x' = -C x + A Phi(x) + u`` (Davydov et al. 2022, Eq. 14).

    Parameters
    ----------
    A : array_like, shape (n, n)
        Synaptic matrix.
    C : float or array_like of shape (n,)
        Diagonal of the positive semi-definite diagonal matrix ``C``.
    u : float, array_like of shape (n,), or callable
        Input, constant or ``u(t)``.
    phi : str or Activation
        Activation with slopes in ``[d_min, d_max]`` (Eq. 15).
    """

    A: np.ndarray
    C: float | np.ndarray = 1.0
    u: Input = field(default=0.0)
    phi: str | Activation = "tanh"

    def __post_init__(self):
        _check_common(self)

    @property
    def n(self) -> int:
        return self.A.shape[0]

    def vector_field(self, t, x):
        return -self.C * x + self.phi(x) @ self.A.T + self._input(self.u, t)

    def jacobian(self, t, x):
        return self.A * self.phi.derivative(x)[..., None, :] - np.diag(self.C)


@dataclass(frozen=True, eq=False)
class FiringRateModel(ModelBase):
    """The firing-rate model ``x' = -C x + Phi(A x + u)`` (Davydov et al. 2022, Eq. 18).

    Parameters are those of :class:`Hopfield`.
    """

    A: np.ndarray
    C: float | np.ndarray = 1.0
    u: Input = field(default=0.0)
    phi: str | Activation = "tanh"

    def __post_init__(self):
        _check_common(self)

    @property
    def n(self) -> int:
        return self.A.shape[0]

    def vector_field(self, t, x):
        return -self.C * x + self.phi(x @ self.A.T + self._input(self.u, t))

    def jacobian(self, t, x):
        d = self.phi.derivative(x @ self.A.T + self._input(self.u, t))
        return d[..., :, None] * self.A - np.diag(self.C)
