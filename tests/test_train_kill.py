"""Kill tests (issue 15): a CLI run stopped by SIGKILL anywhere ends, once resumed, as if never stopped.

Three ways of killing ``rnnlab-train`` (digits, a tiny vanilla RNN, 3 epochs):

* in a forked child running :func:`rnnlab.train.cli.main`, SIGKILL just before and just after each
  ``os.replace`` of the run (every file write of :mod:`rnnlab.train.rundir` ends in one);
* the same child killed by the parent at random moments;
* a real ``python -m rnnlab.train`` process killed by ``strace`` fault injection on entering the
  rename of a checkpoint (skipped where strace or ptrace is unavailable).

After each kill the run is continued as a user would (``--resume``, or the same command again when it
was killed before its ``config.json``), and its checkpoint weights, metrics and result must equal an
uninterrupted run's bit for bit, with no temporary file left behind.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from rnnlab.train import rundir as rundir_module
from rnnlab.train.cli import main
from rnnlab.train.rundir import load_checkpoint, load_metrics, load_result

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
torch.set_num_threads(1)

TINY = ["--task", "digits", "--net", "rnn", "--set", "hidden_size=8", "--set", "data_limit=150",
        "--batch-size", "64", "--device", "cpu", "--lr", "0.01", "--epochs", "3", "--quiet"]


def command(run_dir) -> list:
    return [*TINY, "--run-dir", str(run_dir)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: its directory and how long it took."""
    run_dir = tmp_path_factory.mktemp("kill") / "straight"
    t0 = time.perf_counter()
    assert main(command(run_dir)) == 0
    return run_dir, time.perf_counter() - t0


def assert_same_run(a, b):
    ca, cb = load_checkpoint(a / "checkpoint.pt"), load_checkpoint(b / "checkpoint.pt")
    assert ca["epoch"] == cb["epoch"] == 3
    for k in ca["model"]:
        assert torch.equal(ca["model"][k], cb["model"][k]), k
    ma, mb = load_metrics(a), load_metrics(b)
    assert list(ma) == list(mb)
    for key in ma:
        if key != "time":
            np.testing.assert_array_equal(ma[key], mb[key], err_msg=key)
    ra, rb = load_result(a), load_result(b)
    for key in ("status", "test_accuracy", "best_val_accuracy", "best_epoch", "epochs"):
        assert ra[key] == rb[key], key
    assert {**ra["config"], "run_dir": None} == {**rb["config"], "run_dir": None}
    assert not list(b.glob("*.tmp"))


def in_child(argv, prepare=None) -> int:
    """Fork; the child runs ``main(argv)`` (after ``prepare()``) and exits; returns the child's pid."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 70
        try:
            if prepare is not None:
                prepare()
            code = main(argv)
        finally:
            os._exit(code)
    return pid


def kill_at_replace(n: int, after: bool):
    """Make the n-th ``os.replace`` of the run directory SIGKILL the process, before or after renaming."""
    real, count = os.replace, [0]

    def replace(src, dst):
        count[0] += 1
        if count[0] == n and not after:
            os.kill(os.getpid(), signal.SIGKILL)
        real(src, dst)
        if count[0] == n and after:
            os.kill(os.getpid(), signal.SIGKILL)

    return lambda: setattr(rundir_module.os, "replace", replace)


def continue_run(run_dir, capsys) -> None:
    """What a user does after a crash: resume, or start again if the run had not got its config."""
    if (run_dir / "config.json").exists():
        assert main(["--resume", str(run_dir), "--quiet"]) == 0
    else:
        assert main(command(run_dir)) == 0
    out = capsys.readouterr().out
    assert '"status": "completed"' in out  # the CLI prints result.json


def test_sigkill_around_every_rename_then_resume_is_identical(reference, tmp_path, capsys):
    straight, _ = reference
    n, killed = 0, 0
    while True:
        n += 1
        outcomes = []
        for after in (False, True):
            run_dir = tmp_path / f"r{n}-{'after' if after else 'before'}"
            _, status = os.waitpid(in_child(command(run_dir), kill_at_replace(n, after)), 0)
            outcomes.append(os.WIFSIGNALED(status))
            if os.WIFSIGNALED(status):
                assert os.WTERMSIG(status) == signal.SIGKILL
                killed += 1
                continue_run(run_dir, capsys)
            assert_same_run(straight, run_dir)
        if not any(outcomes):  # the run makes fewer than n renames: every one has been hit
            break
    assert killed >= 2 * 10  # data, config, epoch-0 checkpoint, 3 x (metrics, checkpoint), best.pt, result


def test_sigkill_at_random_moments_then_resume_is_identical(reference, tmp_path, capsys):
    straight, seconds = reference
    rng = random.Random(15)
    for i in range(4):
        run_dir = tmp_path / f"random{i}"
        pid = in_child(command(run_dir))
        time.sleep(rng.uniform(0.0, seconds))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        continue_run(run_dir, capsys)
        assert_same_run(straight, run_dir)


def _strace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    try:
        return subprocess.run(["strace", "-o", os.devnull, "true"], timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _strace_works(), reason="strace is missing or ptrace is not permitted here")
def test_strace_kills_a_cli_process_at_checkpoint_renames(reference, tmp_path, capsys):
    straight, _ = reference
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    calls = "rename,renameat,renameat2"
    base = [sys.executable, "-m", "rnnlab.train"]
    log = tmp_path / "renames.log"
    subprocess.run(["strace", "-f", "-qq", "-o", str(log), "-e", f"trace={calls}", *base,
                    *command(tmp_path / "traced")], env=env, check=True, capture_output=True, timeout=300)
    renames = [line for line in log.read_text().splitlines() if re.search(r"\brename", line)]
    at = [i + 1 for i, line in enumerate(renames) if "checkpoint.pt" in line.split(",")[-1]]
    assert len(at) == 4  # epoch 0 and the three epochs
    for n in (at[0], at[2]):  # the first checkpoint, and one in the middle of the run
        run_dir = tmp_path / f"strace{n}"
        out = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "-e", f"trace={calls}",
                              "-e", f"inject={calls}:signal=SIGKILL:when={n}", *base, *command(run_dir)],
                             env=env, capture_output=True, timeout=300)
        assert out.returncode != 0 and not (run_dir / "result.json").exists()
        assert list(run_dir.glob("checkpoint.pt*.tmp"))  # killed on entering the rename: the temp is orphaned
        continue_run(run_dir, capsys)
        assert_same_run(straight, run_dir)
    assert json.loads((straight / "result.json").read_text())["status"] == "completed"
