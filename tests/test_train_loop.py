"""Tests of rnnlab.train.loop: configs, checkpoints, exact resume, divergence, seeds, metrics."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import types

import numpy as np
import pytest
import torch
from torch import nn

from rnnlab.train import data as data_module
from rnnlab.train.data import SequenceData, Split, load_task, pixel_permutation
from rnnlab.train.loop import (
    Callback,
    CheckpointError,
    LivePlot,
    RunConfig,
    StopAfter,
    TensorBoardLogger,
    TrainingDiverged,
    evaluate,
    fit,
    load_checkpoint,
    load_metrics,
    repeat,
    resolve_device,
    resume,
    run,
)

torch.set_num_threads(1)  # tiny models: threads only contend with the other tests on a small machine


def toy_data(n_train=96, seed=0) -> SequenceData:
    """Sequences of 6 steps; the class says whether their sum is positive (learnable by a tiny GRU)."""
    g = torch.Generator().manual_seed(seed)

    def split(n):
        x = torch.randn(n, 6, 1, generator=g)
        return Split(x, (x.sum(dim=(1, 2)) > 0).long())

    return SequenceData("digits", split(n_train), split(32), split(32), 2)


class TinyGRU(nn.Module):
    """A GRU with dropout before its readout, so that training consumes random numbers."""

    def __init__(self, hidden=8):
        super().__init__()
        self.rnn = nn.GRU(1, hidden, batch_first=True)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(hidden, 2)

    def forward(self, x):  # x: (B, T, 1)
        h, _ = self.rnn(x)  # (B, T, H)
        return self.out(self.drop(h[:, -1]))


def tiny_model(seed=0) -> nn.Module:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return TinyGRU()


CFG = RunConfig(task="digits", net="custom", epochs=3, batch_size=16, lr=1e-2, milestones=(2,), gamma=0.5,
                device="cpu")


def weight_norm(model):
    return {"out_norm": float(model.out.weight.detach().norm())}


class StopAt(Callback):
    """Raise KeyboardInterrupt (a user pressing stop) at an epoch's end or in the middle of one."""

    def __init__(self, epoch, batch=None):
        self.epoch, self.batch = epoch, batch

    def on_batch_end(self, epoch, batch, loss):
        if self.batch is not None and (epoch, batch) == (self.epoch, self.batch):
            raise KeyboardInterrupt

    def on_epoch_end(self, row):
        if self.batch is None and row["epoch"] == self.epoch:
            raise KeyboardInterrupt


def test_stop_after_checks_its_arguments():
    with pytest.raises(ValueError, match="epochs or seconds"):
        StopAfter()
    with pytest.raises(ValueError, match="epochs"):
        StopAfter(epochs=0)


def assert_same_state(a: nn.Module, b: nn.Module):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


# --- resume -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stop, done", [(StopAfter(epochs=1), 1), (StopAt(2, batch=3), 1),
                                        (StopAfter(seconds=1e-9), 0)],
                         ids=["after-epoch-1", "inside-epoch-2", "inside-epoch-1"])
def test_resume_reaches_the_uninterrupted_result(tmp_path, stop, done):
    data = toy_data()
    straight = fit(tiny_model(), data, CFG, run_dir=tmp_path / "a", monitor=weight_norm, progress=False)
    stopped = fit(tiny_model(), data, CFG, run_dir=tmp_path / "b", monitor=weight_norm, callbacks=[stop],
                    progress=False)
    assert stopped.status == "stopped" and stopped.test is None
    assert stopped.epochs_done == done
    assert load_checkpoint(tmp_path / "b" / "checkpoint.pt")["epoch"] == stopped.epochs_done
    resumed = resume(tmp_path / "b", model=tiny_model(seed=99), data=data, monitor=weight_norm,
                     progress=False)
    assert resumed.status == "completed" and resumed.epochs_done == 3
    assert_same_state(straight.model, resumed.model)
    a, b = load_metrics(tmp_path / "a"), load_metrics(tmp_path / "b")
    for key in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "out_norm"):
        np.testing.assert_array_equal(a[key], b[key])
    assert resumed.test == straight.test and resumed.best_epoch == straight.best_epoch


