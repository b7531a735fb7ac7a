"""The parallel-in-time backend of the Combo Nets (issue 19) against the reference loop."""

from __future__ import annotations

import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.train._fused_combo import combo_loop
from rnnlab.train._parallel_combo import (ParallelOptions, affine_scan, parallel_combo_loop,
                                          parallel_combo_states)
from rnnlab.train.nets import SparseComboNet, SVDComboNet
from test_train_fused_combo import _net, _outputs_and_grads, _rel  # the same nets and loss as the fused tests

F64 = torch.float64


def _sequential(M, b, x0):
    """``x_{t+1} = x_t M_t + b_t`` step by step (the plain loop the scan must equal)."""
    x, out = x0, []
    for t in range(b.shape[-2]):
        Mt = M[..., t, :, :] if M.ndim > b.ndim else M[..., t, :]
        x = (x.unsqueeze(-2) @ Mt).squeeze(-2) if M.ndim > b.ndim else x * Mt
        x = x + b[..., t, :]
        out.append(x)
    return torch.stack(out, dim=-2)


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 40), n=st.integers(1, 4), batch=st.integers(1, 3), full=st.booleans(),
       seed=st.integers(0, 1000))
def test_affine_scan_equals_the_sequential_loop(T, n, batch, full, seed):
    """The odd-even scan solves the same linear time-varying recurrence as the loop, any T (odd, 1)."""
    gen = torch.Generator().manual_seed(seed)
    shape = (batch, T, n, n) if full else (batch, T, n)
    M = torch.randn(*shape, generator=gen, dtype=F64) / (n ** 0.5 if full else 1.0)
    b = torch.randn(batch, T, n, generator=gen, dtype=F64)
    x0 = torch.randn(batch, n, generator=gen, dtype=F64)
    ref = _sequential(M, b, x0)
    assert torch.allclose(affine_scan(M, b, x0), ref, rtol=1e-9, atol=1e-9 * float(ref.abs().max()))


@settings(max_examples=12, deadline=None)
@given(kind=st.sampled_from(["sparse", "svd"]), p=st.integers(1, 3), n=st.integers(2, 4),
       T=st.sampled_from([1, 2, 7, 23]), batch=st.integers(1, 3), constrained=st.booleans(),
       method=st.sampled_from(["newton", "quasi-newton"]), seed=st.integers(0, 50))
def test_parallel_equals_reference(kind, p, n, T, batch, constrained, method, seed):
    """Outputs and the gradients of every parameter and of x: parallel = reference loop, float64."""
    par = _net(kind, p, n, constrained, seed, "parallel", F64)
    par.parallel_options = ParallelOptions(method=method)
    ref = _net(kind, p, n, constrained, seed, "reference", F64)
    ref.load_state_dict(par.state_dict())
    x = torch.randn(batch, T, 2, generator=torch.Generator().manual_seed(seed), dtype=F64)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the default budget T always converges
        y_p, g_p = _outputs_and_grads(par, x)
    y_r, g_r = _outputs_and_grads(ref, x)
    assert par.parallel_result.converged and par.parallel_result.iterations <= T
    assert _rel(y_p, y_r) < 1e-8
    assert g_p.keys() == g_r.keys() and "B" in g_p and "x" in g_p
    for k in g_r:
        assert _rel(g_p[k], g_r[k]) < 1e-7, k


@pytest.mark.parametrize("method", ["newton", "quasi-newton"])
def test_adjoint_is_the_derivative_gradcheck(method):
    """The implicit-function adjoint is the derivative of the converged forward (finite differences)."""
    gen = torch.Generator().manual_seed(1)
    du = torch.randn(2, 5, 6, generator=gen, dtype=F64, requires_grad=True)
    C = 0.3 * torch.randn(6, 6, generator=gen, dtype=F64) + 0.5 * torch.eye(6, dtype=F64)
    C.requires_grad_(True)
    A = (0.3 * torch.randn(3, 2, 2, generator=gen, dtype=F64)).requires_grad_(True)
    opts = ParallelOptions(method=method, tol=1e-14)

    def f(du, C, A):
        return parallel_combo_loop(du, C, A, opts)[0]

    assert torch.autograd.gradcheck(f, (du, C, A))


