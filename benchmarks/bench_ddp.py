"""One training run in one process against the same run under ``torchrun`` with 2 gloo ranks (CPU).

Both are the command line (``python -m rnnlab.train``) on the same config, started alternately from
this script, ``OMP_NUM_THREADS=1`` (one torch thread per process, so torchrun uses two cores). Timed:
the run's own ``wall_time_s`` (training and validation epochs, from ``result.json``) and the whole
command (start-up and imports included); the median over the rounds. The two runs' ``metrics.csv``
are compared (largest difference of the loss columns). This measures DDP's overhead on a CPU only; no
multi-GPU measurement exists.

Run: ``python benchmarks/bench_ddp.py`` (``--quick``: 1 round, 1 epoch, no results file).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _machine import describe  # noqa: E402

from rnnlab.train.loop import load_metrics, load_result  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _command(ranks: int, run_dir: pathlib.Path, epochs: int) -> list:
    args = ["-m", "rnnlab.train", "--task", "digits", "--net", "lstm", "--set", "hidden_size=64",
            "--batch-size", "256", "--epochs", str(epochs), "--device", "cpu", "--no-monitor", "--quiet",
            "--run-dir", str(run_dir)]
    if ranks == 1:
        return [sys.executable, *args]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(ranks), *args]


def _one(ranks: int, run_dir: pathlib.Path, epochs: int) -> tuple[float, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run(_command(ranks, run_dir, epochs), check=True, env=env, capture_output=True)
    return time.perf_counter() - start, load_result(run_dir)["wall_time_s"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "ddp_cpu.md"))
    args = parser.parse_args(argv)
    rounds, epochs = (1, 1) if args.quick else (3, 5)
    times: dict = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(rounds):
            for ranks in (1, 2):
                times[ranks].append(_one(ranks, pathlib.Path(tmp) / f"r{ranks}-{i}", epochs))
                print(f"round {i}, {ranks} process(es): {times[ranks][-1]}", flush=True)
        one, two = load_metrics(pathlib.Path(tmp) / "r1-0"), load_metrics(pathlib.Path(tmp) / "r2-0")
        diff = max(float(np.max(np.abs(one[c] - two[c]))) for c in ("train_loss", "val_loss"))
    med = {r: (statistics.median(t[0] for t in times[r]), statistics.median(t[1] for t in times[r]))
           for r in times}
    from rnnlab.train.cli import parse_config
    from rnnlab.train.loop import _load_data

    cfg, _ = parse_config(_command(1, pathlib.Path("unused"), epochs)[3:])
    n_train = len(_load_data(cfg, torch.device("cpu")).train)
    given = sys.argv[1:] if argv is None else argv
    lines = [
        "# One run: 1 process vs torchrun with 2 gloo ranks (DDP on the CPU)",
        "",
        f"machine: {describe()}; torch {torch.__version__}, 1 thread per process",
        "command: python benchmarks/bench_ddp.py" + "".join(f" {a}" for a in given),
        "",
        f"digits ({n_train} training sequences of 64 steps), LSTM with 64 units, global batch 256, {epochs} "
        f"epochs, CPU; median of {rounds} alternating rounds. Largest difference of train_loss and "
        f"val_loss between the two metrics.csv: {diff:.2e}. Timed on a shared machine (other users' jobs "
        "running): noisy.",
        "",
        "| run | training wall_time_s | whole command (s) | 1 process / this (training) |",
        "|---|---|---|---|",
        f"| 1 process | {med[1][1]:.2f} | {med[1][0]:.2f} | 1.00 |",
        f"| torchrun, 2 gloo ranks | {med[2][1]:.2f} | {med[2][0]:.2f} | {med[1][1] / med[2][1]:.2f} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        pathlib.Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
