"""What every network of :mod:`rnnlab.train.nets` shares: the forward contract and the option checks.

Every net is an ``nn.Module`` whose ``forward(x)`` takes ``x`` of shape ``(batch, T, input_size)``
(float32) and returns logits of shape ``(batch, output_size)``. A recurrent net also exposes

* ``drive(x)``: its input to the recurrent system for all ``T`` samples at once, ``(B, T, D)``;
* ``initial_state(batch)``: ``(B, S)``;
* ``step(h, d)``: one update of the state ``(B, S)`` given one drive sample ``(B, D)``, written as the
  paper's equation (the reference the fast ``forward`` is tested against);
* ``vector_field(h, d)``: the continuous-time ``dh/dt`` whose forward-Euler step of length ``dt`` is
  ``step`` (in units where time advances by ``dt`` per sample), so its Jacobian is the one of the
  model :meth:`to_rnnlab` returns;
* ``readout(h)``: logits from the last state.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__: list[str] = []

# How a recurrent net runs its time loop (the ``backend`` option of the Combo Nets and ORGaNICs):
# "fused" a hand-written forward and backward through time (one autograd node for all T steps; a
# Triton kernel on CUDA where Triton is installed), "reference" the per-step loop differentiated by
# autograd (the ground truth "fused" is tested against), "auto" the fused path.
BACKENDS = ("auto", "fused", "reference")


def check_backend(backend) -> str:
    """``backend`` if it is one of :data:`BACKENDS`, else a ``ValueError`` naming it."""
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    return backend


def check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_range(name: str, value, lo: float, hi: float, *, lo_open: bool = True,
                hi_open: bool = False) -> float:
    """A finite number in the interval ``(lo, hi]`` (openness as given)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    ok = math.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not ok:
        brackets = ("(" if lo_open else "[") + f"{lo:g}, {hi:g}" + (")" if hi_open else "]")
        raise ValueError(f"{name} must lie in {brackets}, got {value!r}")
    return v


class RecurrentNet(nn.Module):
    """Base of the recurrent nets: input checks, the reference loop and state trajectories."""

    input_size: int
    output_size: int
    dt: float

    def _check_input(self, x) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor of shape (batch, T, {self.input_size}), "
                            f"got {type(x).__name__}")
        if x.ndim != 3 or x.shape[-1] != self.input_size or x.shape[1] < 1:
            raise ValueError(f"x must have shape (batch, T >= 1, {self.input_size}), got {tuple(x.shape)}")
        if not x.is_floating_point():
            raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
        return x

    def forward_reference(self, x: torch.Tensor) -> torch.Tensor:
        """The plain loop ``h <- step(h, d_t)``, one drive sample at a time, as the equations read.

        Slower than :meth:`forward`, which it must equal; it is the baseline of the benchmark.
        """
        x = self._check_input(x)
        h = self.initial_state(x.shape[0]).to(x)
        for t in range(x.shape[1]):
            h = self.step(h, self.drive(x[:, t : t + 1])[:, 0])
        return self.readout(h)

    @torch.no_grad()
    def states(self, x: torch.Tensor, every: int = 1) -> torch.Tensor:
        """The states ``h_t`` after each ``every``-th sample, shape ``(B, ceil(T / every), S)``."""
        x = self._check_input(x)
        d = self.drive(x)
        h = self.initial_state(x.shape[0]).to(x)
        out = []
        for t in range(x.shape[1]):
            h = self.step(h, d[:, t])
            if t % every == every - 1 or t == x.shape[1] - 1:
                out.append(h)
        return torch.stack(out, dim=1)

    def jacobian(self, h: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        """The Jacobian of :meth:`vector_field` at states ``h`` ``(B, S)``: ``(B, S, S)``, by autograd."""
        from torch.func import jacrev, vmap

        return vmap(jacrev(lambda hh, dd: self.vector_field(hh[None], dd[None])[0]))(h, d)


def to_numpy64(t: torch.Tensor):
    """A float64 numpy copy of a tensor (the analysis side computes in float64)."""
    return t.detach().cpu().double().numpy()