def test_checkpoint_holds_only_tensors_and_plain_types(tmp_path):
    res = fit(tiny_model(), toy_data(), CFG.replace(epochs=1), run_dir=tmp_path / "r", progress=False)
    ckpt = load_checkpoint(tmp_path / "r" / "checkpoint.pt")  # torch.load(weights_only=True) inside
    assert ckpt["epoch"] == 1 and RunConfig.from_dict(ckpt["config"]) == res.config
    assert {"model", "optimizer", "scheduler", "rng"} <= set(ckpt)
    assert not list(tmp_path.glob("r/*.tmp"))  # atomic writes leave no temporary files
    mask = os.umask(0)
    os.umask(mask)
    for name in ("checkpoint.pt", "config.json", "best.pt"):  # ordinary files, as open() would make
        assert (tmp_path / "r" / name).stat().st_mode & 0o777 == 0o666 & ~mask
    # a checkpoint that smuggles code is refused instead of executed
    evil = tmp_path / "evil.pt"

    class Evil:
        def __reduce__(self):
            return (print, ("never",))

    buf = io.BytesIO()
    torch.save({"format": 2, "payload": Evil()}, buf)  # behind a valid checksum: only weights_only stops it
    payload = buf.getvalue()
    evil.write_bytes(b"RNNLAB-CHECKPOINT sha256=" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    with pytest.raises(CheckpointError, match=r"evil\.pt holds more than tensors.*weights_only=True"):
        load_checkpoint(evil)
    evil.write_bytes(payload)  # without rnnlab's header: refused before unpickling
    with pytest.raises(CheckpointError, match=r"evil\.pt is not an rnnlab checkpoint"):
        load_checkpoint(evil)


def test_a_finished_run_is_not_overwritten(tmp_path):
    fit(tiny_model(), toy_data(), CFG.replace(epochs=1), run_dir=tmp_path / "r", progress=False)
    with pytest.raises(FileExistsError, match="resume"):
        fit(tiny_model(), toy_data(), CFG.replace(epochs=1), run_dir=tmp_path / "r", progress=False)
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        resume(tmp_path / "nowhere")
    with pytest.raises(TypeError, match="model=..., data="):  # a custom model cannot be rebuilt by name
        resume(tmp_path / "r")


# --- divergence ---------------------------------------------------------------------------------------

class BlowsUp(TinyGRU):
    """Its logits are multiplied by ``exp(40 k)`` on the k-th training call: inf, then NaN, by call 3."""

    def __init__(self):
        super().__init__()
        self.register_buffer("calls", torch.zeros(()))

    def forward(self, x):
        if self.training:
            self.calls += 1
        return super().forward(x) * torch.exp(40.0 * self.calls)


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    data = toy_data(n_train=32)  # two batches per epoch: epoch 1 ends before the blow-up
    saved = {}

    class Snapshot(Callback):
        def on_epoch_end(self, row):
            saved[row["epoch"]] = {k: v.clone() for k, v in model.state_dict().items()}

    model = BlowsUp()
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 0.*last good checkpoint \(epoch 1\)") as err:
        fit(model, data, CFG, run_dir=tmp_path / "r", callbacks=[Snapshot()], progress=False)
    assert err.value.epoch == 2 and not np.isfinite(err.value.loss)
    ckpt = load_checkpoint(err.value.checkpoint)
    assert ckpt["epoch"] == 1
    for k, v in saved[1].items():
        assert torch.equal(ckpt["model"][k], v)
    assert all(torch.isfinite(v).all() for v in ckpt["model"].values())


# --- seeds, schedule, metrics -------------------------------------------------------------------------

def test_seed_makes_runs_reproducible(tmp_path):
    data = toy_data()
    cfg = CFG.replace(epochs=1)
    a = fit(tiny_model(), data, cfg, progress=False)
    b = fit(tiny_model(), data, cfg, progress=False)
    c = fit(tiny_model(), data, cfg.replace(seed=1), progress=False)
    assert_same_state(a.model, b.model)
    assert not torch.equal(a.model.out.weight, c.model.out.weight)  # another batch order and dropout
    # the run leaves the caller's global RNG as it found it
    state = torch.get_rng_state()
    fit(tiny_model(), data, cfg, progress=False)
    assert torch.equal(state, torch.get_rng_state())


def test_metrics_csv_config_and_lr_schedule(tmp_path):
    cfg = CFG.replace(epochs=4, milestones=(1, 3), gamma=0.5)
    res = fit(tiny_model(), toy_data(), cfg, run_dir=tmp_path / "r", monitor=weight_norm, progress=False)
    m = load_metrics(tmp_path / "r")
    assert list(m)[:7] == ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "time"]
    np.testing.assert_array_equal(m["epoch"], [1, 2, 3, 4])
    # MultiStepLR: the lr of epoch e is lr * gamma^(number of milestones < e)
    np.testing.assert_allclose(m["lr"], [1e-2, 5e-3, 5e-3, 2.5e-3])
    assert m["out_norm"][-1] == pytest.approx(weight_norm(res.model)["out_norm"], rel=1e-6)
    stored = json.loads((tmp_path / "r" / "config.json").read_text())
    assert RunConfig.from_dict(stored) == res.config
    assert res.best_epoch == int(m["epoch"][np.argmax(m["val_acc"])])
    assert "test accuracy" in repr(res) and "completed after 4/4" in repr(res)


