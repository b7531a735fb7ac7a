"""Sweeps: many :class:`~rnnlab.train.loop.RunConfig` runs on any executor, one table row per run.

``sweep(configs, executor)`` hands each run to ``executor.submit(fn, *args)`` -- a
``concurrent.futures`` executor, a ``dask.distributed.Client``, a submitit executor -- or runs them
in-process (``executor=None``). The papers report repeated trials by mean, min and max over seeds
(Kozachkov et al. 2022, Table 1 and A4.2.3); :func:`repeat_configs` builds such a seed repetition and
:func:`rnnlab.plots.sweeps.sweep_plot` draws it.

Decisions:

* A diverged run is a row with ``status="diverged"`` and the loop's message; a run that raises
  otherwise (out of memory, bad data) or whose worker dies (the future's ``result()`` raises) is a row
  with ``status="error"`` and the error's text; the sweep goes on.
* The training loop ends every run directory with ``result.json`` (keys ``status``,
  ``test_accuracy``, ``best_val_accuracy``, ``epochs``, ``wall_time_s``, ``device``,
  ``certificate_margin``, ``config``, ...); a row is its content. A rerun reads it: a run whose status
  is final (:data:`FINAL_STATUSES`; a diverged run diverges again, bit for bit) is not run again; a run
  directory with ``checkpoint.pt`` but no final result is resumed from its checkpoint
  (:func:`rnnlab.train.loop.resume`), so it ends as the uninterrupted run would.
* Every config needs its own ``run_dir`` (that is what makes a rerun possible); duplicates are refused
  before anything runs, as are executors without ``submit`` and items that are not RunConfigs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
import traceback
from pathlib import Path
from typing import Any, Sequence

from .loop import RunConfig

__all__ = ["sweep", "SweepResult", "repeat_configs", "parse_executor", "close_executor", "read_result",
           "FINAL_STATUSES", "COLUMNS"]

#: Statuses of result.json after which a rerun does not run the config again.
FINAL_STATUSES = ("completed", "diverged")

#: The metric columns of :meth:`SweepResult.table` (after the varying config fields and ``seed``).
COLUMNS = ("test_accuracy", "best_val_accuracy", "certificate_margin", "epochs", "wall_time_s", "device",
           "status", "error")


def _train_one(config: RunConfig, resume_from: str | None, callbacks: Sequence = ()):
    """The one call into the training loop: resume a run directory with a checkpoint, else run."""
    from .loop import resume, run

    if resume_from is not None:
        return resume(resume_from, callbacks=callbacks, progress=False)
    return run(config, callbacks=callbacks, progress=False)


def read_result(run_dir) -> dict | None:
    """The parsed ``result.json`` of a run directory, or None when it is absent or unreadable."""
    path = Path(run_dir) / "result.json"
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _execute(config_dict: dict, callbacks: Sequence = ()) -> dict:
    """Run (or resume) one config where the executor puts it; never raises for a failed run.

    The training loop writes ``result.json`` (also for a diverged run, before it raises
    :class:`~rnnlab.train.loop.TrainingDiverged`); the row is that file's content, so a diverged run
    is a ``"diverged"`` row carrying the loop's message, and only a run that left no result is an
    ``"error"`` row.
    """
    config = RunConfig.from_dict(config_dict)
    run_dir = Path(config.run_dir)
    start = time.perf_counter()
    try:
        resume_from = str(run_dir) if (run_dir / "checkpoint.pt").exists() else None
        _train_one(config, resume_from, callbacks)
        error = None
    except Exception as err:  # noqa: BLE001 -- a failed run is a row, not the end of the sweep
        error, trace = f"{type(err).__name__}: {err}", traceback.format_exc()
    done = read_result(run_dir)
    if done is not None and (error is None or done.get("status") == "diverged"):
        return {**done, "error": error}
    return {"status": "error", "error": error or "the run wrote no result.json",
            "traceback": trace if error else None, "wall_time_s": time.perf_counter() - start,
            "config": config_dict}


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in d.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = tuple(value) if isinstance(value, list) else value
    return out


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """The outcome of :func:`sweep`: the configs and one record (result.json's keys + error) per run."""

    configs: tuple
    records: tuple = dataclasses.field(repr=False)
    skipped: tuple = ()  # indices of runs found finished and not run again

    def varying(self) -> list[str]:
        """The config fields (``net_options.x`` flattened) that differ between runs, except seed, run_dir."""
        flats = [_flat(c.to_dict()) for c in self.configs]
        keys = sorted(set().union(*flats)) if flats else []
        return [k for k in keys if k not in ("seed", "run_dir")
                and len({repr(f.get(k)) for f in flats}) > 1]

    def table(self) -> list[dict]:
        """One dict per run: the varying fields, ``seed``, then :data:`COLUMNS`.

        ``pandas.DataFrame(result.table())`` makes it a data frame.
        """
        keys = self.varying()
        rows = []
        for cfg, rec in zip(self.configs, self.records):
            flat = _flat(cfg.to_dict())
            row = {k: flat.get(k) for k in keys}
            row["seed"] = cfg.seed
            row.update({c: rec.get(c) for c in COLUMNS})
            rows.append(row)
        return rows

    @property
    def errors(self) -> list[dict]:
        return [row for row in self.table() if row["status"] == "error"]

    def __repr__(self) -> str:
        n_err = sum(r.get("status") == "error" for r in self.records)
        return (f"SweepResult({len(self.configs)} runs, {len(self.skipped)} already finished, "
                f"{n_err} failed; varying {self.varying() or 'nothing'})")


def _check_executor(executor) -> None:
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(f"executor must have a submit(fn, *args) method returning a future (a "
                        f"concurrent.futures executor, a dask.distributed.Client, a submitit executor) "
                        f"or be None, got {type(executor).__name__}")


def _check_configs(configs) -> tuple:
    if isinstance(configs, RunConfig):
        raise TypeError("configs must be a sequence of RunConfig, got a single RunConfig; wrap it in a list")
    try:
        configs = tuple(configs)
    except TypeError:
        raise TypeError(f"configs must be a sequence of RunConfig, got {type(configs).__name__}") from None
    if not configs:
        raise ValueError("configs must hold at least one RunConfig")
    seen = {}
    for i, cfg in enumerate(configs):
        if not isinstance(cfg, RunConfig):
            raise TypeError(f"configs[{i}] must be a RunConfig, got {type(cfg).__name__}")
        if cfg.run_dir is None:
            raise ValueError(f"configs[{i}] has no run_dir; every run of a sweep needs its own run_dir "
                             f"(repeat_configs sets them)")
        key = os.path.abspath(cfg.run_dir)
        if key in seen:
            raise ValueError(f"configs[{seen[key]}] and configs[{i}] share run_dir {cfg.run_dir!r}; "
                             f"each run needs its own")
        seen[key] = i
    return configs


def sweep(configs: Sequence[RunConfig], executor: Any = None, *, progress: bool = True,
          callbacks: Sequence = ()) -> SweepResult:
    """Run every config (skipping finished ones, resuming unfinished ones) and collect one row per run.

    Parameters
    ----------
    configs : sequence of RunConfig
        Each with its own ``run_dir``.
    executor : object with ``submit(fn, *args) -> future``, or None
        ``concurrent.futures.ProcessPoolExecutor``, ``dask.distributed.Client``, a submitit executor,
        ... (see :func:`parse_executor`); None runs in this process, one after another.
    progress : bool
        A tqdm bar over the runs.
    callbacks : sequence of Callback
        Handed to every run (to an executor's workers by pickling).

    Returns
    -------
    SweepResult
        Failed runs (an exception, a killed worker) are rows with ``status="error"`` and ``error``.

    Examples
    --------
    >>> sweep([RunConfig(task="digits")], executor=object())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: executor must have a submit(fn, *args) method returning a future ... got object
    """
    _check_executor(executor)
    configs = _check_configs(configs)
    callbacks = tuple(callbacks)
    from tqdm.auto import tqdm

    records: list = [None] * len(configs)
    skipped = []
    todo = []
    for i, cfg in enumerate(configs):
        done = read_result(cfg.run_dir)
        if done is not None and done.get("status") in FINAL_STATUSES:
            records[i] = {**done, "error": None}
            skipped.append(i)
        else:
            todo.append(i)
    bar = tqdm(total=len(configs), initial=len(skipped), desc="sweep", unit="run", disable=not progress)
    try:
        if executor is None:
            for i in todo:
                records[i] = _execute(configs[i].to_dict(), callbacks)
                bar.update(1)
        else:
            futures = [(i, executor.submit(_execute, configs[i].to_dict(), callbacks)) for i in todo]
            for i, fut in futures:  # in submission order: a slow first run holds the bar, not the work
                try:
                    records[i] = fut.result()
                except Exception as err:  # noqa: BLE001 -- a killed worker, a lost future
                    records[i] = {"status": "error", "error": f"{type(err).__name__}: {err}",
                                  "config": configs[i].to_dict()}
                bar.update(1)
    finally:
        bar.close()
    return SweepResult(configs, tuple(records), tuple(skipped))


def repeat_configs(config: RunConfig, seeds: Sequence[int], *, run_dir=None) -> list[RunConfig]:
    """``config`` once per seed, each in ``<run_dir>/seed<s>`` (``run_dir`` default: the config's).

    Examples
    --------
    >>> [(c.seed, c.run_dir) for c in repeat_configs(RunConfig(task="digits"), [0, 3], run_dir="r")]
    [(0, 'r/seed0'), (3, 'r/seed3')]
    """
    if not isinstance(config, RunConfig):
        raise TypeError(f"config must be a RunConfig, got {type(config).__name__}")
    try:
        seeds = [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise TypeError(f"seeds must be a sequence of integers, got {seeds!r}") from None
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    base = run_dir or config.run_dir
    if base is None:
        raise ValueError("repeat_configs needs a run_dir (argument or config.run_dir)")
    return [config.replace(seed=s, run_dir=str(Path(base) / f"seed{s}")) for s in seeds]


def parse_executor(spec: str):
    """An executor from a command-line spec.

    * ``"local"`` / ``"local:N"``: ``concurrent.futures.ProcessPoolExecutor`` with N workers.
    * ``"dask:tcp://host:port"``: a ``dask.distributed.Client`` of a running scheduler;
      ``"dask:local:N"``: a new ``LocalCluster`` with N single-threaded worker processes.
    * ``"slurm"`` or ``"slurm:key=value,key=value"``: a submitit ``AutoExecutor`` (folder
      ``submitit_logs``) whose parameters are the given options (e.g. ``timeout_min=60,gpus_per_node=1,
      slurm_partition=gpu``); integers are converted.

    Who creates the executor shuts it down (``with`` or ``.shutdown()`` / ``.close()``).

    Examples
    --------
    >>> parse_executor("local:0")
    Traceback (most recent call last):
    ...
    ValueError: executor spec 'local:0': the number of workers must be a positive integer
    """
    if not isinstance(spec, str) or not spec:
        raise TypeError(f"executor spec must be a non-empty string like 'local:4', 'dask:tcp://host:8786', "
                        f"'dask:local:2' or 'slurm', got {spec!r}")
    kind, _, rest = spec.partition(":")

    def workers(text: str) -> int | None:
        if text == "":
            return None
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"executor spec {spec!r}: the number of workers must be a positive integer")
        return int(text)

    if kind == "local":
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=workers(rest))
    if kind == "dask":
        if not rest:
            raise ValueError(f"executor spec {spec!r}: give a scheduler address (dask:tcp://host:port) "
                             f"or dask:local:N")
        from dask.distributed import Client, LocalCluster

        if rest == "local" or rest.startswith("local:"):
            n = workers(rest.partition(":")[2]) or 2
            return Client(LocalCluster(n_workers=n, threads_per_worker=1, processes=True))
        return Client(rest)
    if kind == "slurm":
        import submitit

        options = {}
        for item in filter(None, rest.split(",")):
            key, eq, value = item.partition("=")
            if not eq or not key:
                raise ValueError(f"executor spec {spec!r}: slurm options must be key=value, got {item!r}")
            options[key] = int(value) if value.isdigit() else value
        executor = submitit.AutoExecutor(folder="submitit_logs", cluster="slurm")
        if options:
            executor.update_parameters(**options)
        return executor
    raise ValueError(f"executor spec {spec!r}: expected 'local[:N]', 'dask:tcp://host:port', "
                     f"'dask:local[:N]' or 'slurm[:key=value,...]'")


def close_executor(executor) -> None:
    """Let go of an executor made by :func:`parse_executor`.

    A ``dask.distributed.Client`` disconnects (a ``LocalCluster`` it was given closes too; a remote
    scheduler keeps running); a ``concurrent.futures`` executor shuts down; submitit needs nothing.
    """
    if callable(getattr(executor, "close", None)):
        cluster = getattr(executor, "cluster", None)
        executor.close()
        if cluster is not None and type(cluster).__name__ == "LocalCluster":
            cluster.close()
    elif callable(getattr(executor, "shutdown", None)):
        executor.shutdown()
