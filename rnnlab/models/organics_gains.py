"""ORGaNICs with dynamic input gains ``b`` and ``b0`` (Rawat, Heeger & Martiniani 2024, Eq. 16).

For the sequential tasks of Sec. 6.2 the input gains become neurons of their own,

    tau_b  * b'  = -b  + f(W_bx x + W_by y + W_ba a)
    tau_b0 * b0' = -b0 + f(W_b0x x + W_b0y y + W_b0a a),

with ``f`` the sigmoid (App. I.1), beside Eq. 14 (or the rectified Eq. 86) with ``b`` and ``b0`` now
read from the state: the state is ``x = (y, a, b, b0)``, of size ``4 n``. The external drives of the
gains, ``u_b = W_bx x_in`` and ``u_b0 = W_b0x x_in``, are given here directly, constant or ``u(t)``,
as ``z = W_zx x_in`` is for :class:`~rnnlab.models.organics.ORGaNICs`.

Decisions
---------
* ``f`` is the logistic sigmoid, as App. I.1 states for ``b = f(W_bx x)``; Eq. 16 does not name it.
  So ``b`` and ``b0`` stay in ``(0, 1)`` once there, and the gains of Eq. 1 stay positive.
* Eq. 134 is the Euler discretisation used for training; the model here is the ODE of Eq. 16.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .base import Input, ModelBase, as_input, as_matrix, as_vector, check_state, set_fields
from .organics import ORGaNICs

__all__ = ["GainORGaNICs", "sigmoid"]


def sigmoid(s):
    """The logistic ``f(s) = 1 / (1 + exp(-s))`` of Eq. 16 (App. I.1), evaluated without overflow."""
    s = np.asarray(s, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * s))


@dataclass(frozen=True, eq=False)
class GainORGaNICs(ModelBase):
    """ORGaNICs whose input gains ``b``, ``b0`` are dynamic (Eq. 16 with Eq. 14, or Eq. 86 rectified).

    Parameters
    ----------
    W, z, sigma, tau_y, tau_a, W_r, rectified
        As for :class:`~rnnlab.models.organics.ORGaNICs`.
    u_b, u_b0 : float, array_like of shape (n,), or callable
        External drives ``W_bx x`` and ``W_b0x x`` of the gain neurons.
    W_by, W_ba, W_b0y, W_b0a : array_like of shape (n, n), optional
        Feedback from ``y`` and ``a`` onto the gains; zero by default (open-loop gains).
    tau_b, tau_b0 : float or array_like of shape (n,)
        Positive time constants of the gain neurons.

    Examples
    --------
    >>> model = GainORGaNICs(W=np.full((2, 2), 0.5), z=[1.0, -0.5], u_b=[0.0, 1.0], u_b0=2.0)
    >>> x = model.fixed_point()                       # (y, a, b, b0), 8 numbers
    >>> bool(np.allclose(model.vector_field(0.0, x), 0.0))
    True
    """

    W: np.ndarray
    z: Input = 0.0
    u_b: Input = 0.0
    u_b0: Input = 0.0
    sigma: float | np.ndarray = 1.0
    tau_y: float | np.ndarray = 1.0
    tau_a: float | np.ndarray = 1.0
    tau_b: float | np.ndarray = 1.0
    tau_b0: float | np.ndarray = 1.0
    W_r: np.ndarray | None = None
    W_by: np.ndarray | None = None
    W_ba: np.ndarray | None = None
    W_b0y: np.ndarray | None = None
    W_b0a: np.ndarray | None = None
    rectified: bool = False
    circuit: ORGaNICs = field(init=False, repr=False)

    def __post_init__(self):
        # The circuit of Eq. 14 checks every parameter it shares; its own b = b0 = 1 are never used.
        circuit = ORGaNICs(W=self.W, z=self.z, sigma=self.sigma, tau_y=self.tau_y, tau_a=self.tau_a,
                           W_r=self.W_r, rectified=self.rectified)
        m = circuit.n_neurons
        zeros = np.zeros((m, m))
        set_fields(
            self,
            circuit=circuit,
            W=circuit.W, z=circuit.z, sigma=circuit.sigma, tau_y=circuit.tau_y, tau_a=circuit.tau_a,
            W_r=circuit.W_r,
            u_b=as_input("u_b", self.u_b, m),
            u_b0=as_input("u_b0", self.u_b0, m),
            tau_b=as_vector("tau_b", self.tau_b, m, positive=True),
            tau_b0=as_vector("tau_b0", self.tau_b0, m, positive=True),
            **{name: as_matrix(name, zeros if getattr(self, name) is None else getattr(self, name), m)
               for name in ("W_by", "W_ba", "W_b0y", "W_b0a")},
        )

    @property
    def n_neurons(self) -> int:
        """Neurons of each of the four types, ``n``."""
        return self.W.shape[0]

    @property
    def n(self) -> int:
        """State dimension ``4 n``: ``x = (y, a, b, b0)``."""
        return 4 * self.W.shape[0]

    @property
    def open_loop(self) -> bool:
        """Whether the gains ignore ``y`` and ``a`` (all four feedback matrices zero)."""
        return not any(np.any(getattr(self, k)) for k in ("W_by", "W_ba", "W_b0y", "W_b0a"))

    def split(self, x):
        """``(y, a, b, b0)`` from states ``x`` of shape ``(..., 4 n)``."""
        m = self.n_neurons
        return x[..., :m], x[..., m:2 * m], x[..., 2 * m:3 * m], x[..., 3 * m:]

    def _gain_inputs(self, t, y, a):
        s_b = self._input(self.u_b, t) + y @ self.W_by.T + a @ self.W_ba.T
        s_b0 = self._input(self.u_b0, t) + y @ self.W_b0y.T + a @ self.W_b0a.T
        return s_b, s_b0

    def vector_field(self, t, x):
        """Eq. 14 (Eq. 86 if rectified) with the gains of the state, and Eq. 16; shape ``(..., 4 n)``."""
        y, a, b, b0 = self.split(np.asarray(x, dtype=float))
        c = self.circuit
        a_pos = np.maximum(a, 0.0)
        r = c._recurrent(y)
        dy = (-y + b * self._input(self.z, t) + (1.0 - np.sqrt(a_pos)) * (r @ self.W_r.T)) / self.tau_y
        da = (-a + b0**2 * self.sigma**2 + (r**2 * a_pos) @ self.W.T) / self.tau_a
        s_b, s_b0 = self._gain_inputs(t, y, a)
        db = (-b + sigmoid(s_b)) / self.tau_b
        db0 = (-b0 + sigmoid(s_b0)) / self.tau_b0
        return np.concatenate([dy, da, db, db0], axis=-1)

    def jacobian(self, t, x):
        """The exact Jacobian of :meth:`vector_field`, shape ``(..., 4 n, 4 n)``.

        The ``(y, a)`` block is :meth:`ORGaNICs.jacobian` (which does not depend on the gains), with
        its conventions at the kinks; ``f' = f (1 - f)``.
        """
        x = np.asarray(x, dtype=float)
        y, a, _, b0 = self.split(x)
        m = self.n_neurons
        J = np.zeros(x.shape[:-1] + (4 * m, 4 * m))
        J[..., :2 * m, :2 * m] = self.circuit.jacobian(t, x[..., :2 * m])
        I = np.eye(m)
        z = np.broadcast_to(self._input(self.z, t), y.shape)
        J[..., :m, 2 * m:3 * m] = I * (z / self.tau_y)[..., None, :]
        J[..., m:2 * m, 3 * m:] = I * (2.0 * b0 * self.sigma**2 / self.tau_a)[..., None, :]
        s_b, s_b0 = self._gain_inputs(t, y, a)
        for row, s, W_y, W_a, tau in ((2, s_b, self.W_by, self.W_ba, self.tau_b),
                                      (3, s_b0, self.W_b0y, self.W_b0a, self.tau_b0)):
            f = sigmoid(s)
            slope = (f * (1.0 - f) / tau)[..., :, None]  # (..., n, 1)
            rows = slice(row * m, (row + 1) * m)
            J[..., rows, :m] = slope * W_y
            J[..., rows, m:2 * m] = slope * W_a
            J[..., rows, rows] = -I / tau
        return J

    def circuit_with_gains(self, b, b0) -> ORGaNICs:
        """The circuit of Eq. 14 with the gains frozen at ``b``, ``b0`` (each positive, shape ``(n,)``)."""
        return self.circuit.replace(b=b, b0=b0)

    def fixed_point(self) -> np.ndarray:
        """The fixed point ``(y_s, a_s, b_s, b0_s)`` of open-loop gains with ``W_r = I``, shape ``(4 n,)``.

        Open-loop gains settle at ``b_s = f(u_b)``, ``b0_s = f(u_b0)``, and ``(y_s, a_s)`` is then
        Eq. 4 (Eq. 88 rectified) of the circuit with those gains. With feedback onto the gains there
        is no closed form: use :func:`rnnlab.find_fixed_points`.
        """
        if not self.open_loop:
            raise ValueError("W_by, W_ba, W_b0y, W_b0a must be zero for the closed-form fixed point; "
                             "use rnnlab.find_fixed_points with feedback onto the gains")
        for name in ("z", "u_b", "u_b0"):
            if callable(getattr(self, name)):
                raise ValueError(f"{name} must be constant for the fixed point, got a callable")
        b_s, b0_s = sigmoid(self.u_b), sigmoid(self.u_b0)
        return np.concatenate([self.circuit_with_gains(b_s, b0_s).fixed_point(), b_s, b0_s])

    def gains(self, x) -> tuple[np.ndarray, np.ndarray]:
        """``(b, b0)`` of states ``x`` of shape ``(..., 4 n)``."""
        _, _, b, b0 = self.split(check_state(x, self.n))
        return b, b0
