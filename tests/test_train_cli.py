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


def test_seeds_print_the_sweep_table_and_a_rerun_skips_them(tmp_path, capsys):
    argv = [*TINY, "--epochs", "1", "--seeds", "0", "1", "--run-dir", str(tmp_path / "rep")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    header, *rows = out[out.index("seed "):].strip().splitlines()
    assert header.split()[:2] == ["seed", "test_accuracy"] and len(rows) == 2
    for seed, row in zip((0, 1), rows):
        result = load_result(tmp_path / "rep" / f"seed{seed}")
        assert row.split()[:2] == [str(seed), f"{result['test_accuracy']:.4g}"]
    mtime = (tmp_path / "rep" / "seed0" / "result.json").stat().st_mtime_ns
    assert main(argv) == 0  # finished seeds are not run again
    assert (tmp_path / "rep" / "seed0" / "result.json").stat().st_mtime_ns == mtime


def test_executor_local_runs_the_seeds_like_in_process(tmp_path, capsys):
    assert main([*TINY, "--epochs", "1", "--seeds", "0", "1", "--run-dir", str(tmp_path / "a")]) == 0
    assert main([*TINY, "--epochs", "1", "--seeds", "0", "1", "--run-dir", str(tmp_path / "b"),
                 "--executor", "local:2"]) == 0
    for seed in (0, 1):
        a, b = (load_metrics(tmp_path / d / f"seed{seed}") for d in "ab")
        np.testing.assert_array_equal(a["val_loss"], b["val_loss"])
        assert load_result(tmp_path / "b" / f"seed{seed}")["status"] == "completed"


@pytest.mark.parametrize("extra, expected", [
    (["--executor", "tcp://10.0.0.1:8786"], "dask:tcp://10.0.0.1:8786"),
    (["--executor", "slurm", "--executor-option", "timeout_min=5", "--executor-option", "gpus_per_node=1"],
     "slurm:timeout_min=5,gpus_per_node=1"),
    (["--executor", "local:3"], "local:3"),
])
def test_executor_flags_become_a_parse_executor_spec(extra, expected):
    _, args = parse_config(["--seeds", "0", "1", *extra])
    assert args.executor == expected


@pytest.mark.parametrize("argv, message", [
    (["--executor", "local:2"], "--executor runs the seeds of --seeds"),
    (["--seeds", "0", "--executor-option", "a=1"], "--executor-option needs --executor slurm"),
    (["--seeds", "0", "--executor", "local:2", "--executor-option", "a=1"], "is for --executor slurm"),
    (["--seeds", "0", "--executor", "slurm", "--executor-option", "novalue"], "expects KEY=VALUE"),
])
def test_bad_executor_flags_exit_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as err:
        parse_config(argv)
    assert err.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize("spec, message", [("local:0", "positive integer"), ("ray", "expected 'local[:N]'")])
def test_bad_executor_exits_before_any_run(spec, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        main([*TINY, "--seeds", "0", "--executor", spec, "--run-dir", str(tmp_path / "r")])
    assert err.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_seeds_are_refused_under_torchrun(monkeypatch, capsys):
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(SystemExit):
        parse_config(["--seeds", "0", "1"])
    assert "--seeds under torchrun" in capsys.readouterr().err
