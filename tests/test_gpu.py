"""The trained nets and the training loop on a CUDA device, against the same code on the CPU.

Skipped where torch sees no GPU (CI, laptops). Run on a GPU machine with
``RNNLAB_SMOKE=1 python -m pytest -q tests/test_gpu.py``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

from rnnlab.train.data import SequenceData, Split  # noqa: E402
from rnnlab.train.loop import (  # noqa: E402
    RunConfig, StopAfter, load_checkpoint, load_metrics, resolve_device, resume, fit,
)
from rnnlab.train.nets import StabilityMonitor  # noqa: E402
from test_train_nets import SMALL, small  # noqa: E402  (the same small nets as the CPU tests)

CUDA = torch.device("cuda")
COMBO = ("sparse_combo", "svd_combo")


def probe(seed=0, batch=6, T=7):
    return torch.rand(batch, T, 2, generator=torch.Generator().manual_seed(seed))


def on_both(name):
    """The same net on the CPU and, as an exact copy, on the GPU."""
    cpu = small(name)
    return cpu, copy.deepcopy(cpu).to(CUDA)


@pytest.fixture
def full_float32():
    """cuDNN's RNN and LSTM kernels run in TF32 by default (10-bit mantissa, relative error about 1e-3);
    the comparisons with the CPU are of float32 arithmetic, so switch TF32 off for them."""
    saved = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32 = saved


def test_auto_device_is_the_gpu():
    assert resolve_device("auto") == torch.device("cuda")


@pytest.mark.parametrize("name", sorted(SMALL))
def test_forward_and_gradients_agree_with_the_cpu(name, full_float32):
    cpu, gpu = on_both(name)
    assert all(t.device.type == "cuda" for t in [*gpu.parameters(), *gpu.buffers()])
    x = probe()
    out_cpu, out_gpu = cpu(x), gpu(x.to(CUDA))
    assert out_gpu.device.type == "cuda"
    torch.testing.assert_close(out_gpu.cpu(), out_cpu, rtol=1e-4, atol=1e-5)
    out_cpu.square().sum().backward()
    out_gpu.square().sum().backward()
    for (k, p_cpu), (_, p_gpu) in zip(cpu.named_parameters(), gpu.named_parameters()):
        torch.testing.assert_close(p_gpu.grad.cpu(), p_cpu.grad, rtol=1e-3, atol=1e-5, msg=k)


@pytest.mark.parametrize("name", COMBO)
def test_certificate_margin_and_numpy_model_from_a_gpu_net(name):
    """The analysis side (float64 numpy) reads a net that lives on the GPU: same margin, same model."""
    cpu, gpu = on_both(name)
    assert gpu.certificate_margin() == pytest.approx(cpu.certificate_margin(), rel=1e-12)
    m_cpu, m_gpu = cpu.to_rnnlab(inputs=[0.3, -0.2]), gpu.to_rnnlab(inputs=[0.3, -0.2])
    h = np.random.default_rng(0).normal(size=m_cpu.n)
    np.testing.assert_allclose(m_gpu.vector_field(0.0, h), m_cpu.vector_field(0.0, h), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(m_gpu.jacobian(0.0, h), m_cpu.jacobian(0.0, h), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_stability_monitor_agrees_with_the_cpu(name, full_float32):
    cpu, gpu = on_both(name)
    x = probe(3)
    a = StabilityMonitor(x, n_trajectories=2, n_points=3)(cpu)
    b = StabilityMonitor(x.to(CUDA), n_trajectories=2, n_points=3)(gpu)
    assert a.keys() == b.keys()
    for key in a:
        assert b[key] == pytest.approx(a[key], rel=1e-3, abs=1e-4), key


def toy_data(n=128, seed=0) -> SequenceData:
    g = torch.Generator().manual_seed(seed)

    def split(m):
        x = torch.randn(m, 6, 2, generator=g)
        return Split(x, (x.sum(dim=(1, 2)) > 0).long() + (x[:, -1, 0] > 1).long())

    return SequenceData("digits", split(n), split(32), split(32), 3)


CFG = RunConfig(task="digits", net="rnn", net_options={"hidden_size": 8}, epochs=3, batch_size=16, lr=1e-2,
                milestones=(2,), device="cuda", monitor=False)


def test_a_gpu_run_resumes_to_the_uninterrupted_result(tmp_path):
    data = toy_data()
    straight = fit(small("rnn"), data, CFG, run_dir=tmp_path / "a", progress=False)
    stopped = fit(small("rnn"), data, CFG, run_dir=tmp_path / "b", callbacks=[StopAfter(epochs=1)],
                    progress=False)
    assert stopped.status == "stopped" and stopped.epochs_done == 1
    resumed = resume(tmp_path / "b", model=small("rnn", seed=7), data=data, progress=False)
    assert resumed.status == "completed"
    assert next(resumed.model.parameters()).device.type == "cuda"
    for (k, a), (_, b) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
        torch.testing.assert_close(b, a, rtol=1e-6, atol=1e-7, msg=k)
    np.testing.assert_allclose(load_metrics(tmp_path / "b")["train_loss"],
                               load_metrics(tmp_path / "a")["train_loss"], rtol=1e-6)
    # the checkpoint of a GPU run opens on a machine without one
    ckpt = load_checkpoint(tmp_path / "b" / "checkpoint.pt")
    assert all(t.device.type == "cpu" for t in ckpt["model"].values())


@pytest.mark.parametrize("name", ["sparse_combo", "lstm"])
def test_training_on_the_gpu_follows_the_cpu(tmp_path, name, full_float32):
    """One epoch from the same start, batches and seed: the losses on the two devices agree to float32
    round-off, and the Combo Net's certificate holds on the GPU-trained weights."""
    data = toy_data()
    cfg = CFG.replace(net=name, net_options=SMALL[name], epochs=1, milestones=())
    cpu, gpu = on_both(name)
    run_cpu = fit(cpu, data, cfg.replace(device="cpu"), run_dir=tmp_path / "cpu", progress=False)
    run_gpu = fit(gpu.cpu(), data, cfg, run_dir=tmp_path / "gpu", progress=False)
    a, b = load_metrics(tmp_path / "cpu"), load_metrics(tmp_path / "gpu")
    np.testing.assert_allclose(b["train_loss"], a["train_loss"], rtol=1e-3)
    assert run_gpu.test.accuracy == pytest.approx(run_cpu.test.accuracy, abs=2 / run_cpu.test.n)
    if name in COMBO:
        assert run_gpu.model.certificate_margin() > 0


def test_compiled_organics_step_agrees_with_the_plain_one(full_float32):
    """``compile=True`` fuses each time step with torch.compile on the GPU: same outputs and gradients."""
    plain = small("organics").to(CUDA)
    compiled = copy.deepcopy(plain)
    compiled.compile = True
    x = probe(5, T=12).to(CUDA)
    out_plain, out_compiled = plain(x), compiled(x)
    torch.testing.assert_close(out_compiled, out_plain, rtol=1e-5, atol=1e-6)
    out_plain.square().sum().backward()
    out_compiled.square().sum().backward()
    for (k, p), (_, q) in zip(plain.named_parameters(), compiled.named_parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-4, atol=1e-6, msg=k)
