"""The ORGaNICs time loop (Rawat et al. 2024, Eq. 134, App. I.2) as one autograd node: a hand-written
forward and backward through time.

The per-step loop of :meth:`ORGaNICsNet.forward_reference` builds an autograd graph of about 25 nodes
per sample, ``25 T`` in all, and its backward walks them one by one. Here the forward keeps only the
states ``h_0 .. h_T`` (``(T + 1, B, 4 N)``); the backward

1. recomputes every pointwise quantity of a chunk of 32 steps at once from the stored states (``[y]``,
   ``sqrt([a])``, ``W_r [y]``, the sigmoid gains: a handful of operations over ``(32, B, N)``, which
   stay in cache where the same over all ``T`` steps would not),
2. runs the adjoint recursion backwards in time, which needs only three small matmuls and a few fused
   multiply-adds per step (the coefficients come from 1.),
3. forms the weight gradients as sums over the chunk's steps: one ``(N, 32 B) x (32 B, N)`` GEMM each.

Notation (one step, rates ``k = dt / tau``, ``c = sigma^2``, ``f`` the sigmoid)::

    y' = y + k_y (-y + b z + (1 - sqrt([a])) W_r [y])
    a' = a + k_a (-a + b0^2 c + W ([y]^2 [a]))
    (b', b0') = (b, b0) + k_b (-(b, b0) + f((u_b, u_b0) + W_g (y, a)))

with ``W_g = [[W_by, W_ba], [W_b0y, W_b0a]]``. The gradients of ``relu`` and ``clamp_min`` follow
torch's conventions (``[y]'(0) = 0``; ``sqrt(max([a], eps))`` passes a gradient where ``[a] >= eps``), so
the result equals autograd's through the reference loop up to rounding.
"""

from __future__ import annotations

import torch

__all__ = ["organics_scan", "A_FLOOR"]

A_FLOOR = 1e-12


def _step(h, d_t, k, W_rT, W_T, W_gT, c, out):
    """One step of Eq. 134 on the whole state ``h`` ``(B, 4N)``, written into ``out`` ``(B, 4N)``."""
    N = W_rT.shape[0]
    y, a, bb = h[:, :N], h[:, N:2 * N], h[:, 2 * N:]
    b, b0 = bb[:, :N], bb[:, N:]
    z = d_t[:, :N]
    k_y, k_a, k_bb = k[:N], k[N:2 * N], k[2 * N:]
    r = torch.relu(h[:, :2 * N])  # ([y], [a])
    ry, ra = r[:, :N], r[:, N:]
    m = ry @ W_rT
    # y: -y + b z + (1 - sqrt([a])) m
    Fy = torch.addcmul(m, b, z).addcmul_(ra.clamp_min(A_FLOOR).sqrt_(), m, value=-1.0).sub_(y)
    torch.addcmul(y, k_y, Fy, out=out[:, :N])
    # a: -a + b0^2 c + W ([y]^2 [a])
    Fa = torch.addmm(torch.mul(b0, b0).mul_(c).sub_(a), torch.mul(ry, ry).mul_(ra), W_T)
    torch.addcmul(a, k_a, Fa, out=out[:, N:2 * N])
    # (b, b0): -(b, b0) + f(u + W_g (y, a))
    g = torch.addmm(d_t[:, N:], h[:, :2 * N], W_gT).sigmoid_()
    torch.addcmul(bb, k_bb, g.sub_(bb), out=out[:, 2 * N:])


class _OrganicsScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, d, h0, k, W_r, W, W_g, c):
        B, T, _ = d.shape
        N = W_r.shape[0]
        H = d.new_empty(T + 1, B, 4 * N)  # (T + 1, B, 4N): every state, for the backward
        H[0] = h0
        W_rT, W_T, W_gT = W_r.T.contiguous(), W.T.contiguous(), W_g.T.contiguous()
        k = k.reshape(4 * N)
        for t, (d_t, h, out) in enumerate(zip(d.unbind(1), H[:-1].unbind(0), H[1:].unbind(0))):
            _step(h, d_t, k, W_rT, W_T, W_gT, c, out)
        ctx.save_for_backward(d, H, k, W_r, W, W_g, c)
        return H[-1].clone()

    @staticmethod
    def backward(ctx, grad_hT):
        d, H, k, W_r, W, W_g, c = ctx.saved_tensors
        T = H.shape[0] - 1
        N = W_r.shape[0]
        need = ctx.needs_input_grad
        acc = [torch.zeros_like(k.reshape(4 * N)), torch.zeros_like(W_r), torch.zeros_like(W),
               torch.zeros_like(W_g)]
        gd = torch.empty_like(d) if need[0] else None
        G = grad_hT
        # walk back through time in chunks that stay in cache (the bulk terms of a whole sequence do not)
        for t1 in range(T, 0, -_CHUNK):
            t0 = max(0, t1 - _CHUNK)
            G = _backward_chunk(d[:, t0:t1], H[t0:t1 + 1], G, k, W_r, W, W_g, c, acc, gd, t0)
        grads = [gd, G if need[1] else None, acc[0].reshape(4, N), acc[1], acc[2], acc[3], None]
        return tuple(g if n else None for g, n in zip(grads, need))


_CHUNK = 32  # time steps per chunk of the backward


