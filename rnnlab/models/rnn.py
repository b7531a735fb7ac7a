"""The rate RNN of Kozachkov et al. (2022) and its firing-rate form.

Both forms are tied by the affine map of Miller & Fumarola (2012) (Kozachkov et al. 2022,
appendix A1.1): if ``y`` solves ``tau y' = -y + phi(W y + b)`` then ``x = W y + b`` solves
``tau x' = -x + W phi(x) + v`` with ``v = b + tau b'``. For a constant ``b`` this is ``v = b``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..activations import Activation, get_activation
from ..weights import gaussian_weights
from .base import Input, ModelBase, as_input, as_matrix, as_vector, set_fields

__all__ = ["RateRNN", "FiringRateRNN"]


def _check_common(model, weight_name: str, input_name: str) -> None:
    W = as_matrix(weight_name, getattr(model, weight_name))
    n = W.shape[0]
    set_fields(
        model,
        **{weight_name: W, input_name: as_input(input_name, getattr(model, input_name), n)},
        tau=as_vector("tau", model.tau, n, positive=True),
        phi=get_activation(model.phi),
    )


def _check_uniform_tau(tau) -> None:
    # x = W y + b gives x' = W tau^-1 (-y + phi(x)) + b', which is tau^-1 (-x + W phi(x) + v) only
    # when tau^-1 commutes with W: for a general W, one time constant shared by all neurons.
    if np.any(tau != tau[0]):
        raise ValueError(
            f"tau must be the same for every neuron to map between the rate and firing-rate forms, got {tau}"
        )


@dataclass(frozen=True, eq=False)
class RateRNN(ModelBase):
    """The rate RNN ``tau x' = -x + W phi(x) + u(t)`` (Kozachkov et al. 2022, Eq. 1).

    Parameters
    ----------
    W : array_like, shape (n, n)
        Synaptic weights.
    u : float, array_like of shape (n,), or callable
        External input, constant or ``u(t)``.
    tau : float or array_like of shape (n,)
        Positive time constant(s). The paper uses one scalar; a vector gives each neuron its own.
    phi : str or Activation
        Activation; its slope bound ``phi.g`` is the ``g`` of the paper's theorems.

    Examples
    --------
    >>> rnn = RateRNN([[0.0, 1.0], [1.0, 0.0]], u=0.5, tau=2.0)
    >>> rnn.vector_field(0.0, np.zeros(2))
    array([0.25, 0.25])
    """

    W: np.ndarray
    u: Input = field(default=0.0)
    tau: float | np.ndarray = 1.0
    phi: str | Activation = "tanh"

    def __post_init__(self):
        _check_common(self, "W", "u")

    @classmethod
    def random(cls, n: int, g: float = 1.0, *, rng=None, **params) -> "RateRNN":
        """A rate RNN with Gaussian weights ``W_ij ~ N(0, g^2 / n)``; see :func:`gaussian_weights`."""
        return cls(gaussian_weights(n, g, rng=rng), **params)

    @property
    def n(self) -> int:
        return self.W.shape[0]

    def vector_field(self, t, x):
        # In place on the fresh matmul result: this is the hot loop of every simulation.
        dx = self.phi(x) @ self.W.T
        dx -= x
        dx += self._input(self.u, t)
        dx /= self.tau
        return dx

    def jacobian(self, t, x):
        # d/dx_j of sum_k W_ik phi(x_k) is W_ij phi'(x_j): scale the columns.
        J = self.W * self.phi.derivative(x)[..., None, :] - np.eye(self.n)
        return J / self.tau[:, None]

    def to_firing_rate(self) -> "FiringRateRNN":
        """The firing-rate twin ``tau y' = -y + phi(W y + b)`` with ``b = u`` (constant ``u`` and one
        ``tau`` shared by all neurons only).

        For a time-varying ``u`` the twin's ``b`` is ``u`` low-pass filtered,
        ``tau b' = -b + u(t)`` (appendix A1.1), which depends on ``b(0)``; build that model directly.
        """
        if callable(self.u):
            raise ValueError("u must be constant to map to the firing-rate form; build FiringRateRNN directly")
        _check_uniform_tau(self.tau)
        return FiringRateRNN(self.W, b=self.u, tau=self.tau, phi=self.phi)


@dataclass(frozen=True, eq=False)
class FiringRateRNN(ModelBase):
    """The firing-rate RNN ``tau y' = -y + phi(W y + b(t))`` (Kozachkov et al. 2022, Eq. 4, A1.1).

    Parameters
    ----------
    W : array_like, shape (n, n)
        Synaptic weights.
    b : float, array_like of shape (n,), or callable
        Input inside the nonlinearity, constant or ``b(t)``.
    tau : float or array_like of shape (n,)
        Positive time constant(s).
    phi : str or Activation
        Activation.
    """

    W: np.ndarray
    b: Input = field(default=0.0)
    tau: float | np.ndarray = 1.0
    phi: str | Activation = "tanh"

    def __post_init__(self):
        _check_common(self, "W", "b")

    @property
    def n(self) -> int:
        return self.W.shape[0]

    def vector_field(self, t, y):
        return (-y + self.phi(y @ self.W.T + self._input(self.b, t))) / self.tau

    def jacobian(self, t, y):
        d = self.phi.derivative(y @ self.W.T + self._input(self.b, t))
        return (d[..., :, None] * self.W - np.eye(self.n)) / self.tau[:, None]

    def rate_state(self, t, y):
        """The rate-RNN state ``x = W y + b(t)`` that corresponds to ``y`` (appendix A1.1)."""
        return np.asarray(y, dtype=float) @ self.W.T + self._input(self.b, t)

    def to_rate(self, b_dot=None) -> RateRNN:
        """The rate-RNN twin ``tau x' = -x + W phi(x) + v`` with ``v = b + tau b'`` (appendix A1.1).

        The map needs one ``tau`` shared by all neurons; a per-neuron ``tau`` raises ``ValueError``.

        Parameters
        ----------
        b_dot : callable, optional
            ``b'(t)``; needed when ``b`` is a callable, since then ``v(t) = b(t) + tau b'(t)``.
        """
        _check_uniform_tau(self.tau)
        if not callable(self.b):
            return RateRNN(self.W, u=self.b, tau=self.tau, phi=self.phi)
        if b_dot is None:
            raise ValueError("b_dot must be given when b is callable: the rate input is v = b + tau * b'")
        b, tau = self.b, self.tau
        return RateRNN(self.W, u=lambda t: np.asarray(b(t)) + tau * np.asarray(b_dot(t)), tau=tau, phi=self.phi)
