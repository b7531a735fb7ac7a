"""ORGaNICs nets (Rawat, Heeger & Martiniani 2024, Sec. 6): the sequential circuit of Eq. 134 and the
static classifier of App. I.1 whose fixed point comes from Algorithm 1.

Decisions where the paper leaves a choice
-----------------------------------------
* Eq. 134 (App. I.2): the rectified circuit (Eq. 86) with dynamic gains (Eq. 16), ``f`` the sigmoid,
  no biases (Table 7 lists none). Its rates are ``dt / tau_y = 0.05 f(p_y)``, ``dt / tau_a = 0.01 f(p_a)``,
  ``dt / tau_b = dt / tau_b0 = 0.1 f(p_b)``, ``f(p_b0)`` with ``p`` learned (``learn_tau=False``: fixed
  at ``p = 0``, the "fixed time constants" rows of Table 2). ``dt`` (default 1) is the time per sample,
  so :meth:`ORGaNICsNet.to_rnnlab` has ``tau_y = dt / (0.05 f(p_y))`` etc.
* The paper draws the initial state uniformly at random; here it is one uniform ``(0, 1)`` draw per
  unit, fixed at construction (a buffer), so ``forward`` is deterministic. ``b, b0 > 0`` there, so the
  gains stay in ``(0, 1)``.
* The paper trains ``W`` unconstrained; Eq. 1 needs ``W >= 0`` (normalization weights), and
  rnnlab's :class:`~rnnlab.models.organics.ORGaNICs` rejects negative ones, so by default
  ``W = |W_raw|`` (``nonnegative_W=False`` trains ``W`` as the paper does; :meth:`to_rnnlab` then
  raises if an entry went negative). ``W`` is initialised to ones, ``W_r`` to the identity (Table 7).
* ``sqrt([a])`` has an infinite slope at ``a = 0``; ``a > 0`` is forward invariant while ``W >= 0``,
  and the nets evaluate ``sqrt(max(a, 1e-12))`` so a gradient never becomes NaN.
* Static net (App. I.1, Eq. 133): ``W_r = R / |R|_2`` (maximum singular value 1), ``b = f(W_bx x)``,
  learned ``b0`` (random normal; only ``b0^2`` enters, so :meth:`StaticORGaNICsNet.to_rnnlab` passes
  ``|b0|``), ``sigma = 1`` fixed. Algorithm 1 runs until the ``y`` residual of line 6 is below ``tol``
  for the whole batch or ``max_iter = 10`` updates. Its input is the whole sequence flattened:
  ``input_size * seq_len`` features.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..models.organics import ORGaNICs
from ..models.organics_gains import GainORGaNICs
from ._common import BACKENDS, RecurrentNet, check_positive_int, check_range, to_numpy64
from ._fused_organics import organics_scan
from ._parallel_combo import ParallelOptions
from ._parallel_organics import parallel_organics

__all__ = ["ORGaNICsNet", "StaticORGaNICsNet"]

_A_FLOOR = 1e-12
# dt / tau = scale * sigmoid(p) (App. I.2)
_RATE_SCALES = {"y": 0.05, "a": 0.01, "b": 0.1, "b0": 0.1}


def _kaiming(gen, rows, cols):
    """Kaiming-uniform ``(rows, cols)`` as ``nn.Linear`` initialises its weight."""
    w = torch.empty(rows, cols)
    bound = 1.0 / math.sqrt(cols)  # kaiming_uniform_ with a = sqrt(5)
    return w.uniform_(-bound, bound, generator=gen)


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def organics_cell(y, a, b, b0, d_t, k_y, k_a, k_b, k_b0, W_rT, W_T, W_gT, c):
    """One step of Eq. 134 on the state's four parts, given the step's drives ``d_t = (z, u_b, u_b0)``."""
    z, u_b, u_b0 = d_t.chunk(3, dim=-1)
    ry, ra = torch.relu(y), torch.relu(a)
    s_b, s_b0 = (torch.cat([y, a], -1) @ W_gT).chunk(2, dim=-1)
    y_new = y + k_y * (-y + b * z + (1.0 - torch.sqrt(ra.clamp_min(_A_FLOOR))) * (ry @ W_rT))
    a_new = a + k_a * (-a + b0**2 * c + (ry**2 * ra) @ W_T)
    b_new = b + k_b * (-b + torch.sigmoid(u_b + s_b))
    b0_new = b0 + k_b0 * (-b0 + torch.sigmoid(u_b0 + s_b0))
    return y_new, a_new, b_new, b0_new


_COMPILED_CELL = None


def _compiled_cell():
    """:func:`organics_cell` through ``torch.compile`` (made once): on a GPU the plain step is about 25 small
    kernels forward and more backward, 784 times per sequence, so a step is launch-bound."""
    global _COMPILED_CELL
    if _COMPILED_CELL is None:
        _COMPILED_CELL = torch.compile(organics_cell, dynamic=False, fullgraph=True)
    return _COMPILED_CELL


def _spectral_normalized(W):
    """``W / |W|_2`` (maximum singular value 1)."""
    return W / torch.linalg.matrix_norm(W, ord=2)


class ORGaNICsNet(RecurrentNet):
    """ORGaNICs for sequential inputs, Eq. 134 (Rawat et al. 2024, Sec. 6.2, App. I.2).

    The state ``(y, a, b, b0)`` (``4 N`` numbers) follows, per sample ``s_t``,

        y += (dt/tau_y) (-y + b z_t + (1 - sqrt([a])) W_r [y])                  z_t = W_zx s_t
        a += (dt/tau_a) (-a + b0^2 sigma^2 + W ([y]^2 [a]))
        b += (dt/tau_b) (-b + f(W_bx s_t + W_by y + W_ba a))
        b0 += (dt/tau_b0) (-b0 + f(W_b0x s_t + W_b0y y + W_b0a a))

    and the logits are a linear readout of ``y^+ = [y_T]^2``. See the module docstring for the
    decisions (time constants, initial state, ``W >= 0``).

    Parameters
    ----------
    input_size, output_size : int
    hidden_size : int
        ``N``, the number of ``y`` neurons (64 or 128 in Table 2).
    dt : float > 0
        Time per sample (sets the time unit of :meth:`to_rnnlab`; the discrete net depends only on
        the rates ``dt / tau``).
    learn_tau : bool
    nonnegative_W : bool
    normalize_input : bool
        Use ``W_zx / |W_zx|_2`` (maximum singular value 1) as the input weights of ``z``, as the
        ORGaNICs authors' code does (their paper does not state it; with ``|s_t| <= 1`` it keeps
        ``|z| <= 1``, the regime of their stability conjecture, Sec. 5). ``W_zx`` stays the trained
        parameter (the normalisation is a reparametrisation, like ``W_r`` of the static net).
        Default ``False``: the plain ``W_zx`` (rnnlab's earlier behaviour).
    seed : int
    backend : {"auto", "fused", "reference", "parallel"}
        How the time loop runs. ``"reference"``: the per-step loop differentiated by autograd (the
        ground truth). ``"fused"``: one autograd node for all ``T`` steps with a hand-written backward
        through time (:func:`~rnnlab.train._fused_organics.organics_scan`; on CUDA a Triton kernel
        where Triton is installed). ``"auto"`` (default): ``"fused"``. ``"parallel"``: Newton (DEER)
        or quasi-Newton iterations over the whole sequence, each a parallel scan, with the adjoint as
        backward (:mod:`rnnlab.train._parallel_organics`; options ``parallel_options``, diagnostics
        ``parallel_result``; small ``N`` only, its Jacobians take ``B T (4N)^2`` numbers). All compute
        Eq. 134 and agree to rounding (``"parallel"`` to its tolerance); the parameters,
        ``state_dict`` and checkpoints do not depend on it.
    compile : bool
        On a CUDA device, run the per-step loop with each time step through ``torch.compile``
        (overrides ``backend``; the first batch compiles for a minute or so). Ignored on the CPU,
        where the fused backend is faster and compiling would need a C++ toolchain. Kept until the
        fused backend has been timed against it on a GPU (issue 14).

    Examples
    --------
    >>> net = ORGaNICsNet(1, 10, hidden_size=4)
    >>> net(torch.rand(2, 6, 1)).shape
    torch.Size([2, 10])
    """

    def __init__(self, input_size: int, output_size: int, *, hidden_size: int = 64, dt: float = 1.0,
                 learn_tau: bool = True, nonnegative_W: bool = True, normalize_input: bool = False,
                 seed: int = 0, backend: str = "auto", compile: bool = False):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.output_size = check_positive_int("output_size", output_size)
        N = self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.dt = check_range("dt", dt, 0.0, math.inf, hi_open=True)
        self.learn_tau = _check_bool("learn_tau", learn_tau)
        self.nonnegative_W = _check_bool("nonnegative_W", nonnegative_W)
        self.normalize_input = _check_bool("normalize_input", normalize_input)
        # "parallel": Newton / quasi-Newton over the whole sequence (rnnlab.train._parallel_organics)
        if not isinstance(backend, str) or backend not in BACKENDS + ("parallel",):
            raise ValueError(f"backend must be one of {BACKENDS + ('parallel',)}, got {backend!r}")
        self.backend = backend
        self.parallel_options = ParallelOptions()  # of backend="parallel"; replace to change them
        self.parallel_result = None  # the last parallel forward's ParallelResult
        self.compile = _check_bool("compile", compile)
        gen = torch.Generator().manual_seed(int(seed))
        M = self.input_size
        # input weights of z, b and b0 stacked: one matmul for every sample at once
        self.W_in = nn.Parameter(torch.cat([_kaiming(gen, N, M) for _ in range(3)]))  # (3N, M)
        # feedback of (y, a) onto (b, b0): [[W_by, W_b0y], [W_ba, W_b0a]]^T as one (2N, 2N) block
        self.W_gain = nn.Parameter(torch.cat([torch.cat([_kaiming(gen, N, N), _kaiming(gen, N, N)], 1)
                                              for _ in range(2)], 0))  # rows (b; b0), cols (y, a)
        self.W_r = nn.Parameter(torch.eye(N))
        self.W_raw = nn.Parameter(torch.ones(N, N))
        self.register_buffer("sigma", torch.ones(N))
        p = torch.zeros(4, N)  # p_y, p_a, p_b, p_b0
        if self.learn_tau:
            self.p = nn.Parameter(p)
        else:
            self.register_buffer("p", p)
        self.register_buffer("x0", torch.rand(4 * N, generator=gen))
        self.output_layer = nn.Linear(N, self.output_size)

    # -- parameters as the paper names them
    @property
    def W(self) -> torch.Tensor:
        """Normalization weights, ``|W_raw|`` when ``nonnegative_W``."""
        return self.W_raw.abs() if self.nonnegative_W else self.W_raw

    def rates(self) -> torch.Tensor:
        """``dt / tau`` for ``y, a, b, b0``, shape ``(4, N)`` (App. I.2)."""
        scale = torch.tensor([_RATE_SCALES[k] for k in ("y", "a", "b", "b0")], device=self.p.device)
        return scale[:, None] * torch.sigmoid(self.p)

    def input_weights(self) -> torch.Tensor:
        """``[W_zx; W_bx; W_b0x]``, ``(3 N, M)``, with ``W_zx / |W_zx|_2`` when ``normalize_input``."""
        if not self.normalize_input:
            return self.W_in
        N = self.hidden_size
        return torch.cat([_spectral_normalized(self.W_in[:N]), self.W_in[N:]])

    def drive(self, x):
        """``(W_zx s, W_bx s, W_b0x s)`` for every sample, ``(B, T, 3 N)``."""
        return x @ self.input_weights().T

    def initial_state(self, batch):
        return self.x0.expand(batch, -1)

    def vector_field(self, h, d):
        """``d(y, a, b, b0)/dt`` in units of ``dt`` per sample (Eq. 134 divided by ``dt``)."""
        N = self.hidden_size
        y, a, b, b0 = h.split(N, dim=-1)
        z, u_b, u_b0 = d.split(N, dim=-1)
        ry = torch.relu(y)
        ra = torch.relu(a)
        dy = -y + b * z + (1.0 - torch.sqrt(ra.clamp_min(_A_FLOOR))) * (ry @ self.W_r.T)
        da = -a + b0**2 * self.sigma**2 + (ry**2 * ra) @ self.W.T
        s = torch.cat([y, a], -1) @ self.W_gain.T  # (B, 2N): (W_by y + W_ba a, W_b0y y + W_b0a a)
        db = -b + torch.sigmoid(u_b + s[:, :N])
        db0 = -b0 + torch.sigmoid(u_b0 + s[:, N:])
        return torch.cat([dy, da, db, db0], -1) * (self.rates().reshape(-1) / self.dt)

    def step(self, h, d):
        """One step of Eq. 134."""
        return h + self.dt * self.vector_field(h, d)

    def readout(self, h):
        return self.output_layer(torch.relu(h[:, : self.hidden_size]) ** 2)

    def forward(self, x):
        x = self._check_input(x)
        self._check_like_parameters(x)
        N = self.hidden_size
        d = self.drive(x)  # (B, T, 3N)
        h = self.initial_state(x.shape[0])
        c = self.sigma**2
        compiled = self.compile and x.is_cuda
        if self.backend == "parallel":
            hT, self.parallel_result = parallel_organics(d, h, self.rates(), self.W_r, self.W, self.W_gain, c,
                                                         self.parallel_options)
            return self.output_layer(torch.relu(hT[:, :N]) ** 2)
        if self.backend != "reference" and not compiled:
            y = organics_scan(d, h, self.rates(), self.W_r, self.W, self.W_gain, c)[:, :N]
            return self.output_layer(torch.relu(y) ** 2)
        k_y, k_a, k_b, k_b0 = self.rates()
        W_rT, W_T, W_gT = self.W_r.T, self.W.T, self.W_gain.T
        y, a, b, b0 = h.split(N, dim=-1)
        cell = _compiled_cell() if compiled else organics_cell
        for d_t in d.unbind(1):  # not d[:, t]: its backward would zero-fill a (B, T, 3N) tensor per step
            y, a, b, b0 = cell(y, a, b, b0, d_t, k_y, k_a, k_b, k_b0, W_rT, W_T, W_gT, c)
        return self.output_layer(torch.relu(y) ** 2)

    def _check_like_parameters(self, x):
        """``x`` on the parameters' device with their dtype (the fused loop mixes no dtypes)."""
        w = self.W_in
        if x.device != w.device:
            raise ValueError(f"x must be on the net's device {w.device}, got {x.device}")
        if x.dtype != w.dtype:
            raise TypeError(f"x must have the net's dtype {w.dtype}, got {x.dtype}")

    def to_rnnlab(self, inputs=None) -> GainORGaNICs:
        """The circuit as a :class:`~rnnlab.models.organics_gains.GainORGaNICs` (rectified, Eq. 86 with
        Eq. 16), time constants ``tau = dt / rate``, for a constant sample ``inputs`` (default 0) or
        ``inputs(t)``; its Euler step of length ``dt`` is the net's step.

        Raises
        ------
        ValueError
            With ``nonnegative_W=False``, when a trained ``W`` has a negative entry.
        """
        N = self.hidden_size
        W_in = to_numpy64(self.input_weights())
        if inputs is None:
            drives = np.zeros(3 * N)
        elif callable(inputs):
            f = inputs
            drives = None
        else:
            s = np.asarray(inputs, dtype=float)
            if s.shape != (self.input_size,):
                raise ValueError(f"inputs must have shape ({self.input_size},), got {s.shape}")
            drives = W_in @ s
        if drives is None:
            z, u_b, u_b0 = [(lambda t, k=k: (W_in @ np.asarray(f(t), dtype=float))[k * N:(k + 1) * N])
                            for k in range(3)]
        else:
            z, u_b, u_b0 = np.split(drives, 3)
        G = to_numpy64(self.W_gain)
        tau = self.dt / to_numpy64(self.rates())
        return GainORGaNICs(W=to_numpy64(self.W), z=z, u_b=u_b, u_b0=u_b0, sigma=to_numpy64(self.sigma),
                            tau_y=tau[0], tau_a=tau[1], tau_b=tau[2], tau_b0=tau[3], W_r=to_numpy64(self.W_r),
                            W_by=G[:N, :N], W_ba=G[:N, N:], W_b0y=G[N:, :N], W_b0a=G[N:, N:], rectified=True)


class StaticORGaNICsNet(nn.Module):
    """The static ORGaNICs classifier of App. I.1 (Eq. 133), its fixed point by Algorithm 1.

    For an input ``x`` (the sequence flattened, ``input_size * seq_len`` features): ``z = W_zx x``,
    ``b = f(W_bx x)``; the fixed point ``(y_s, a_s)`` of

        tau_y y' = -y + b z + (1 - sqrt([a])) W_r y,      tau_a a' = -a + b0^2 sigma^2 + W (y^2 [a])

    comes from Algorithm 1 (Sec. 6.1) with ``W_r`` of maximum singular value 1, and the logits are a
    linear readout of ``y_s^+ = [y_s]^2``. Gradients flow through the unrolled iterations.

    Parameters
    ----------
    input_size, output_size : int
    hidden_size : int
        ``N`` (50 or 80 in Table 1).
    seq_len : int
        Time steps of the input, flattened into ``input_size * seq_len`` features.
    max_iter : int
        Algorithm 1's ``N`` (10 in App. I.1).
    tol : float
        Algorithm 1's ``epsilon``.
    nonnegative_W : bool
    seed : int

    Examples
    --------
    >>> net = StaticORGaNICsNet(4, 3, hidden_size=5)
    >>> net(torch.rand(2, 1, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(self, input_size: int, output_size: int, *, hidden_size: int = 50, seq_len: int = 1,
                 max_iter: int = 10, tol: float = 1e-6, nonnegative_W: bool = True, seed: int = 0):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.output_size = check_positive_int("output_size", output_size)
        N = self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.seq_len = check_positive_int("seq_len", seq_len)
        self.max_iter = check_positive_int("max_iter", max_iter)
        self.tol = check_range("tol", tol, 0.0, math.inf, hi_open=True)
        self.nonnegative_W = _check_bool("nonnegative_W", nonnegative_W)
        gen = torch.Generator().manual_seed(int(seed))
        M = self.in_features = self.input_size * self.seq_len
        self.W_zx = nn.Parameter(_kaiming(gen, N, M))
        self.W_bx = nn.Parameter(_kaiming(gen, N, M))
        self.R = nn.Parameter(torch.eye(N))
        self.W_raw = nn.Parameter(torch.ones(N, N))
        self.b0 = nn.Parameter(torch.randn(N, generator=gen))
        self.register_buffer("sigma", torch.ones(N))
        self.output_layer = nn.Linear(N, self.output_size)

    @property
    def W(self) -> torch.Tensor:
        return self.W_raw.abs() if self.nonnegative_W else self.W_raw

    @property
    def W_r(self) -> torch.Tensor:
        """``R / |R|_2``: maximum singular value 1 (Sec. 6.1)."""
        return self.R / torch.linalg.matrix_norm(self.R, ord=2)

    def _flatten(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor of shape (batch, T, {self.input_size}), "
                            f"got {type(x).__name__}")
        if x.ndim != 3 or x.shape[-1] != self.input_size or x.shape[1] != self.seq_len:
            raise ValueError(f"x must have shape (batch, seq_len={self.seq_len}, {self.input_size}), "
                             f"got {tuple(x.shape)}")
        return x.reshape(x.shape[0], -1)

    def fixed_point(self, x):
        """Algorithm 1 on a batch: ``(y, a, iterations, residual)`` with ``y, a`` of shape ``(B, N)``
        and ``residual`` the largest line-6 residual ``|y - b z - (1 - sqrt(a)) W_r y|`` over the batch."""
        s = self._flatten(x)
        bz = torch.sigmoid(s @ self.W_bx.T) * (s @ self.W_zx.T)  # (B, N)
        W_r, W = self.W_r, self.W
        c = self.b0**2 * self.sigma**2
        Wr_bz = bz @ W_r.T
        a = c + Wr_bz**2 @ W.T  # line 3
        y = Wr_bz / torch.sqrt(a)  # line 4
        I = torch.eye(self.hidden_size, device=s.device)

        def residual(y, a):
            r = y - bz - (1.0 - torch.sqrt(a.clamp_min(_A_FLOOR))) * (y @ W_r.T)
            return torch.linalg.vector_norm(r, dim=-1).max()

        k = 0
        while k < self.max_iter and residual(y, a).detach().item() > self.tol:
            A = I - W_r + torch.sqrt(a.clamp_min(_A_FLOOR))[:, :, None] * W_r  # (B, N, N)
            y = torch.linalg.solve(A, bz)  # line 7
            a = c + (y**2 * a) @ W.T  # line 8
            k += 1
        return y, a, k, float(residual(y, a).detach())

    def forward(self, x):
        y, _, _, _ = self.fixed_point(x)
        return self.output_layer(torch.relu(y) ** 2)

    def vector_field(self, h, s):
        """Eq. 133 with ``tau = 1`` at states ``h = (y, a)`` ``(B, 2N)`` for flat inputs ``s`` ``(B, M)``."""
        N = self.hidden_size
        y, a = h.split(N, dim=-1)
        bz = torch.sigmoid(s @ self.W_bx.T) * (s @ self.W_zx.T)
        ra = torch.relu(a)
        dy = -y + bz + (1.0 - torch.sqrt(ra.clamp_min(_A_FLOOR))) * (y @ self.W_r.T)
        da = -a + self.b0**2 * self.sigma**2 + (y**2 * ra) @ self.W.T
        return torch.cat([dy, da], -1)

    def to_rnnlab(self, inputs=None) -> ORGaNICs:
        """The circuit of Eq. 133 (``tau = 1``) for one input: ``ORGaNICs(W, z = W_zx x, b = f(W_bx x),
        b0 = |b0|, sigma, W_r)``; ``inputs`` of shape ``(seq_len, input_size)`` or flat, default 0."""
        x = np.zeros(self.in_features) if inputs is None else np.asarray(inputs, dtype=float).reshape(-1)
        if x.shape != (self.in_features,):
            raise ValueError(f"inputs must hold seq_len * input_size = {self.in_features} numbers, "
                             f"got {x.size}")
        b = 1.0 / (1.0 + np.exp(-(to_numpy64(self.W_bx) @ x)))
        return ORGaNICs(W=to_numpy64(self.W), z=to_numpy64(self.W_zx) @ x, b=b,
                        b0=np.abs(to_numpy64(self.b0)), sigma=to_numpy64(self.sigma),
                        W_r=to_numpy64(self.W_r))
