"""``rnnlab-train`` / ``python -m rnnlab.train``: the runs of :mod:`rnnlab.train.loop` from a terminal.

A run starts from the papers' settings for the net (:meth:`RunConfig.paper`); flags and ``--set
key=value`` change them. ``--set`` takes a :class:`RunConfig` field (``--set data_limit=500``) or,
for any other key, an option of the net (``--set hidden_size=64``, ``--set constrained=false``);
values are read as JSON (numbers, ``true``/``false``, ``null``, lists), else as strings.

Examples
--------
::

    rnnlab-train --net sparse_combo --task psmnist                 # the paper's 150-epoch run
    rnnlab-train --net lstm --task digits --epochs 20 --set hidden_size=32 --run-dir runs/lstm-digits
    rnnlab-train --resume runs/lstm-digits                         # continue a stopped run
    rnnlab-train --net sparse_combo --task psmnist --seeds 0 1 2 3 # repeated trials, mean/min/max
    rnnlab-train --task digits --net rnn --seeds 0 1 2 3 --executor local:2 --run-dir runs/rep
    rnnlab-train ... --seeds 0 1 2 3 --executor tcp://scheduler:8786 # a running Dask scheduler
    rnnlab-train ... --seeds 0 1 2 3 --executor slurm --executor-option timeout_min=600 \
                     --executor-option gpus_per_node=1 --executor-option slurm_partition=gpu
    torchrun --nproc_per_node 4 -m rnnlab.train --net organics --task psmnist   # one run on 4 GPUs
    rnnlab-train --net organics --task smnist --print-config       # show the settings, train nothing

Every run ends by printing its ``result.json`` (:func:`rnnlab.train.rundir.load_result`); ``--seeds``
prints the summary and the sweep's table (:meth:`rnnlab.train.sweeps.SweepResult.table`), and
running the same command again skips the finished seeds and resumes the stopped ones. ``--executor``
(with ``--seeds``) hands the seeds to :func:`rnnlab.train.sweeps.parse_executor`'s executors: ``local:N``
(a process pool), a Dask scheduler address ``tcp://host:port`` (or ``dask:local:N``), ``slurm``
(submitit; each ``--executor-option key=value`` is a parameter of its executor). Under torchrun
(:mod:`rnnlab.train.distributed`) only rank 0 prints.

Exit status: 0 when the run (every seed) completes, 130 when stopped (Ctrl-C; the last checkpoint is
kept and ``--resume`` continues it), 3 when training diverges, 1 when a dataset is missing or corrupt,
a run file is damaged or a seed's run fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

__all__ = ["main", "parse_config"]

_FLAGS = {  # flag -> RunConfig field
    "epochs": "epochs", "batch_size": "batch_size", "lr": "lr", "weight_decay": "weight_decay",
    "milestones": "milestones", "gamma": "gamma", "grad_clip": "grad_clip", "seed": "seed",
    "device": "device", "data_root": "data_root", "run_dir": "run_dir", "val_fraction": "val_fraction",
    "permutation_seed": "permutation_seed", "data_limit": "data_limit",
}


def _parser() -> argparse.ArgumentParser:
    from .data import TASKS

    p = argparse.ArgumentParser(
        prog="rnnlab-train",
        description="Train stability-constrained RNNs on sequential benchmarks (rnnlab.train).",
        epilog="Datasets are read from --data-root (default $RNNLAB_DATA or ./data) in torchvision's "
               "layout: MNIST/raw/*-ubyte[.gz], cifar-10-batches-py/. Runs go to --run-dir "
               "(default runs/<task>-<net>-seed<seed>-<time>).")
    p.add_argument("--task", choices=TASKS, default="psmnist", help="benchmark (default psmnist)")
    p.add_argument("--net", default="sparse_combo",
                   help="sparse_combo (default), svd_combo, organics, organics_static, lstm or rnn")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="Adam's initial learning rate")
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--milestones", type=int, nargs="*", help="epochs after which lr is multiplied by gamma")
    p.add_argument("--gamma", type=float)
    p.add_argument("--grad-clip", type=float, help="clip the gradient norm (default: no clipping)")
    p.add_argument("--seed", type=int)
    p.add_argument("--device", help="auto (default), cpu, cuda, cuda:1, ...")
    p.add_argument("--data-root", help="data directory (default $RNNLAB_DATA or ./data)")
    p.add_argument("--run-dir", help="where the run's files go")
    p.add_argument("--val-fraction", type=float)
    p.add_argument("--permutation-seed", type=int, help="seed of the psMNIST pixel order")
    p.add_argument("--data-limit", type=int, help="use only this many training and test images")
    p.add_argument("--standardize", action="store_true", help="standardise inputs per channel")
    p.add_argument("--tensorboard", action="store_true", help="also log for TensorBoard")
    p.add_argument("--no-monitor", action="store_true", help="skip the stability monitor after each epoch")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a RunConfig field or a net option (repeatable)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a stopped run (--epochs extends it)")
    p.add_argument("--seeds", type=int, nargs="+", help="repeat the run once per seed and summarise")
    p.add_argument("--executor", metavar="SPEC",
                   help="run the --seeds on local:N (processes), tcp://host:port (a Dask scheduler), "
                        "dask:local:N or slurm (submitit)")
    p.add_argument("--executor-option", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the slurm executor, e.g. timeout_min=60 (repeatable)")
    p.add_argument("--download", action="store_true", help="download MNIST or CIFAR10 if missing")
    p.add_argument("--print-config", action="store_true", help="print the run's config as JSON and exit")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_config(argv=None):
    """The :class:`RunConfig` and the parsed arguments that ``argv`` describes (no training).

    Examples
    --------
    >>> cfg, _ = parse_config(["--net", "lstm", "--task", "digits", "--set", "hidden_size=32",
    ...                        "--epochs", "5"])
    >>> cfg.net, cfg.task, cfg.epochs, cfg.lr, cfg.net_options
    ('lstm', 'digits', 5, 0.001, {'hidden_size': 32})
    """
    from .config import RunConfig

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        cfg = RunConfig.paper(args.net, args.task)
    except ValueError:
        cfg = RunConfig(task=args.task, net=args.net)
    changes = {field: getattr(args, flag) for flag, field in _FLAGS.items()
               if getattr(args, flag) is not None}
    if args.standardize:
        changes["standardize"] = True
    if args.tensorboard:
        changes["tensorboard"] = True
    if args.no_monitor:
        changes["monitor"] = False
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    options = dict(cfg.net_options)
    for item in args.set:
        key, sep, text = item.partition("=")
        if not sep or not key:
            parser.error(f"--set expects KEY=VALUE, got {item!r}")
        if key in ("task", "net", "net_options"):
            parser.error(f"--set {key}=... is not allowed; use --{key.replace('_', '-')}"
                         if key != "net_options" else "--set net_options is not allowed; set each option")
        if key in fields:
            changes[key] = _value(text)
        else:
            options[key] = _value(text)
    try:
        cfg = cfg.replace(net_options=options, **changes)
    except (TypeError, ValueError) as err:
        parser.error(str(err))
    if args.executor is not None or args.executor_option:
        args.executor = _executor_spec(parser, args)
    if args.seeds and os.environ.get("WORLD_SIZE", "1") not in ("", "1"):
        parser.error("--seeds under torchrun: torchrun trains one run on several processes; run the "
                     "seeds as a sweep (--executor) whose runs are not under torchrun")
    return cfg, args


def _executor_spec(parser, args) -> str:
    """The :func:`~rnnlab.train.sweeps.parse_executor` spec of ``--executor`` and its options."""
    spec, options = args.executor, args.executor_option
    if spec is None:
        parser.error("--executor-option needs --executor slurm")
    if not args.seeds or args.resume:
        parser.error("--executor runs the seeds of --seeds (and not with --resume)")
    if "://" in spec and not spec.startswith("dask:"):
        spec = f"dask:{spec}"  # a Dask scheduler's address
    for item in options:
        if not spec.startswith("slurm"):
            parser.error(f"--executor-option is for --executor slurm, got --executor {args.executor}")
        key, sep, value = item.partition("=")
        if not sep or not key or "," in item:
            parser.error(f"--executor-option expects KEY=VALUE without commas, got {item!r}")
        spec += ("," if ":" in spec else ":") + item
    return spec


def _print_result(run_dir) -> None:
    from .rundir import load_result

    print(f"result.json: {json.dumps(load_result(run_dir), indent=2)}")


def _train(cfg, args):
    """The run(s) that ``args`` ask for; a RunResult, or a RepeatResult for ``--seeds``."""
    from .data import download_cifar10, download_fashion_mnist, download_mnist
    from .loop import repeat, resume, run
    from .sweeps import close_executor

    progress = not args.quiet
    if args.download and not args.resume:
        if cfg.task in ("smnist", "psmnist"):
            download_mnist(cfg.data_root)
        elif cfg.task in ("sfmnist", "psfmnist"):
            download_fashion_mnist(cfg.data_root)
        elif cfg.task == "scifar10":
            download_cifar10(cfg.data_root)
    if args.resume:
        return resume(args.resume, epochs=args.epochs, progress=progress)
    if args.seeds:
        executor = _make_executor(args.executor)
        try:
            return repeat(cfg, args.seeds, progress=progress, executor=executor)
        finally:
            close_executor(executor)
    return run(cfg, progress=progress)


def _make_executor(spec):
    """The executor of a spec, or None; a bad spec or a missing package exits before any run starts."""
    from .sweeps import parse_executor

    if spec is None:
        return None
    try:
        return parse_executor(spec)
    except (TypeError, ValueError) as err:
        _parser().error(str(err))
    except ImportError as err:
        _parser().error(f"--executor {spec}: {err}; install the scale extra: pip install 'rnnlab[scale]'")
    except OSError as err:  # a Dask scheduler that does not answer
        _parser().error(f"--executor {spec}: {type(err).__name__}: {err}")


def _format_table(rows: list) -> str:
    """The rows of :meth:`SweepResult.table` as aligned text."""
    def text(v):
        return f"{v:.4g}" if isinstance(v, float) else ("" if v is None else str(v))

    keys = [k for k in rows[0] if k != "error" or any(r.get("error") for r in rows)]
    cells = [keys] + [[text(r.get(k)) for k in keys] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(keys))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells)


def _report_repeat(result) -> int:
    """Print a repetition's summary and table; the exit status of its worst run."""
    print(result)
    print(_format_table(result.sweep.table()))
    statuses = {one.status for one in result.runs}
    if "error" in statuses:
        return 1
    if "diverged" in statuses:
        return 3
    if statuses - {"completed"}:
        print(f"stopped; the same command continues the unfinished seeds in {result.runs[0].run_dir.parent}")
        return 130
    return 0


def main(argv=None) -> int:
    """Run ``rnnlab-train`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    from .data import DatasetError
    from .distributed import rank
    from .loop import RepeatResult, TrainingDiverged
    from .rundir import RunDirError

    cfg, args = parse_config(argv)
    if args.print_config:
        print(json.dumps(cfg.to_dict(), indent=2))
        return 0
    try:
        result = _train(cfg, args)
    except (DatasetError, RunDirError, FileExistsError, FileNotFoundError) as err:  # data, run files
        print(f"rnnlab-train: {err}", file=sys.stderr)
        return 1
    except TrainingDiverged as err:
        print(f"rnnlab-train: {err}", file=sys.stderr)
        if err.checkpoint is not None:
            _print_result(err.checkpoint.parent)
        return 3
    if rank() != 0:  # under torchrun rank 0 reports the run
        return 130 if result.status == "stopped" else 0
    if isinstance(result, RepeatResult):
        return _report_repeat(result)
    print(result)
    _print_result(result.run_dir)
    if result.status == "stopped":
        print(f"stopped; continue with: rnnlab-train --resume {result.run_dir}")
        return 130
    print(f"run directory: {result.run_dir}")
    return 0
