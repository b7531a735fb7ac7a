"""A sweep of 8 short training runs: in-process (one after another) against a 2-worker LocalCluster.

Both sweeps run the same 8 configs (digits task, LSTMs with 16 and 32 units x 4 seeds) in fresh run
directories, side by side in this process. The cluster's time is given in all and for the runs alone,
without starting it (``LocalCluster(n_workers=2, threads_per_worker=1)``, worker processes) and without
the workers' first import of torch and the data (the in-process sweep has them from a warm-up run).
torch uses one thread per process in both, so the in-process sweep uses one core and the cluster two.
The rows of the two sweeps are checked to be identical (wall times aside). The ratio is in-process time
/ cluster time.

Run: ``python benchmarks/bench_sweep.py`` (``--quick``: 1 epoch, no results file).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import tempfile
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _machine import describe  # noqa: E402

from rnnlab.train.loop import RunConfig  # noqa: E402
from rnnlab.train.sweeps import repeat_configs, sweep  # noqa: E402


def _configs(base: pathlib.Path, epochs: int):
    cfg = RunConfig(task="digits", net="lstm", epochs=epochs, batch_size=32, lr=1e-2, milestones=(),
                    device="cpu", monitor=False)
    return [c for h in (16, 32) for c in
            repeat_configs(cfg.replace(net_options={"hidden_size": h}), range(4), run_dir=base / f"h{h}")]


def _rows(result):
    return [{k: v for k, v in r.items() if k != "wall_time_s"} for r in result.table()]


def _warm_worker():
    """One thread, and the imports and data the in-process sweep already has (its warm-up run)."""
    import torch

    from rnnlab.train.data import load_task

    torch.set_num_threads(1)
    load_task("digits")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="1 epoch, no results file")
    parser.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "sweep.md"))
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    epochs = 1 if args.quick else args.epochs
    os.environ["OMP_NUM_THREADS"] = "1"  # inherited by the worker processes (set before torch starts there)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        sweep(_configs(tmp / "warm", 1)[:1], progress=False)  # imports and the digits data, once
        start = time.perf_counter()
        local = sweep(_configs(tmp / "inproc", epochs), progress=False)
        t_local = time.perf_counter() - start
        print(f"in-process: {t_local:.2f} s", flush=True)

        start = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
                Client(cl) as client:
            t_up = time.perf_counter() - start
            client.run(_warm_worker)
            t_warm = time.perf_counter() - start - t_up
            start_runs = time.perf_counter()
            dask = sweep(_configs(tmp / "dask", epochs), client, progress=False)
            t_runs = time.perf_counter() - start_runs
        t_dask = time.perf_counter() - start
        print(f"dask: {t_dask:.2f} s in all, {t_up:.2f} s to start, {t_warm:.2f} s to import torch and the "
              f"data in the workers, {t_runs:.2f} s for the runs", flush=True)
    same = _rows(local) == _rows(dask)
    if not same:
        raise RuntimeError("the in-process and Dask sweeps gave different rows")
    given = sys.argv[1:] if argv is None else argv
    cmd = "python benchmarks/bench_sweep.py" + "".join(f" {a}" for a in given)
    per_run = [r["wall_time_s"] for r in local.table()]
    per_run_dask = [r["wall_time_s"] for r in dask.table()]
    lines = [
        "# A sweep of 8 short runs: in-process vs a 2-worker Dask LocalCluster",
        "",
        f"machine: {describe()}; torch {torch.__version__}, 1 thread per process",
        f"command: {cmd}",
        "",
        f"8 runs: digits, LSTM with 16 and 32 units x seeds 0-3, {epochs} epochs, batch 32, CPU. Same "
        f"process, one after the other; the rows of both sweeps are identical (wall times aside): {same}. "
        "Timed on a shared machine (other users' jobs running): noisy.",
        "",
        "| sweep | wall time (s) | in-process / this |",
        "|---|---|---|",
        f"| in-process (executor=None) | {t_local:.2f} | 1.00 |",
        f"| LocalCluster, 2 workers, all in (start, worker imports, runs, close) | {t_dask:.2f} | "
        f"{t_local / t_dask:.2f} |",
        f"| LocalCluster, 2 workers, runs only (start {t_up:.2f} s, worker imports {t_warm:.2f} s) | "
        f"{t_runs:.2f} | {t_local / t_runs:.2f} |",
        "",
        f"One run (its own wall_time_s): in-process {min(per_run):.2f}-{max(per_run):.2f} s, "
        f"on a cluster worker {min(per_run_dask):.2f}-{max(per_run_dask):.2f} s.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        pathlib.Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