def test_evaluate_agrees_with_a_direct_computation():
    data, model = toy_data(), tiny_model()
    with torch.no_grad():
        model.eval()
        logits = model(data.test.x)
    model.train()
    direct_acc = float((logits.argmax(1) == data.test.y).float().mean())
    direct_loss = float(nn.functional.cross_entropy(logits, data.test.y))
    for bs in (5, 1000):
        ev = evaluate(model, data, batch_size=bs)
        assert ev.accuracy == pytest.approx(direct_acc) and ev.loss == pytest.approx(direct_loss, rel=1e-5)
    assert model.training  # the mode is restored


def test_training_learns_the_toy_task():
    res = fit(tiny_model(), toy_data(n_train=256), CFG.replace(epochs=4), progress=False)
    assert res.test.accuracy > 0.75  # chance is about 0.5


# --- config runs: build_net, stored permutation, repeat -------------------------------------------------

def write_fake_mnist(root, n_train=24, n_test=8):
    rng = np.random.default_rng(0)
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    files = (("train-images-idx3-ubyte", (n_train, 28, 28)), ("train-labels-idx1-ubyte", (n_train,)),
             ("t10k-images-idx3-ubyte", (n_test, 28, 28)), ("t10k-labels-idx1-ubyte", (n_test,)))
    for name, shape in files:
        a = rng.integers(0, 256 if len(shape) == 3 else 10, shape, dtype=np.uint8)
        header = bytes([0, 0, 8, a.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in shape)
        (raw / name).write_bytes(header + a.tobytes())


def test_psmnist_run_stores_its_permutation_and_resumes_with_it(tmp_path, monkeypatch):
    write_fake_mnist(tmp_path / "data")
    cfg = RunConfig(task="psmnist", net="rnn", net_options={"hidden_size": 4}, epochs=2, batch_size=8,
                    milestones=(), device="cpu", data_root=str(tmp_path / "data"), permutation_seed=5,
                    val_fraction=0.25, monitor=False)
    straight = run(cfg.replace(run_dir=str(tmp_path / "a")), progress=False)
    run(cfg.replace(run_dir=str(tmp_path / "b"), epochs=1), progress=False)
    stored = json.loads((tmp_path / "b" / "data.json").read_text())["permutation"]
    np.testing.assert_array_equal(stored, pixel_permutation(784, 5))
    # resume must use the stored order, not re-derive it: break the generator to prove it
    monkeypatch.setattr(data_module, "pixel_permutation", lambda n, seed: np.arange(n))
    resumed = resume(tmp_path / "b", epochs=2, progress=False)
    assert_same_state(straight.model, resumed.model)


def test_repeat_summarises_mean_min_max(tmp_path):
    cfg = RunConfig(task="digits", net="rnn", net_options={"hidden_size": 4}, epochs=1, batch_size=64,
                    device="cpu", data_limit=120, val_fraction=0.25, monitor=False)
    rep = repeat(cfg, seeds=[0, 1], run_dir=tmp_path / "rep", progress=False)
    acc = np.array([r.test_accuracy for r in rep.runs])
    assert (rep.mean, rep.min, rep.max) == (pytest.approx(acc.mean()), acc.min(), acc.max())
    assert [r.config.seed for r in rep.runs] == [0, 1]
    assert (tmp_path / "rep" / "seed1" / "metrics.csv").exists()
    assert "2 seeds [0, 1]: test accuracy mean" in repr(rep)


# --- configs and devices ------------------------------------------------------------------------------

def test_paper_presets_are_the_papers_numbers():
    k = RunConfig.paper("sparse_combo", "psmnist")  # Kozachkov et al. 2022, A4.1.1
    assert (k.epochs, k.lr, k.weight_decay, k.milestones, k.gamma) == (150, 1e-3, 1e-5, (90, 140), 0.1)
    c = RunConfig.paper("svd_combo", "scifar10")  # A4.2.3, Table S10
    assert (c.epochs, c.milestones) == (200, (140, 190))
    o = RunConfig.paper("organics", "smnist")  # Rawat et al. 2024, Table 6 and I.2
    assert (o.batch_size, o.lr, o.weight_decay, o.grad_clip, o.val_fraction) == (256, 0.01, 1e-5, None, 0.05)
    assert RunConfig.paper("organics_static", "mnist5000").lr == 1e-3
    assert RunConfig.paper("lstm", "psmnist", epochs=3).epochs == 3
    with pytest.raises(ValueError, match="no paper preset"):
        RunConfig.paper("gru")


@pytest.mark.parametrize("changes, error, match", [
    (dict(task="imagenet"), ValueError, "task must be one of"),
    (dict(epochs=-1), ValueError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(lr=0.0), ValueError, "lr"),
    (dict(milestones=(5, 3)), ValueError, "milestones"),
    (dict(grad_clip=-1.0), ValueError, "grad_clip"),
    (dict(val_fraction=1.0), ValueError, "val_fraction"),
    (dict(net_options=[1]), TypeError, "net_options"),
])
def test_bad_config_is_refused(changes, error, match):
    with pytest.raises(error, match=match):
        RunConfig(**changes)
    with pytest.raises(ValueError, match="unknown RunConfig fields"):
        RunConfig.from_dict({"task": "digits", "colour": "red"})


def test_device_and_argument_checks():
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device"):
        resolve_device("gpu7")
    with pytest.raises(TypeError, match="SequenceData"):
        fit(tiny_model(), None, CFG)
    with pytest.raises(ValueError, match="no trainable parameters"):
        fit(nn.Sequential(nn.Flatten(), nn.Linear(6, 2)).requires_grad_(False), toy_data(), CFG)


# --- callbacks ----------------------------------------------------------------------------------------

def test_live_plot_and_tensorboard_follow_the_epochs(tmp_path, monkeypatch):
    scalars = []

    class FakeWriter:
        def __init__(self, log_dir):
            self.log_dir = log_dir

        def add_scalar(self, tag, value, global_step):
            scalars.append((tag, global_step, value))

        def flush(self):
            pass

        def close(self):
            pass

    fake = types.SimpleNamespace(SummaryWriter=FakeWriter)
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", fake)
    live = LivePlot(display=False)
    res = fit(tiny_model(), toy_data(), CFG.replace(epochs=2, tensorboard=True), run_dir=tmp_path / "r",
                callbacks=[live], progress=False)
    assert [len(line.get_xdata()) for line in live.ax_acc.get_lines()] == [2, 2]  # train and val
    np.testing.assert_allclose(live.ax_loss.get_lines()[0].get_ydata(),
                               [r["train_loss"] for r in res.history])
    assert ("val_acc", 2, res.history[1]["val_acc"]) in scalars
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # not installed
    with pytest.raises(ImportError, match="pip install tensorboard"):
        TensorBoardLogger(tmp_path / "tb")


def test_digits_task_trains_a_config_net_end_to_end(tmp_path):
    cfg = RunConfig(task="digits", net="lstm", net_options={"hidden_size": 16}, epochs=3, batch_size=32,
                    lr=1e-2, milestones=(), device="cpu", data_limit=400, val_fraction=0.1, monitor=False)
    res = run(cfg.replace(run_dir=str(tmp_path / "r")), progress=False)
    chance = 1 / 10
    assert res.test.accuracy > 2 * chance and len(load_task("digits", limit=400).test) == res.test.n
