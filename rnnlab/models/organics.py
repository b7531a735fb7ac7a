"""ORGaNICs: the recurrent circuit for divisive normalization of Rawat, Heeger & Martiniani (2024).

With ``n`` principal (E) neurons ``y`` and ``n`` inhibitory modulator (I) neurons ``a``, Eq. 1 reads

    tau_y * y' = -y + b * z + (1 - a^+) * W_r (sqrt(y^+) - sqrt(y^-))
    tau_a * a' = -a + b0^2 * sigma^2 + W ((y^+ + y^-) * (a^+)^2)

with firing rates ``y^+- = [+-y]^2`` and ``a^+ = sqrt([a])`` (``[.]`` is rectification), so that
``sqrt(y^+) - sqrt(y^-) = y``, ``y^+ + y^- = y^2`` and ``(a^+)^2 = [a]``: the model integrated here
is Eq. 14,

    tau_y * y' = -y + b * z + (1 - sqrt([a])) * (W_r y)
    tau_a * a' = -a + b0^2 * sigma^2 + W (y^2 * [a]),

which is Eq. 3 when ``W_r = I``. The state is ``x = (y, a)``, of size ``2 n``.

The rectified model (Appendix F, Eq. 86) keeps only the neurons with positive receptive fields,
``sqrt(y^+) = [y]`` in place of ``y`` in both equations (``rectified=True``):

    tau_y * y' = -y + b * z + (1 - sqrt([a])) * (W_r [y])
    tau_a * a' = -a + b0^2 * sigma^2 + W ([y]^2 * [a]).

Decisions where the paper leaves a choice
-----------------------------------------
* ``sqrt([a])`` has no derivative at ``a = 0``; :meth:`ORGaNICs.jacobian` uses the left derivative
  ``0`` for ``a <= 0``. Since ``W >= 0`` and ``b0 * sigma > 0``, ``a' > 0`` on ``a = 0``: the set
  ``a > 0`` is forward invariant, and every fixed point has ``a >= b0^2 sigma^2 > 0``, where the
  Jacobian is exact.
* In the rectified model ``[y]`` has no derivative at ``y = 0``; the Jacobian takes ``1`` for
  ``y >= 0``, the convention of Eq. 90 (``1_{z >= 0}``), so at ``z_i = 0`` it is Eq. 90 exactly.
* Eq. 2 follows from Eq. 5 when ``b = b0`` *with all entries equal* (Sec. 3, "with all elements equal
  to a constant b0"); for per-neuron gains ``b = b0`` the two differ, since ``W (b^2 z^2)`` is not
  ``b_i^2 W z^2``. :func:`rnnlab.organics_steady.normalization` is Eq. 2; :meth:`ORGaNICs.fixed_point`
  is Eq. 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .base import Input, ModelBase, as_input, as_matrix, as_vector, check_state, set_fields

__all__ = ["ORGaNICs"]

# The steady-state analyses live in rnnlab.organics_steady; these names stay importable from here.
_STEADY = ("normalization", "IterativeFixedPoint", "iterate_fixed_point", "ContrastResponse",
           "contrast_response", "NormalizationCurve", "normalization_curve", "ring_population")


@dataclass(frozen=True, eq=False)
class ORGaNICs(ModelBase):
    """The ORGaNICs circuit (Rawat, Heeger & Martiniani 2024, Eq. 1 and Eq. 14).

    Parameters
    ----------
    W : array_like, shape (n, n)
        Non-negative normalization weights onto the ``a`` neurons.
    z : float, array_like of shape (n,), or callable
        Input drive ``z = W_zx x``, constant or ``z(t)`` (see :meth:`from_input`).
    b, b0 : float or array_like of shape (n,)
        Positive input gains of ``z`` (onto ``y``) and of ``sigma`` (onto ``a``).
    sigma : float or array_like of shape (n,)
        Positive semi-saturation constants.
    tau_y, tau_a : float or array_like of shape (n,)
        Positive time constants of the ``y`` and ``a`` neurons.
    W_r : array_like of shape (n, n), optional
        Recurrent weights among the ``y`` neurons; the identity by default (Sec. 4).
    rectified : bool
        The rectified model of Appendix F (Eq. 86) instead of Eq. 1.

    Notes
    -----
    **State layout.** A state is ``x = [y, a]``, shape ``(..., 2 n)``: the ``n`` principal neurons ``y``
    first, then the ``n`` modulators ``a``. So ``model.n`` (the state dimension every rnnlab model has)
    is ``2 n`` while ``model.n_neurons`` is ``n``, the size of ``W``; :meth:`split` returns ``(y, a)``.

    Examples
    --------
    >>> model = ORGaNICs(W=np.full((3, 3), 0.5), z=[1.0, -0.5, 0.2], sigma=0.1)
    >>> x = model.fixed_point()
    >>> bool(np.allclose(model.vector_field(0.0, x), 0.0))
    True
    >>> model.n, model.n_neurons, [part.shape for part in model.split(x)]
    (6, 3, [(3,), (3,)])
    """

    W: np.ndarray
    z: Input = field(default=0.0)
    b: float | np.ndarray = 1.0
    b0: float | np.ndarray = 1.0
    sigma: float | np.ndarray = 1.0
    tau_y: float | np.ndarray = 1.0
    tau_a: float | np.ndarray = 1.0
    W_r: np.ndarray | None = None
    rectified: bool = False

    def __post_init__(self):
        if not isinstance(self.rectified, (bool, np.bool_)):
            raise ValueError(f"rectified must be True or False, got {self.rectified!r}")
        W = as_matrix("W", self.W)
        if np.any(W < 0):
            raise ValueError("W must be non-negative (normalization weights), got a negative entry")
        m = W.shape[0]
        W_r = np.eye(m) if self.W_r is None else self.W_r
        set_fields(
            self,
            W=W,
            z=as_input("z", self.z, m),
            b=as_vector("b", self.b, m, positive=True),
            b0=as_vector("b0", self.b0, m, positive=True),
            sigma=as_vector("sigma", self.sigma, m, positive=True),
            tau_y=as_vector("tau_y", self.tau_y, m, positive=True),
            tau_a=as_vector("tau_a", self.tau_a, m, positive=True),
            W_r=as_matrix("W_r", W_r, m),
        )

    @classmethod
    def from_input(cls, W_zx, x, **params) -> "ORGaNICs":
        """The circuit driven by ``z = W_zx x`` (Sec. 3) for an input ``x`` of shape ``(m,)`` or ``x(t)``.

        ``W_zx`` has shape ``(n, m)``; the other parameters are those of :class:`ORGaNICs`.
        """
        W_zx = np.array(W_zx, dtype=float)
        if W_zx.ndim != 2 or not np.all(np.isfinite(W_zx)):
            raise ValueError(f"W_zx must be a finite matrix of shape (n, m), got shape {W_zx.shape}")
        if callable(x):
            return cls(z=lambda t: W_zx @ np.asarray(x(t), dtype=float), **params)
        x = np.asarray(x, dtype=float)
        if x.shape != (W_zx.shape[1],) or not np.all(np.isfinite(x)):
            raise ValueError(f"x must be finite of shape ({W_zx.shape[1]},), got shape {x.shape}")
        return cls(z=W_zx @ x, **params)

    @property
    def n_neurons(self) -> int:
        """Neurons of each type, ``n``."""
        return self.W.shape[0]

    @property
    def n(self) -> int:
        """State dimension ``2 n``: ``x = (y, a)``."""
        return 2 * self.W.shape[0]

    @property
    def identity_recurrence(self) -> bool:
        """Whether ``W_r = I``, the case of Sec. 4."""
        return bool(np.array_equal(self.W_r, np.eye(self.n_neurons)))

    def split(self, x):
        """``(y, a)`` from states ``x`` of shape ``(..., 2 n)``."""
        return x[..., : self.n_neurons], x[..., self.n_neurons :]

    def _recurrent(self, y):
        """What the ``y`` neurons feed back: ``y`` (Eq. 1), or ``[y]`` (Eq. 86) when rectified."""
        return np.maximum(y, 0.0) if self.rectified else y

    def vector_field(self, t, x):
        """Eq. 14 (Eq. 1 with ``sqrt(y^+) - sqrt(y^-) = y``), or Eq. 86; ``x`` of shape ``(..., 2 n)``."""
        y, a = self.split(np.asarray(x, dtype=float))
        a_pos = np.maximum(a, 0.0)
        r = self._recurrent(y)
        dy = (-y + self.b * self._input(self.z, t) + (1.0 - np.sqrt(a_pos)) * (r @ self.W_r.T)) / self.tau_y
        da = (-a + self.b0**2 * self.sigma**2 + (r**2 * a_pos) @ self.W.T) / self.tau_a
        return np.concatenate([dy, da], axis=-1)

    def jacobian(self, t, x):
        """The exact Jacobian of :meth:`vector_field`, shape ``(..., 2 n, 2 n)``.

        At the fixed point of Eq. 4 (Eq. 88) it is Eq. 6 (Eq. 90).

        ``d sqrt([a]) / da`` is taken as ``0`` for ``a <= 0``, and ``d[y]/dy`` as ``1`` for ``y >= 0``
        (see the module notes).
        """
        y, a = self.split(np.asarray(x, dtype=float))
        m = self.n_neurons
        a_pos = np.maximum(a, 0.0)
        r = self._recurrent(y)
        dr = (y >= 0).astype(float) if self.rectified else np.ones_like(y)
        on = a > 0
        sa = np.sqrt(a_pos)
        dsa = np.where(on, 0.5 / np.where(on, sa, 1.0), 0.0)  # (..., n)
        I = np.eye(m)
        ty, ta = self.tau_y[:, None], self.tau_a[:, None]
        J = np.zeros(y.shape[:-1] + (2 * m, 2 * m))
        J[..., :m, :m] = (-I + (1.0 - sa)[..., :, None] * self.W_r * dr[..., None, :]) / ty
        J[..., :m, m:] = I * (-(r @ self.W_r.T) * dsa / self.tau_y)[..., None, :]
        J[..., m:, :m] = self.W * (2.0 * r * a_pos)[..., None, :] / ta
        J[..., m:, m:] = (-I + self.W * (r**2 * on)[..., None, :]) / ta
        return J

    def _constant_drive(self, what: str) -> np.ndarray:
        if callable(self.z):
            raise ValueError(f"z must be constant for {what}, got a callable z(t)")
        return self.z

    def fixed_point(self) -> np.ndarray:
        """The unique fixed point ``(y_s, a_s)`` for ``W_r = I`` (Eq. 4), shape ``(2 n,)``.

        ``a_s = b0^2 sigma^2 + W (b^2 z^2)`` and ``y_s = b z / sqrt(a_s)``; for the rectified model
        Eq. 88: ``a_s = b0^2 sigma^2 + W [b z]^2`` and ``y_s = [b z] / sqrt(a_s) - [-b z]``.
        """
        if not self.identity_recurrence:
            raise ValueError("W_r must be the identity for the analytic fixed point (Eq. 4); "
                             "use rnnlab.organics_steady.iterate_fixed_point for other W_r")
        bz = self.b * self._constant_drive("the analytic fixed point")
        if self.rectified:
            a_s = self.b0**2 * self.sigma**2 + self.W @ np.maximum(bz, 0.0) ** 2
            return np.concatenate([np.maximum(bz, 0.0) / np.sqrt(a_s) - np.maximum(-bz, 0.0), a_s])
        a_s = self.b0**2 * self.sigma**2 + self.W @ bz**2
        return np.concatenate([bz / np.sqrt(a_s), a_s])

    def firing_rates(self, x):
        """``(y^+, y^-, a^+) = ([y]^2, [-y]^2, sqrt([a]))`` of states ``x`` (Sec. 3; Eq. 5 at Eq. 4)."""
        y, a = self.split(check_state(x, self.n))
        return np.maximum(y, 0.0) ** 2, np.maximum(-y, 0.0) ** 2, np.sqrt(np.maximum(a, 0.0))


def __getattr__(name):
    if name in _STEADY:
        from .. import organics_steady

        return getattr(organics_steady, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
