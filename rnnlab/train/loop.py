"""Training runs: a short epoch loop with event callbacks, and its entry points.

* :func:`run` trains everything a :class:`~rnnlab.train.config.RunConfig` describes (data, net,
  stability monitor); :func:`fit` trains a model you built on data you loaded; :func:`resume`
  continues a stopped run; :func:`repeat` runs one config over several seeds. ``train`` is the
  deprecated single entry point of both (``train(config)`` or ``train(model, data, config)``).
* The loop minimises the cross entropy of ``model(x)`` (logits of the last time step) with Adam, a
  step learning-rate schedule and optional gradient clipping. It knows nothing about stability: a
  *monitor* (any ``monitor(model) -> dict[str, float]``, such as
  :class:`rnnlab.train.nets.StabilityMonitor`) adds its numbers to each epoch's metrics row.
* Callbacks (:mod:`rnnlab.train.callbacks`) see the run's events; one that returns True stops it.
* Every file of a run directory is read and written by :mod:`rnnlab.train.rundir`, atomically.

**Divergence.** A non-finite training loss, or non-finite parameters or validation loss after an
epoch, raises :class:`TrainingDiverged`; that epoch is not written, so the last checkpoint and best.pt
stay those of the last good epoch, and ``result.json`` says ``"diverged"``.

**Reproducibility.** A run seeds torch's generators from ``config.seed`` inside
``torch.random.fork_rng`` (the caller's global RNG state is left as it was); the training batches of
epoch ``e`` are shuffled by a generator seeded from ``(seed, e)``; checkpoints keep the RNG states. So a
run stopped or killed at any point and resumed with :func:`resume` ends with the same parameters and
metrics as one that was never stopped (exactly on CPU; on CUDA up to the nondeterminism of some cuDNN
kernels). A run killed before its first checkpoint starts afresh from its ``config.json``.

**Several processes.** Under ``torchrun`` (or in an initialised process group) :func:`run`,
:func:`fit` and :func:`resume` train one run with DistributedDataParallel: each rank trains on its
slice of every global batch and rank 0 alone writes the run directory; the metrics equal one
process's up to floating-point order (:mod:`rnnlab.train.distributed` gives the rules).
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .callbacks import Callback, StopAfter
from .config import CUSTOM_NET, RunConfig, resolve_device
from .data import SequenceData, Split, batches, load_task
from .distributed import SINGLE, Ranks, open_run_dir as _open_run_dir, setup as _setup_ranks
from .rundir import (BASE_COLUMNS, CheckpointError, RunDir, load_checkpoint, load_metrics, load_result)
from ._loop_live import LivePlot, TensorBoardLogger

__all__ = [
    "RunConfig",
    "Evaluation",
    "RunResult",
    "RepeatResult",
    "RunRecord",
    "TrainingDiverged",
    "CheckpointError",
    "Callback",
    "LivePlot",
    "StopAfter",
    "TensorBoardLogger",
    "run",
    "fit",
    "train",
    "resume",
    "evaluate",
    "repeat",
    "resolve_device",
    "load_metrics",
    "load_checkpoint",
    "load_result",
]


class TrainingDiverged(RuntimeError):
    """The loss or the parameters became NaN or infinite; the last good checkpoint is kept.

    Attributes ``epoch``, ``batch`` (where it happened; None when found after the epoch), ``loss``
    and ``checkpoint`` (the path of the last good checkpoint, or None for a run without a directory).
    """

    def __init__(self, message: str, *, epoch: int, batch: int | None, loss: float, checkpoint: Path | None):
        super().__init__(message)
        self.epoch, self.batch, self.loss, self.checkpoint = epoch, batch, loss, checkpoint


@dataclass(frozen=True)
class Evaluation:
    """Mean cross entropy ``loss`` and ``accuracy`` (fraction correct) over ``n`` sequences."""

    loss: float
    accuracy: float
    n: int

    def __repr__(self) -> str:
        return f"Evaluation(accuracy={100 * self.accuracy:.2f}%, loss={self.loss:.4f}, n={self.n})"


@dataclass(frozen=True)
class RunResult:
    """What a run left: its history, test results and the trained model.

    Attributes
    ----------
    config : RunConfig
    run_dir : Path or None
    history : list of dict
        The rows of ``metrics.csv``.
    status : str
        ``"completed"``, or ``"stopped"`` (a callback's stop signal or Ctrl-C; the last checkpoint is
        kept and :func:`resume` continues it). A diverged run raises :class:`TrainingDiverged`
        instead (its ``result.json`` says ``"diverged"``).
    epochs_done : int
    test : Evaluation or None
        The final model on the test split (None if stopped).
    best_epoch : int or None
        The epoch of best validation accuracy (None without a validation split).
    best_test : Evaluation or None
        The best-validation model on the test split (Rawat et al. 2024, I.2).
    model : torch.nn.Module
        The model in its final state.
    wall_time_s : float
        Seconds of training, over every piece of a resumed run (up to its last checkpoint).
    """

    config: RunConfig
    run_dir: Path | None
    history: list
    status: str
    epochs_done: int
    test: Evaluation | None
    best_epoch: int | None
    best_test: Evaluation | None
    model: Any = field(repr=False, compare=False)
    wall_time_s: float = field(default=0.0, compare=False)

    @property
    def test_accuracy(self) -> float:
        """Test accuracy of the best-validation model, or of the final one without validation."""
        ev = self.best_test if self.best_test is not None else self.test
        return float("nan") if ev is None else ev.accuracy

    def __repr__(self) -> str:
        c = self.config
        head = (f"RunResult({c.net} on {c.task}, seed {c.seed}: {self.status} after "
                f"{self.epochs_done}/{c.epochs} epochs")
        if self.test is not None:
            head += f"; test accuracy {100 * self.test.accuracy:.2f}% (final)"
        if self.best_test is not None:
            head += f", {100 * self.best_test.accuracy:.2f}% (best validation, epoch {self.best_epoch})"
        if self.status == "stopped" and self.run_dir is not None:
            head += f"; continue with resume({str(self.run_dir)!r})"
        return head + ")"


@dataclass(frozen=True)
class RunRecord:
    """One finished run of a sweep as its ``result.json`` tells it (see :mod:`rnnlab.train.sweeps`)."""

    config: RunConfig
    record: dict = field(repr=False)

    @property
    def status(self) -> str:
        return str(self.record.get("status"))

    @property
    def test_accuracy(self) -> float:
        """As :attr:`RunResult.test_accuracy`; NaN for a run that failed or diverged."""
        acc = self.record.get("test_accuracy")
        return float("nan") if acc is None else float(acc)

    @property
    def run_dir(self) -> Path:
        return Path(self.config.run_dir)

    def __repr__(self) -> str:
        c, why = self.config, self.record.get("error")
        return (f"RunRecord({c.net} on {c.task}, seed {c.seed}: {self.status}, test accuracy "
                f"{100 * self.test_accuracy:.2f}%" + (f"; {why}" if why else "") + ")")


@dataclass(frozen=True)
class RepeatResult:
    """One config over several seeds, summarised like Kozachkov et al.'s Table 1 (mean, min, max).

    ``sweep`` is the :class:`~rnnlab.train.sweeps.SweepResult` (``sweep.table()``: one row per run);
    ``runs`` its :class:`RunRecord` objects. ``accuracies`` are the runs'
    :attr:`RunResult.test_accuracy` (best-validation model), NaN for a failed or diverged run; mean,
    min and max are over the runs that have one.
    """

    config: RunConfig
    seeds: tuple
    sweep: Any = field(repr=False)

    @property
    def runs(self) -> tuple:
        return tuple(RunRecord(c, r) for c, r in zip(self.sweep.configs, self.sweep.records))

    @property
    def accuracies(self) -> np.ndarray:
        return np.array([r.test_accuracy for r in self.runs])

    def _finite(self) -> np.ndarray:
        acc = self.accuracies
        return acc[np.isfinite(acc)] if np.isfinite(acc).any() else np.array([np.nan])

    @property
    def mean(self) -> float:
        return float(np.mean(self._finite()))

    @property
    def min(self) -> float:
        return float(np.min(self._finite()))

    @property
    def max(self) -> float:
        return float(np.max(self._finite()))

    def __repr__(self) -> str:
        c = self.config
        failed = int(np.sum(~np.isfinite(self.accuracies)))
        return (f"RepeatResult({c.net} on {c.task}, {len(self.seeds)} seeds {list(self.seeds)}: "
                f"test accuracy "
                f"mean {100 * self.mean:.2f}%, min {100 * self.min:.2f}%, max {100 * self.max:.2f}%"
                + (f"; {failed} without a test accuracy" if failed else "") + ")")


# --------------------------------------------------------------------------------------------------
# Evaluation


@torch.no_grad()
def evaluate(model: nn.Module, data, batch_size: int = 1024) -> Evaluation:
    """Loss and accuracy of ``model`` on a :class:`Split` (a :class:`SequenceData`: its test split).

    The model is put in eval mode for the pass and returned to its previous mode.

    Examples
    --------
    >>> s = Split(torch.zeros(4, 3, 1), torch.tensor([0, 1, 1, 1]))
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3, 2))
    >>> _ = torch.nn.init.zeros_(model[1].weight), torch.nn.init.constant_(model[1].bias, 0.0)
    >>> evaluate(model, s).accuracy  # ties go to class 0
    0.25
    """
    split = data.test if isinstance(data, SequenceData) else data
    if not isinstance(split, Split):
        raise TypeError(f"data must be a Split or SequenceData, got {type(data).__name__}")
    if len(split) == 0:
        return Evaluation(float("nan"), float("nan"), 0)
    was_training = model.training
    model.eval()
    total, correct = 0.0, 0
    try:
        for x, y in batches(split, batch_size):
            logits = model(x)  # (B, classes)
            total += float(F.cross_entropy(logits, y, reduction="sum"))
            correct += int((logits.argmax(dim=1) == y).sum())
    finally:
        model.train(was_training)
    return Evaluation(total / len(split), correct / len(split), len(split))


# --------------------------------------------------------------------------------------------------
# The loop


def _rng_state(device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["torch"].cpu())
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def _epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The batch order of ``epoch`` depends only on ``(seed, epoch)``, so a resumed run repeats it."""
    return torch.Generator().manual_seed((int(seed) * 1_000_003 + int(epoch)) % (2**63))


