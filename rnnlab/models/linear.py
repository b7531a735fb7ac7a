"""Linear systems ``x' = A x + u(t)``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .base import Input, ModelBase, as_input, as_matrix, set_fields

__all__ = ["LinearSystem"]


@dataclass(frozen=True, eq=False)
class LinearSystem(ModelBase):
    """The linear system ``x' = A x + u(t)``.

    Parameters
    ----------
    A : array_like, shape (n, n)
        System matrix.
    u : float, array_like of shape (n,), or callable
        Constant input or ``u(t)``.

    Examples
    --------
    >>> sys = LinearSystem([[0.0, 1.0], [-1.0, 0.0]])
    >>> sys.vector_field(0.0, np.array([1.0, 0.0]))
    array([ 0., -1.])
    """

    A: np.ndarray
    u: Input = field(default=0.0)

    def __post_init__(self):
        A = as_matrix("A", self.A)
        set_fields(self, A=A, u=as_input("u", self.u, A.shape[0]))

    @property
    def n(self) -> int:
        return self.A.shape[0]

    def vector_field(self, t, x):
        return x @ self.A.T + self._input(self.u, t)

    def jacobian(self, t, x):
        return np.broadcast_to(self.A, np.shape(x)[:-1] + self.A.shape)