def _backward_chunk(d, H, grad_last, k, W_r, W, W_g, c, acc, gd, t0):
    """The adjoint recursion over one chunk of ``T_c`` steps: ``H`` ``(T_c + 1, B, 4N)`` its states,
    ``grad_last`` ``dL/dh`` at its last state; accumulates the parameter gradients into ``acc``
    (``k, W_r, W, W_g``), writes the drive gradients into ``gd[:, t0:t0 + T_c]``; returns ``dL/dh``
    at its first state."""
    T, B, _ = H.shape
    T -= 1
    N = W_r.shape[0]
    k = k.reshape(4 * N)
    k_y, k_a, k_bb = k[:N], k[N:2 * N], k[2 * N:]
    # 1. every pointwise quantity of every step of the chunk at once, (T, B, .)
    Hp = H[:-1]
    y, a, bb = Hp[..., :N], Hp[..., N:2 * N], Hp[..., 2 * N:]
    b, b0 = bb[..., :N], bb[..., N:]
    dT = d.transpose(0, 1)  # (T, B, 3N)
    z, u = dT[..., :N], dT[..., N:]
    r = torch.relu(Hp[..., :2 * N])
    ry, ra = r[..., :N], r[..., N:]
    sa = ra.clamp_min(A_FLOOR).sqrt()
    m = ry @ W_r.T
    q = ry * ry * ra
    g = torch.sigmoid(torch.baddbmm(u, Hp[..., :2 * N], W_g.T.expand(T, -1, -1)))  # (T, B, 2N)
    C_m = k_y * (1.0 - sa)  # gm = C_m gy'
    C_g = k_bb * g * (1.0 - g)  # gpre = C_g g(b, b0)'
    D_ry = 2.0 * ry * ra  # d q / d y (0 where y <= 0)
    D_ra = ry * ry * (a > 0)  # d q / d a
    ea = (a > 0) & (ra >= A_FLOOR)
    D_s = torch.where(ea, -0.5 * k_y * m / sa, m.new_zeros(()))  # d y' / d a via sqrt
    e_y = (y > 0).to(m.dtype)
    E_z = k_y * z  # d y' / d b
    E_b0 = 2.0 * k_a * b0 * c  # d a' / d b0
    omk = 1.0 - k
    W_k = k_a[:, None] * W  # gq = ga' @ (k_a W)
    # 2. the adjoint recursion, G[t] = dL/dh_t
    G = H.new_empty(T + 1, B, 4 * N)
    G[T] = grad_last
    for t in range(T - 1, -1, -1):
        Gn, Gt = G[t + 1], G[t]
        gy_n, ga_n, gbb_n = Gn[:, :N], Gn[:, N:2 * N], Gn[:, 2 * N:]
        gq = ga_n @ W_k
        P1 = torch.mul(C_m[t], gy_n) @ W_r
        base = torch.mul(omk[:2 * N], Gn[:, :2 * N])
        base[:, :N].addcmul_(e_y[t], P1).addcmul_(D_ry[t], gq)
        base[:, N:].addcmul_(D_ra[t], gq).addcmul_(D_s[t], gy_n)
        torch.addmm(base, torch.mul(C_g[t], gbb_n), W_g, out=Gt[:, :2 * N])
        torch.mul(omk[2 * N:], gbb_n, out=Gt[:, 2 * N:])
        Gt[:, 2 * N:3 * N].addcmul_(E_z[t], gy_n)
        Gt[:, 3 * N:].addcmul_(E_b0[t], ga_n)
    # 3. the chunk's share of the gradients of the inputs, as sums over its steps
    Gn = G[1:]  # dL/dh_{t+1}, (T, B, 4N)
    gy_n, ga_n, gbb_n = Gn[..., :N], Gn[..., N:2 * N], Gn[..., 2 * N:]
    gpre = C_g * gbb_n
    if gd is not None:
        gd[:, t0:t0 + T] = torch.cat([k_y * b * gy_n, gpre], -1).transpose(0, 1)
    Fy = -y + b * z + (1.0 - sa) * m
    Fa = -a + b0 * b0 * c + q @ W.T
    Fbb = g - bb
    acc[0] += torch.cat([(Fy * gy_n).sum((0, 1)), (Fa * ga_n).sum((0, 1)), (Fbb * gbb_n).sum((0, 1))])
    flat = lambda x: x.reshape(T * B, -1)  # noqa: E731
    acc[1] += flat(C_m * gy_n).T @ flat(ry)
    acc[2] += flat(k_a * ga_n).T @ flat(q)
    acc[3] += flat(gpre).T @ flat(Hp[..., :2 * N])
    return G[0].clone()


def organics_scan(d, h0, k, W_r, W, W_g, c):
    """The state after ``T`` steps of Eq. 134, differentiable by a hand-written backward through time.

    Parameters
    ----------
    d : Tensor (B, T, 3N)
        The drives ``(z, u_b, u_b0) = (W_zx s_t, W_bx s_t, W_b0x s_t)`` of every sample.
    h0 : Tensor (B, 4N)
        The initial state ``(y, a, b, b0)``.
    k : Tensor (4, N)
        The rates ``dt / tau`` of ``y, a, b, b0``.
    W_r, W : Tensor (N, N)
        Recurrent and normalization weights.
    W_g : Tensor (2N, 2N)
        ``[[W_by, W_ba], [W_b0y, W_b0a]]``, the feedback of ``(y, a)`` onto ``(b, b0)``.
    c : Tensor (N,)
        ``sigma^2`` (no gradient).

    Returns
    -------
    Tensor (B, 4N)
        ``h_T``.
    """
    return _OrganicsScan.apply(d, h0, k, W_r, W, W_g, c)