def _optimizer(model: nn.Module, cfg: RunConfig):
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters")
    opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=list(cfg.milestones), gamma=cfg.gamma)
    return opt, sched


def _fork_devices(device: torch.device) -> list:
    return [device.index or 0] if device.type == "cuda" else []


def _monitor_row(monitor, model) -> dict:
    if monitor is None:
        return {}
    was_training = model.training
    model.eval()
    try:
        values = monitor(model)
    finally:
        model.train(was_training)
    if not isinstance(values, dict):
        raise TypeError(f"monitor(model) must return a dict of numbers, got {type(values).__name__}")
    out = {}
    for k, v in values.items():
        if k in BASE_COLUMNS:
            raise ValueError(f"monitor key {k!r} clashes with a metrics column")
        out[str(k)] = float(v)
    return out


def _notify(callbacks, hook: str, *args) -> bool:
    """Call ``hook`` of every callback (all of them, even after one asks to stop); True: stop."""
    stop = interrupted = False
    for cb in callbacks:
        try:
            stop = bool(getattr(cb, hook)(*args)) or stop
        except KeyboardInterrupt:  # Ctrl-C, or an old-style callback's stop: the others still see it
            interrupted = True
    if interrupted:
        raise KeyboardInterrupt
    return stop


def _finite(x) -> float | None:
    """A number for JSON: NaN and infinities become None."""
    return float(x) if x is not None and math.isfinite(float(x)) else None


