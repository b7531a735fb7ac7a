"""The Combo Nets' time loop evaluated in parallel over time: Newton (DEER) or quasi-Newton iterations.

The nets' Euler recursion (Eq. 2 of Kozachkov et al. 2022, the row-vector form of
:mod:`rnnlab.train._fused_combo`),

    h_{t+1} = F_t(h_t) = h_t C + relu(h_t) A + du_t,      h_0 = 0,   t = 0, ..., T - 1,

is ``T`` equations ``h_{t+1} - F_t(h_t) = 0`` in the unknowns ``h_1 .. h_T``. Instead of stepping it,
iterate over the whole sequence at once (the analysis side's :func:`rnnlab.parallel_time.parallel_evaluate`,
``docs/parallel_time.md``): iteration ``k -> k + 1`` linearises every step about iterate ``k``,

    h_{t+1}^{k+1} = F_t(h_t^k) + (h_t^{k+1} - h_t^k) M_t^k,

a linear time-varying recurrence ``h_{t+1} = h_t M_t + b_t`` solved by a parallel associative scan
(:func:`affine_scan`, ``O(log T)`` sequential depth). ``method="newton"`` (DEER, Lim et al. 2024) takes
the exact Jacobian of the step, ``M_t = C + diag(relu'(h_t)) A`` ``(N, N)``; ``"quasi-newton"``
(quasi-DEER, Gonzalez et al. 2024) its diagonal ``m_t = diag(C) + relu'(h_t) diag(A)``. Every iteration
makes at least one more step exact, so both converge within ``T`` iterations in exact arithmetic; a
contracting net converges in far fewer. ReLU is piecewise linear, so Newton is exact as soon as the
activation pattern ``h_t > 0`` of the iterate is the solution's.

Backward. Decision: differentiate the converged trajectory by the implicit-function adjoint, not
through the iterations. The solution satisfies ``G(h, theta) = 0`` with ``G_t = h_{t+1} - F_t(h_t)``,
whose Jacobian in ``h`` is block lower bidiagonal (identity diagonal, ``-M_t`` below it), so
``dloss/dtheta = -lambda^T dG/dtheta`` with ``lambda`` solving the transposed system: the adjoint
linear recurrence

    g_t = g_{t+1} M_t^T,     g_T = dloss/dh_T,

i.e. backpropagation through time evaluated at the converged states, which :class:`ParallelComboLoop`
solves by the same scan run backwards in time, then forms ``dloss/du_t = g_{t+1}``,
``dloss/dC = sum_t h_t^T g_{t+1}``, ``dloss/dA_i = sum_t relu(h_t)_i^T g_{t+1, i}`` as the fused loop
does. It costs one scan whatever the number of forward iterations, stores only the states, and is exact
(to round-off) once the forward converged; on a trajectory that did not converge it is the gradient at
the last iterate, which is why that case warns.

Cost. Newton's scan multiplies ``(B, T, N, N)`` matrices: ``O(B T N^3)`` work and ``B T N^2`` memory,
against the sequential loop's ``O(B T N^2)``; it pays only with many parallel lanes (a GPU) and small
``N``. The quasi-Newton scan is elementwise, ``O(B T N)`` per iteration, but for the Combo Nets'
zero-diagonal ``W`` and skew ``L`` its ``m_t`` is ``(1 - dt)`` everywhere, a damped Jacobi iteration
that needs about ``log(tol) / log(1 - dt)`` sweeps per unit of memory of the net.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from ._fused_combo import block_step, check_shapes, weight_grads

__all__ = ["PARALLEL_METHODS", "JACOBIAN_MEMORY_LIMIT", "ParallelOptions", "ParallelResult", "affine_scan",
           "check_jacobian_memory", "parallel_combo_states",
           "parallel_combo_loop", "ParallelComboLoop"]

PARALLEL_METHODS = ("newton", "quasi-newton")

#: The largest stack of step Jacobians (bytes) the parallel backends build before refusing: Newton holds
#: ``B T N^2`` entries at once (the paper's 16 x 32 Combo Net at T = 784, batch 64: 52 GB in float32).
JACOBIAN_MEMORY_LIMIT = 4 * 2**30


def check_jacobian_memory(shape: tuple, dtype: torch.dtype, advice: str) -> None:
    """Raise ``MemoryError`` before a Jacobian stack of ``shape`` over the limit is built."""
    need = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
    if need > JACOBIAN_MEMORY_LIMIT:
        raise MemoryError(
            f"the parallel backend would hold step Jacobians of shape {tuple(shape)} "
            f"({need / 2**30:.1f} GiB, over rnnlab.train._parallel_combo.JACOBIAN_MEMORY_LIMIT = "
            f"{JACOBIAN_MEMORY_LIMIT / 2**30:g} GiB): {advice}")


@dataclass(frozen=True)
class ParallelOptions:
    """Options of the ``"parallel"`` backend of the Combo Nets.

    Attributes
    ----------
    method : {"newton", "quasi-newton"}
        The linearisation (module docstring).
    tol : float or None
        Converged once ``max |h_{t+1} - F_t(h_t)| <= tol (1 + max |h|)`` over batch, time and units;
        None: ``1e-5`` in float32, ``1e-11`` in float64.
    max_iter : int or None
        The iteration budget; None: ``T`` (within which both methods converge in exact arithmetic).
    """

    method: str = "newton"
    tol: float | None = None
    max_iter: int | None = None

    def __post_init__(self):
        if self.method not in PARALLEL_METHODS:
            raise ValueError(f"method must be one of {PARALLEL_METHODS}, got {self.method!r}")
        if self.tol is not None and (isinstance(self.tol, bool) or not isinstance(self.tol, (int, float))
                                     or not np.isfinite(self.tol) or self.tol <= 0):
            raise ValueError(f"tol must be None or a positive number, got {self.tol!r}")
        if self.max_iter is not None and (isinstance(self.max_iter, bool)
                                          or not isinstance(self.max_iter, int) or self.max_iter < 0):
            raise ValueError(f"max_iter must be None or a non-negative integer, got {self.max_iter!r}")

    def resolved(self, dtype: torch.dtype, T: int) -> tuple[float, int]:
        """``(tol, max_iter)`` with the defaults filled in for ``dtype`` and ``T`` steps."""
        tol = self.tol if self.tol is not None else (1e-11 if dtype == torch.float64 else 1e-5)
        return float(tol), (T if self.max_iter is None else self.max_iter)


@dataclass(frozen=True, eq=False)
class ParallelResult:
    """The trajectory of :func:`parallel_combo_states` with its diagnostics.

    Attributes
    ----------
    states : torch.Tensor, shape (B, T + 1, N)
        The last iterate ``h_0 .. h_T`` (``h_0 = 0``).
    method : str
    iterations : int
        Scans whose result is ``states`` (one more ran when ``status`` is ``"non-finite"``).
    residuals : ndarray, shape (iterations + 1,)
        ``max |h_{t+1}^k - F_t(h_t^k)| / (1 + max |h^k|)`` of iterate ``k``.
    converged : bool
    status : {"converged", "max_iter", "non-finite"}
        ``"non-finite"`` keeps the last finite iterate.
    tol : float
    max_iter : int
    """

    states: torch.Tensor
    method: str
    iterations: int
    residuals: np.ndarray
    converged: bool
    status: str
    tol: float
    max_iter: int

    def __repr__(self) -> str:
        B, T1, N = self.states.shape
        return (f"ParallelResult(method={self.method!r}, B={B}, T={T1 - 1}, N={N}, "
                f"iterations={self.iterations}, converged={self.converged}, "
                f"residual={self.residuals[-1]:.3g})")


def apply_transition(b: torch.Tensor, M: torch.Tensor) -> torch.Tensor:
    """``b M`` for row vectors ``b`` ``(..., N)`` and matrices ``M`` ``(..., N, N)``, or elementwise
    for diagonals ``M`` ``(..., N)``."""
    if M.ndim == b.ndim:
        return b * M
    return (b.unsqueeze(-2) @ M).squeeze(-2)


def affine_scan(M: torch.Tensor, b: torch.Tensor, x0: torch.Tensor | None = None) -> torch.Tensor:
    """Solve ``x_{t+1} = x_t M_t + b_t``, ``t = 0 .. T-1``, by a parallel associative scan over time.

    The steps are affine maps ``x -> x M_t + b_t`` (row vectors), and composing two is associative:
    step ``t`` then ``t + 1`` is ``(M_t M_{t+1}, b_t M_{t+1} + b_{t+1})``. The scan pairs neighbours
    ``(0, 1), (2, 3), ...`` into ``ceil(T / 2)`` composed maps in one batched product, solves that
    half-length problem the same way, and fills in each even step from the solution just before it:
    ``O(log T)`` rounds, ``O(T)`` work (the odd-even reduction of Blelloch 1990). Every round is one
    vectorised operation over time, batch and units.

    Parameters
    ----------
    M : torch.Tensor, shape (..., T, N, N) or (..., T, N)
        Transition matrices (right-multiplying row vectors), or their diagonals.
    b : torch.Tensor, shape (..., T, N)
    x0 : torch.Tensor, shape (..., N), optional
        Zero by default.

    Returns
    -------
    torch.Tensor, shape (..., T, N)
        ``x_1 .. x_T``.

    Examples
    --------
    >>> M = torch.full((4, 1), 0.5); b = torch.ones(4, 1)
    >>> affine_scan(M, b).ravel()
    tensor([1.0000, 1.5000, 1.7500, 1.8750])
    """
    if x0 is not None:  # fold x0 into the first step: x_1 = x0 M_0 + b_0
        M0 = M[..., 0, :, :] if M.ndim > b.ndim else M[..., 0, :]
        b = torch.cat([(apply_transition(x0, M0) + b[..., 0, :]).unsqueeze(-2), b[..., 1:, :]], dim=-2)
    return _scan(M, b, M.ndim > b.ndim)


def _scan(M, b, full: bool):
    """``x_1 .. x_T`` from ``x_0 = 0`` (:func:`affine_scan`); time is dimension ``-3`` of full ``M``."""
    T = b.shape[-2]
    if T == 1:
        return b
    pairs = T // 2
    if full:
        M_even, M_odd = M[..., 0:2 * pairs:2, :, :], M[..., 1:2 * pairs:2, :, :]
        M_pair = M_even @ M_odd
    else:
        M_even, M_odd = M[..., 0:2 * pairs:2, :], M[..., 1:2 * pairs:2, :]
        M_pair = M_even * M_odd
    b_even, b_odd = b[..., 0:2 * pairs:2, :], b[..., 1:2 * pairs:2, :]
    b_pair = apply_transition(b_even, M_odd) + b_odd  # step 2j then 2j + 1
    x_odd = _scan(M_pair, b_pair, full)  # x_{2j + 2}, the state after the pair j, (..., pairs, N)
    x = torch.empty_like(b)
    x[..., 1::2, :] = x_odd
    x[..., 0, :] = b[..., 0, :]
    if T > 2:  # x_{2j + 1} = x_{2j} M_{2j} + b_{2j} for j >= 1, from the pairs' solution
        later = slice(2, T, 2)
        M_later = M[..., later, :, :] if full else M[..., later, :]
        n_later = M_later.shape[-3] if full else M_later.shape[-2]
        x[..., later, :] = apply_transition(x_odd[..., :n_later, :], M_later) + b[..., later, :]
    return x


def _step_all(H: torch.Tensor, du: torch.Tensor, C: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """``F_t(h_t)`` for all ``t`` at once: ``H`` ``(B, T, N)`` -> ``(B, T, N)``."""
    B, T, N = H.shape
    relu_part = block_step(torch.relu(H).reshape(B * T, N), A).view(B, T, N)
    return H @ C + relu_part + du


def parallel_combo_states(du: torch.Tensor, C: torch.Tensor, A: torch.Tensor, *, method: str = "newton",
                          tol: float | None = None, max_iter: int | None = None) -> ParallelResult:
    """All states ``h_0 .. h_T`` of the Combo Nets' recursion by Newton / quasi-Newton iterations.

    No gradient flows (the iterations run under ``torch.no_grad``); :func:`parallel_combo_loop` adds the
    adjoint. Starts from ``h_t = 0`` for all ``t`` (as DEER).

    Parameters
    ----------
    du : torch.Tensor, shape (B, T, N)
    C : torch.Tensor, shape (N, N)
    A : torch.Tensor, shape (p, n, n), ``p n = N``
    method, tol, max_iter
        As :class:`ParallelOptions`.

    Returns
    -------
    ParallelResult

    Examples
    --------
    >>> f64 = torch.float64
    >>> du = torch.ones(2, 3, 4, dtype=f64)
    >>> res = parallel_combo_states(du, 0.5 * torch.eye(4, dtype=f64), torch.zeros(2, 2, 2, dtype=f64))
    >>> res.states[0, :, 0], res.converged, res.iterations    # linear: one Newton step is exact
    (tensor([0.0000, 1.0000, 1.5000, 1.7500], dtype=torch.float64), True, 1)
    """
    check_shapes(du, C, A)
    opts = ParallelOptions(method, tol, max_iter)
    B, T, N = du.shape
    tol, max_iter = opts.resolved(du.dtype, T)
    if method == "newton":
        check_jacobian_memory((B, T, N, N), du.dtype, "use method='quasi-newton' (B T N entries), a shorter "
                              "sequence or a smaller batch, or backend='fused'")
    with torch.no_grad():
        du, C, A = du.detach(), C.detach(), A.detach()
        A_full = torch.block_diag(*A)  # (N, N): relu(h) A
        H = H_last = du.new_zeros(B, T + 1, N)
        residuals, status = [], "max_iter"
        for k in range(max_iter + 1):
            H_prev = H[:, :-1]
            F = _step_all(H_prev, du, C, A)  # (B, T, N)
            residual = float((H[:, 1:] - F).abs().max() / (1.0 + H.abs().max()))
            if not np.isfinite(residual):
                status = "non-finite"
                H = H_last
                break
            residuals.append(residual)
            if residual <= tol:
                status = "converged"
                break
            if k == max_iter:
                break
            slope = (H_prev > 0).to(du.dtype)  # relu'(h_t), relu'(0) = 0 as autograd
            if method == "newton":
                M = C + slope.unsqueeze(-1) * A_full  # (B, T, N, N): diag(relu'(h_t)) A
            else:
                M = torch.diagonal(C) + slope * torch.diagonal(A_full)  # (B, T, N)
            # b_t = F_t(h_t) - h_t M_t (for Newton exactly du_t, relu being positively homogeneous)
            H_last, H = H, torch.cat([H[:, :1], affine_scan(M, F - apply_transition(H_prev, M))], dim=1)
        converged = status == "converged"
    return ParallelResult(states=H, method=method, iterations=len(residuals) - 1,
                          residuals=np.array(residuals), converged=converged,
                          status=status, tol=tol, max_iter=max_iter)


class ParallelComboLoop(torch.autograd.Function):
    """``h_T`` from the converged states, with the implicit-function adjoint as its backward.

    ``forward(du, C, A, H)``: ``H`` ``(B, T + 1, N)`` the states of :func:`parallel_combo_states`
    (a constant of the graph); returns ``H[:, T]``. The backward solves ``g_t = g_{t+1} M_t^T`` by
    :func:`affine_scan` backwards in time (module docstring) and returns the gradients in ``du, C, A``.
    """

    @staticmethod
    def forward(ctx, du, C, A, H):
        ctx.save_for_backward(H[:, :-1], C, A)
        return H[:, -1].clone()

    @staticmethod
    def backward(ctx, g_out):
        H, C, A = ctx.saved_tensors  # H: h_0 .. h_{T-1}, (B, T, N)
        B, T, N = H.shape
        p, n, _ = A.shape
        G = H.new_empty(B, T, N)  # G[:, t] = g_{t+1} = dloss/dh_{t+1} = dloss/du_t
        G[:, T - 1] = g_out
        if T > 1:
            # g_t = g_{t+1} M_t^T for t = T-1 .. 1, as a forward recurrence in s = T - t
            slope = (H[:, 1:].flip(1) > 0).to(H.dtype)  # relu'(h_t), t = T-1 .. 1, (B, T-1, N)
            Mt = C.T + torch.block_diag(*A).T * slope.unsqueeze(-2)  # M_t^T = C^T + A^T diag(relu'(h_t))
            G[:, :T - 1] = affine_scan(Mt, torch.zeros_like(slope), g_out).flip(1)
        dC, dA = weight_grads(H, G, p, n, ctx.needs_input_grad[1], ctx.needs_input_grad[2])
        return (G if ctx.needs_input_grad[0] else None), dC, dA, None


def parallel_combo_loop(du: torch.Tensor, C: torch.Tensor, A: torch.Tensor,
                        options: ParallelOptions | None = None) -> tuple[torch.Tensor, ParallelResult]:
    """``h_T`` of ``h_{t+1} = h_t C + relu(h_t) BlockDiag(A) + du_t`` from ``h_0 = 0``, in parallel over time.

    The states by :func:`parallel_combo_states`, differentiable in ``du``, ``C``, ``A`` by the adjoint
    of :class:`ParallelComboLoop`. A run that does not converge warns (``RuntimeWarning``) and says so in
    the result; its ``h_T`` is the last iterate's.

    Parameters
    ----------
    du : torch.Tensor, shape (B, T, N)
    C : torch.Tensor, shape (N, N)
    A : torch.Tensor, shape (p, n, n), ``p n = N``
    options : ParallelOptions, optional

    Returns
    -------
    h_T : torch.Tensor, shape (B, N)
    result : ParallelResult

    Examples
    --------
    >>> from rnnlab.train._fused_combo import combo_loop
    >>> g = torch.Generator().manual_seed(0)
    >>> du, C = torch.randn(2, 6, 4, generator=g), 0.9 * torch.eye(4)
    >>> A = 0.1 * torch.randn(2, 2, 2, generator=g)
    >>> h, res = parallel_combo_loop(du, C, A)
    >>> res.converged, bool(torch.allclose(h, combo_loop(du, C, A), atol=1e-5))
    (True, True)
    """
    options = ParallelOptions() if options is None else options
    if not isinstance(options, ParallelOptions):
        raise TypeError(f"options must be a ParallelOptions, got {type(options).__name__}")
    res = parallel_combo_states(du, C, A, **dataclasses.asdict(options))
    if not res.converged:
        warnings.warn(f"the parallel-in-time evaluation did not converge ({res.status}: residual "
                      f"{res.residuals[-1]:.3g} > tol {res.tol:.3g} after {res.iterations} {res.method} "
                      "iterations); its output and gradient are the last iterate's. Raise max_iter (T "
                      "suffices) or use backend='fused'", RuntimeWarning, stacklevel=2)
    return ParallelComboLoop.apply(du, C, A, res.states), res

