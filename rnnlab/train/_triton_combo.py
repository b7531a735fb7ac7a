"""Triton kernels for the Combo Nets' time loop (CUDA; tested on the CPU through ``TRITON_INTERPRET=1``).

The recursions of :mod:`rnnlab.train._fused_combo`, one persistent program per tile of ``BB`` batch
rows that runs all ``T`` steps (one launch per loop instead of ``~5 T``): the forward

    h_{t+1} = h_t C + relu(h_t) A + du_t,

and the adjoint ``g_t = g_{t+1} C^T + relu'(h_t) * (g_{t+1} A^T)``. A program's rows depend only on
themselves, so no grid-wide synchronisation is needed; the state goes through the stored trajectory
(L1/L2-resident for one tile) and the weights are streamed from L2 block by block. The gradients of
``C`` and ``A`` stay large torch GEMMs after the loop. Module size ``n`` must be a power of two >= 16
(``tl.dot``); :func:`supported` says when these kernels apply. Not yet timed on a GPU.
"""

from __future__ import annotations

import torch

try:
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - triton is optional
    triton = None

__all__ = ["supported", "forward_states", "adjoint_states"]


def supported(du: torch.Tensor, A: torch.Tensor) -> bool:
    """Whether the kernels apply: Triton imports, float32, ``n`` a power of two >= 16."""
    n = A.shape[-1]
    return triton is not None and du.dtype == torch.float32 and n >= 16 and n & (n - 1) == 0


if triton is not None:

    @triton.jit
    def _forward_kernel(du_ptr, C_ptr, A_ptr, H_ptr, batch, T, P: tl.constexpr, NB: tl.constexpr,
                        BB: tl.constexpr):
        # H: (T + 1, batch, N) with H[0] = 0; du: (batch, T, N); C: (N, N); A: (P, NB, NB)
        N = P * NB
        rows = tl.program_id(0) * BB + tl.arange(0, BB)
        cols = tl.arange(0, NB)
        rmask = rows[:, None] < batch
        for t in range(T):
            for j in range(P):
                acc = tl.load(du_ptr + rows[:, None] * T * N + t * N + j * NB + cols[None, :], mask=rmask,
                              other=0.0)
                for k in range(P):
                    hk = tl.load(H_ptr + t * batch * N + rows[:, None] * N + k * NB + cols[None, :],
                                 mask=rmask, other=0.0)
                    Ck = tl.load(C_ptr + (k * NB + cols[:, None]) * N + j * NB + cols[None, :])
                    acc += tl.dot(hk, Ck, input_precision="ieee")
                    if k == j:
                        Aj = tl.load(A_ptr + j * NB * NB + cols[:, None] * NB + cols[None, :])
                        acc += tl.dot(tl.maximum(hk, 0.0), Aj, input_precision="ieee")
                tl.store(H_ptr + (t + 1) * batch * N + rows[:, None] * N + j * NB + cols[None, :], acc,
                         mask=rmask)
            tl.debug_barrier()

    @triton.jit
    def _adjoint_kernel(H_ptr, C_ptr, A_ptr, G_ptr, batch, T, P: tl.constexpr, NB: tl.constexpr,
                        BB: tl.constexpr):
        # G: (T, batch, N), G[T - 1] given; G[t - 1] = G[t] C^T + (H[t] > 0) * (G[t] A^T)
        N = P * NB
        rows = tl.program_id(0) * BB + tl.arange(0, BB)
        cols = tl.arange(0, NB)
        rmask = rows[:, None] < batch
        for s in range(T - 1):
            t = T - 1 - s
            for j in range(P):
                acc = tl.zeros((BB, NB), dtype=tl.float32)
                for k in range(P):
                    gk = tl.load(G_ptr + t * batch * N + rows[:, None] * N + k * NB + cols[None, :],
                                 mask=rmask, other=0.0)
                    # (C^T)[k-block rows, j-block cols] = C[j-block, k-block]^T
                    Ct = tl.load(C_ptr + (j * NB + cols[None, :]) * N + k * NB + cols[:, None])
                    acc += tl.dot(gk, Ct, input_precision="ieee")
                    if k == j:
                        At = tl.load(A_ptr + j * NB * NB + cols[None, :] * NB + cols[:, None])
                        hj = tl.load(H_ptr + t * batch * N + rows[:, None] * N + j * NB + cols[None, :],
                                     mask=rmask, other=0.0)
                        acc += tl.where(hj > 0, tl.dot(gk, At, input_precision="ieee"), 0.0)
                tl.store(G_ptr + (t - 1) * batch * N + rows[:, None] * N + j * NB + cols[None, :], acc,
                         mask=rmask)
            tl.debug_barrier()


_BB = 16


def forward_states(du: torch.Tensor, C: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """The states ``h_0 .. h_T`` ``(T + 1, B, N)`` of the forward recursion, by one kernel launch."""
    batch, T, N = du.shape
    p, n, _ = A.shape
    H = du.new_zeros(T + 1, batch, N)
    _forward_kernel[(triton.cdiv(batch, _BB),)](du.contiguous(), C.contiguous(), A.contiguous(), H, batch,
                                                 T, P=p, NB=n, BB=_BB)
    return H


def adjoint_states(H: torch.Tensor, C: torch.Tensor, A: torch.Tensor, g_out: torch.Tensor) -> torch.Tensor:
    """``G[t] = dloss/dh_{t+1}`` ``(T, B, N)`` from the states ``H[t] = h_t`` ``(T, B, N)``, one launch."""
    T, batch, N = H.shape
    p, n, _ = A.shape
    G = H.new_empty(T, batch, N)
    G[T - 1] = g_out
    _adjoint_kernel[(triton.cdiv(batch, _BB),)](H.contiguous(), C.contiguous(), A.contiguous(), G, batch, T,
                                                 P=p, NB=n, BB=_BB)
    return G
