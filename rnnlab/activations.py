"""Activation functions with exact derivatives and slope bounds.

Every activation is ``phi(x) = f(gain * (x - threshold))`` for a base function ``f``. Its slope
lies in ``[d_min, d_max]`` (Davydov et al. 2022, Eq. 15); ``d_max`` is the ``g`` of Kozachkov
et al. 2022 (``0 <= phi' <= g``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit

__all__ = ["Activation", "ACTIVATIONS", "get_activation"]


def _sigmoid(z):
    # expit neither overflows for large |z| nor loses relative precision where sigmoid is tiny
    # (0.5 * (1 + tanh(z / 2)) rounds to 0 already at z = -38).
    return expit(z)


def _sigmoid_slope(z):
    # sigmoid(z) * sigmoid(-z) rather than s * (1 - s), which cancels for large positive z.
    return expit(z) * expit(-z)


def _softplus(z):
    return np.logaddexp(0.0, z)


# name -> (f, f', inf f', sup f'); each f' is the derivative with respect to z = gain * (x - threshold).
_BASE: dict[str, tuple[Callable, Callable, float, float]] = {
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, 0.0, 1.0),
    # The slope at the kink z = 0 is the right derivative, 1, as documented in Activation.derivative.
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z >= 0).astype(float), 0.0, 1.0),
    "sigmoid": (_sigmoid, _sigmoid_slope, 0.0, 0.25),
    "softplus": (_softplus, _sigmoid, 0.0, 1.0),
    "linear": (lambda z: z, np.ones_like, 1.0, 1.0),
}

ACTIVATIONS: tuple[str, ...] = tuple(_BASE)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation ``phi(x) = f(gain * (x - threshold))``.

    Parameters
    ----------
    name : {"tanh", "relu", "sigmoid", "softplus", "linear"}
        The base function ``f``. ``"relu"`` with a positive ``threshold`` is the thresholded ReLU
        ``max(0, x - x_th)`` of Rivkind & Barak (2017).
    gain : float
        Positive slope scale; it multiplies the slope bounds.
    threshold : float
        Shift of the argument.

    Examples
    --------
    >>> phi = Activation("tanh", gain=2.0)
    >>> float(phi(0.0)), float(phi.derivative(0.0)), phi.d_min, phi.d_max
    (0.0, 2.0, 0.0, 2.0)
    """

    name: str = "tanh"
    gain: float = 1.0
    threshold: float = 0.0

    def __post_init__(self):
        if self.name not in _BASE:
            raise ValueError(f"activation name must be one of {ACTIVATIONS}, got {self.name!r}")
        gain = float(self.gain)
        if not np.isfinite(gain) or gain <= 0:
            raise ValueError(f"activation gain must be a positive finite number, got {self.gain!r}")
        threshold = float(self.threshold)
        if not np.isfinite(threshold):
            raise ValueError(f"activation threshold must be finite, got {self.threshold!r}")
        object.__setattr__(self, "gain", gain)
        object.__setattr__(self, "threshold", threshold)

    def _z(self, x):
        x = np.asarray(x, dtype=float)
        if self.gain == 1.0 and self.threshold == 0.0:
            return x
        return self.gain * (x - self.threshold)

    def __call__(self, x):
        """``phi(x)``, elementwise."""
        return _BASE[self.name][0](self._z(x))

    def derivative(self, x):
        """``phi'(x)``, elementwise (the right derivative where ``phi`` has a kink)."""
        return self.gain * _BASE[self.name][1](self._z(x))

    @property
    def d_min(self) -> float:
        """Infimum of the slope, ``inf phi'`` (Davydov et al. 2022, Eq. 15)."""
        return self.gain * _BASE[self.name][2]

    @property
    def d_max(self) -> float:
        """Supremum of the slope, ``sup phi'``: the ``g`` of Kozachkov et al. (2022)."""
        return self.gain * _BASE[self.name][3]

    @property
    def g(self) -> float:
        """Alias of :attr:`d_max`, the slope bound ``g`` of Kozachkov et al. (2022)."""
        return self.d_max

    def __str__(self) -> str:
        parts = [self.name]
        if self.gain != 1.0:
            parts.append(f"gain={self.gain:g}")
        if self.threshold != 0.0:
            parts.append(f"threshold={self.threshold:g}")
        return parts[0] if len(parts) == 1 else f"{parts[0]}({', '.join(parts[1:])})"


def get_activation(phi: str | Activation, **kwargs) -> Activation:
    """Return an :class:`Activation` from a name or pass one through.

    ``"threshold_relu"`` is accepted as a name for ``Activation("relu", threshold=...)``.
    """
    if isinstance(phi, Activation):
        if kwargs:
            raise ValueError("phi: options like gain or threshold go with a name, not an Activation")
        return phi
    if isinstance(phi, str):
        if phi == "threshold_relu":
            phi = "relu"
        if phi not in _BASE:
            raise ValueError(f"phi must be one of {ACTIVATIONS + ('threshold_relu',)}, got {phi!r}")
        return Activation(phi, **kwargs)
    raise ValueError(f"phi must be an activation name from {ACTIVATIONS} or an Activation, got {phi!r}")
