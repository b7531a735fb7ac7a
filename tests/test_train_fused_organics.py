"""The fused ORGaNICs time loop (rnnlab.train._fused_organics, issue 14) against the per-step reference
loop of Eq. 134 (Rawat et al. 2024, App. I.2), and the ``normalize_input`` option (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rnnlab.train._fused_organics import organics_scan
from rnnlab.train.nets import build_net


def _random_net(N, M, seed, dtype, nonnegative_W):
    """A net whose parameters are random (not the structured initialisation), so every term of the
    backward is exercised: negative ``y`` and, with ``nonnegative_W=False``, negative ``a``."""
    net = build_net("organics", input_size=M, output_size=3, hidden_size=N, seed=seed,
                    nonnegative_W=nonnegative_W).to(dtype)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in (net.p, net.W_r, net.W_raw, net.W_gain):
            p.copy_(torch.randn(p.shape, generator=gen, dtype=dtype))
        net.W_raw.mul_(0.3)
    return net


def _outputs_and_grads(net, x, backend):
    net.backend = backend
    net.zero_grad()
    x = x.detach().clone().requires_grad_(True)
    out = net(x)
    (out.sin() * torch.arange(out.numel(), dtype=out.dtype).reshape(out.shape)).sum().backward()
    grads = {k: (p.grad if p.grad is not None else torch.zeros_like(p)) for k, p in net.named_parameters()}
    grads["x"] = x.grad
    return out.detach(), grads


def _graph_nodes(fn):
    """Class names of the autograd graph below ``fn``."""
    seen, stack, names = set(), [fn], []
    while stack:
        f = stack.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        names.append(type(f).__name__)
        stack.extend(g for g, _ in f.next_functions)
    return names


def _assert_rel(actual, expected, rtol, name):
    scale = expected.abs().max().clamp_min(1e-30)
    err = (actual - expected).abs().max() / scale
    assert err <= rtol, f"{name}: relative error {err:.3g} > {rtol}"


@settings(max_examples=12, deadline=None)
@given(N=st.integers(1, 6), M=st.integers(1, 3), B=st.integers(1, 4), T=st.sampled_from([1, 2, 5, 17, 70]),
       seed=st.integers(0, 10**6), nonneg=st.booleans(),
       dtype=st.sampled_from([torch.float64, torch.float32]))
@example(N=3, M=2, B=2, T=70, seed=0, nonneg=False, dtype=torch.float64)
def test_fused_equals_reference_loop(N, M, B, T, seed, nonneg, dtype):
    """Outputs and the gradients of every parameter and of the input (T = 70: three chunks of the
    backward) agree with autograd through the per-step loop: float64 to 1e-6 (outputs) and 1e-5
    (gradients), float32 to 1e-4."""
    net = _random_net(N, M, seed, dtype, nonneg)
    x = torch.randn(B, T, M, generator=torch.Generator().manual_seed(seed + 1), dtype=dtype)
    out_f, g_f = _outputs_and_grads(net, x, "fused")
    out_r, g_r = _outputs_and_grads(net, x, "reference")
    out_tol, grad_tol = (1e-6, 1e-5) if dtype == torch.float64 else (1e-4, 1e-4)
    _assert_rel(out_f, out_r, out_tol, "output")
    assert set(g_f) == set(g_r)
    for k in g_r:
        _assert_rel(g_f[k], g_r[k], grad_tol, k)


def test_auto_is_fused_and_reference_equals_the_equations():
    """``auto`` runs the fused loop; ``forward_reference`` (``step``, the equations) equals both."""
    net = _random_net(5, 2, 3, torch.float64, True)
    x = torch.randn(3, 9, 2, dtype=torch.float64)
    assert net.backend == "auto"
    out_auto = net(x)
    names = _graph_nodes(out_auto.grad_fn)
    assert names.count("_OrganicsScanBackward") == 1 and len(names) < 30  # one node, not 25 T
    net.backend = "reference"
    torch.testing.assert_close(out_auto, net(x), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(net.forward_reference(x), out_auto, rtol=1e-12, atol=1e-14)


def test_gradcheck_of_the_scan():
    """The hand-written backward against finite differences (torch.autograd.gradcheck), every input."""
    gen = torch.Generator().manual_seed(0)
    N, B, T = 3, 2, 4
    r = lambda *s: torch.randn(*s, generator=gen, dtype=torch.float64)  # noqa: E731
    d = r(B, T, 3 * N).requires_grad_()
    h0 = (r(B, 4 * N).abs() + 0.1).requires_grad_()  # a > 0 away from the kink of sqrt([a])
    k = (0.3 * torch.rand(4, N, generator=gen, dtype=torch.float64)).requires_grad_()
    W_r, W_g = r(N, N).requires_grad_(), r(2 * N, 2 * N).requires_grad_()
    W = (0.2 * r(N, N).abs()).requires_grad_()
    c = torch.ones(N, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda *a: organics_scan(*a, c), (d, h0, k, W_r, W, W_g))


def test_state_dict_and_resume_do_not_depend_on_the_backend():
    fused = build_net("organics", input_size=2, output_size=3, hidden_size=4, backend="fused")
    ref = build_net("organics", input_size=2, output_size=3, hidden_size=4, backend="reference")
    assert fused.state_dict().keys() == ref.state_dict().keys()
    ref.load_state_dict(fused.state_dict())
    x = torch.rand(2, 6, 2)
    torch.testing.assert_close(fused(x), ref(x), rtol=1e-5, atol=1e-6)
    # the fused loop is deterministic: two runs are bit-identical (what a resumed CPU run relies on)
    assert torch.equal(fused(x), fused(x))


def test_normalize_input_uses_unit_spectral_norm():
    """``normalize_input=True``: ``z = W_zx s / |W_zx|_2`` (the authors' code); default unchanged."""
    plain = build_net("organics", input_size=3, output_size=2, hidden_size=4, seed=1)
    normed = build_net("organics", input_size=3, output_size=2, hidden_size=4, seed=1, normalize_input=True)
    assert plain.normalize_input is False
    assert plain.state_dict().keys() == normed.state_dict().keys()
    W_zx = plain.W_in[:4]
    Wn = normed.input_weights()
    assert torch.linalg.matrix_norm(Wn[:4], ord=2).item() == pytest.approx(1.0, rel=1e-6)
    torch.testing.assert_close(Wn[:4] * torch.linalg.matrix_norm(W_zx, ord=2), W_zx)
    torch.testing.assert_close(Wn[4:], plain.W_in[4:])  # W_bx, W_b0x untouched
    torch.testing.assert_close(plain.input_weights(), plain.W_in)
    x = torch.rand(2, 5, 3)
    torch.testing.assert_close(normed(x), normed.forward_reference(x), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(normed(x), plain(x))
    model = normed.to_rnnlab(inputs=[1.0, 0.0, 0.0])
    np.testing.assert_allclose(model.z, Wn[:4, 0].detach().double().numpy(), rtol=1e-6)


@pytest.mark.parametrize("call, error, match", [
    (lambda: build_net("organics", input_size=1, output_size=2, backend="cuda"), ValueError, "backend"),
    (lambda: build_net("organics", input_size=1, output_size=2, normalize_input=1), TypeError,
     "normalize_input"),
    (lambda: build_net("organics", input_size=2, output_size=2)(torch.zeros(2, 3, 1)), ValueError, "x must"),
    (lambda: build_net("organics", input_size=2, output_size=2)(torch.zeros(2, 3, 2, dtype=torch.float64)),
     TypeError, "dtype"),
    (lambda: build_net("organics", input_size=2, output_size=2)(torch.zeros(2, 3, 2, dtype=torch.int64)),
     TypeError, "floating"),
    (lambda: build_net("organics", input_size=2, output_size=2)(torch.zeros(2, 3, 2, device="meta")),
     ValueError, "device"),
])
def test_bad_input_raises_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_resumed_cpu_run_is_bit_identical_with_the_fused_loop(tmp_path):
    """A run stopped after epoch 1 and resumed ends with exactly the weights of an uninterrupted one."""
    from rnnlab.train.loop import RunConfig, resume, run

    cfg = RunConfig(task="digits", net="organics", net_options={"hidden_size": 3, "backend": "fused"},
                    epochs=2, batch_size=16, milestones=(), device="cpu", data_limit=48, val_fraction=0.25,
                    monitor=False)
    straight = run(cfg.replace(run_dir=str(tmp_path / "a")), progress=False)
    run(cfg.replace(run_dir=str(tmp_path / "b"), epochs=1), progress=False)
    resumed = resume(tmp_path / "b", epochs=2, progress=False)
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
