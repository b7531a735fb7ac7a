"""The model protocol and the argument checks shared by every model.

A model is a frozen dataclass of parameters with two pure methods:

* ``vector_field(t, x)``: ``dx/dt`` for a state or a batch of states ``x`` of shape ``(..., n)``;
* ``jacobian(t, x)``: the exact Jacobian ``df/dx`` of shape ``(..., n, n)``;

and its state dimension ``n``. Inputs are constants or callables ``u(t)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Protocol, Union, runtime_checkable

import numpy as np

__all__ = ["Model", "Input", "check_model", "check_state"]

Input = Union[float, np.ndarray, Callable[[float], Any]]


@runtime_checkable
class Model(Protocol):
    """What rnnlab's simulators and analyses need from a model."""

    @property
    def n(self) -> int: ...

    def vector_field(self, t: float, x: np.ndarray) -> np.ndarray: ...

    def jacobian(self, t: float, x: np.ndarray) -> np.ndarray: ...


class ModelBase:
    """Shared behaviour of rnnlab's model dataclasses (not part of the protocol)."""

    def replace(self, **changes):
        """A copy with some parameters changed, validated like a new model."""
        return dataclasses.replace(self, **changes)

    def _input(self, u, t):
        """The input at time ``t``: a constant array, or ``u(t)`` for a callable."""
        return np.asarray(u(t), dtype=float) if callable(u) else u


def check_model(model) -> None:
    """Raise ``ValueError`` unless ``model`` follows the :class:`Model` protocol."""
    if not isinstance(model, Model):
        raise ValueError(
            f"model must provide n, vector_field(t, x) and jacobian(t, x); got {type(model).__name__}"
        )


def check_state(x, n: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float array of shape ``(..., n)`` with finite entries, or raise."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 0 or x.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., {n}), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return x


def as_matrix(name: str, value, n: int | None = None) -> np.ndarray:
    """A finite square float matrix (of size ``n`` if given)."""
    a = np.array(value, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or (n is not None and a.shape[0] != n):
        want = f"({n}, {n})" if n is not None else "(n, n)"
        raise ValueError(f"{name} must be a square matrix of shape {want}, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    a.setflags(write=False)
    return a


def as_vector(name: str, value, n: int, *, positive: bool = False, nonnegative: bool = False) -> np.ndarray:
    """A finite float vector of length ``n``; a scalar is broadcast."""
    v = np.array(value, dtype=float)
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    if positive and np.any(v <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    if nonnegative and np.any(v < 0):
        raise ValueError(f"{name} must be non-negative, got {value!r}")
    v.setflags(write=False)
    return v


def as_input(name: str, u, n: int):
    """A constant input as a vector of length ``n``, or a callable ``u(t)`` checked at ``t = 0``."""
    if callable(u):
        u0 = np.asarray(u(0.0), dtype=float)
        try:
            np.broadcast_to(u0, (n,))
        except ValueError:
            raise ValueError(f"{name}(t) must return a scalar or shape ({n},), got shape {u0.shape}") from None
        return u
    return as_vector(name, u, n)


def set_fields(obj, **values) -> None:
    """Assign validated values to a frozen dataclass inside ``__post_init__``."""
    for key, value in values.items():
        object.__setattr__(obj, key, value)
