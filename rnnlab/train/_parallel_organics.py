"""The ORGaNICs time loop (Rawat et al. 2024, Eq. 134, App. I.2) evaluated in parallel over time.

The same scheme as the Combo Nets' :mod:`rnnlab.train._parallel_combo` (see its docstring and
``docs/parallel_time.md``): the ``T`` steps ``h_{t+1} = F_t(h_t)`` of the state ``h = (y, a, b, b0)``
(``4 N``) are solved together by Newton (DEER) or quasi-Newton iterations from ``h_t = h_0``, each a
linear recurrence solved by :func:`~rnnlab.train._parallel_combo.affine_scan`. Unlike the Combo Nets'
ReLU step this one is smooth (the sigmoid gains, ``sqrt([a])``, ``[y]^2 [a]``), so Newton converges
quadratically near the solution instead of exactly once a pattern is right.

The step's Jacobian ``J_t = dF_t/dh`` ``(4N, 4N)`` is taken by ``torch.func`` (``vmap`` of ``jacrev`` of
one step, the same :func:`~rnnlab.train._organics_nets.organics_cell` as the reference loop), not written by
hand: it is the derivative of exactly what the reference loop runs.

Backward (the implicit-function adjoint, as the Combo Nets'): ``g_t = g_{t+1} J_t`` (row vectors) by one
scan backwards in time, then the gradients of every parameter and of the drive in one vector-Jacobian
product of the step applied to all ``T`` converged states at once, with the cotangents ``g_{t+1}``:
``dloss/dtheta = sum_t g_{t+1} dF_t/dtheta``. Memory: ``B T (4N)^2`` numbers for the Jacobians, so this
backend is for small ``N`` (the paper's ``N = 64`` at ``T = 784``, batch 16, would need 3.3 GB in float32).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import torch

from ._parallel_combo import (ParallelOptions, ParallelResult, affine_scan, apply_transition,
                              check_jacobian_memory)

__all__ = ["parallel_organics"]


def _step_all(H, d, k, W_r, W, W_g, c):
    """``F_t(h_t)`` for states ``H`` ``(..., 4N)`` and drives ``d`` ``(..., 3N)`` (same leading shape)."""
    from ._organics_nets import organics_cell  # the reference loop's own step (imported late: no cycle)

    y, a, b, b0 = H.chunk(4, dim=-1)
    k_y, k_a, k_b, k_b0 = k
    return torch.cat(organics_cell(y, a, b, b0, d, k_y, k_a, k_b, k_b0, W_r.T, W.T, W_g.T, c), dim=-1)


def _jacobians(H, d, params):
    """``J_t = dF_t/dh`` at every state: ``H`` ``(B, T, 4N)`` -> ``(B, T, 4N, 4N)`` (rows: outputs)."""
    B, T, S = H.shape

    def one(h, d_t):
        return _step_all(h, d_t, *params)

    J = torch.func.vmap(torch.func.jacrev(one))(H.reshape(B * T, S), d.reshape(B * T, -1))
    return J.view(B, T, S, S)


class _ParallelOrganics(torch.autograd.Function):
    """``h_T`` from the converged states ``H`` ``(B, T + 1, 4N)``, with the implicit-function adjoint."""

    @staticmethod
    def forward(ctx, H, d, h0, k, W_r, W, W_g, c):
        ctx.save_for_backward(H[:, :-1], d, h0, k, W_r, W, W_g, c)
        return H[:, -1].clone()

    @staticmethod
    def backward(ctx, g_out):
        H, d, h0, *params = ctx.saved_tensors  # H: h_0 .. h_{T-1}
        B, T, S = H.shape
        G = H.new_empty(B, T, S)  # G[:, t] = g_{t+1} = dloss/dh_{t+1}
        G[:, T - 1] = g_out
        with torch.no_grad():
            J = _jacobians(H, d, params)  # (B, T, S, S)
            if T > 1:
                # g_t = g_{t+1} J_t for t = T-1 .. 1: a forward recurrence in s = T - t
                G[:, :T - 1] = affine_scan(J[:, 1:].flip(1), torch.zeros_like(H[:, 1:]), g_out).flip(1)
            g_h0 = apply_transition(G[:, 0], J[:, 0])  # dloss/dh_0
        inputs = [d, *params]
        with torch.enable_grad():
            leaves = [x.detach().requires_grad_(True) for x in inputs]
            F = _step_all(H, *leaves)  # every step at once, at the converged states
            grads = torch.autograd.grad(F, leaves, grad_outputs=G, allow_unused=True)
        need = ctx.needs_input_grad[1:2] + ctx.needs_input_grad[3:]  # d, then k .. c (h0 is separate)
        grads = [g if n else None for g, n in zip(grads, need)]
        dh0 = g_h0 if ctx.needs_input_grad[2] else None
        return (None, grads[0], dh0, *grads[1:])


def parallel_organics_states(d, h0, k, W_r, W, W_g, c, *, method="newton", tol=None, max_iter=None):
    """All states ``h_0 .. h_T`` of Eq. 134 by Newton / quasi-Newton iterations (no gradient).

    Parameters
    ----------
    d : torch.Tensor, shape (B, T, 3N)
        Drives ``(z, u_b, u_b0)`` per step.
    h0 : torch.Tensor, shape (B, 4N)
    k : torch.Tensor, shape (4, N)
        ``dt / tau`` of ``y, a, b, b0``.
    W_r, W : torch.Tensor, shape (N, N)
    W_g : torch.Tensor, shape (2N, 2N)
    c : torch.Tensor, shape (N,)
        ``sigma^2``.
    method, tol, max_iter
        As :class:`~rnnlab.train._parallel_combo.ParallelOptions`.

    Returns
    -------
    ParallelResult
    """
    opts = ParallelOptions(method, tol, max_iter)
    B, T, _ = d.shape
    tol, max_iter = opts.resolved(d.dtype, T)
    S = h0.shape[-1]
    check_jacobian_memory((B, T, S, S), d.dtype, "both methods and the backward take the full (4N, 4N) "
                          "Jacobians here: a shorter sequence, a smaller batch or net, or backend='fused'")
    params = tuple(p.detach() for p in (k, W_r, W, W_g, c))
    with torch.no_grad():
        d, h0 = d.detach(), h0.detach()
        H = H_last = h0[:, None, :].expand(B, T + 1, h0.shape[-1]).clone()
        residuals, status = [], "max_iter"
        for it in range(max_iter + 1):
            H_prev = H[:, :-1]
            F = _step_all(H_prev, d, *params)
            residual = float((H[:, 1:] - F).abs().max() / (1.0 + H.abs().max()))
            if not np.isfinite(residual):
                status, H = "non-finite", H_last
                break
            residuals.append(residual)
            if residual <= tol:
                status = "converged"
                break
            if it == max_iter:
                break
            J = _jacobians(H_prev, d, params)  # (B, T, S, S), rows: outputs
            M = J.transpose(-1, -2) if method == "newton" else torch.diagonal(J, dim1=-2, dim2=-1)
            H_last, H = H, torch.cat([H[:, :1], affine_scan(M, F - apply_transition(H_prev, M), h0)], dim=1)
    return ParallelResult(states=H, method=method, iterations=len(residuals) - 1,
                          residuals=np.array(residuals), converged=status == "converged", status=status,
                          tol=tol, max_iter=max_iter)


def parallel_organics(d, h0, k, W_r, W, W_g, c, options: ParallelOptions | None = None):
    """``h_T`` of Eq. 134 in parallel over time, differentiable in every argument by the adjoint.

    Arguments as :func:`parallel_organics_states`; returns ``(h_T, result)`` with ``h_T`` ``(B, 4N)``.
    A run that does not converge warns (``RuntimeWarning``) and says so in ``result``.

    Examples
    --------
    >>> from rnnlab.train._fused_organics import organics_scan
    >>> g = torch.Generator().manual_seed(0)
    >>> N = 2
    >>> args = (torch.randn(1, 5, 3 * N, generator=g), torch.rand(1, 4 * N, generator=g),
    ...         torch.full((4, N), 0.5), torch.eye(N), torch.ones(N, N),
    ...         0.1 * torch.randn(2 * N, 2 * N, generator=g), torch.ones(N))
    >>> h, res = parallel_organics(*args)
    >>> res.converged, bool(torch.allclose(h, organics_scan(*args), atol=1e-5))
    (True, True)
    """
    options = ParallelOptions() if options is None else options
    if not isinstance(options, ParallelOptions):
        raise TypeError(f"options must be a ParallelOptions, got {type(options).__name__}")
    if d.ndim != 3 or h0.ndim != 2 or h0.shape[-1] != 4 * W_r.shape[0] or d.shape[-1] != 3 * W_r.shape[0]:
        raise ValueError(f"d must be (B, T, 3N) and h0 (B, 4N) with N = {W_r.shape[0]}, got {tuple(d.shape)} "
                         f"and {tuple(h0.shape)}")
    res = parallel_organics_states(d, h0, k, W_r, W, W_g, c, **dataclasses.asdict(options))
    if not res.converged:
        warnings.warn(f"the parallel-in-time evaluation did not converge ({res.status}: residual "
                      f"{res.residuals[-1]:.3g} > tol {res.tol:.3g} after {res.iterations} {res.method} "
                      "iterations); its output and gradient are the last iterate's. Raise max_iter (T "
                      "suffices) or use backend='fused'", RuntimeWarning, stacklevel=2)
    return _ParallelOrganics.apply(res.states, d, h0, k, W_r, W, W_g, c), res
