"""The model protocol, the base class and the argument checks shared by every model.

Public, so that models defined elsewhere (the trained nets of :mod:`rnnlab.train`) and analyses
that validate model-shaped data build on the same checks.

A model is a frozen dataclass of parameters with two pure methods:

* ``vector_field(t, x)``: ``dx/dt`` for a state or a batch of states ``x`` of shape ``(..., n)``;
* ``jacobian(t, x)``: the exact Jacobian ``df/dx`` of shape ``(..., n, n)``;

and its state dimension ``n``. Inputs are constants or callables ``u(t)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Protocol, Union, runtime_checkable

import numpy as np

from ..checks import as_real_array, as_square_matrix, instance_not_class
from ..checks import as_vector as _checked_vector

__all__ = ["Model", "Input", "ModelBase", "NotAModelError", "check_model", "check_state", "as_matrix",
           "as_vector", "as_shaped_array", "as_input", "set_fields"]

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


class NotAModelError(TypeError, ValueError):
    """A non-model passed as a model: a ``TypeError``, and a ``ValueError`` as rnnlab raised before
    (as NumPy's ``AxisError`` is both), so callers catching either keep working."""


def check_model(model, name: str = "model") -> None:
    """Raise :class:`NotAModelError` unless ``model`` is an instance following the :class:`Model` protocol."""
    if isinstance(model, type):
        raise NotAModelError(f"{name} must be a model instance, got the class {model.__name__} itself "
                             f"(call it first)")
    if not isinstance(model, Model):
        raise NotAModelError(
            f"{name} must provide n, vector_field(t, x) and jacobian(t, x); got {type(model).__name__}"
        )


def check_state(x, n: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as a real float array of shape ``(..., n)`` with finite entries, or raise."""
    x = as_real_array(name, x, allow_empty=True)
    if x.ndim == 0 or x.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., {n}), got shape {x.shape}")
    return x


def as_matrix(name: str, value, n: int | None = None) -> np.ndarray:
    """A finite, real, non-empty square float matrix (of size ``n`` if given), read-only."""
    a = as_square_matrix(name, value, n)
    a.setflags(write=False)
    return a


def as_vector(name: str, value, n: int, *, positive: bool = False, nonnegative: bool = False) -> np.ndarray:
    """A finite real vector of length ``n``, read-only; a scalar is broadcast."""
    v = _checked_vector(name, value, n, positive=positive, nonnegative=nonnegative)
    v.setflags(write=False)
    return v


def as_shaped_array(name: str, value, shape: tuple) -> np.ndarray:
    """A finite, read-only float array of exactly ``shape`` (``None`` entries match any size)."""
    a = as_real_array(name, value, allow_empty=True)
    if a.ndim != len(shape) or any(s is not None and s != k for s, k in zip(shape, a.shape)):
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    a.setflags(write=False)
    return a


def as_input(name: str, u, n: int):
    """A constant input as a vector of length ``n``, or a callable ``u(t)`` checked at ``t = 0``."""
    if isinstance(u, type):
        instance_not_class(name, u, "a number, an array or a function u(t)")
    if callable(u):
        try:
            u0 = as_real_array(f"{name}(0)", u(0.0), allow_empty=True)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{name}(t) must return real finite values: {err}") from None
        try:
            np.broadcast_to(u0, (n,))
        except ValueError:
            raise ValueError(f"{name}(t) must return a scalar or shape ({n},), "
                             f"got shape {u0.shape}") from None
        return u
    return as_vector(name, u, n)


def set_fields(obj, **values) -> None:
    """Assign validated values to a frozen dataclass inside ``__post_init__``."""
    for key, value in values.items():
        object.__setattr__(obj, key, value)
