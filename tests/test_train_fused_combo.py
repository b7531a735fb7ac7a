"""The fused time loop of the Combo Nets against the reference loop, and the issue-20 options."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.train._fused_combo import combo_loop
from rnnlab.train.nets import SparseComboNet, SVDComboNet


def _net(kind, p, n, constrained, seed, backend, dtype):
    opts = dict(n_modules=p, module_size=n, constrained=constrained, seed=seed, backend=backend,
                coupling_init="linear")
    if kind == "sparse":
        net = SparseComboNet(2, 3, density=0.3, pre_scale=2.0, **opts)
    else:
        net = SVDComboNet(2, 3, **opts)
    return net.to(dtype)


def _outputs_and_grads(net, x):
    net.zero_grad(set_to_none=True)
    x = x.clone().requires_grad_(True)
    y = net(x)
    # a loss whose gradient is not all ones, so every entry of dL/dy matters
    (y * torch.arange(1, y.shape[1] + 1, dtype=y.dtype)).square().sum().backward()
    grads = {k: p.grad.clone() for k, p in net.named_parameters() if p.grad is not None}
    grads["x"] = x.grad.clone()
    return y.detach(), grads


def _rel(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-30))


@settings(max_examples=12, deadline=None)
@given(kind=st.sampled_from(["sparse", "svd"]), p=st.integers(1, 3), n=st.integers(2, 5),
       T=st.sampled_from([1, 2, 7, 23]), batch=st.integers(1, 4), constrained=st.booleans(),
       seed=st.integers(0, 50), dtype=st.sampled_from([torch.float64, torch.float32]))
def test_fused_equals_reference(kind, p, n, T, batch, constrained, seed, dtype):
    """Outputs and the gradients of every parameter and of x: fused = reference loop (issue 14)."""
    fused = _net(kind, p, n, constrained, seed, "fused", dtype)
    ref = _net(kind, p, n, constrained, seed, "reference", dtype)
    ref.load_state_dict(fused.state_dict())  # nn.Linear layers draw from torch's global generator
    x = torch.randn(batch, T, 2, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    y_f, g_f = _outputs_and_grads(fused, x)
    y_r, g_r = _outputs_and_grads(ref, x)
    out_tol, grad_tol = (1e-6, 1e-5) if dtype == torch.float64 else (1e-4, 1e-4)
    assert _rel(y_f, y_r) < out_tol
    assert g_f.keys() == g_r.keys() and "B" in g_f and "x" in g_f
    for k in g_r:
        assert _rel(g_f[k], g_r[k]) < grad_tol, k
    # and both are the equations' own loop, h <- step(h, u_t)
    assert _rel(y_r, fused.forward_reference(x).detach()) < out_tol


def test_combo_loop_matches_autograd_with_gradcheck():
    """The hand-written backward is the derivative of the forward: torch.autograd.gradcheck, float64."""
    gen = torch.Generator().manual_seed(0)
    du = torch.randn(2, 4, 6, generator=gen, dtype=torch.float64, requires_grad=True)
    C = (0.3 * torch.randn(6, 6, generator=gen, dtype=torch.float64)).requires_grad_(True)
    A = (0.3 * torch.randn(3, 2, 2, generator=gen, dtype=torch.float64)).requires_grad_(True)
    assert torch.autograd.gradcheck(combo_loop, (du, C, A))


def test_combo_loop_T1_is_the_drive():
    """From h_0 = 0 one step gives h_1 = du_0, whatever C and A."""
    du = torch.randn(3, 1, 4)
    assert torch.equal(combo_loop(du, torch.randn(4, 4), torch.randn(2, 2, 2)), du[:, 0])


@pytest.mark.parametrize("backend", ["fused", "reference"])
def test_bad_input_names_x(backend):
    net = SVDComboNet(2, 3, n_modules=2, module_size=3, backend=backend)
    with pytest.raises(ValueError, match="x must have shape"):
        net(torch.zeros(4, 5, 3))
    with pytest.raises(ValueError, match="x must have shape"):
        net(torch.zeros(4, 2))
    with pytest.raises(TypeError, match="x must have the net's dtype"):
        net(torch.zeros(4, 5, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="x must be a floating-point"):
        net(torch.zeros(4, 5, 2, dtype=torch.int64))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        net(np.zeros((4, 5, 2)))
    if torch.device("meta") != net.B.device:
        with pytest.raises(ValueError, match="x must be on the net's device"):
            net(torch.zeros(4, 5, 2, device="meta"))


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="backend"):
        SVDComboNet(1, 2, n_modules=2, module_size=2, backend="cuda")
    with pytest.raises(ValueError, match="coupling must"):
        SVDComboNet(1, 2, n_modules=2, module_size=2, coupling="perron")
    with pytest.raises(ValueError, match="coupling_init"):
        SVDComboNet(1, 2, n_modules=2, module_size=2, coupling_init="normal")
    with pytest.raises(ValueError, match="coupling_std"):
        SVDComboNet(1, 2, n_modules=2, module_size=2, coupling_init="linear", coupling_std=0.1)


def test_backend_keeps_state_dict_keys():
    """Checkpoints load across backends: the option adds no parameter or buffer."""
    a = SVDComboNet(1, 2, n_modules=2, module_size=3, backend="reference")
    b = SVDComboNet(1, 2, n_modules=2, module_size=3, backend="fused", seed=1)
    assert a.state_dict().keys() == b.state_dict().keys()
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 6, 1)
    torch.testing.assert_close(a(x), b(x), rtol=1e-5, atol=1e-6)


def test_linear_init_is_uniform_like_nn_linear():
    """coupling_init="linear": masked entries uniform in [-1/sqrt(N), 1/sqrt(N)], variance 1/(3N)."""
    net = SVDComboNet(1, 2, n_modules=4, module_size=8, coupling_init="linear", seed=3)
    N = net.n
    B = net.B.detach()[net.mask.bool()]
    assert torch.all(net.B.detach()[~net.mask.bool()] == 0)
    assert B.abs().max() <= 1 / np.sqrt(N)
    assert abs(B.var().item() * 3 * N - 1) < 0.15  # 384 draws: the sample variance is within ~10%
    zero = SVDComboNet(1, 2, n_modules=4, module_size=8, seed=3)
    assert torch.all(zero.B == 0)


def test_authors_coupling_is_skew_in_identity_and_not_certified():
    """coupling="authors": L = B - B^T (metric 0.5 I, Eq. 3), warns; in the Perron metric the margin is
    below the slowest module's rate, while the certified coupling of the same B keeps that rate."""
    with pytest.warns(UserWarning, match="voids the certificate"):
        authors = SparseComboNet(1, 2, n_modules=3, module_size=6, density=0.3, pre_scale=2.0,
                                 coupling="authors", coupling_init="linear", seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        certified = SparseComboNet(1, 2, n_modules=3, module_size=6, density=0.3, pre_scale=2.0,
                                   coupling_init="linear", seed=2)
    assert torch.equal(authors.B, certified.B)
    L = authors.coupling64()
    np.testing.assert_allclose(L, -L.T, atol=0)
    np.testing.assert_allclose(authors.coupling().detach().double().numpy(), L, rtol=1e-6, atol=1e-7)
    assert not authors.certified and certified.certified
    rate = certified.module_rates().min()
    assert certified.certificate_margin() == pytest.approx(rate, abs=1e-9)
    with torch.no_grad():
        authors.B.mul_(20.0)  # a trained-size coupling
    assert authors.certificate_margin() < 0 < rate


def test_fused_training_steps_are_bit_identical_on_cpu():
    """The fused backward is deterministic on the CPU, so a resumed run repeats an uninterrupted one:
    two Adam steps from the same state give bit-identical parameters."""
    x = torch.randn(3, 9, 1, generator=torch.Generator().manual_seed(1))
    y = torch.tensor([0, 1, 1])
    states = []
    for _ in range(2):
        net = SparseComboNet(1, 2, n_modules=2, module_size=4, density=0.3, pre_scale=2.0,
                             coupling_init="linear", backend="fused")
        if states:
            net.load_state_dict(states[0][0])
        start = {k: v.clone() for k, v in net.state_dict().items()}
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        for _ in range(2):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        states.append((start, net.state_dict()))
    assert any(not torch.equal(states[0][0][k], states[0][1][k]) for k in states[0][0])  # it trained
    for k, v in states[0][1].items():
        assert torch.equal(v, states[1][1][k]), k


_TRITON_CHECK = """
import torch
from rnnlab.train import _triton_combo as tc
from rnnlab.train._fused_combo import _adjoint_torch, combo_loop
for seed, (B, T, p, n) in enumerate([(3, 1, 1, 16), (5, 4, 2, 16), (17, 3, 3, 16)]):
    g = torch.Generator().manual_seed(seed)
    N = p * n
    du = torch.randn(B, T, N, generator=g)
    C = 0.2 * torch.randn(N, N, generator=g)
    A = 0.2 * torch.randn(p, n, n, generator=g)
    assert tc.supported(du, A)
    H = tc.forward_states(du, C, A)
    torch.testing.assert_close(H[T], combo_loop(du, C, A), rtol=1e-4, atol=1e-5)
    g_out = torch.randn(B, N, generator=g)
    torch.testing.assert_close(tc.adjoint_states(H[:T], C, A, g_out), _adjoint_torch(H[:T], C, A, g_out),
                               rtol=1e-4, atol=1e-5)
print("ok")
"""


def test_triton_kernels_in_the_interpreter():
    """The Triton kernels (forward states and adjoint) equal the torch loops, run on the CPU by
    Triton's interpreter (TRITON_INTERPRET=1, set before triton imports: hence a subprocess)."""
    pytest.importorskip("triton", reason="triton is not installed")
    import os
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[1]
    env = dict(os.environ, TRITON_INTERPRET="1", PYTHONPATH=str(root))
    done = subprocess.run([sys.executable, "-c", _TRITON_CHECK], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (the Triton path runs on GPUs only)")
def test_fused_equals_reference_on_cuda():
    pytest.importorskip("triton", reason="triton is not installed")
    ref = SparseComboNet(1, 3, n_modules=4, module_size=16, density=0.1, pre_scale=2.0,
                         coupling_init="linear", backend="reference").cuda()
    fused = SparseComboNet(1, 3, n_modules=4, module_size=16, density=0.1, pre_scale=2.0,
                           coupling_init="linear", backend="fused").cuda()
    fused.load_state_dict(ref.state_dict())
    x = torch.randn(20, 30, 1, device="cuda")
    y_f, g_f = _outputs_and_grads(fused, x)
    y_r, g_r = _outputs_and_grads(ref, x)
    assert _rel(y_f, y_r) < 1e-4
    for k in g_r:
        assert _rel(g_f[k], g_r[k]) < 1e-3, k  # TF32 is off in the kernels; cuBLAS may differ in order
