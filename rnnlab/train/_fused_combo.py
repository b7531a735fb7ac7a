"""The Combo Nets' time loop with a hand-written backpropagation through time (one autograd node).

The Euler recursion of Eq. 2 (Kozachkov et al. 2022) with ReLU modules, in the row-vector form the
nets run (``docs/combo_nets.md``),

    h_{t+1} = h_t C + relu(h_t) A + du_t,      h_0 = 0,   t = 0, ..., T - 1,

with ``C = (dt L + (1 - dt) I)^T`` ``(N, N)``, ``A = dt BlockDiag(W_i)^T`` given by its ``p`` blocks
``A_i = dt W_i^T`` ``(p, n, n)`` and ``du_t = dt u_t``. Its adjoint, with ``g_t = dloss/dh_t``,

    g_t = g_{t+1} C^T + relu'(h_t) * (g_{t+1} A^T),
    dloss/du_t = g_{t+1},   dloss/dC = sum_t h_t^T g_{t+1},   dloss/dA_i = sum_t relu(h_t)_i^T g_{t+1, i},

is evaluated by :class:`ComboLoop`: the forward stores the states ``h_0 .. h_{T-1}``, the backward runs
the first line step by step and forms the three sums after the loop as one large GEMM each, instead of
``T`` small ones (what autograd of the per-step loop does). ``relu'(0) = 0``, as autograd's.
"""

from __future__ import annotations

import torch

from . import _triton_combo

__all__ = ["ComboLoop", "combo_loop"]


def block_step(r: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """``r A`` for the block-diagonal ``A`` of blocks ``(p, n, n)``, ``r`` of shape ``(B, p n)``."""
    batch, (p, n, _) = r.shape[0], A.shape
    return torch.bmm(r.view(batch, p, n).transpose(0, 1), A).transpose(0, 1).reshape(batch, p * n)


class ComboLoop(torch.autograd.Function):
    """``h_T`` of the recursion of the module docstring, differentiable in ``du``, ``C`` and ``A``.

    ``forward(du, C, A)`` with ``du`` ``(B, T, N)``, ``C`` ``(N, N)``, ``A`` ``(p, n, n)``, ``N = p n``,
    all of one dtype and device; returns ``h_T`` ``(B, N)``.
    """

    @staticmethod
    def forward(ctx, du, C, A):
        batch, T, N = du.shape
        if du.is_cuda and _triton_combo.supported(du, A):  # one persistent kernel for all T steps
            H = _triton_combo.forward_states(du, C, A)
            ctx.save_for_backward(H[:T], C, A)
            return H[T]
        H = du.new_empty(T, batch, N)  # H[t] = h_t, the state before step t
        H[0].zero_()
        h = H[0]
        for t in range(T):
            out = H[t + 1] if t + 1 < T else None
            h_next = torch.addmm(du[:, t], h, C, out=out) if out is not None else torch.addmm(du[:, t], h, C)
            if t > 0:  # relu(h_0) = 0
                h_next += block_step(torch.relu(h), A)
            h = h_next
        ctx.save_for_backward(H, C, A)
        return h

    @staticmethod
    def backward(ctx, g_out):
        H, C, A = ctx.saved_tensors
        p, n, _ = A.shape
        if H.is_cuda and _triton_combo.supported(H, A):
            G = _triton_combo.adjoint_states(H, C, A, g_out)
        else:
            G = _adjoint_torch(H, C, A, g_out)
        dC, dA = weight_grads(H, G, p, n, ctx.needs_input_grad[1], ctx.needs_input_grad[2])
        ddu = G.permute(1, 0, 2) if ctx.needs_input_grad[0] else None
        return ddu, dC, dA


def weight_grads(H, G, p: int, n: int, need_C: bool, need_A: bool):
    """``dC = sum_t h_t^T g_{t+1}`` and ``dA_i = sum_t relu(h_t^i)^T g_{t+1}^i`` over time and batch, each
    one GEMM, from the states ``H`` and adjoints ``G`` (same shape, any order of the time and batch axes)."""
    N = H.shape[-1]
    Hf, Gf = H.reshape(-1, N), G.reshape(-1, N)
    dC = Hf.T @ Gf if need_C else None
    dA = None
    if need_A:
        R = torch.relu(Hf).view(-1, p, n).transpose(0, 1)  # (p, TB, n)
        dA = torch.bmm(R.transpose(1, 2), Gf.view(-1, p, n).transpose(0, 1))
    return dC, dA


def _adjoint_torch(H, C, A, g_out):
    """``G[t] = g_{t+1}`` ``(T, B, N)`` by the adjoint recursion, step by step in torch."""
    T = H.shape[0]
    G = torch.empty_like(H)  # G[t] = g_{t+1} = dloss/dh_{t+1} = dloss/du_t
    G[T - 1] = g_out
    Ct, At = C.T, A.transpose(1, 2)
    for t in range(T - 1, 0, -1):
        g = G[t]
        g_prev = block_step(g, At)
        g_prev *= H[t] > 0
        torch.addmm(g_prev, g, Ct, out=G[t - 1])
    return G


def combo_loop(du: torch.Tensor, C: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """``h_T`` of ``h_{t+1} = h_t C + relu(h_t) BlockDiag(A) + du_t`` from ``h_0 = 0``, fused.

    Parameters
    ----------
    du : torch.Tensor, shape (B, T, N)
    C : torch.Tensor, shape (N, N)
    A : torch.Tensor, shape (p, n, n), ``p n = N``

    Returns
    -------
    torch.Tensor, shape (B, N)

    Examples
    --------
    >>> du = torch.ones(2, 3, 4)
    >>> combo_loop(du, 0.5 * torch.eye(4), torch.zeros(2, 2, 2))[0]    # 1 + 0.5 (1 + 0.5)
    tensor([1.7500, 1.7500, 1.7500, 1.7500])
    """
    check_shapes(du, C, A)
    return ComboLoop.apply(du, C, A)


def check_shapes(du, C, A) -> None:
    """Refuse inputs of the Combo recurrence that are not ``du`` (B, T, N), ``C`` (N, N), ``A`` (p, n, n)
    with ``p n = N``, naming the shapes (shared by the fused and parallel backends)."""
    if du.ndim != 3:
        raise ValueError(f"du must have shape (batch, T, N), got {tuple(du.shape)}")
    N = du.shape[-1]
    if C.shape != (N, N) or A.ndim != 3 or A.shape[0] * A.shape[1] != N or A.shape[1] != A.shape[2]:
        raise ValueError(f"C must be ({N}, {N}) and A (p, n, n) with p n = {N}, got {tuple(C.shape)} "
                         f"and {tuple(A.shape)}")