class _Run:
    """The state of one run while its epochs go by; :meth:`loop` is the whole training loop."""

    def __init__(self, model, data, cfg: RunConfig, rundir: RunDir | None, *, monitor, callbacks, progress,
                 ranks: Ranks = SINGLE):
        # under torchrun only rank 0 writes, monitors, calls back and shows progress (distributed.py)
        if not ranks.main:
            rundir, monitor, callbacks, progress = None, None, (), False
        self.model, self.data, self.cfg, self.rundir = model, data, cfg, rundir
        self.monitor, self.progress = monitor, progress
        self.callbacks = list(callbacks)
        if cfg.tensorboard and rundir is not None:
            self.callbacks.append(TensorBoardLogger(rundir.path / "tensorboard"))
        self.device = next(iter(model.parameters())).device
        self.opt, self.sched = _optimizer(model, cfg)
        self.ranks, self.net = ranks, ranks.wrap(model)  # DDP's forward for the steps, ``model`` for the rest
        self.epoch, self.best_acc, self.best_epoch = 0, -math.inf, None
        self.header, self.history, self.wall = [], [], 0.0
        self.eval_batch = max(cfg.batch_size, 1024)

    @property
    def path(self) -> Path | None:
        return None if self.rundir is None else self.rundir.path

    def restore(self, ckpt: dict) -> None:
        self.model.load_state_dict(ckpt["model"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.sched.load_state_dict(ckpt["scheduler"])
        _set_rng_state(ckpt["rng"], self.device)
        self.epoch = int(ckpt["epoch"])
        self.best_acc, self.best_epoch = float(ckpt["best_val_acc"]), ckpt["best_epoch"]
        self.wall = float(ckpt.get("wall_time_s", 0.0))

    def save(self) -> None:
        if self.rundir is None:
            return
        perm = self.data.permutation
        self.rundir.save_checkpoint({
            "epoch": self.epoch, "model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
            "scheduler": self.sched.state_dict(), "rng": _rng_state(self.device),
            "config": self.cfg.to_dict(), "best_val_acc": self.best_acc, "best_epoch": self.best_epoch,
            "wall_time_s": self.wall, "permutation": None if perm is None else torch.as_tensor(perm)})

    def loop(self, ckpt: dict | None) -> RunResult:
        """Restore ``ckpt`` (None: a fresh start), train the remaining epochs, test, write the result."""
        if ckpt is not None:
            self.restore(ckpt)
        if self.rundir is not None:
            self.header, self.history = self.rundir.read_metrics(self.epoch)
            self.rundir.clear_result()
            if ckpt is None:
                self.save()  # epoch 0: a run stopped in its first epoch resumes from here
        _notify(self.callbacks, "on_train_begin", self.cfg, self.path)
        from tqdm.auto import tqdm

        bar = tqdm(range(self.epoch + 1, self.cfg.epochs + 1), desc=f"{self.cfg.net} on {self.cfg.task}",
                   unit="epoch", initial=self.epoch, total=self.cfg.epochs, disable=not self.progress)
        stopped = False
        try:
            for epoch in bar:
                if self.train_epoch(epoch, bar):
                    stopped = True
                    break
        except KeyboardInterrupt:
            stopped = True
        except TrainingDiverged:
            self.write_result("diverged", None, None)
            raise
        finally:
            bar.close()
        return self.finish("stopped" if stopped and self.epoch < self.cfg.epochs else "completed")

    def train_epoch(self, epoch: int, bar) -> bool:
        """One epoch: optimizer steps, validation, checks, files, callbacks. True: stop the run."""
        t0 = time.perf_counter()
        lr = self.opt.param_groups[0]["lr"]
        stats = self.steps(epoch, lr)
        if stats is None:
            return True  # a callback stopped the run inside the epoch
        self.sched.step()
        val = evaluate(self.model, self.data.val, batch_size=self.eval_batch)
        self.check_finite(epoch, val)
        seconds = time.perf_counter() - t0
        row = {"epoch": epoch, **stats, "val_loss": val.loss, "val_acc": val.accuracy, "lr": lr,
               "time": seconds, **_monitor_row(self.monitor, self.model)}
        self.epoch, self.wall = epoch, self.wall + seconds
        self.record(row, val)
        bar.set_postfix(val_acc=f"{val.accuracy:.3f}", refresh=False)
        return self.ranks.any(_notify(self.callbacks, "on_epoch_end", row))

    def steps(self, epoch: int, lr: float) -> dict | None:
        """The optimizer steps of ``epoch``; their mean loss and accuracy, or None if stopped."""
        from tqdm.auto import tqdm

        cfg, model = self.cfg, self.model
        self.net.train()
        loss_sum, correct = torch.zeros((), device=self.device), torch.zeros((), device=self.device)
        seen = 0
        order = batches(self.data.train, cfg.batch_size, shuffle=True,
                        generator=_epoch_generator(cfg.seed, epoch))
        for b, (x, y) in enumerate(tqdm(order, total=math.ceil(len(self.data.train) / cfg.batch_size),
                                        desc=f"epoch {epoch}", unit="batch", leave=False,
                                        disable=not self.progress)):
            self.opt.zero_grad(set_to_none=True)
            n = len(y)  # the global batch; under torchrun this rank trains on its slice of it
            x, y, weight = self.ranks.part(x, y)
            logits = self.net(x)  # (B, classes)
            loss = self.ranks.loss(logits, y, n, weight)
            mean = self.ranks.mean_loss(loss)  # the global batch's mean loss, the same on every rank
            value = float(mean)
            if not math.isfinite(value):
                self.diverged(f"the loss became {value} in epoch {epoch}, batch {b}", epoch, b, value, lr)
            loss.backward()
            if cfg.grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            self.opt.step()
            loss_sum += mean * n
            if weight:
                correct += (logits.detach().argmax(dim=1) == y).sum()
            seen += n
            if self.ranks.any(_notify(self.callbacks, "on_batch_end", epoch, b, value)):
                return None
        correct = self.ranks.sum(correct)
        return {"train_loss": float(loss_sum) / seen, "train_acc": float(correct) / seen}

    def check_finite(self, epoch: int, val: Evaluation) -> None:
        """Non-finite parameters or validation loss after ``epoch``: the epoch is not kept."""
        bad = [name for name, p in self.model.named_parameters() if not bool(torch.isfinite(p).all())]
        if bad:
            self.diverged(f"the parameters {bad[:3]} became non-finite in epoch {epoch}", epoch, None,
                          math.nan, self.opt.param_groups[0]["lr"])
        if val.n and not math.isfinite(val.loss):
            self.diverged(f"the validation loss became {val.loss} after epoch {epoch}", epoch, None, val.loss,
                          self.opt.param_groups[0]["lr"])

    def diverged(self, what: str, epoch: int, batch, loss: float, lr: float):
        ckpt = None if self.rundir is None else self.rundir.file("checkpoint.pt")
        kept = (f"the last good checkpoint (epoch {self.epoch}) is kept in {ckpt}" if ckpt is not None
                else "no checkpoint was written (no run_dir)")
        raise TrainingDiverged(f"training diverged: {what}; {kept}. Lower lr (now {lr:g}) or set grad_clip "
                               f"(now {self.cfg.grad_clip}).", epoch=epoch, batch=batch, loss=loss,
                               checkpoint=ckpt)

    def record(self, row: dict, val: Evaluation) -> None:
        """Metrics first, then best.pt, then the checkpoint: a kill between them loses nothing."""
        self.history.append(row)
        improved = bool(val.n) and val.accuracy > self.best_acc
        if improved:
            self.best_acc, self.best_epoch = val.accuracy, self.epoch
        if self.rundir is None:
            return
        if not self.header:
            self.header = [*BASE_COLUMNS, *[k for k in row if k not in BASE_COLUMNS]]
        self.rundir.write_metrics(self.header, self.history)
        if improved:
            self.rundir.save_best(self.model.state_dict(), self.epoch)
        self.save()

    def finish(self, status: str) -> RunResult:
        test = best_test = None
        if status == "completed":
            test = evaluate(self.model, self.data.test, batch_size=self.eval_batch)
            best_test = self.best_test(test)
        result = RunResult(self.cfg, self.path, self.history, status, self.epoch, test, self.best_epoch,
                           best_test, self.model, self.wall)
        self.write_result(status, test, result.test_accuracy if status == "completed" else None)
        _notify(self.callbacks, "on_train_end", result)
        return result

    def best_test(self, test: Evaluation) -> Evaluation | None:
        """The best-validation model on the test split (Rawat et al. 2024, I.2)."""
        if self.best_epoch is None:
            return None
        if self.best_epoch == self.epoch:
            return test
        if self.rundir is None:
            return None
        best_model = copy.deepcopy(self.model)
        best_model.load_state_dict(self.rundir.load_best(map_location=self.device))
        return evaluate(best_model, self.data.test, batch_size=self.eval_batch)

    def write_result(self, status: str, test: Evaluation | None, test_accuracy: float | None) -> None:
        if self.rundir is None:
            return
        margin = None
        if hasattr(self.model, "certificate_margin"):
            with torch.no_grad():
                margin = _finite(self.model.certificate_margin())
        last = self.history[-1] if self.history else {}
        self.rundir.write_result({
            "status": status, "test_accuracy": _finite(test_accuracy),
            "final_test_accuracy": _finite(test.accuracy) if test else None,
            "final_test_loss": _finite(test.loss) if test else None,
            "best_val_accuracy": _finite(self.best_acc) if self.best_epoch is not None else None,
            "best_epoch": self.best_epoch, "final_val_accuracy": _finite(last.get("val_acc")),
            "epochs": self.epoch, "wall_time_s": round(self.wall, 3), "device": str(self.device),
            "certificate_margin": margin, "config": self.cfg.to_dict()})


# --------------------------------------------------------------------------------------------------
# Entry points


def _default_run_dir(cfg: RunConfig) -> Path:
    return Path("runs") / f"{cfg.task}-{cfg.net}-seed{cfg.seed}-{time.strftime('%Y%m%d-%H%M%S')}"


def _build_net(cfg: RunConfig, data: SequenceData):
    """The net of a config, and its stability monitor (if the config asks for one)."""
    from . import nets

    options = dict(cfg.net_options)
    options.setdefault("seed", cfg.seed)  # every net of NETS draws its initial weights from a seed option
    net = nets.build_net(cfg.net, input_size=data.input_size, output_size=data.n_classes, **options)
    monitor = None
    if cfg.monitor and hasattr(nets, "StabilityMonitor"):
        probe = data.val if len(data.val) else data.train
        monitor = nets.StabilityMonitor(probe.x[: cfg.probe_size])
    return net, monitor


def _load_data(cfg: RunConfig, device, permutation=None) -> SequenceData:
    return load_task(cfg.task, root=cfg.data_root, val_fraction=cfg.val_fraction, seed=cfg.seed,
                     permutation_seed=cfg.permutation_seed, permutation=permutation,
                     standardize=cfg.standardize, limit=cfg.data_limit, device=device)


def _create_dir(cfg: RunConfig, data: SequenceData, model: nn.Module) -> RunDir | None:
    if cfg.run_dir is None:
        return None
    perm = None if data.permutation is None else [int(i) for i in data.permutation]
    facts = {"model_class": type(model).__name__, "info": data.info, "permutation": perm}
    return RunDir(cfg.run_dir).create(cfg.to_dict(), facts)


def _check_callbacks(callbacks) -> list:
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be rnnlab.train.Callback instances, got {type(cb).__name__}")
    return callbacks


def run(config: RunConfig, *, run_dir=None, monitor: Callable | None = None, callbacks: Sequence = (),
        progress: bool = True) -> RunResult:
    """Train and test everything ``config`` describes: its data, its net and its stability monitor.

    The data come from :func:`rnnlab.train.data.load_task`, the net from
    :func:`rnnlab.train.nets.build_net` (seeded by ``config.seed``). The run's files go to
    ``run_dir`` (default ``config.run_dir``, else ``runs/<task>-<net>-seed<seed>-<time>``), which
    must not hold a run already. ``monitor`` replaces the net's own; ``callbacks`` are
    :class:`Callback` objects. Raises :class:`TrainingDiverged` if training diverges.
    """
    if not isinstance(config, RunConfig):
        raise TypeError(f"config must be a RunConfig, got {type(config).__name__}")
    if config.net == CUSTOM_NET:
        raise ValueError(f"config.net must name a net to build; {CUSTOM_NET!r} labels a model passed to "
                         f"fit()")
    callbacks = _check_callbacks(callbacks)
    ranks = _setup_ranks(resolve_device(config.device))
    device = ranks.device
    data = _load_data(config, device)
    with torch.random.fork_rng(devices=_fork_devices(device)):
        torch.manual_seed(config.seed)
        net, auto_monitor = _build_net(config, data)
        net = net.to(device)
        cfg = config.replace(run_dir=str(run_dir or config.run_dir or _default_run_dir(config)))
        rundir = _create_dir(cfg, data, net) if ranks.main else None
        return _Run(net, data, cfg, rundir, monitor=monitor or auto_monitor, callbacks=callbacks,
                    progress=progress, ranks=ranks).loop(None)


def fit(model: nn.Module, data: SequenceData, config: RunConfig | None = None, *, run_dir=None,
        monitor: Callable | None = None, callbacks: Sequence = (), progress: bool = True) -> RunResult:
    """Train ``model`` (``forward(x: (B, T, C)) -> (B, classes)``) on ``data`` and test it.

    ``config`` gives the settings (default ``RunConfig(net="custom")``; its task and net are only
    labels). Model and data move to ``config.device``. Files go to ``run_dir`` (or
    ``config.run_dir``); with neither, nothing is kept on disk and the run cannot be resumed.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(data, SequenceData):
        raise TypeError(f"data must be a SequenceData (from load_task), got {type(data).__name__}")
    cfg = config if config is not None else RunConfig(net=CUSTOM_NET)
    if not isinstance(cfg, RunConfig):
        raise TypeError(f"config must be a RunConfig, got {type(cfg).__name__}")
    callbacks = _check_callbacks(callbacks)
    ranks = _setup_ranks(resolve_device(cfg.device))
    device = ranks.device
    model, data = model.to(device), data.to(device)
    with torch.random.fork_rng(devices=_fork_devices(device)):
        torch.manual_seed(cfg.seed)
        if run_dir is not None or cfg.run_dir is not None:
            cfg = cfg.replace(run_dir=str(run_dir or cfg.run_dir))
        rundir = _create_dir(cfg, data, model) if ranks.main else None
        return _Run(model, data, cfg, rundir, monitor=monitor, callbacks=callbacks,
                    progress=progress, ranks=ranks).loop(None)


def train(model_or_config, data: SequenceData | None = None, config: RunConfig | None = None,
          **options) -> RunResult:
    """Deprecated: ``train(config)`` is :func:`run`, ``train(model, data, config)`` is :func:`fit`.

    Takes the same keyword options (``run_dir``, ``monitor``, ``callbacks``, ``progress``).
    """
    if isinstance(model_or_config, RunConfig):
        warnings.warn("train(config) is deprecated; use rnnlab.train.run(config)", DeprecationWarning,
                      stacklevel=2)
        if data is not None or config is not None:
            raise TypeError("train(config) builds its own data; pass data and config only with a model")
        return run(model_or_config, **options)
    warnings.warn("train(model, data, config) is deprecated; use rnnlab.train.fit(model, data, config)",
                  DeprecationWarning, stacklevel=2)
    if not isinstance(model_or_config, nn.Module):
        raise TypeError(f"model_or_config must be a torch.nn.Module or a RunConfig, got "
                        f"{type(model_or_config).__name__}")
    return fit(model_or_config, data, config, **options)


def _resume_config(rundir: RunDir, ckpt: dict | None, epochs: int | None) -> RunConfig:
    cfg = RunConfig.from_dict(ckpt["config"] if ckpt is not None else rundir.read_config())
    return cfg if epochs is None else cfg.replace(epochs=epochs)


def _resume_permutation(rundir: RunDir, ckpt: dict | None):
    if ckpt is not None:
        perm = ckpt.get("permutation")
        return None if perm is None else perm.numpy()
    perm = rundir.read_data_facts().get("permutation")
    return None if perm is None else np.asarray(perm, dtype=np.int64)


def resume(run_dir, *, model: nn.Module | None = None, data: SequenceData | None = None,
           monitor: Callable | None = None, epochs: int | None = None, callbacks: Sequence = (),
           progress: bool = True) -> RunResult:
    """Continue a stopped (or killed) run from its last checkpoint; it ends as the uninterrupted run would.

    Parameters
    ----------
    run_dir : path
        A run directory written by :func:`run` or :func:`fit`. Without a checkpoint (killed before
        its first one) the run starts afresh from its ``config.json``.
    model, data : optional
        For runs of :func:`fit`: a model of the same class (its weights are replaced by the
        checkpoint's) and the same data. Runs of :func:`run` rebuild both; the psMNIST permutation
        is the one stored with the run.
    monitor : callable, optional
        As in :func:`run` (a config run rebuilds its own).
    epochs : int, optional
        Train to this many epochs instead of the config's (the schedule's milestones are unchanged).
    """
    rundir = _open_run_dir(run_dir)
    if not rundir.started() and not rundir.file("checkpoint.pt").exists():
        raise FileNotFoundError(f"no config.json or checkpoint.pt in {run_dir}: nothing to resume")
    callbacks = _check_callbacks(callbacks)
    ckpt = rundir.load_checkpoint()
    cfg = _resume_config(rundir, ckpt, epochs)
    ranks = _setup_ranks(resolve_device(cfg.device))  # every rank loads the checkpoint; rank 0 writes
    if epochs is not None and ranks.main:
        rundir.write_config(cfg.to_dict())
    device = ranks.device
    if model is None and cfg.net == CUSTOM_NET:
        raise TypeError(f"{run_dir} trained a model passed to fit() (net {cfg.net!r}); resume it with "
                        f"resume(run_dir, model=..., data=...)")
    if data is None:
        data = _load_data(cfg, device, permutation=_resume_permutation(rundir, ckpt))
    data = data.to(device)
    with torch.random.fork_rng(devices=_fork_devices(device)):
        torch.manual_seed(cfg.seed)  # a fresh start builds the net as run() did; a checkpoint overrides it
        auto_monitor = None
        if model is None:
            model, auto_monitor = _build_net(cfg, data)
        model = model.to(device)
        ckpt = rundir.load_checkpoint(map_location=device)
        return _Run(model, data, cfg, rundir, monitor=monitor or auto_monitor, callbacks=callbacks,
                    progress=progress, ranks=ranks).loop(ckpt)


def repeat(config: RunConfig, seeds: Sequence[int], *, run_dir=None, callbacks: Sequence = (),
           progress: bool = True, executor: Any = None) -> RepeatResult:
    """Run ``config`` once per seed (each in ``<run_dir>/seed<s>``) and summarise the test accuracies.

    A :func:`rnnlab.train.sweeps.sweep` of :func:`~rnnlab.train.sweeps.repeat_configs`: ``executor``
    (None: one after another in this process) runs the seeds; a rerun skips finished seeds and resumes
    stopped ones; a run that fails or diverges is a row of ``result.sweep.table()``, not an exception.
    Kozachkov et al. (2022), Table 1 and A4.2.3, report repeated trials by their mean, min and max.

    Examples
    --------
    ``repeat(RunConfig.paper("sparse_combo", "psmnist"), seeds=[0, 1, 2, 3])`` gives e.g.
    ``RepeatResult(sparse_combo on psmnist, 4 seeds [0, 1, 2, 3]: test accuracy mean ..., min ..., max ...)``.
    """
    from .sweeps import repeat_configs, sweep

    if not isinstance(config, RunConfig):
        raise TypeError(f"config must be a RunConfig, got {type(config).__name__}")
    base = Path(run_dir or config.run_dir
                or Path("runs") / f"{config.task}-{config.net}-repeat-{time.strftime('%Y%m%d-%H%M%S')}")
    configs = repeat_configs(config, seeds, run_dir=base)
    result = sweep(configs, executor, progress=progress, callbacks=callbacks)
    return RepeatResult(config, tuple(c.seed for c in configs), result)
