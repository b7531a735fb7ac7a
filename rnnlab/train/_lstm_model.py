"""The LSTM as a continuous-time rnnlab model (numpy only), so the analysis tools apply to a trained LSTM."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.base import ModelBase, as_vector, set_fields

__all__ = ["LSTMSystem"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True, eq=False)
class LSTMSystem(ModelBase):
    """``x' = F(x) - x`` for the LSTM update ``F`` of the state ``x = (h, c)``; its Euler step with
    ``dt = 1`` is ``F``.

    With pre-activations ``(i, f, g, o) = W_hh h + b`` (torch's gate order),

        c+ = sigmoid(f) c + sigmoid(i) tanh(g),     h+ = sigmoid(o) tanh(c+),     F(h, c) = (h+, c+).

    Its equilibria are the LSTM's fixed points, and its Jacobian is ``dF/dx - I``: an eigenvalue
    ``mu`` of ``dF/dx`` appears as ``mu - 1``.

    Parameters
    ----------
    W_hh : array_like, shape (4 H, H)
    b : array_like, shape (4 H,)
        ``W_ih s + b_ih + b_hh`` for a constant input sample ``s``.

    Examples
    --------
    >>> m = LSTMSystem(np.zeros((4, 1)), b=np.zeros(4))
    >>> m.vector_field(0.0, np.array([0.0, 1.0]))        # c+ = c / 2, h+ = tanh(1/2) / 2
    array([ 0.23105858, -0.5       ])
    """

    W_hh: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        W = np.array(self.W_hh, dtype=float)
        if W.ndim != 2 or W.shape[0] != 4 * W.shape[1] or not np.all(np.isfinite(W)):
            raise ValueError(f"W_hh must be a finite matrix of shape (4 H, H), got shape {W.shape}")
        W.setflags(write=False)
        set_fields(self, W_hh=W, b=as_vector("b", self.b, W.shape[0]))

    @property
    def hidden_size(self) -> int:
        return self.W_hh.shape[1]

    @property
    def n(self) -> int:
        return 2 * self.hidden_size

    def _gates(self, x):
        H = self.hidden_size
        h, c = x[..., :H], x[..., H:]
        i, f, g, o = np.split(h @ self.W_hh.T + self.b, 4, axis=-1)
        return h, c, _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)

    def update(self, x):
        """The LSTM update ``F(x)``, shape ``(..., 2 H)``."""
        x = np.asarray(x, dtype=float)
        _, c, i, f, g, o = self._gates(x)
        c_new = f * c + i * g
        return np.concatenate([o * np.tanh(c_new), c_new], axis=-1)

    def vector_field(self, t, x):
        return self.update(x) - np.asarray(x, dtype=float)

    def jacobian(self, t, x):
        x = np.asarray(x, dtype=float)
        H = self.hidden_size
        _, c, i, f, g, o = self._gates(x)
        c_new = f * c + i * g
        th = np.tanh(c_new)
        Wi, Wf, Wg, Wo = np.split(self.W_hh, 4, axis=0)
        # d c+/d h = diag(c f (1 - f)) W_f + diag(g i (1 - i)) W_i + diag(i (1 - g^2)) W_g
        dc_dh = ((c * f * (1 - f))[..., :, None] * Wf + (g * i * (1 - i))[..., :, None] * Wi
                 + (i * (1 - g**2))[..., :, None] * Wg)
        dh_dh = (th * o * (1 - o))[..., :, None] * Wo + (o * (1 - th**2))[..., :, None] * dc_dh
        J = np.zeros(x.shape[:-1] + (2 * H, 2 * H))
        eye = np.eye(H)
        J[..., :H, :H] = dh_dh
        J[..., :H, H:] = eye * (o * (1 - th**2) * f)[..., None, :]
        J[..., H:, :H] = dc_dh
        J[..., H:, H:] = eye * f[..., None, :]
        return J - np.eye(2 * H)
