"""Tests of the rnnlab-train command (rnnlab.train.cli), run in-process on the offline digits."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnlab.train.cli import main, parse_config
from rnnlab.train.loop import RunConfig, load_checkpoint, load_metrics, load_result

torch.set_num_threads(1)

TINY = ["--task", "digits", "--net", "rnn", "--set", "hidden_size=8", "--set", "data_limit=150",
        "--batch-size", "64", "--device", "cpu", "--lr", "0.01", "--no-monitor", "--quiet"]


def test_flags_and_set_reach_the_config():
    cfg, _ = parse_config(["--net", "sparse_combo", "--task", "psmnist", "--epochs", "150"])
    assert cfg == RunConfig.paper("sparse_combo", "psmnist")  # the paper's run, nothing changed
    cfg, _ = parse_config(["--net", "sparse_combo", "--set", "density=0.05", "--set", "constrained=false",
                           "--set", "grad_clip=1.5", "--milestones", "10", "20", "--seed", "4"])
    assert cfg.net_options == {"dt": 8 / 784, "density": 0.05, "constrained": False}  # preset_dt("psmnist")
    assert (cfg.grad_clip, cfg.milestones, cfg.seed) == (1.5, (10, 20), 4)


@pytest.mark.parametrize("argv", [["--set", "novalue"], ["--set", "task=digits"], ["--set", "epochs=-3"],
                                  ["--task", "imagenet"]])
def test_bad_arguments_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as err:
        parse_config(argv)
    assert err.value.code == 2
    assert "rnnlab-train" in capsys.readouterr().err


def test_print_config_trains_nothing(capsys, tmp_path):
    assert main(["--net", "organics", "--task", "smnist", "--print-config",
                 "--run-dir", str(tmp_path / "r")]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert RunConfig.from_dict(shown) == RunConfig.paper("organics", "smnist", run_dir=str(tmp_path / "r"))
    assert not (tmp_path / "r").exists()


def test_train_then_resume_equals_a_straight_run(tmp_path, capsys):
    assert main([*TINY, "--epochs", "2", "--run-dir", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "completed after 2/2 epochs" in out
    printed = json.loads(out[out.index("result.json: ") + len("result.json: "):out.index("run directory:")])
    assert printed == load_result(tmp_path / "a") and printed["epochs"] == 2  # the CLI prints result.json
    assert main([*TINY, "--epochs", "1", "--run-dir", str(tmp_path / "b")]) == 0
    assert main(["--resume", str(tmp_path / "b"), "--epochs", "2", "--quiet"]) == 0
    a = load_checkpoint(tmp_path / "a" / "checkpoint.pt")
    b = load_checkpoint(tmp_path / "b" / "checkpoint.pt")
    assert a["epoch"] == b["epoch"] == 2
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    np.testing.assert_array_equal(load_metrics(tmp_path / "a")["val_loss"],
                                  load_metrics(tmp_path / "b")["val_loss"])
    stored = json.loads((tmp_path / "a" / "config.json").read_text())
    assert stored["net_options"] == {"hidden_size": 8} and stored["data_limit"] == 150


def test_seeds_repeat_the_run_and_summarise(tmp_path, capsys):
    assert main([*TINY, "--epochs", "1", "--seeds", "0", "1", "--run-dir", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert "2 seeds [0, 1]: test accuracy mean" in out
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["seed0", "seed1"]


def test_missing_dataset_is_explained(tmp_path, capsys):
    assert main(["--task", "psmnist", "--net", "rnn", "--data-root", str(tmp_path), "--quiet",
                 "--run-dir", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte" in err and str(tmp_path / "MNIST" / "raw") in err


def test_python_dash_m_runs_the_same_main():
    argv = [sys.executable, "-m", "rnnlab.train", "--net", "lstm", "--task", "digits", "--print-config"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == RunConfig.paper("lstm", "digits").to_dict()
