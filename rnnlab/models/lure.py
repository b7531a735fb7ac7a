"""Lur'e and Persidskii systems: the other models of Davydov, Proskurnikov & Bullo (2022), Sec. V-C.

Each is a linear system closed through slope-restricted nonlinearities:

* :class:`Lure`: ``x' = A x + v phi(w^T x) + u`` (Theorem 22);
* :class:`MultivariableLure`: ``x' = A x + B Phi(C x) + u`` (Theorem 23);
* :class:`DiagonalLure`: ``x' = A x - [C] Phi(x) + u``, one nonlinearity per state (Theorem 20);
* :class:`Persidskii`: ``x_i' = sum_j a_ij phi_ij(x_j) + u_i``, one nonlinearity per edge (Theorem 21;
  with one ``phi`` for all edges it is the Persidskii-type model ``x' = A Phi(x)`` of Theorem 19(i)).

The input ``u`` (constant or ``u(t)``) is not in the paper; the Jacobians do not depend on it, so every
certificate holds for any input, which is what entrainment needs.

A nonlinearity ``phi`` is an activation name, an :class:`~rnnlab.activations.Activation`, or any object
with ``phi(x)``, ``phi.derivative(x)`` and slope bounds ``phi.d_min <= phi.d_max`` (Eq. 15), e.g. a
saturation with a positive least slope, which the built-in activations lack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..activations import Activation, get_activation
from .base import Input, ModelBase, as_input, as_matrix, as_shaped_array, as_vector, set_fields

__all__ = ["Lure", "MultivariableLure", "DiagonalLure", "Persidskii", "as_slope_restricted"]


def as_slope_restricted(phi, name: str = "phi"):
    """An activation name or :class:`Activation`, or a duck-typed slope-restricted function, checked.

    Raises ``ValueError`` naming ``name`` unless ``phi`` has ``__call__``, ``derivative`` and finite
    slope bounds ``d_min <= d_max``.
    """
    if isinstance(phi, (str, Activation)):
        try:
            return get_activation(phi)
        except ValueError as err:
            raise ValueError(f"{name}: {err}") from None
    if not (callable(phi) and callable(getattr(phi, "derivative", None))):
        raise ValueError(
            f"{name} must be an activation name, an Activation, or an object with __call__, derivative, "
            f"d_min and d_max; got {phi!r}"
        )
    try:
        d_min, d_max = float(phi.d_min), float(phi.d_max)
    except (AttributeError, TypeError, ValueError):
        raise ValueError(f"{name} must have numeric slope bounds d_min and d_max; got {phi!r}") from None
    if not (np.isfinite(d_min) and np.isfinite(d_max) and d_min <= d_max):
        raise ValueError(f"{name} must have finite slope bounds d_min <= d_max, got [{d_min}, {d_max}]")
    return phi


@dataclass(frozen=True, eq=False)
class Lure(ModelBase):
    """The Lur'e system ``x' = A x + v phi(w^T x) + u`` (Davydov et al. 2022, Theorem 22).

    Parameters
    ----------
    A : array_like, shape (n, n)
        The linear part.
    v : array_like, shape (n,)
        Input direction of the nonlinearity.
    w : array_like, shape (n,)
        Output direction: the nonlinearity acts on ``y = w^T x``.
    u : float, array_like of shape (n,), or callable
        Input, constant or ``u(t)`` (not in the paper).
    phi : str, Activation, or slope-restricted object
        Scalar nonlinearity with slopes in ``[d_min, d_max]``.

    Examples
    --------
    >>> sys = Lure([[-1.0, 0.0], [1.0, -2.0]], v=[1.0, 0.0], w=[0.0, 1.0], phi="linear")
    >>> sys.jacobian(0.0, np.zeros(2))                 # A + phi'(y) v w^T
    array([[-1.,  1.],
           [ 1., -2.]])
    """

    A: np.ndarray
    v: np.ndarray
    w: np.ndarray
    u: Input = field(default=0.0)
    phi: str | Activation = "tanh"

    def __post_init__(self):
        A = as_matrix("A", self.A)
        n = A.shape[0]
        set_fields(
            self,
            A=A,
            v=as_shaped_array("v", self.v, (n,)),
            w=as_shaped_array("w", self.w, (n,)),
            u=as_input("u", self.u, n),
            phi=as_slope_restricted(self.phi),
        )

    @property
    def n(self) -> int:
        return self.A.shape[0]

    def vector_field(self, t, x):
        y = x @ self.w  # (...,)
        return x @ self.A.T + self.phi(y)[..., None] * self.v + self._input(self.u, t)

    def jacobian(self, t, x):
        d = self.phi.derivative(np.asarray(x, dtype=float) @ self.w)  # (...,)
        return self.A + d[..., None, None] * np.outer(self.v, self.w)


@dataclass(frozen=True, eq=False)
class MultivariableLure(ModelBase):
    """The multivariable Lur'e system ``x' = A x + B Phi(C x) + u`` (Davydov et al. 2022, Theorem 23).

    Parameters
    ----------
    A : array_like, shape (n, n)
        The linear part.
    B : array_like, shape (n, m)
        Input matrix of the nonlinearities.
    C : array_like, shape (m, n)
        Output matrix: ``Phi`` acts elementwise on ``y = C x``. (``C`` is the paper's letter here; it
        is not the leak of :class:`~rnnlab.models.Hopfield`.)
    u : float, array_like of shape (n,), or callable
        Input, constant or ``u(t)`` (not in the paper).
    phi : str, Activation, or slope-restricted object
        The same nonlinearity in each of the ``m`` channels, slopes in ``[d_min, d_max]``.
    """

    A: np.ndarray
    B: np.ndarray
    C: np.ndarray
    u: Input = field(default=0.0)
    phi: str | Activation = "tanh"

    def __post_init__(self):
        A = as_matrix("A", self.A)
        n = A.shape[0]
        B = as_shaped_array("B", self.B, (n, None))
        set_fields(
            self,
            A=A,
            B=B,
            C=as_shaped_array("C", self.C, (B.shape[1], n)),
            u=as_input("u", self.u, n),
            phi=as_slope_restricted(self.phi),
        )

    @property
    def n(self) -> int:
        return self.A.shape[0]

    @property
    def m(self) -> int:
        """Number of nonlinear channels."""
        return self.B.shape[1]

    def vector_field(self, t, x):
        y = x @ self.C.T  # (..., m)
        return x @ self.A.T + self.phi(y) @ self.B.T + self._input(self.u, t)

    def jacobian(self, t, x):
        d = self.phi.derivative(np.asarray(x, dtype=float) @ self.C.T)  # (..., m)
        return self.A + np.einsum("ik,...k,kj->...ij", self.B, d, self.C)


@dataclass(frozen=True, eq=False)
class DiagonalLure(ModelBase):
    """``x' = A x - [C] Phi(x) + u`` with a diagonal ``C >= 0`` (Davydov et al. 2022, Theorem 20).

    Kaszkurewicz & Bhaya (2000), Theorem 3.2.4: a Lur'e system whose nonlinearities act one per state
    and feed back negatively through the gains ``C``. It is :class:`MultivariableLure` with
    ``B = -[C]`` and output matrix ``I``.

    Parameters
    ----------
    A : array_like, shape (n, n)
    C : float or array_like of shape (n,)
        Non-negative feedback gains, the diagonal of ``C``.
    u : float, array_like of shape (n,), or callable
    phi : str, Activation, or slope-restricted object
    """

    A: np.ndarray
    C: float | np.ndarray = 1.0
    u: Input = field(default=0.0)
    phi: str | Activation = "tanh"

    def __post_init__(self):
        A = as_matrix("A", self.A)
        n = A.shape[0]
        set_fields(
            self,
            A=A,
            C=as_vector("C", self.C, n, nonnegative=True),
            u=as_input("u", self.u, n),
            phi=as_slope_restricted(self.phi),
        )

    @property
    def n(self) -> int:
        return self.A.shape[0]

    def vector_field(self, t, x):
        return x @ self.A.T - self.C * self.phi(x) + self._input(self.u, t)

    def jacobian(self, t, x):
        d = self.phi.derivative(np.asarray(x, dtype=float))  # (..., n)
        return self.A - np.eye(self.n) * (self.C * d)[..., None, :]


@dataclass(frozen=True, eq=False)
class Persidskii(ModelBase):
    """``x_i' = sum_j a_ij phi_ij(x_j) + u_i`` (Davydov et al. 2022, Theorem 21).

    Kaszkurewicz & Bhaya (2000), Theorem 3.2.10: every edge ``j -> i`` has its own nonlinearity.
    With one ``phi`` for every edge this is the Persidskii-type model ``x' = A Phi(x)`` of
    Theorem 19(i), i.e. a :class:`~rnnlab.models.Hopfield` network without leak.

    Parameters
    ----------
    A : array_like, shape (n, n)
    u : float, array_like of shape (n,), or callable
    phi : str, Activation, slope-restricted object, or an (n, n) nested sequence of them
        One nonlinearity for all edges, or ``phi[i][j]`` for the edge ``j -> i``.

    Examples
    --------
    >>> sys = Persidskii([[-2.0, 1.0], [0.5, -1.0]], phi=[["linear", "tanh"], ["tanh", "linear"]])
    >>> sys.jacobian(0.0, np.zeros(2))
    array([[-2. ,  1. ],
           [ 0.5, -1. ]])
    """

    A: np.ndarray
    u: Input = field(default=0.0)
    phi: object = "tanh"

    def __post_init__(self):
        A = as_matrix("A", self.A)
        n = A.shape[0]
        phi = self.phi
        if isinstance(phi, (list, tuple)):
            if len(phi) != n or any(not isinstance(row, (list, tuple)) or len(row) != n for row in phi):
                raise ValueError(f"phi must be one nonlinearity or an ({n}, {n}) nested sequence of them")
            phi = tuple(tuple(as_slope_restricted(p, f"phi[{i}][{j}]") for j, p in enumerate(row))
                        for i, row in enumerate(phi))
        else:
            phi = as_slope_restricted(phi)
        set_fields(self, A=A, u=as_input("u", self.u, n), phi=phi)

    @property
    def n(self) -> int:
        return self.A.shape[0]

    @property
    def uniform(self) -> bool:
        """Whether one nonlinearity acts on every edge (the model of Theorem 19(i))."""
        return not isinstance(self.phi, tuple)

    @property
    def slope_bounds(self) -> tuple[float, float]:
        """``(d_min, d_max)`` common to all edges: the least ``d_min`` and the largest ``d_max``."""
        acts = [act for act, _ in self._edge_groups()]
        return min(float(a.d_min) for a in acts), max(float(a.d_max) for a in acts)

    def _edge_groups(self):
        """Pairs ``(phi, A_phi)``: each distinct nonlinearity and ``A`` restricted to its edges."""
        if self.uniform:
            return [(self.phi, self.A)]
        groups = []
        for i, row in enumerate(self.phi):
            for j, act in enumerate(row):
                for other, mask in groups:
                    if other is act or other == act:
                        mask[i, j] = True
                        break
                else:
                    mask = np.zeros((self.n, self.n), dtype=bool)
                    mask[i, j] = True
                    groups.append((act, mask))
        return [(act, np.where(mask, self.A, 0.0)) for act, mask in groups]

    def vector_field(self, t, x):
        x = np.asarray(x, dtype=float)
        out = np.zeros(np.shape(x))
        for act, A_act in self._edge_groups():
            out = out + act(x) @ A_act.T
        return out + self._input(self.u, t)

    def jacobian(self, t, x):
        x = np.asarray(x, dtype=float)
        J = np.zeros(x.shape[:-1] + (self.n, self.n))
        for act, A_act in self._edge_groups():
            J = J + A_act * act.derivative(x)[..., None, :]  # d/dx_j of a_ij phi_ij(x_j)
        return J
