"""Unconstrained baselines: the vanilla tanh RNN (``torch.nn.RNN``) and the LSTM (``torch.nn.LSTM``).

Both run torch's fused kernels in ``forward``; ``step`` is the same update written out, for the
reference loop, the Jacobians of the stability monitor and the tests.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..models.rnn import FiringRateRNN
from ._common import RecurrentNet, check_positive_int, to_numpy64
from ._lstm_model import LSTMSystem

__all__ = ["VanillaRNN", "LSTMNet"]


def _constant_input(net, inputs):
    if inputs is None:
        return np.zeros(net.input_size)
    x = np.asarray(inputs, dtype=float)
    if x.shape != (net.input_size,):
        raise ValueError(f"inputs must have shape ({net.input_size},), got {x.shape}")
    return x


class _FusedBaseline(RecurrentNet):
    """A one-layer torch recurrent layer (its fused kernel in ``forward``) read out linearly from the
    last ``h``; subclasses name the layer (``LAYER``, kept as the attribute name of checkpoints) and
    build it in :meth:`_make_layer`."""

    dt = 1.0
    LAYER = ""

    def __init__(self, input_size: int, output_size: int, *, hidden_size: int = 128, seed: int = 0):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.output_size = check_positive_int("output_size", output_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            setattr(self, self.LAYER, self._make_layer())
            self.output_layer = nn.Linear(self.hidden_size, self.output_size)

    def _make_layer(self) -> nn.Module:
        raise NotImplementedError

    def drive(self, x):
        """``W_ih s + b_ih + b_hh`` for every sample, ``(B, T, G H)`` (``G`` gates)."""
        layer = getattr(self, self.LAYER)
        return x @ layer.weight_ih_l0.T + (layer.bias_ih_l0 + layer.bias_hh_l0)

    def _constant_drive(self, inputs) -> np.ndarray:
        """``W_ih s + b_ih + b_hh`` in float64 for a constant sample ``s`` (``inputs``, default 0)."""
        s = _constant_input(self, inputs)
        layer = getattr(self, self.LAYER)
        return to_numpy64(layer.weight_ih_l0) @ s + to_numpy64(layer.bias_ih_l0) + to_numpy64(layer.bias_hh_l0)


class VanillaRNN(_FusedBaseline):
    """The vanilla RNN ``h_{t+1} = tanh(W_hh h_t + W_ih s_t + b_ih + b_hh)`` (``torch.nn.RNN``), read out
    linearly.

    It is the forward-Euler step with ``dt = 1`` of the firing-rate RNN ``h' = -h + tanh(W_hh h + b)``
    (Kozachkov et al. 2022, Eq. 4) with ``b = W_ih s + b_ih + b_hh``: :meth:`to_rnnlab` returns that
    :class:`~rnnlab.models.rnn.FiringRateRNN`.

    Parameters
    ----------
    input_size, output_size : int
    hidden_size : int
    seed : int
        Seeds the initial weights (torch's default initialisation).

    Examples
    --------
    >>> net = VanillaRNN(1, 10, hidden_size=8)
    >>> net(torch.zeros(2, 5, 1)).shape
    torch.Size([2, 10])
    """

    LAYER = "rnn"

    def _make_layer(self):
        return nn.RNN(self.input_size, self.hidden_size, nonlinearity="tanh", batch_first=True)

    def forward(self, x):
        x = self._check_input(x)
        _, h = self.rnn(x)  # h: (1, B, H)
        return self.output_layer(h[0])

    def initial_state(self, batch):
        return torch.zeros(batch, self.hidden_size, device=self.rnn.weight_hh_l0.device)

    def vector_field(self, h, d):
        """``-h + tanh(W_hh h + d)``."""
        return -h + torch.tanh(h @ self.rnn.weight_hh_l0.T + d)

    def step(self, h, d):
        return torch.tanh(h @ self.rnn.weight_hh_l0.T + d)

    def readout(self, h):
        return self.output_layer(h)

    def to_rnnlab(self, inputs=None) -> FiringRateRNN:
        """``FiringRateRNN(W_hh, b = W_ih s + b_ih + b_hh, tau = 1, phi = "tanh")`` for a constant sample
        ``s`` (``inputs``, default 0); its Euler step with ``dt = 1`` is the net's update."""
        return FiringRateRNN(to_numpy64(self.rnn.weight_hh_l0), b=self._constant_drive(inputs), tau=1.0, phi="tanh")


class LSTMNet(_FusedBaseline):
    """The LSTM baseline (``torch.nn.LSTM``, one layer) with a linear readout of the last ``h``.

    The state is ``(h, c)``, ``2 H`` numbers; :meth:`to_rnnlab` returns the continuous-time system
    ``x' = F(x) - x`` whose Euler step with ``dt = 1`` is the LSTM update ``F``
    (:class:`~rnnlab.train.nets.LSTMSystem`).

    Parameters
    ----------
    input_size, output_size : int
    hidden_size : int
    seed : int

    Examples
    --------
    >>> net = LSTMNet(1, 10, hidden_size=8)
    >>> net(torch.zeros(2, 5, 1)).shape
    torch.Size([2, 10])
    """

    LAYER = "lstm"

    def _make_layer(self):
        return nn.LSTM(self.input_size, self.hidden_size, batch_first=True)

    def forward(self, x):
        x = self._check_input(x)
        _, (h, _) = self.lstm(x)
        return self.output_layer(h[0])

    def initial_state(self, batch):
        return torch.zeros(batch, 2 * self.hidden_size, device=self.lstm.weight_hh_l0.device)

    def step(self, state, d):
        """The LSTM update of ``state = (h, c)`` (torch's gate order ``i, f, g, o``)."""
        H = self.hidden_size
        h, c = state[:, :H], state[:, H:]
        i, f, g, o = (h @ self.lstm.weight_hh_l0.T + d).chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return torch.cat([h, c], dim=-1)

    def vector_field(self, state, d):
        return self.step(state, d) - state

    def readout(self, state):
        return self.output_layer(state[:, : self.hidden_size])

    def to_rnnlab(self, inputs=None) -> LSTMSystem:
        """:class:`~rnnlab.train.nets.LSTMSystem` with this LSTM's weights and a constant sample ``inputs``
        (default 0)."""
        return LSTMSystem(to_numpy64(self.lstm.weight_hh_l0), b=self._constant_drive(inputs))
