"""The parallel-in-time backend of ORGaNICs (issue 19) against the per-step reference loop of Eq. 134."""

from __future__ import annotations

import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.train._parallel_combo import ParallelOptions
from rnnlab.train._parallel_organics import parallel_organics, parallel_organics_states
from rnnlab.train.nets import build_net
from test_train_fused_organics import _outputs_and_grads, _random_net  # the same nets and loss
from test_train_fused_combo import _rel

F64 = torch.float64


@settings(max_examples=10, deadline=None)
@given(N=st.integers(1, 4), M=st.integers(1, 2), B=st.integers(1, 3), T=st.sampled_from([1, 2, 5, 17]),
       seed=st.integers(0, 10**6), nonneg=st.booleans(), method=st.sampled_from(["newton", "quasi-newton"]))
def test_parallel_equals_reference_loop(N, M, B, T, seed, nonneg, method):
    """Outputs and the gradients of every parameter and of the input, float64."""
    net = _random_net(N, M, seed, F64, nonneg)
    net.parallel_options = ParallelOptions(method=method)
    x = torch.randn(B, T, M, generator=torch.Generator().manual_seed(seed + 1), dtype=F64)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the default budget T converges
        out_p, g_p = _outputs_and_grads(net, x, "parallel")
    assert net.parallel_result.converged and net.parallel_result.iterations <= T
    out_r, g_r = _outputs_and_grads(net, x, "reference")
    assert _rel(out_p, out_r) < 1e-8
    assert set(g_p) == set(g_r)
    for k in g_r:
        assert _rel(g_p[k], g_r[k]) < 1e-6, k


def test_adjoint_gradcheck():
    """The adjoint against finite differences of the converged forward, every differentiable input."""
    gen = torch.Generator().manual_seed(0)
    N, B, T = 2, 1, 3
    r = lambda *s: torch.randn(*s, generator=gen, dtype=F64)  # noqa: E731
    d = r(B, T, 3 * N).requires_grad_()
    h0 = (r(B, 4 * N).abs() + 0.1).requires_grad_()  # a > 0 away from the kink of sqrt([a])
    k = (0.3 * torch.rand(4, N, generator=gen, dtype=F64)).requires_grad_()
    W_r, W_g = r(N, N).requires_grad_(), r(2 * N, 2 * N).requires_grad_()
    W = (0.2 * r(N, N).abs()).requires_grad_()
    c = torch.ones(N, dtype=F64)
    opts = ParallelOptions(tol=1e-14)
    assert torch.autograd.gradcheck(lambda *a: parallel_organics(*a, c, opts)[0], (d, h0, k, W_r, W, W_g))


def test_not_converged_is_flagged_and_first_k_steps_are_exact():
    net = _random_net(3, 1, 7, F64, True)
    x = torch.randn(2, 12, 1, generator=torch.Generator().manual_seed(0), dtype=F64)
    d, h0 = net.drive(x), net.initial_state(2)
    args = (d, h0, net.rates(), net.W_r, net.W, net.W_gain, net.sigma ** 2)
    exact = parallel_organics_states(*args, tol=1e-300).states  # the full budget T: exact
    net.backend = "reference"
    ref = net(x)
    net.parallel_options = ParallelOptions(max_iter=2)
    net.backend = "parallel"
    with pytest.warns(RuntimeWarning, match="did not converge"):
        out = net(x)
    res = net.parallel_result
    assert not res.converged and res.status == "max_iter" and res.iterations == 2
    assert torch.allclose(res.states[:, :3], exact[:, :3], rtol=1e-10, atol=1e-12)
    assert not torch.allclose(out, ref, rtol=1e-8, atol=1e-10)  # the last iterate, flagged


def test_the_jacobian_memory_limit_holds_for_organics_too(monkeypatch):
    from rnnlab.train import _parallel_combo

    net = _random_net(3, 1, 7, F64, True)
    x = torch.randn(2, 6, 1, generator=torch.Generator().manual_seed(0), dtype=F64)
    S = net.initial_state(2).shape[-1]
    monkeypatch.setattr(_parallel_combo, "JACOBIAN_MEMORY_LIMIT", 2 * 6 * S * S * 8 - 1)
    net.backend = "parallel"
    with pytest.raises(MemoryError, match=rf"\(2, 6, {S}, {S}\)"):
        net(x)


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="'parallel'"):
        build_net("organics", input_size=1, output_size=2, backend="scan")
    with pytest.raises(TypeError, match="options must"):
        parallel_organics(torch.zeros(1, 2, 3), torch.zeros(1, 4), torch.ones(4, 1), torch.eye(1),
                          torch.eye(1), torch.eye(2), torch.ones(1), {"tol": 1.0})
