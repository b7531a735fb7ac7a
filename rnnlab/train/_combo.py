"""Sparse and SVD Combo Nets: trained networks of contracting RNNs (Kozachkov, Ennis & Slotine 2022).

Both nets integrate the network of networks of Eq. 2 with ReLU modules (``g = 1``),

    tau x_i' = -x_i + W_i relu(x_i) + sum_j L_ij x_j + u_i(t),     u(t) = W_in s(t) + b_in,

by forward Euler with the step ``dt`` (``= Delta t / tau``, a hyperparameter the paper does not state;
default 0.1), one input sample ``s_k`` per step, from ``x = 0`` (and ``b_in = 0`` at initialisation);
the logits are a linear readout of the last state ``x_T``. Time is measured in units of ``tau``, so
:meth:`to_rnnlab` returns an :class:`~rnnlab.models.assembly.Assembly` with ``tau = 1`` whose Euler
step of length ``dt`` is the net's step, and whose coupling is the paper's ``L``.

The coupling is the negative feedback of Eq. 3, ``L = B - M^-1 B^T M`` with ``M = BlockDiag(M_i)`` the
modules' metrics, so ``M L + L^T M = 0`` and the assembly contracts at the slowest module's rate
(Corollary 1, A3.1), whatever ``B``. As in A4.1.1 only the lower-triangular off-diagonal blocks of
``B`` are trained (:func:`~rnnlab.models.assembly.block_mask`). The unconstrained control
(``constrained=False``) is the paper's control of Sec. 4.2.3 and A5.2: ``L = B`` with ``B`` free.

Options. ``backend`` picks the time loop: ``"reference"`` the per-step loop differentiated by autograd
(the ground truth), ``"fused"`` (and ``"auto"``) :func:`rnnlab.train._fused_combo.combo_loop`, one
autograd node with a hand-written backpropagation through time (on CUDA, with Triton installed,
float32 and module sizes a power of two >= 16, its two loops are persistent Triton kernels,
:mod:`rnnlab.train._triton_combo`). ``coupling="certified"`` (default) builds ``L`` in the modules'
Perron metrics as above; ``coupling="authors"`` reproduces the authors' code, whose metric is
``0.5 I`` (``L = B - B^T``, not certified for these modules; it warns). ``coupling_init="zero"``
(default) starts ``B~ = 0``, ``"linear"`` like ``nn.Linear`` (uniform in ``+-1/sqrt(N)``), as the
authors' code does. ``backend="parallel"`` evaluates the loop over the whole sequence at once by Newton
(DEER) or quasi-Newton iterations, each a parallel associative scan, with the adjoint recurrence as
its backward (:mod:`rnnlab.train._parallel_combo`); its options are the attribute ``parallel_options``
(a :class:`~rnnlab.train._parallel_combo.ParallelOptions`), the last forward's diagnostics
``parallel_result``, and a run that does not converge warns.

The decisions behind the parameterisation of ``L``, the state scale at initialisation, the input
layer's bias and the time step, with the measurements that led to them, are in ``docs/combo_nets.md``.

Certificate margin. For a block-diagonal metric ``M`` in which module ``i`` contracts at rate
``lam_i`` (1/tau), the Jacobian ``J = BlockDiag(J_i) + L`` of the assembly has
``M J + J^T M <= -2 (min_i lam_i - s) M`` with ``s = lambda_max(sym(M^1/2 L M^-1/2))``. So
``margin = min_i lam_i - s`` is a contraction rate of the whole net when positive; for the constrained
nets ``s = 0`` (``M^1/2 L M^-1/2`` is skew) and the margin is the slowest module's rate.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse
import torch
from torch import nn

from ..certificates.kozachkov import theorem1, theorem5
from ..lognorms import spectral_abscissa
from ..models.assembly import Assembly, block_mask, feedback_coupling
from ..models.rnn import RateRNN
from ._common import BACKENDS, RecurrentNet, check_positive_int, check_range, to_numpy64
from ._fused_combo import combo_loop
from ._parallel_combo import ParallelOptions, parallel_combo_loop

__all__ = ["SparseComboNet", "SVDComboNet", "sample_theorem1_module", "combo_margin"]

COUPLINGS = ("certified", "authors")
COUPLING_INITS = ("zero", "linear")
COMBO_BACKENDS = BACKENDS + ("parallel",)  # "parallel": rnnlab.train._parallel_combo (module docstring)


def sample_theorem1_module(n: int, density: float, pre_scale: float, post_scale: float = 1.0, *, rng=None,
                           max_tries: int = 100_000) -> tuple[np.ndarray, int]:
    """Draw a sparse module ``W`` that passes Theorem 1, by rejection (Kozachkov et al. 2022, A4.1.1, A4.2.2).

    Each candidate is ``scipy.sparse.random(n, n, density)`` with non-zero entries uniform in
    ``[-pre_scale, pre_scale]`` and its diagonal zeroed; it is kept when ``|W| - I`` is Hurwitz
    (Theorem 1 with ``g = 1``, ReLU, and a zero diagonal, so ``|W|' = |W|``). The kept matrix is then
    multiplied by ``post_scale <= 1``, which keeps ``|W| - I`` Hurwitz (its Perron root scales down).
    The paper's best settings (Table S7) are ``n = 32``, density 3.3%, ``pre_scale = 30``,
    ``post_scale = 0.2``: entries in ``[-6, 6]``.

    Parameters
    ----------
    n : int
    density : float in (0, 1]
    pre_scale : float > 0
        Scale applied before the Theorem 1 check.
    post_scale : float in (0, 1]
        Scale applied after selection.
    rng : numpy Generator or int, optional
    max_tries : int

    Returns
    -------
    W : ndarray, shape (n, n)
    tries : int
        Candidates drawn, the kept one included.

    Raises
    ------
    RuntimeError
        When no candidate passes within ``max_tries``: lower ``density`` or ``pre_scale``.

    Examples
    --------
    >>> W, tries = sample_theorem1_module(8, 0.2, 2.0, 0.5, rng=0)
    >>> bool(spectral_abscissa(np.abs(W) - np.eye(8)) < 0), float(np.abs(W).max()) <= 1.0
    (True, True)
    """
    n = check_positive_int("n", n)
    density = check_range("density", density, 0.0, 1.0)
    pre_scale = check_range("pre_scale", pre_scale, 0.0, np.inf, hi_open=True)
    post_scale = check_range("post_scale", post_scale, 0.0, 1.0)
    max_tries = check_positive_int("max_tries", max_tries)
    rng = np.random.default_rng(rng)
    I = np.eye(n)
    for tries in range(1, max_tries + 1):
        W = scipy.sparse.random(n, n, density=density, random_state=rng,
                                data_rvs=lambda k: rng.uniform(-pre_scale, pre_scale, k)).toarray()
        np.fill_diagonal(W, 0.0)
        if spectral_abscissa(np.abs(W) - I) < 0:
            return post_scale * W, tries
    raise RuntimeError(f"no {n} x {n} matrix with density {density:g} and scale {pre_scale:g} passed "
                       f"Theorem 1 in {max_tries} tries; lower density or pre_scale, or raise max_tries")


def combo_margin(rates, metric_diag, L) -> float:
    """``min_i lam_i - lambda_max(sym(M^1/2 L M^-1/2))`` for a diagonal metric (module docstring).

    Parameters
    ----------
    rates : array_like, shape (p,)
        The modules' contraction rates in their metrics.
    metric_diag : array_like, shape (N,)
        Diagonal of ``M = BlockDiag(M_i)``.
    L : array_like, shape (N, N)

    Examples
    --------
    >>> L = feedback_coupling([[0.0, 0.0], [3.0, 0.0]], [[[1.0]], [[4.0]]])
    >>> combo_margin([0.5, 0.2], [1.0, 4.0], L)              # skew in M: the slower module's rate
    0.2
    >>> combo_margin([0.5, 0.2], [1.0, 4.0], [[0.0, 0.0], [3.0, 0.0]])   # L = B: 0.2 - 3 * 2 / 2
    -2.8
    """
    d = np.sqrt(np.asarray(metric_diag, dtype=float))
    S = d[:, None] * np.asarray(L, dtype=float) / d[None, :]
    s = np.linalg.eigvalsh(0.5 * (S + S.T))[-1]
    return round(float(np.min(rates) - s), 12)


class _ComboNet(RecurrentNet):
    """Shared by the two Combo Nets: input layer, coupling, Euler loop, readout, to_rnnlab."""

    def _setup(self, input_size, output_size, n_modules, module_size, dt, constrained, lower_triangular,
               coupling_std, seed, backend="auto", coupling="certified", coupling_init="zero"):
        if not isinstance(backend, str) or backend not in COMBO_BACKENDS:
            raise ValueError(f"backend must be one of {COMBO_BACKENDS}, got {backend!r}")
        self.backend = backend
        self.parallel_options = ParallelOptions()  # of backend="parallel"; replace to change them
        self.parallel_result = None  # the last parallel forward's ParallelResult
        if coupling not in COUPLINGS:
            raise ValueError(f"coupling must be one of {COUPLINGS}, got {coupling!r}")
        if coupling_init not in COUPLING_INITS:
            raise ValueError(f"coupling_init must be one of {COUPLING_INITS}, got {coupling_init!r}")
        self.input_size = check_positive_int("input_size", input_size)
        self.output_size = check_positive_int("output_size", output_size)
        self.n_modules = check_positive_int("n_modules", n_modules)
        self.module_size = check_positive_int("module_size", module_size)
        self.dt = check_range("dt", dt, 0.0, 1.0)
        if not isinstance(constrained, bool):
            raise TypeError(f"constrained must be True or False, got {constrained!r}")
        self.constrained = constrained
        self.coupling_mode = coupling
        if coupling == "authors" and constrained:
            warnings.warn("coupling='authors' uses the authors' code's metric 0.5 I (L = B - B^T), in which "
                          "the modules do not contract: it voids the certificate; certificate_margin() is "
                          "the bound in the Perron metric and the net is not certified by construction",
                          UserWarning, stacklevel=3)
        self.lower_triangular = bool(lower_triangular)
        N = self.n_modules * self.module_size
        self.sizes = (self.module_size,) * self.n_modules
        gen = torch.Generator().manual_seed(int(seed))
        if constrained:
            mask = block_mask(self.sizes, off_diagonal=True, lower_triangular=self.lower_triangular)
        else:
            mask = np.ones((N, N), dtype=bool)  # the control: L = B, B free (Sec. 4.2.3, A5.2)
        self.register_buffer("mask", torch.as_tensor(mask, dtype=torch.float32))
        std = check_range("coupling_std", coupling_std, 0.0, np.inf, lo_open=False, hi_open=True)
        if coupling_init == "linear":  # like nn.Linear's weight (kaiming_uniform, a = sqrt(5))
            if std != 0.0:
                raise ValueError(f"coupling_std must be 0 with coupling_init='linear', got {coupling_std!r}")
            B0 = (2.0 * torch.rand(N, N, generator=gen) - 1.0) / np.sqrt(N)
        else:
            B0 = torch.randn(N, N, generator=gen) * std
        self.B = nn.Parameter(B0 * self.mask)
        self.input_layer = nn.Linear(self.input_size, N)
        with torch.no_grad():  # u = W_in s: a blank input leaves the net at rest (module docstring)
            self.input_layer.bias.zero_()
        self.output_layer = nn.Linear(N, self.output_size)
        return gen

    @property
    def certified(self) -> bool:
        """Whether ``L`` is certified by construction (Eq. 3 in the modules' metrics): ``False`` for the
        control ``L = B`` and for ``coupling="authors"``; :meth:`certificate_margin` still bounds them."""
        return self.constrained and self.coupling_mode == "certified"

    @property
    def n(self) -> int:
        """Units ``N = p n``."""
        return self.n_modules * self.module_size

    # -- to be provided: the module weights (p, n, n) and the metric diagonal (N,), in torch
    def module_weights(self) -> torch.Tensor:
        raise NotImplementedError

    def metric_diagonal(self) -> torch.Tensor:
        raise NotImplementedError

    def coupling(self) -> torch.Tensor:
        """``L = B - M^-1 B^T M`` (Eq. 3) with ``B_ij = B~_ij min(m_i, m_j) / m_i`` from the masked
        parameter ``B~``, i.e. ``L_ij = (B~_ij - B~_ji) min(m_i, m_j) / m_i`` (module docstring); or
        ``L = B~`` for the control, ``L = B~ - B~^T`` for ``coupling="authors"`` (metric ``0.5 I``).
        Shape (N, N)."""
        Bt = self.B * self.mask
        if not self.constrained:
            return Bt
        if self.coupling_mode == "authors":
            return Bt - Bt.T
        m = self.metric_diagonal()
        return (Bt - Bt.T) * (torch.minimum(m[:, None], m[None, :]) / m[:, None])

    def drive(self, x: torch.Tensor) -> torch.Tensor:
        """``u = W_in s + b_in`` for every sample, ``(B, T, N)``."""
        return self.input_layer(x)

    def initial_state(self, batch: int) -> torch.Tensor:
        return torch.zeros(batch, self.n, device=self.B.device)

    def _block_diagonal(self) -> torch.Tensor:
        return torch.block_diag(*self.module_weights())

    def vector_field(self, h, u):
        """``-x + W relu(x) + L x + u`` (Eq. 2 with ``tau = 1``), ``h`` of shape ``(B, N)``."""
        return -h + torch.relu(h) @ self._block_diagonal().T + h @ self.coupling().T + u

    def step(self, h, u):
        """One Euler step ``x + dt (-x + W relu(x) + L x + u)``."""
        return h + self.dt * self.vector_field(h, u)

    def readout(self, h):
        return self.output_layer(h)

    def _check_input(self, x) -> torch.Tensor:
        x = super()._check_input(x)
        if x.dtype != self.B.dtype:
            raise TypeError(f"x must have the net's dtype {self.B.dtype}, got {x.dtype}")
        if x.device != self.B.device:
            raise ValueError(f"x must be on the net's device {self.B.device}, got {x.device}")
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, output_size)`` of ``x`` ``(B, T, input_size)``, by the loop ``backend`` picks."""
        x = self._check_input(x)
        dt = self.dt
        du = dt * self.drive(x)  # (B, T, N), all input projections at once
        A = dt * self.module_weights().transpose(1, 2)  # (p, n, n): module i's relu(x_i) @ A_i
        eye = torch.eye(self.n, device=du.device, dtype=du.dtype)
        C = (dt * self.coupling() + (1.0 - dt) * eye).T  # (N, N): x @ C
        if self.backend == "reference":
            return self.readout(self._loop_reference(du, C, A))
        if self.backend == "parallel":
            h, self.parallel_result = parallel_combo_loop(du, C, A, self.parallel_options)
            return self.readout(h)
        return self.readout(combo_loop(du, C, A))

    def _loop_reference(self, du, C, A):
        """``h_T`` by the per-step loop that autograd differentiates (the ``"reference"`` backend)."""
        batch, p, n = du.shape[0], self.n_modules, self.module_size
        h = du.new_zeros(batch, self.n)
        # unbind, not du[:, t]: the backward of T selections would zero-fill a (B, T, N) tensor T times
        for du_t in du.unbind(1):
            r = torch.relu(h).view(batch, p, n).transpose(0, 1)  # (p, B, n): one small matmul per module
            h = torch.addmm(du_t, h, C) + torch.bmm(r, A).transpose(0, 1).reshape(batch, self.n)
        return h

    # -- the analysis side, in float64
    def _weights64(self) -> np.ndarray:
        """The module weights ``(p, n, n)`` in float64."""
        return to_numpy64(self.module_weights())

    def _metric64(self) -> np.ndarray:
        """The metric diagonal ``(N,)`` in float64."""
        return to_numpy64(self.metric_diagonal())

    def _module_certificates(self, W, metric) -> tuple:
        raise NotImplementedError

    def _slices(self) -> list[slice]:
        return [slice(k * self.module_size, (k + 1) * self.module_size) for k in range(self.n_modules)]

    def coupling64(self) -> np.ndarray:
        """The coupling ``L`` in float64: Eq. 3 by :func:`feedback_coupling` of ``B_ij = B~_ij
        min(m_i, m_j) / m_i`` (the route independent of :meth:`coupling`), or ``B~`` for the control."""
        Bt = to_numpy64(self.B * self.mask)
        if not self.constrained:
            return Bt
        if self.coupling_mode == "authors":  # the authors' metric 0.5 I for every module
            return feedback_coupling(Bt, [0.5 * np.eye(k) for k in self.sizes])
        m = self._metric64()
        B = Bt * (np.minimum(m[:, None], m[None, :]) / m[:, None])
        return feedback_coupling(B, [np.diag(m[s]) for s in self._slices()])

    def to_rnnlab(self, inputs=None) -> Assembly:
        """The recurrent system as an :class:`~rnnlab.models.assembly.Assembly` of ReLU rate RNNs (float64).

        Modules ``RateRNN(W_i, u_i, tau=1, phi="relu")``; the coupling :meth:`coupling64`, so
        ``M L + L^T M = 0`` to round-off for the constrained nets; and the modules' certificates in the
        metric ``L`` is built from (``module_certificates``), so :func:`rnnlab.certify` checks the
        coupling in that metric. One Euler step of length ``dt`` of this model is the net's step.

        Parameters
        ----------
        inputs : None, array_like of shape (input_size,), or callable
            The input samples ``s``: None for ``s = 0`` (``u = b_in``), one constant sample, or ``s(t)``
            (sample ``k`` is presented during ``[k dt, (k + 1) dt)``).
        """
        W, metric = self._weights64(), self._metric64()
        W_in, b_in = to_numpy64(self.input_layer.weight), to_numpy64(self.input_layer.bias)
        slices = self._slices()
        if inputs is None:
            us = [b_in[s] for s in slices]
        elif callable(inputs):
            def u(t, f=inputs):
                return W_in @ np.asarray(f(t), dtype=float) + b_in
            us = [(lambda t, s=s: u(t)[s]) for s in slices]
        else:
            x = np.asarray(inputs, dtype=float)
            if x.shape != (self.input_size,):
                raise ValueError(f"inputs must have shape ({self.input_size},), got {x.shape}")
            u = W_in @ x + b_in
            us = [u[s] for s in slices]
        modules = [RateRNN(Wk, u=uk, tau=1.0, phi="relu") for Wk, uk in zip(W, us)]
        certs = self._module_certificates(W, metric)
        return Assembly(modules, L=self.coupling64(), module_certificates=certs)

    def module_rates(self) -> np.ndarray:
        raise NotImplementedError

    def certificate_margin(self) -> float:
        """``min_i lam_i - lambda_max(sym(M^1/2 L M^-1/2))`` in float64, 1/tau (see :func:`combo_margin`).

        ``lam_i`` is module ``i``'s rate in its metric (Theorem 1 or Theorem 5), ``M`` the net's
        metric, ``L`` the coupling (:meth:`coupling64`). Positive: the net (the continuous system of
        :meth:`to_rnnlab`) contracts in ``M`` at this rate at least. For the constrained nets it is
        ``min_i lam_i`` to round-off.
        """
        return combo_margin(self.module_rates(), self._metric64(), self.coupling64())


class SparseComboNet(_ComboNet):
    """The Sparse Combo Net of Kozachkov et al. (2022), Sec. 4 and A4.1: fixed Theorem 1 modules.

    ``p`` modules of ``n`` ReLU units, each drawn by :func:`sample_theorem1_module` (A4.1.1) and
    then fixed (buffers); each module's diagonal metric ``P_i`` comes from
    :func:`rnnlab.certificates.kozachkov.theorem1` (the Perron metric of ``|W_i| - I``), computed once.
    Trained: ``B`` (masked, Eq. 3), the input and output layers. Defaults are the paper's
    psMNIST/sCIFAR settings, a 16 x 32 net with density 3.3% and entries in ``[-6, 6]`` (Table S7:
    pre-selection scalar 30, post-selection scalar 0.2). See the module docstring for the dynamics.

    Parameters
    ----------
    input_size, output_size : int
    n_modules, module_size : int
        ``p`` and ``n``.
    density, pre_scale, post_scale : float
        Of :func:`sample_theorem1_module`.
    dt : float in (0, 1]
        Euler step ``Delta t / tau``.
    constrained : bool
        ``False``: the control ``L = B``, ``B`` unmasked and free.
    lower_triangular : bool
        Train only the lower-triangular blocks of ``B`` (A4.1.1).
    coupling_std : float
        Std of the initial entries of the trained ``B~`` (module docstring); default 0.
    seed : int
        Seeds the modules and the initial ``B``.
    max_tries : int
        Per module, for the rejection sampler.
    backend : {"auto", "fused", "reference", "parallel"}
        The time loop (module docstring); all give the same outputs and gradients to round-off
        (``"parallel"`` to its tolerance, ``parallel_options``).
    coupling : {"certified", "authors"}
        Eq. 3 in the modules' Perron metrics, or the authors' code's ``L = B - B^T`` (warns: not
        certified). Ignored by the control ``constrained=False``.
    coupling_init : {"zero", "linear"}
        ``B~ = 0``, or uniform in ``+-1/sqrt(N)`` like ``nn.Linear`` (with ``coupling_std = 0``).

    Examples
    --------
    >>> net = SparseComboNet(1, 10, n_modules=2, module_size=8, density=0.2, pre_scale=2.0)
    >>> net(torch.zeros(3, 5, 1)).shape
    torch.Size([3, 10])
    >>> net.certificate_margin() > 0
    True
    """

    def __init__(self, input_size: int, output_size: int, *, n_modules: int = 16, module_size: int = 32,
                 density: float = 0.033, pre_scale: float = 30.0, post_scale: float = 0.2, dt: float = 0.1,
                 constrained: bool = True, lower_triangular: bool = True, coupling_std: float = 0.0,
                 seed: int = 0, max_tries: int = 100_000, backend: str = "auto", coupling: str = "certified",
                 coupling_init: str = "zero"):
        super().__init__()
        self._setup(input_size, output_size, n_modules, module_size, dt, constrained, lower_triangular,
                    coupling_std, seed, backend, coupling, coupling_init)
        rng = np.random.default_rng(seed)
        Ws, metric, tries = [], [], []
        for _ in range(self.n_modules):
            W, k = sample_theorem1_module(self.module_size, density, pre_scale, post_scale, rng=rng,
                                          max_tries=max_tries)
            W = W.astype(np.float32).astype(float)  # the net computes in float32: certify what it runs
            cert = theorem1(RateRNN(W, tau=1.0, phi="relu"))
            if not cert.holds:  # Hurwitz, but too close to the boundary for a Perron metric
                raise RuntimeError("a sampled module passed the Hurwitz test but has no Perron metric; "
                                   "change seed")
            Ws.append(W), metric.append(np.diagonal(cert.metric)), tries.append(k)
        self.density, self.pre_scale, self.post_scale = density, pre_scale, post_scale
        self.tries = tuple(tries)
        # All in the state dict, so a loaded checkpoint carries its own modules and metric; the
        # float64 metric is the one the certificates hold, the float32 copy the one forward uses.
        self.register_buffer("W", torch.as_tensor(np.stack(Ws), dtype=torch.float32))  # (p, n, n), exact
        self.register_buffer("P64", torch.as_tensor(np.concatenate(metric), dtype=torch.float64))  # (N,)
        self.register_buffer("P", self.P64.float())

    METRIC_RTOL = 1e-6  # stored against recomputed module metrics (module_certificates)

    def module_weights(self) -> torch.Tensor:
        return self.W

    def metric_diagonal(self) -> torch.Tensor:
        return self.P

    def _metric64(self) -> np.ndarray:
        return self.P64.detach().cpu().numpy().copy()

    def module_certificates(self) -> tuple:
        """Theorem 1 (:func:`rnnlab.certificates.kozachkov.theorem1`) of each fixed module, recomputed
        from the ``W`` buffer; each metric must be the stored ``P64`` (raises ``RuntimeError`` if a
        loaded state mixed modules and metrics of different nets).

        "The stored ``P64``" to a relative ``METRIC_RTOL`` = 1e-6: the Perron metrics of the paper's
        chain modules have condition numbers up to 6e11, and the same ``W`` gave metrics 3.6e-10
        apart on two machines (numpy 2.5.2 on an H100 host, 2.4.6 here), so a GPU run's checkpoint
        failed the former 1e-12 on the CPU. Another net's metric differs at order one."""
        W, metric = self._weights64(), self._metric64()
        certs = tuple(theorem1(RateRNN(Wk, tau=1.0, phi="relu")) for Wk in W)
        for k, (cert, s) in enumerate(zip(certs, self._slices())):
            if not cert.holds or not np.allclose(np.diagonal(cert.metric), metric[s], rtol=self.METRIC_RTOL,
                                                 atol=0):
                raise RuntimeError(f"module {k}: the stored metric P64 is not Theorem 1's metric of "
                                   "the stored W")
        return certs

    def module_rates(self) -> np.ndarray:
        """Theorem 1 rates ``-mu_{2,P_i}(|W_i| - I)`` of the fixed modules, 1/tau."""
        return np.array([c.rate for c in self.module_certificates()])

    def _module_certificates(self, W, metric):
        return self.module_certificates()


def _skew(A: torch.Tensor) -> torch.Tensor:
    return A - A.transpose(-1, -2)


class SVDComboNet(_ComboNet):
    """The SVD Combo Net of Kozachkov et al. (2022), Sec. 4 and A5.1: trained Theorem 5 modules.

    Each module is ``W_i = Phi_i^-1 U_i Sigma_i V_i^T Phi_i`` (Eq. 19) with ``Phi_i = diag(exp(phi_i))``,
    ``U_i = expm(A_i - A_i^T)``, ``V_i = expm(C_i - C_i^T)`` (orthogonal, Lezcano-Casado &
    Martinez-Rubio 2019) and ``Sigma_i = (sigma_max / g) sigmoid(s_i)`` in ``[0, sigma_max / g)``, with
    ``g = 1`` (ReLU). Then ``|Phi_i W_i Phi_i^-1|_2 = max Sigma_i < 1 / g``: Theorem 5 holds with
    ``P_i = Phi_i^2`` and rate ``1 - g max Sigma_i >= 1 - sigma_max``, and the net contracts in
    ``M = BlockDiag(Phi_i^2)`` (A5.1). All of ``A, C, s, phi, B`` and the layers are trained.

    Decision: the paper's range ``[0, 1/g)`` is open at ``1/g``, which a float32 sigmoid reaches; the
    bound ``sigma_max < 1`` (default 0.99) keeps a positive rate.

    Parameters
    ----------
    input_size, output_size, n_modules, module_size, dt, constrained, lower_triangular, coupling_std, seed
        As :class:`SparseComboNet`.
    backend, coupling, coupling_init
        As :class:`SparseComboNet`.
    sigma_max : float in (0, 1)
        Upper bound of ``g Sigma``.

    Examples
    --------
    >>> net = SVDComboNet(1, 10, n_modules=2, module_size=4)
    >>> net(torch.zeros(3, 5, 1)).shape
    torch.Size([3, 10])
    >>> 0.0 < net.certificate_margin() < 1.0
    True
    """

    def __init__(self, input_size: int, output_size: int, *, n_modules: int = 16, module_size: int = 32,
                 dt: float = 0.1, sigma_max: float = 0.99, constrained: bool = True,
                 lower_triangular: bool = True, coupling_std: float = 0.0, seed: int = 0,
                 backend: str = "auto", coupling: str = "certified", coupling_init: str = "zero"):
        super().__init__()
        gen = self._setup(input_size, output_size, n_modules, module_size, dt, constrained, lower_triangular,
                          coupling_std, seed, backend, coupling, coupling_init)
        self.sigma_max = check_range("sigma_max", sigma_max, 0.0, 1.0, hi_open=True)
        p, n = self.n_modules, self.module_size
        self.A_U = nn.Parameter(torch.randn(p, n, n, generator=gen) / np.sqrt(n))
        self.A_V = nn.Parameter(torch.randn(p, n, n, generator=gen) / np.sqrt(n))
        self.s = nn.Parameter(torch.randn(p, n, generator=gen))
        self.log_phi = nn.Parameter(0.1 * torch.randn(p, n, generator=gen))

    def factors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(Phi, U, Sigma, V)`` of Eq. 19: the diagonals of ``Phi`` and ``Sigma`` ``(p, n)``, the
        orthogonal ``U`` and ``V`` ``(p, n, n)``."""
        U = torch.linalg.matrix_exp(_skew(self.A_U))
        V = torch.linalg.matrix_exp(_skew(self.A_V))
        Sigma = self.sigma_max * torch.sigmoid(self.s)  # g = 1
        return torch.exp(self.log_phi), U, Sigma, V

    def module_weights(self) -> torch.Tensor:
        """``W_i = Phi_i^-1 U_i Sigma_i V_i^T Phi_i``, ``(p, n, n)`` (Eq. 19)."""
        phi, U, Sigma, V = self.factors()
        core = (U * Sigma[:, None, :]) @ V.transpose(-1, -2)
        return core * (phi[:, None, :] / phi[:, :, None])

    def metric_diagonal(self) -> torch.Tensor:
        """``diag(BlockDiag(Phi_i^2))``, ``(N,)``."""
        return torch.exp(2.0 * self.log_phi).reshape(-1)

    def module_rates(self) -> np.ndarray:
        """Theorem 5 rates ``1 - g max Sigma_i`` in the metrics ``Phi_i^2``, 1/tau."""
        with torch.no_grad():
            Sigma = self.sigma_max * torch.sigmoid(self.s.double())
        return 1.0 - Sigma.max(dim=1).values.cpu().numpy()

    def _weights64(self) -> np.ndarray:
        """Eq. 19 in float64: ``U, V`` orthogonal to round-off, so Theorem 5's scaled norm is
        ``max Sigma``."""
        A_U, A_V = to_numpy64(self.A_U), to_numpy64(self.A_V)
        phi = np.exp(to_numpy64(self.log_phi))
        Sigma = self.sigma_max / (1.0 + np.exp(-to_numpy64(self.s)))
        out = []
        for k in range(self.n_modules):
            U = scipy.linalg.expm(A_U[k] - A_U[k].T)
            V = scipy.linalg.expm(A_V[k] - A_V[k].T)
            out.append((U * Sigma[k]) @ V.T * (phi[k][None, :] / phi[k][:, None]))
        return np.stack(out)

    def _metric64(self) -> np.ndarray:
        return np.exp(2.0 * to_numpy64(self.log_phi)).reshape(-1)

    def _module_certificates(self, W, metric):
        # Theorem 5 with the given P = Phi_i^2; theorem5 rescales P to max 1, and the coupling's
        # skew-symmetry is not invariant under a different scale per block, so keep Phi_i^2 itself.
        certs = []
        for Wk, s in zip(W, self._slices()):
            cert = theorem5(RateRNN(Wk, tau=1.0, phi="relu"), P=metric[s])
            certs.append(dataclasses.replace(cert, metric=np.diag(metric[s])))
        return tuple(certs)
