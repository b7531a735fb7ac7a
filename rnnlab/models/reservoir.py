"""The reservoir with output feedback and its open-loop twin (Rivkind & Barak 2017, Eqs. 1-4, 16).

A random reservoir ``x' = -x + W phi(x) + w_FB z + w_in u(t)`` reads out ``z = w_out^T phi(x)`` and
feeds it back (closed loop, Eq. 1). Training clamps the feedback to the target instead (open loop,
Eq. 2), finds the open-loop fixed points ``x_m = W phi(x_m) + w_FB A_m`` (Eq. 3) and fits ``w_out``
by least squares so that ``w_out^T phi(x_m) = A_m`` (Eq. 16). Those fixed points are then fixed
points of the closed loop, linearised by Eq. 4.

This module holds the two models; training the readout and the trained loop's gains and responses
are analyses, in :mod:`rnnlab.readout` (re-exported here for old imports).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..activations import Activation, get_activation
from ..weights import gaussian_weights
from .base import Input, ModelBase, as_input, as_matrix, as_vector, set_fields

__all__ = ["Reservoir", "OpenLoopReservoir", "FEEDBACK_DISTRIBUTIONS", "feedback_weights"]

# The analyses of a reservoir live in rnnlab.readout; these names stay importable from here.
_READOUT = ("OpenLoopFixedPoints", "TrainedReservoir", "open_loop_fixed_points", "readout_weights",
            "train_readout", "open_loop_gain", "cross_gains", "readout_coefficients", "frequency_response",
            "impulse_response", "Transient")

# name -> sampler of unit-scale i.i.d. weights; meanfield.py integrates over the same laws.
FEEDBACK_DISTRIBUTIONS = ("gaussian", "uniform")


def _check_size(name: str, N) -> int:
    if not isinstance(N, (int, np.integer)) or isinstance(N, bool) or N < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {N!r}")
    return int(N)


def _check_g(g) -> float:
    g = float(g)
    if not np.isfinite(g) or g <= 0:
        raise ValueError(f"g must be a positive finite number, got {g!r}")
    return g


def feedback_weights(N: int, distribution: str = "gaussian", *, rng=None) -> np.ndarray:
    """I.i.d. feedback (or input) weights of shape ``(N,)``.

    Parameters
    ----------
    N : int
        Number of neurons.
    distribution : {"gaussian", "uniform"}
        ``"gaussian"``: ``N(0, 1)``; ``"uniform"``: ``U(-1, 1)``. The mean field of
        :mod:`rnnlab.meanfield` integrates over the same law (the ``Dw`` of Eq. 8).
    rng : seed or numpy.random.Generator
    """
    N = _check_size("N", N)
    rng = np.random.default_rng(rng)
    if distribution == "gaussian":
        return rng.normal(0.0, 1.0, N)
    if distribution == "uniform":
        return rng.uniform(-1.0, 1.0, N)
    raise ValueError(f"distribution must be one of {FEEDBACK_DISTRIBUTIONS}, got {distribution!r}")


def _check_reservoir(model, extra: dict) -> int:
    W = as_matrix("W", model.W)
    N = W.shape[0]
    if N < 2:
        raise ValueError(f"W must have at least 2 neurons, got shape {W.shape}")
    set_fields(
        model,
        W=W,
        w_fb=as_vector("w_fb", model.w_fb, N),
        w_in=as_vector("w_in", model.w_in, N),
        u=as_input("u", model.u, 1) if callable(model.u) else _scalar("u", model.u),
        phi=get_activation(model.phi),
        **{k: check(getattr(model, k), N) for k, check in extra.items()},
    )
    return N


def _scalar(name: str, value) -> float:
    v = np.asarray(value, dtype=float)
    if v.ndim != 0 or not np.isfinite(v):
        raise ValueError(f"{name} must be a finite scalar or a callable {name}(t), got {value!r}")
    return float(v)


def _scalar_input(name: str, value, _N):
    return value if callable(value) else _scalar(name, value)


@dataclass(frozen=True, eq=False)
class Reservoir(ModelBase):
    """The closed-loop reservoir ``x' = -x + W phi(x) + w_FB z + w_in u(t)``, ``z = w_out^T phi(x)``
    (Rivkind & Barak 2017, Eq. 1).

    Parameters
    ----------
    W : array_like, shape (N, N)
        Recurrent weights, ``W_ij ~ N(0, g^2 / N)`` in :meth:`random`.
    w_fb : array_like, shape (N,)
        Feedback weights of the output.
    w_out : float or array_like, shape (N,)
        Readout weights; 0 before training (see :func:`train_readout`).
    w_in : float or array_like, shape (N,)
        Input weights.
    u : float or callable
        Scalar input ``u`` or ``u(t)``.
    phi : str or Activation
        Activation (``tanh`` in the paper; ``Activation("relu", threshold=0.1)`` in its Fig. 1C).

    Examples
    --------
    >>> from rnnlab.readout import train_readout
    >>> net = Reservoir.random(50, g=0.5, rng=0)
    >>> trained = train_readout(net, [1.0])
    >>> x = trained.fixed_points.x[0]
    >>> bool(abs(trained.reservoir.output(x) - 1.0) < 1e-8)
    True
    """

    W: np.ndarray
    w_fb: np.ndarray
    w_out: float | np.ndarray = 0.0
    w_in: float | np.ndarray = 0.0
    u: Input = field(default=0.0)
    phi: str | Activation = "tanh"

    def __post_init__(self):
        _check_reservoir(self, {"w_out": lambda v, N: as_vector("w_out", v, N)})

    @classmethod
    def random(
        cls,
        N: int,
        g: float,
        *,
        rng=None,
        phi: str | Activation = "tanh",
        feedback: str = "gaussian",
        **params,
    ) -> "Reservoir":
        """A reservoir with ``W_ij ~ N(0, g^2 / N)`` and ``w_FB`` (and ``w_in``) drawn i.i.d. from
        ``feedback`` (see :func:`feedback_weights`); ``w_out`` is 0 unless given."""
        N, g = _check_size("N", N), _check_g(g)
        rng = np.random.default_rng(rng)
        W = gaussian_weights(N, g, rng=rng)
        w_fb = feedback_weights(N, feedback, rng=rng)
        params.setdefault("w_in", feedback_weights(N, feedback, rng=rng))
        return cls(W, w_fb, phi=phi, **params)

    @property
    def n(self) -> int:
        return self.W.shape[0]

    def output(self, x):
        """The readout ``z = w_out^T phi(x)``, shape ``(...)`` for ``x`` of shape ``(..., N)``."""
        return self.phi(x) @ self.w_out

    def vector_field(self, t, x):
        r = self.phi(x)  # (..., N)
        z = r @ self.w_out  # (...)
        return -x + r @ self.W.T + z[..., None] * self.w_fb + self._input(self.u, t) * self.w_in

    def jacobian(self, t, x):
        """Eq. 4: ``-I + (W + w_FB w_out^T) R'`` with ``R' = diag(phi'(x))``."""
        W_cl = self.W + np.outer(self.w_fb, self.w_out)
        return W_cl * self.phi.derivative(x)[..., None, :] - np.eye(self.n)

    def open_loop(self, f: Input = 0.0) -> "OpenLoopReservoir":
        """The open-loop twin (Eq. 2) with the feedback clamped to ``f`` (a scalar or ``f(t)``)."""
        return OpenLoopReservoir(self.W, self.w_fb, f=f, w_in=self.w_in, u=self.u, phi=self.phi)


@dataclass(frozen=True, eq=False)
class OpenLoopReservoir(ModelBase):
    """The open-loop reservoir ``x' = -x + W phi(x) + w_FB f(t) + w_in u(t)`` (Rivkind & Barak 2017,
    Eq. 2): the feedback carries the target ``f`` instead of the readout.

    Parameters are those of :class:`Reservoir`, with the clamped drive ``f`` (scalar or ``f(t)``)
    in place of ``w_out``.
    """

    W: np.ndarray
    w_fb: np.ndarray
    f: Input = field(default=0.0)
    w_in: float | np.ndarray = 0.0
    u: Input = field(default=0.0)
    phi: str | Activation = "tanh"

    def __post_init__(self):
        _check_reservoir(self, {"f": lambda v, N: _scalar_input("f", v, N)})

    @classmethod
    def random(
        cls,
        N: int,
        g: float,
        *,
        rng=None,
        phi: str | Activation = "tanh",
        feedback: str = "gaussian",
        **params,
    ) -> "OpenLoopReservoir":
        """As :meth:`Reservoir.random`, clamped to ``f`` (default 0)."""
        f = params.pop("f", 0.0)
        return Reservoir.random(N, g, rng=rng, phi=phi, feedback=feedback, **params).open_loop(f)

    @property
    def n(self) -> int:
        return self.W.shape[0]

    def vector_field(self, t, x):
        drive = self._input(self.f, t) * self.w_fb + self._input(self.u, t) * self.w_in
        return -x + self.phi(x) @ self.W.T + drive

    def jacobian(self, t, x):
        """``-I + W R'``, the linearised open loop (the disk of radius ``rho`` shifted by -1)."""
        return self.W * self.phi.derivative(x)[..., None, :] - np.eye(self.n)

    def closed_loop(self, w_out) -> Reservoir:
        """The closed loop (Eq. 1) with readout ``w_out``."""
        return Reservoir(self.W, self.w_fb, w_out=w_out, w_in=self.w_in, u=self.u, phi=self.phi)


def __getattr__(name):
    if name in _READOUT:
        from .. import readout

        return getattr(readout, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
