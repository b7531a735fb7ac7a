"""The stability monitor: certificate margins and Jacobian spectra of a net while it trains."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._common import RecurrentNet, check_positive_int

__all__ = ["StabilityMonitor"]


class StabilityMonitor:
    """``monitor(net) -> dict[str, float]``: how stable a net is now, for the training loop to log.

    Keys
    ----
    ``certificate_margin``
        For nets with ``certificate_margin()`` (the Combo Nets and their controls): the certified
        contraction rate of the whole net, positive when the certificate holds (1/tau).
    ``max_real_jacobian``, ``mean_real_jacobian``
        The largest real part of the eigenvalues of the continuous-time Jacobian ``d(vector_field)/dh``
        (the Jacobian of the model ``to_rnnlab()`` returns), at points along the trajectories driven by
        the first ``n_trajectories`` probe inputs: the maximum, and the mean over points of each
        point's largest real part. A recurrent net is evaluated at ``n_points`` states ``h_t`` evenly
        spaced in time, each with its own input sample ``s_t`` frozen; the static ORGaNICs net at its
        fixed point for each probe input. For the LSTM and vanilla RNN (``dt = 1``) an eigenvalue
        ``mu`` of the one-step map shows up as ``mu - 1``.

    Parameters
    ----------
    probe_x : torch.Tensor, shape (batch, T, input_size)
        Probe inputs, e.g. a few test images.
    n_trajectories : int
        How many of them to use.
    n_points : int
        States per trajectory.
    jacobian : bool
        Compute the Jacobian spectra (``False``: the margin only, where there is one).

    Examples
    --------
    >>> from rnnlab.train.nets import build_net
    >>> net = build_net("rnn", input_size=1, output_size=2, hidden_size=4)
    >>> out = StabilityMonitor(torch.zeros(3, 10, 1), n_trajectories=2)(net)
    >>> sorted(out)
    ['max_real_jacobian', 'mean_real_jacobian']
    """

    def __init__(self, probe_x, n_trajectories: int = 4, n_points: int = 8, jacobian: bool = True):
        if not isinstance(probe_x, torch.Tensor) or probe_x.ndim != 3 or not probe_x.is_floating_point():
            got = tuple(probe_x.shape) if isinstance(probe_x, torch.Tensor) else type(probe_x).__name__
            raise ValueError(f"probe_x must be a float tensor of shape (batch, T, input_size), got {got}")
        self.n_trajectories = check_positive_int("n_trajectories", n_trajectories)
        if self.n_trajectories > probe_x.shape[0]:
            raise ValueError(f"n_trajectories must be at most the probe batch {probe_x.shape[0]}, "
                             f"got {n_trajectories}")
        self.n_points = check_positive_int("n_points", n_points)
        self.jacobian = bool(jacobian)
        self.probe_x = probe_x[: self.n_trajectories].detach()

    def _jacobians(self, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        if isinstance(net, RecurrentNet):
            T = x.shape[1]
            every = max(1, math.ceil(T / self.n_points))
            h = net.states(x, every=every)  # (B, K, S)
            times = [min(t, T - 1) for t in range(every - 1, T - 1 + every, every)][: h.shape[1]]
            with torch.no_grad():
                d = net.drive(x)[:, times]  # (B, K, D)
            return net.jacobian(h.reshape(-1, h.shape[-1]), d.reshape(-1, d.shape[-1]))
        if hasattr(net, "fixed_point") and hasattr(net, "vector_field"):
            with torch.no_grad():
                y, a, _, _ = net.fixed_point(x)
            from torch.func import jacrev, vmap

            s = x.reshape(x.shape[0], -1)
            h = torch.cat([y, a], -1)
            return vmap(jacrev(lambda hh, ss: net.vector_field(hh[None], ss[None])[0]))(h, s)
        raise TypeError(f"net must be one of rnnlab.train.nets.NETS, got {type(net).__name__}")

    def __call__(self, net: nn.Module) -> dict[str, float]:
        out: dict[str, float] = {}
        if hasattr(net, "certificate_margin"):
            out["certificate_margin"] = float(net.certificate_margin())
        if hasattr(net, "certified"):  # the authors' coupling: not certified by construction
            out["certified"] = float(net.certified)
        if self.jacobian:
            param = next(net.parameters())
            x = self.probe_x.to(device=param.device, dtype=param.dtype)
            J = self._jacobians(net, x).detach().double().cpu()
            abscissa = torch.linalg.eigvals(J).real.max(dim=-1).values
            out["max_real_jacobian"] = float(abscissa.max())
            out["mean_real_jacobian"] = float(abscissa.mean())
        return out
