"""Tests of rnnlab.train.rundir and the run's safety nets (issue 15, issue 20): atomic files, checksums,
damaged files refused by name, divergence caught after the epoch, result.json, the presets' dt rule."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from rnnlab.train.callbacks import Callback, StopAfter
from rnnlab.train.config import SEQ_LEN, RunConfig, preset_dt
from rnnlab.train.data import load_task
from rnnlab.train.loop import TrainingDiverged, fit, resume, run, train
from rnnlab.train.rundir import (CheckpointError, RunDir, RunDirError, atomic_write, load_checkpoint,
                                 load_metrics, load_result, save_checkpoint)
from test_train_loop import CFG, tiny_model, toy_data

torch.set_num_threads(1)

DIGITS = RunConfig(task="digits", net="rnn", net_options={"hidden_size": 4}, epochs=2, batch_size=64,
                   lr=1e-2, data_limit=150, device="cpu", monitor=False)


def test_atomic_write_and_orphaned_temps(tmp_path):
    atomic_write(tmp_path / "f.json", b"one")
    atomic_write(tmp_path / "f.json", b"two")
    assert (tmp_path / "f.json").read_bytes() == b"two" and not list(tmp_path.glob("*.tmp"))
    (tmp_path / "checkpoint.pt.abc.tmp").write_bytes(b"half a checkpoint")
    RunDir(tmp_path)
    assert not list(tmp_path.glob("*.tmp"))


def test_a_flipped_bit_or_a_truncation_is_detected_by_name(tmp_path):
    fit(tiny_model(), toy_data(), CFG.replace(epochs=2), run_dir=tmp_path / "r", progress=False)
    path = tmp_path / "r" / "checkpoint.pt"
    good = path.read_bytes()
    assert load_checkpoint(path)["epoch"] == 2
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x10
    path.write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match=r"checkpoint\.pt is corrupt.*best\.pt holds the weights"):
        resume(tmp_path / "r", model=tiny_model(), data=toy_data(), progress=False)
    path.write_bytes(good[: len(good) - 100])
    with pytest.raises(CheckpointError, match=r"checkpoint\.pt is corrupt"):
        load_checkpoint(path)
    path.write_bytes(good[:10])
    with pytest.raises(CheckpointError, match=r"checkpoint\.pt is not an rnnlab checkpoint"):
        load_checkpoint(path)


@pytest.mark.parametrize("text, match", [
    ("", r"holds 0 epochs but the checkpoint is at epoch 2"),
    ("epoch,train_loss,train_acc,val_loss,val_acc,lr,time\n1,0.5,x,0.5,0.5,0.01,1\n", "line 2"),
    ("epoch,train_loss\n1,0.5\n", "header must start with"),
    ("epoch,train_loss,train_acc,val_loss,val_acc,lr,time\n2,0.5,0.5,0.5,0.5,0.01,1\n", "epoch 2 where 1"),
], ids=["empty", "not-a-number", "header", "epochs-out-of-order"])
def test_a_garbled_metrics_file_is_refused_by_name(tmp_path, text, match):
    fit(tiny_model(), toy_data(), CFG.replace(epochs=2), run_dir=tmp_path / "r", progress=False)
    (tmp_path / "r" / "metrics.csv").write_text(text)
    with pytest.raises(RunDirError, match="metrics.csv.*" + match):
        resume(tmp_path / "r", model=tiny_model(), data=toy_data(), epochs=3, progress=False)


def test_a_run_killed_before_its_first_checkpoint_starts_afresh(tmp_path):
    straight = run(DIGITS.replace(run_dir=str(tmp_path / "a")), progress=False)
    run(DIGITS.replace(run_dir=str(tmp_path / "b")), callbacks=[StopAfter(seconds=1e-9)], progress=False)
    for name in ("checkpoint.pt", "metrics.csv", "result.json"):  # as if killed right after config.json
        (tmp_path / "b" / name).unlink(missing_ok=True)
    again = resume(tmp_path / "b", progress=False)
    assert again.status == "completed"
    for k, v in straight.model.state_dict().items():
        assert torch.equal(v, again.model.state_dict()[k]), k


class PoisonLastStep(Callback):
    """Turn a weight into NaN after the last optimizer step of ``epoch`` (the loss stays finite)."""

    def __init__(self, model, epoch, n_batches):
        self.model, self.epoch, self.n_batches = model, epoch, n_batches

    def on_batch_end(self, epoch, batch, loss):
        if (epoch, batch) == (self.epoch, self.n_batches - 1):
            with torch.no_grad():
                self.model.out.weight[0, 0] = math.nan


def test_nan_weights_after_an_epoch_are_never_saved(tmp_path):
    model, data = tiny_model(), toy_data(n_train=32)  # two batches of 16
    poison = PoisonLastStep(model, 2, 2)
    expected = r"parameters \['out.weight'\].*epoch 2.*checkpoint \(epoch 1\)"
    with pytest.raises(TrainingDiverged, match=expected):
        fit(model, data, CFG, run_dir=tmp_path / "r", callbacks=[poison], progress=False)
    ckpt = load_checkpoint(tmp_path / "r" / "checkpoint.pt")
    assert ckpt["epoch"] == 1 and all(bool(torch.isfinite(v).all()) for v in ckpt["model"].values())
    best = load_checkpoint(tmp_path / "r" / "best.pt")["model"]
    assert all(bool(torch.isfinite(v).all()) for v in best.values())
    assert list(load_metrics(tmp_path / "r")["epoch"]) == [1]
    result = load_result(tmp_path / "r")
    assert result["status"] == "diverged" and result["epochs"] == 1 and result["test_accuracy"] is None


def test_result_json_holds_the_contract_keys(tmp_path):
    res = run(DIGITS.replace(net="sparse_combo", net_options={"n_modules": 2, "module_size": 4},
                             run_dir=str(tmp_path / "r")), progress=False)
    out = load_result(tmp_path / "r")
    m = load_metrics(tmp_path / "r")
    assert out["status"] == "completed" and out["epochs"] == 2 and out["device"] == "cpu"
    assert out["test_accuracy"] == res.test_accuracy
    assert out["best_val_accuracy"] == float(np.max(m["val_acc"]))
    assert out["config"] == res.config.to_dict()
    assert out["wall_time_s"] == pytest.approx(m["time"].sum(), abs=1e-3)
    assert out["certificate_margin"] == pytest.approx(float(res.model.certificate_margin()))
    fit(tiny_model(), toy_data(), CFG.replace(epochs=2), run_dir=tmp_path / "s",
        callbacks=[StopAfter(epochs=1)], progress=False)
    stopped = load_result(tmp_path / "s")
    assert stopped["status"] == "stopped" and stopped["test_accuracy"] is None
    assert stopped["certificate_margin"] is None and stopped["epochs"] == 1
    json.dumps(stopped, allow_nan=False)  # strict JSON: no NaN


def test_presets_dt_rule():
    for task, T in SEQ_LEN.items():
        assert preset_dt(task) == min(0.1, 8 / T)
        for net in ("sparse_combo", "svd_combo"):
            cfg = RunConfig.paper(net, task)
            assert cfg.net_options["dt"] * T == pytest.approx(min(0.1 * T, 8.0))  # T dt = 8 time constants
        assert "dt" not in RunConfig.paper("organics", task).net_options
    assert RunConfig.paper("sparse_combo", "psmnist", net_options={"dt": 0.05}).net_options == {"dt": 0.05}
    assert load_task("digits", limit=20).seq_len == SEQ_LEN["digits"]


@pytest.mark.parametrize("changes, error, match", [
    ({"net": "sparse_comb"}, ValueError, "net must be one of"),
    ({"net": 3}, TypeError, "net must be a net name"),
    ({"device": "gpu"}, ValueError, "device must be"),
    ({"device": 0}, TypeError, "device must be a str"),
])
def test_config_fields_are_checked_early(changes, error, match):
    with pytest.raises(error, match=match):
        RunConfig(**changes)


def test_callbacks_must_be_callbacks_and_train_is_a_deprecated_shim(tmp_path):
    with pytest.raises(TypeError, match="callbacks must be"):
        fit(tiny_model(), toy_data(), CFG, callbacks=[object()])
    with pytest.raises(ValueError, match="config.net must name a net"):
        run(CFG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = train(tiny_model(), toy_data(), CFG.replace(epochs=1), progress=False)
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    new = fit(tiny_model(), toy_data(), CFG.replace(epochs=1), progress=False)
    assert old.test == new.test


# --- properties ---------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(finite, finite, finite), min_size=0, max_size=6))
def test_metrics_round_trip_exactly(tmp_path_factory, values):
    rd = RunDir(tmp_path_factory.mktemp("m"))
    header = [*"epoch train_loss train_acc val_loss val_acc lr time".split(), "margin"]
    rows = [{"epoch": i + 1, "train_loss": a, "train_acc": b, "val_loss": c, "val_acc": a, "lr": b, "time": c,
             "margin": a - c if math.isfinite(a - c) else 0.0} for i, (a, b, c) in enumerate(values)]
    rd.write_metrics(header, rows)
    assert rd.read_metrics(len(rows)) == (header, rows)  # str(float) -> float is exact


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_single_bit_flip_is_detected(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("c") / "checkpoint.pt"
    save_checkpoint({"format": 2, "model": {"w": torch.arange(6.0)}}, path)
    blob = bytearray(path.read_bytes())
    i = data.draw(st.integers(0, len(blob) - 1), label="byte")
    blob[i] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    path.write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match=r"checkpoint\.pt"):
        load_checkpoint(path)