@pytest.mark.parametrize("method", ["newton", "quasi-newton"])
def test_iterate_k_makes_the_first_k_steps_exact(method):
    """After k iterations from h = 0, h_1 .. h_k are the sequential states (so T iterations always do)."""
    gen = torch.Generator().manual_seed(3)
    du = torch.randn(2, 12, 6, generator=gen, dtype=F64)
    C, A = 0.6 * torch.randn(6, 6, generator=gen, dtype=F64), torch.randn(2, 3, 3, generator=gen, dtype=F64)
    exact = parallel_combo_states(du, C, A, method=method, tol=1e-300).states  # budget T: exact
    assert torch.allclose(exact[:, -1], combo_loop(du, C, A), rtol=1e-10, atol=1e-10)
    for k in (1, 3, 6):
        res = parallel_combo_states(du, C, A, method=method, max_iter=k)
        assert torch.allclose(res.states[:, :k + 1], exact[:, :k + 1], rtol=1e-10, atol=1e-12)


def test_linear_net_takes_one_newton_iteration():
    """A = 0 makes the step affine: the first Newton scan is the solution (quasi-Newton: C diagonal)."""
    gen = torch.Generator().manual_seed(4)
    du, C = torch.randn(3, 50, 4, generator=gen, dtype=F64), 0.3 * torch.randn(4, 4, generator=gen, dtype=F64)
    res = parallel_combo_states(du, C, torch.zeros(2, 2, 2, dtype=F64))
    assert res.converged and res.iterations == 1
    res = parallel_combo_states(du, torch.diag(torch.diagonal(C)), torch.zeros(2, 2, 2, dtype=F64),
                                method="quasi-newton")
    assert res.converged and res.iterations == 1


def test_not_converged_is_flagged_not_silent():
    """A budget too small for the trajectory: a RuntimeWarning, and parallel_result says so."""
    net = SVDComboNet(2, 3, n_modules=2, module_size=3, backend="parallel", coupling_init="linear").to(F64)
    net.parallel_options = ParallelOptions(method="quasi-newton", max_iter=2)
    x = 3.0 * torch.randn(4, 40, 2, generator=torch.Generator().manual_seed(0), dtype=F64)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        net(x)
    res = net.parallel_result
    assert not res.converged and res.status == "max_iter" and res.iterations == 2
    assert res.residuals[-1] > res.tol and len(res.residuals) == 3


def test_a_jacobian_stack_over_the_memory_limit_is_refused_before_it_is_built(monkeypatch):
    """Newton holds B T N^2 entries: over the limit it refuses (naming the size and the way out);
    quasi-Newton (B T N) still runs under the same limit."""
    from rnnlab.train import _parallel_combo

    net = SparseComboNet(1, 2, n_modules=2, module_size=4, backend="parallel").to(F64)  # N = 8
    x = torch.randn(3, 5, 1, generator=torch.Generator().manual_seed(0), dtype=F64)
    need = 3 * 5 * 8 * 8 * 8  # bytes of the (B, T, N, N) float64 stack
    monkeypatch.setattr(_parallel_combo, "JACOBIAN_MEMORY_LIMIT", need - 1)
    with pytest.raises(MemoryError, match=r"\(3, 5, 8, 8\).*quasi-newton"):
        net(x)
    net.parallel_options = ParallelOptions(method="quasi-newton")
    net(x)
    monkeypatch.setattr(_parallel_combo, "JACOBIAN_MEMORY_LIMIT", need)
    net.parallel_options = ParallelOptions(method="newton")
    net(x)


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="method must"):
        ParallelOptions(method="jacobi")
    with pytest.raises(ValueError, match="tol must"):
        ParallelOptions(tol=-1.0)
    with pytest.raises(ValueError, match="max_iter must"):
        ParallelOptions(max_iter=1.5)
    with pytest.raises(TypeError, match="options must"):
        parallel_combo_loop(torch.zeros(1, 2, 4), torch.eye(4), torch.zeros(2, 2, 2), {"tol": 1e-3})
    with pytest.raises(ValueError, match="du must have shape"):
        parallel_combo_states(torch.zeros(2, 4), torch.eye(4), torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="'parallel'"):
        SVDComboNet(1, 2, n_modules=2, module_size=2, backend="scan")


def test_parallel_keeps_state_dict_keys():
    """The backend adds no parameter or buffer, so checkpoints load across backends."""
    a = SparseComboNet(1, 2, n_modules=2, module_size=4, density=0.3, pre_scale=2.0, backend="parallel")
    b = SparseComboNet(1, 2, n_modules=2, module_size=4, density=0.3, pre_scale=2.0, backend="fused")
    assert a.state_dict().keys() == b.state_dict().keys()
