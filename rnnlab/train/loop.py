"""Training runs: a config per run, a model-agnostic loop, checkpoints, ``resume`` and ``repeat``.

The loop knows nothing about stability: it minimises the cross entropy of ``model(x)`` (logits of
the last time step) with Adam, a step learning-rate schedule and optional gradient clipping. A
*monitor* (any callable ``monitor(model) -> dict[str, float]``, such as
:class:`rnnlab.train.nets.StabilityMonitor`) is called after every epoch and its numbers join the
epoch's row in the metrics.

A run directory holds

* ``config.json``: the :class:`RunConfig` (plain JSON);
* ``data.json``: the data's facts, including the psMNIST pixel permutation;
* ``metrics.csv``: one row per epoch: ``epoch, train_loss, train_acc, val_loss, val_acc, lr, time``
  and the monitor's columns (train loss and accuracy are running means over the epoch's batches; ``lr``
  is the rate used in the epoch; ``time`` the seconds of training and validation, monitor excluded);
* ``checkpoint.pt``: the state after the last completed epoch (model, optimizer, scheduler, epoch,
  RNG states, config, best validation so far), written atomically (temporary file, ``fsync``,
  ``os.replace``) and read with ``torch.load(weights_only=True)``, so loading runs no pickled code;
* ``best.pt``: the model's weights at the best validation accuracy (Rawat et al. 2024, I.2, test the
  model "with the largest validation accuracy").

Reproducibility: a run seeds torch's generators from ``config.seed`` inside
``torch.random.fork_rng`` (the caller's global RNG state is left as it was); the training batches of
epoch ``e`` are shuffled by a generator seeded from ``(seed, e)``; checkpoints keep the RNG states.
So a run stopped at any point and resumed with :func:`resume` ends with the same parameters as one
that was never stopped (exactly on CPU; on CUDA up to the nondeterminism of some cuDNN kernels).
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import TASKS, SequenceData, Split, batches, load_task
from ._loop_live import Callback, LivePlot, StopAfter, TensorBoardLogger

__all__ = [
    "RunConfig",
    "Evaluation",
    "RunResult",
    "RepeatResult",
    "TrainingDiverged",
    "Callback",
    "LivePlot",
    "StopAfter",
    "TensorBoardLogger",
    "train",
    "resume",
    "evaluate",
    "repeat",
    "resolve_device",
    "load_metrics",
    "load_checkpoint",
]

CHECKPOINT_FORMAT = 1
BASE_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "time")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the run stopped and its last good checkpoint is kept.

    Attributes ``epoch``, ``batch`` (where it happened), ``loss`` and ``checkpoint`` (the path of the
    last good checkpoint, or None for a run without a directory).
    """

    def __init__(self, message: str, *, epoch: int, batch: int, loss: float, checkpoint: Path | None):
        super().__init__(message)
        self.epoch, self.batch, self.loss, self.checkpoint = epoch, batch, loss, checkpoint


# --------------------------------------------------------------------------------------------------
# Configuration


def _kozachkov(**changes) -> dict:
    """Kozachkov et al. (2022), A4.1.1: 150 epochs, Adam lr 1e-3, weight decay 1e-5, lr x0.1 at 90, 140."""
    return dict(dict(epochs=150, lr=1e-3, weight_decay=1e-5, milestones=(90, 140), gamma=0.1), **changes)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run; the defaults are Kozachkov et al.'s (2022, A4.1.1).

    Parameters
    ----------
    task : str
        One of :data:`rnnlab.train.data.TASKS`.
    net : str
        A name of :func:`rnnlab.train.nets.build_net`; ``net_options`` are its keyword options.
    epochs : int
        Number of epochs (150, A4.1.1).
    batch_size : int
        Kozachkov et al. do not state theirs; we use Rawat et al.'s 256 (2024, Table 6) everywhere.
    lr, weight_decay : float
        Adam's initial learning rate (1e-3) and weight decay (1e-5), A4.1.1.
    milestones, gamma : tuple of int, float
        The learning rate is multiplied by ``gamma`` after each milestone epoch ((90, 140) and 0.1).
    grad_clip : float or None
        Clip the gradient's 2-norm to this value; None (the papers') does not clip.
    seed : int
        Seeds the net's initialisation, the validation split and the batch order.
    device : str
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...
    data_root : str or None
        Data directory (None: ``$RNNLAB_DATA`` or ``./data``).
    run_dir : str or None
        Where the run's files go (None: ``runs/<task>-<net>-seed<seed>-<time>``).
    val_fraction : float
        Fraction of the training images held out for validation (0.05: Rawat et al.'s 57,000 / 3,000).
    permutation_seed : int
        Seed of the psMNIST pixel order.
    standardize : bool
        Standardise inputs per channel (see :mod:`rnnlab.train.data`); False keeps pixels in [0, 1].
    data_limit : int or None
        Use only this many training and test images (quick runs).
    monitor : bool
        Call the net's stability monitor after each epoch (runs built from a config).
    probe_size : int
        Number of validation sequences the stability monitor probes.
    tensorboard : bool
        Also log the metrics for TensorBoard in ``run_dir/tensorboard``.

    Examples
    --------
    >>> cfg = RunConfig.paper("sparse_combo", "psmnist")
    >>> cfg.epochs, cfg.lr, cfg.weight_decay, cfg.milestones, cfg.batch_size
    (150, 0.001, 1e-05, (90, 140), 256)
    >>> RunConfig.paper("organics", "smnist").lr
    0.01
    """

    task: str = "psmnist"
    net: str = "sparse_combo"
    net_options: dict = field(default_factory=dict)
    epochs: int = 150
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-5
    milestones: tuple = (90, 140)
    gamma: float = 0.1
    grad_clip: float | None = None
    seed: int = 0
    device: str = "auto"
    data_root: str | None = None
    run_dir: str | None = None
    val_fraction: float = 0.05
    permutation_seed: int = 0
    standardize: bool = False
    data_limit: int | None = None
    monitor: bool = True
    probe_size: int = 32
    tensorboard: bool = False

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        if not isinstance(self.net, str) or not self.net:
            raise TypeError(f"net must be a net name (str), got {self.net!r}")
        if not isinstance(self.net_options, dict):
            raise TypeError(f"net_options must be a dict, got {type(self.net_options).__name__}")
        for name in ("epochs", "batch_size", "probe_size"):
            value = getattr(self, name)
            least = 0 if name == "epochs" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be a {'non-negative' if name == 'epochs' else 'positive'} "
                                 f"integer, got {value!r}")
        for name in ("lr", "gamma"):
            if not (isinstance(getattr(self, name), (int, float)) and 0 < getattr(self, name) < math.inf):
                raise ValueError(f"{name} must be a positive number, got {getattr(self, name)!r}")
        if not (isinstance(self.weight_decay, (int, float)) and 0 <= self.weight_decay < math.inf):
            raise ValueError(f"weight_decay must be a non-negative number, got {self.weight_decay!r}")
        clip = self.grad_clip
        clip_ok = clip is None or (isinstance(clip, (int, float)) and not isinstance(clip, bool) and clip > 0)
        if not clip_ok:
            raise ValueError(f"grad_clip must be a positive number or None, got {self.grad_clip!r}")
        try:
            milestones = tuple(int(m) for m in self.milestones)
        except TypeError:
            raise TypeError(f"milestones must be a sequence of epochs, got {self.milestones!r}") from None
        if any(m < 1 for m in milestones) or list(milestones) != sorted(milestones):
            raise ValueError(f"milestones must be increasing positive epochs, got {self.milestones!r}")
        object.__setattr__(self, "milestones", milestones)
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must lie in [0, 1), got {self.val_fraction!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise TypeError(f"seed must be an integer, got {self.seed!r}")

    def replace(self, **changes) -> "RunConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain JSON types only (the form stored in ``config.json`` and in checkpoints)."""
        d = dataclasses.asdict(self)
        d["milestones"] = list(self.milestones)
        return json.loads(json.dumps(d))

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        """The inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"unknown RunConfig fields {sorted(unknown)}; known: {sorted(names)}")
        return cls(**{**d, "milestones": tuple(d.get("milestones", cls.milestones))})

    @classmethod
    def paper(cls, net: str, task: str = "psmnist", **changes) -> "RunConfig":
        """The papers' training settings for ``net`` on ``task``; ``changes`` override them.

        * ``sparse_combo``, ``svd_combo`` (Kozachkov et al. 2022, A4.1.1): 150 epochs, Adam 1e-3,
          weight decay 1e-5, lr x0.1 after epochs 90 and 140. On ``scifar10`` the repeatability
          protocol of A4.2.3 (Table S10): 200 epochs, cuts after 140 and 190. The net's own defaults
          are the paper's 16 x 32 net, 3.3% density, entries in [-6, 6].
        * ``organics`` (Rawat et al. 2024, I.2 and Table 6, sequential MNIST): batch 256, Adam lr
          0.01, weight decay 1e-5, no gradient clipping, 57,000 / 3,000 validation split. The paper
          states no epoch count or schedule: we keep 150 epochs and a constant learning rate.
        * ``organics_static`` (Table 6, static MNIST): batch 256, lr 1e-3, weight decay 1e-5.
        * ``lstm``, ``rnn`` (baselines): Kozachkov et al.'s settings plus gradient clipping at norm
          1, which such baselines commonly need (Rawat et al. 2024, Sec. 6.2); our choice.
        """
        if net in ("sparse_combo", "svd_combo"):
            settings = (_kozachkov(epochs=200, milestones=(140, 190)) if task == "scifar10" else _kozachkov())
        elif net == "organics":
            settings = dict(epochs=150, lr=1e-2, weight_decay=1e-5, milestones=(), grad_clip=None)
        elif net == "organics_static":
            settings = dict(epochs=150, lr=1e-3, weight_decay=1e-5, milestones=())
        elif net in ("lstm", "rnn"):
            settings = _kozachkov(grad_clip=1.0)
        else:
            raise ValueError(f"no paper preset for net {net!r}; presets exist for sparse_combo, svd_combo, "
                             f"organics, organics_static, lstm, rnn")
        return cls(task=task, net=net, batch_size=256, val_fraction=0.05, **{**settings, **changes})


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA when available, else CPU; any other string is passed to ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:<i>', got {device!r}") from None


# --------------------------------------------------------------------------------------------------
# Results


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
        ``"completed"`` or ``"interrupted"`` (KeyboardInterrupt; the last checkpoint is kept).
    epochs_done : int
    test : Evaluation or None
        The final model on the test split (None if interrupted).
    best_epoch : int or None
        The epoch of best validation accuracy (None without a validation split).
    best_test : Evaluation or None
        The best-validation model on the test split (Rawat et al. 2024, I.2).
    model : torch.nn.Module
        The model in its final state.
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
        if self.status == "interrupted" and self.run_dir is not None:
            head += f"; continue with resume({str(self.run_dir)!r})"
        return head + ")"


@dataclass(frozen=True)
class RepeatResult:
    """One config over several seeds, summarised like Kozachkov et al.'s Table 1 (mean, min, max).

    ``accuracies`` are the runs' :attr:`RunResult.test_accuracy` (best-validation model).
    """

    config: RunConfig
    seeds: tuple
    runs: tuple = field(repr=False)

    @property
    def accuracies(self) -> np.ndarray:
        return np.array([r.test_accuracy for r in self.runs])

    @property
    def mean(self) -> float:
        return float(np.mean(self.accuracies))

    @property
    def min(self) -> float:
        return float(np.min(self.accuracies))

    @property
    def max(self) -> float:
        return float(np.max(self.accuracies))

    def __repr__(self) -> str:
        c = self.config
        return (f"RepeatResult({c.net} on {c.task}, {len(self.seeds)} seeds {list(self.seeds)}: "
                f"test accuracy "
                f"mean {100 * self.mean:.2f}%, min {100 * self.min:.2f}%, max {100 * self.max:.2f}%)")


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
# Files


def _umask_mode() -> int:
    """The mode an ordinary new file gets (``mkstemp`` makes owner-only files; runs are shared)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_save(obj, path: Path) -> None:
    """``torch.save`` to a temporary file in the same folder, fsync, then ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.chmod(tmp, _umask_mode())
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _write_json(obj, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.chmod(tmp, _umask_mode())
    with os.fdopen(fd, "w") as fh:
        json.dump(obj, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def load_checkpoint(path, map_location="cpu") -> dict:
    """Read a checkpoint with ``torch.load(weights_only=True)``: tensors and plain types only."""
    ckpt = torch.load(Path(path), map_location=map_location, weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an rnnlab checkpoint (format {CHECKPOINT_FORMAT})")
    return ckpt


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    if not path.exists():
        return [], []
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [{k: (float(v) if v not in ("", None) else float("nan")) for k, v in row.items()}
                for row in reader]
        header = list(reader.fieldnames or [])
    for row in rows:
        row["epoch"] = int(row["epoch"])
    return header, rows


def load_metrics(run_dir) -> dict[str, np.ndarray]:
    """``metrics.csv`` of a run as a dict of column name -> array (one entry per epoch)."""
    header, rows = _read_csv(Path(run_dir) / "metrics.csv")
    if not header:
        raise FileNotFoundError(f"no metrics.csv in {run_dir}")
    return {k: np.array([row[k] for row in rows]) for k in header}


class _MetricsFile:
    """``metrics.csv``: the header is fixed by the first row; rows past a checkpoint are dropped."""

    def __init__(self, path: Path, upto_epoch: int):
        self.path = path
        self.header, rows = _read_csv(path)
        self.rows = [r for r in rows if r["epoch"] <= upto_epoch]
        if len(self.rows) != len(rows):  # epochs logged after the checkpoint we resume from
            self._rewrite()

    def _rewrite(self):
        with open(self.path, "w", newline="") as fh:
            w = csv.DictWriter(fh, self.header, extrasaction="ignore")
            w.writeheader()
            w.writerows(self.rows)

    def append(self, row: dict):
        if not self.header:
            self.header = [*BASE_COLUMNS, *[k for k in row if k not in BASE_COLUMNS]]
            with open(self.path, "w", newline="") as fh:
                csv.DictWriter(fh, self.header).writeheader()
        with open(self.path, "a", newline="") as fh:
            csv.DictWriter(fh, self.header, extrasaction="ignore").writerow(row)
            fh.flush()
            os.fsync(fh.fileno())
        self.rows.append(row)


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


def _default_run_dir(cfg: RunConfig) -> Path:
    return Path("runs") / f"{cfg.task}-{cfg.net}-seed{cfg.seed}-{time.strftime('%Y%m%d-%H%M%S')}"


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


def _fit(model, data: SequenceData, cfg: RunConfig, run_dir: Path | None, *, monitor, callbacks,
         progress: bool, checkpoint: dict | None) -> RunResult:
    """The loop shared by :func:`train` and :func:`resume` (called inside ``fork_rng``)."""
    from tqdm.auto import tqdm

    opt, sched = _optimizer(model, cfg)
    device = next(iter(model.parameters())).device
    callbacks = list(callbacks)
    if cfg.tensorboard and run_dir is not None:
        callbacks.append(TensorBoardLogger(run_dir / "tensorboard"))

    best_acc, best_epoch, start = -math.inf, None, 0
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
        opt.load_state_dict(checkpoint["optimizer"])
        sched.load_state_dict(checkpoint["scheduler"])
        _set_rng_state(checkpoint["rng"], device)
        start = int(checkpoint["epoch"])
        best_acc, best_epoch = float(checkpoint["best_val_acc"]), checkpoint["best_epoch"]
    ckpt_path = run_dir / "checkpoint.pt" if run_dir is not None else None
    metrics = _MetricsFile(run_dir / "metrics.csv", start) if run_dir is not None else None
    history = list(metrics.rows) if metrics is not None else []

    def save(epoch: int) -> None:
        if ckpt_path is None:
            return
        _atomic_save({
            "format": CHECKPOINT_FORMAT, "epoch": epoch, "model": model.state_dict(),
            "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "rng": _rng_state(device),
            "config": cfg.to_dict(), "best_val_acc": best_acc, "best_epoch": best_epoch,
            "permutation": None if data.permutation is None else torch.as_tensor(data.permutation),
        }, ckpt_path)

    if checkpoint is None:
        save(0)  # so that a run stopped in its first epoch can be resumed too
    for cb in callbacks:
        getattr(cb, "on_train_begin", lambda *a: None)(cfg, run_dir)

    status, epoch = "completed", start
    epoch_bar = tqdm(range(start + 1, cfg.epochs + 1), desc=f"{cfg.net} on {cfg.task}", unit="epoch",
                     initial=start, total=cfg.epochs, disable=not progress)
    try:
        for epoch in epoch_bar:
            t0 = time.perf_counter()
            model.train()
            lr = opt.param_groups[0]["lr"]
            loss_sum, correct, seen = torch.zeros((), device=device), torch.zeros((), device=device), 0
            n_batches = math.ceil(len(data.train) / cfg.batch_size)
            batch_bar = tqdm(batches(data.train, cfg.batch_size, shuffle=True,
                                     generator=_epoch_generator(cfg.seed, epoch)),
                             total=n_batches, desc=f"epoch {epoch}", unit="batch", leave=False,
                             disable=not progress)
            for b, (x, y) in enumerate(batch_bar):
                opt.zero_grad(set_to_none=True)
                logits = model(x)  # (B, classes)
                loss = F.cross_entropy(logits, y)
                value = float(loss.detach())
                if not math.isfinite(value):
                    kept = f"the last good checkpoint (epoch {epoch - 1}) is kept in {ckpt_path}" \
                        if ckpt_path is not None else "no checkpoint was written (no run_dir)"
                    raise TrainingDiverged(
                        f"training diverged: the loss became {value} in epoch {epoch}, batch {b}; {kept}. "
                        f"Lower lr (now {lr:g}) or set grad_clip (now {cfg.grad_clip}).",
                        epoch=epoch, batch=b, loss=value, checkpoint=ckpt_path)
                loss.backward()
                if cfg.grad_clip is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.step()
                loss_sum += loss.detach() * len(y)
                correct += (logits.detach().argmax(dim=1) == y).sum()
                seen += len(y)
                batch_bar.set_postfix(loss=f"{value:.3f}", refresh=False)
                for cb in callbacks:
                    getattr(cb, "on_batch_end", lambda *a: None)(epoch, b, value)
            sched.step()
            val = evaluate(model, data.val, batch_size=max(cfg.batch_size, 1024))
            row = {"epoch": epoch, "train_loss": float(loss_sum) / seen, "train_acc": float(correct) / seen,
                   "val_loss": val.loss, "val_acc": val.accuracy, "lr": lr,
                   "time": time.perf_counter() - t0, **_monitor_row(monitor, model)}
            history.append(row)
            if val.n and val.accuracy > best_acc:
                best_acc, best_epoch = val.accuracy, epoch
                if run_dir is not None:
                    _atomic_save(model.state_dict(), run_dir / "best.pt")
            if metrics is not None:
                metrics.append(row)
            save(epoch)
            epoch_bar.set_postfix(val_acc=f"{val.accuracy:.3f}", refresh=False)
            stop = None
            for cb in callbacks:  # every callback sees the epoch before a requested stop takes effect
                try:
                    getattr(cb, "on_epoch_end", lambda *a: None)(row)
                except KeyboardInterrupt as err:
                    stop = err
            if stop is not None:
                raise stop
    except KeyboardInterrupt:
        status = "interrupted"
        epoch = int(history[-1]["epoch"]) if history else start
    finally:
        epoch_bar.close()

    test = best_test = None
    if status == "completed":
        epoch = cfg.epochs
        test = evaluate(model, data.test, batch_size=max(cfg.batch_size, 1024))
        if best_epoch is not None and run_dir is not None and (run_dir / "best.pt").exists():
            best_model = copy.deepcopy(model)
            best_state = torch.load(run_dir / "best.pt", map_location=device, weights_only=True)
            best_model.load_state_dict(best_state)
            best_test = evaluate(best_model, data.test, batch_size=max(cfg.batch_size, 1024))
        elif best_epoch == cfg.epochs:
            best_test = test
    result = RunResult(cfg, run_dir, history, status, epoch, test, best_epoch, best_test, model)
    for cb in callbacks:
        getattr(cb, "on_train_end", lambda *a: None)(result)
    return result


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


def _prepare_dir(cfg: RunConfig, run_dir, data: SequenceData, model: nn.Module) -> Path | None:
    if run_dir is None:
        return None
    run_dir = Path(run_dir)
    if (run_dir / "checkpoint.pt").exists():
        raise FileExistsError(f"{run_dir} already holds a run; continue it with resume({str(run_dir)!r}) "
                              f"or choose another run_dir")
    run_dir.mkdir(parents=True, exist_ok=True)
    _write_json(cfg.to_dict(), run_dir / "config.json")
    _write_json({"model_class": type(model).__name__, "info": data.info,
                 "permutation": None if data.permutation is None else [int(i) for i in data.permutation]},
                run_dir / "data.json")
    return run_dir


def train(model_or_config, data: SequenceData | None = None, config: RunConfig | None = None, *,
          run_dir=None, monitor: Callable | None = None, callbacks: Sequence = (),
          progress: bool = True) -> RunResult:
    """Train a model, or everything a :class:`RunConfig` describes, and test it.

    Parameters
    ----------
    model_or_config : torch.nn.Module or RunConfig
        A model ``forward(x: (B, T, C)) -> (B, classes)``, trained on ``data`` with the settings of
        ``config``; or a config, from which the data (:func:`rnnlab.train.data.load_task`), the net
        (:func:`rnnlab.train.nets.build_net`) and its stability monitor are built.
    data : SequenceData
        Needed with a model (moved to the config's device with it).
    config : RunConfig
        Settings for a model (default ``RunConfig()``, whose task field is then only a label).
    run_dir : path, optional
        Overrides ``config.run_dir``. A config run without either gets ``runs/<task>-<net>-...``;
        a model run without either keeps nothing on disk (and cannot be resumed).
    monitor : callable, optional
        ``monitor(model) -> dict`` after each epoch; its entries become columns of the metrics.
    callbacks : sequence
        Objects with any of ``on_train_begin(config, run_dir)``, ``on_batch_end(epoch, batch, loss)``,
        ``on_epoch_end(row)``, ``on_train_end(result)`` (see :class:`LivePlot`).
    progress : bool
        Show tqdm progress bars.

    Returns
    -------
    RunResult
        Raises :class:`TrainingDiverged` if the loss becomes NaN or infinite. A KeyboardInterrupt
        ends the run early with ``status="interrupted"`` and its last checkpoint kept.
    """
    if isinstance(model_or_config, RunConfig):
        if data is not None or config is not None:
            raise TypeError("train(config) builds its own data; pass data and config only with a model")
        cfg = model_or_config
        device = resolve_device(cfg.device)
        data = _load_data(cfg, device)
        with torch.random.fork_rng(devices=_fork_devices(device)):
            torch.manual_seed(cfg.seed)
            net, auto_monitor = _build_net(cfg, data)
            net = net.to(device)
            cfg = cfg.replace(run_dir=str(run_dir or cfg.run_dir or _default_run_dir(cfg)))
            rd = _prepare_dir(cfg, cfg.run_dir, data, net)
            return _fit(net, data, cfg, rd, monitor=monitor or auto_monitor, callbacks=callbacks,
                        progress=progress, checkpoint=None)
    if not isinstance(model_or_config, nn.Module):
        raise TypeError(f"model_or_config must be a torch.nn.Module or a RunConfig, got "
                        f"{type(model_or_config).__name__}")
    if not isinstance(data, SequenceData):
        raise TypeError(f"data must be a SequenceData (from load_task), got {type(data).__name__}")
    cfg = config if config is not None else RunConfig()
    if not isinstance(cfg, RunConfig):
        raise TypeError(f"config must be a RunConfig, got {type(cfg).__name__}")
    device = resolve_device(cfg.device)
    model, data = model_or_config.to(device), data.to(device)
    with torch.random.fork_rng(devices=_fork_devices(device)):
        torch.manual_seed(cfg.seed)
        if run_dir is not None or cfg.run_dir is not None:
            cfg = cfg.replace(run_dir=str(run_dir or cfg.run_dir))
        rd = _prepare_dir(cfg, cfg.run_dir, data, model)
        return _fit(model, data, cfg, rd, monitor=monitor, callbacks=callbacks, progress=progress,
                    checkpoint=None)


def _load_data(cfg: RunConfig, device, permutation=None) -> SequenceData:
    return load_task(cfg.task, root=cfg.data_root, val_fraction=cfg.val_fraction, seed=cfg.seed,
                     permutation_seed=cfg.permutation_seed, permutation=permutation,
                     standardize=cfg.standardize, limit=cfg.data_limit, device=device)


def resume(run_dir, *, model: nn.Module | None = None, data: SequenceData | None = None,
           monitor: Callable | None = None, epochs: int | None = None, callbacks: Sequence = (),
           progress: bool = True) -> RunResult:
    """Continue a stopped run from its last checkpoint; it ends as the uninterrupted run would.

    Parameters
    ----------
    run_dir : path
        A run directory written by :func:`train`.
    model, data : optional
        For runs of a model passed to :func:`train`: a model of the same class (its weights are
        replaced by the checkpoint's) and the same data. Runs built from a config rebuild both; the
        psMNIST permutation is the one stored with the run.
    monitor : callable, optional
        As in :func:`train` (a config run rebuilds its own).
    epochs : int, optional
        Train to this many epochs instead of the config's (the schedule's milestones are unchanged).
    """
    run_dir = Path(run_dir)
    if not (run_dir / "checkpoint.pt").exists():
        raise FileNotFoundError(f"no checkpoint.pt in {run_dir}: nothing to resume")
    ckpt = load_checkpoint(run_dir / "checkpoint.pt")
    cfg = RunConfig.from_dict(ckpt["config"])
    if epochs is not None:
        cfg = cfg.replace(epochs=epochs)
        _write_json(cfg.to_dict(), run_dir / "config.json")
    device = resolve_device(cfg.device)
    if model is None:
        from .nets import NETS

        if cfg.net not in NETS:
            raise TypeError(f"{run_dir} trained a model passed to train() (net {cfg.net!r} is not one of "
                            f"{sorted(NETS)}); resume it with resume(run_dir, model=..., data=...)")
    if data is None:
        perm = ckpt.get("permutation")
        data = _load_data(cfg, device, permutation=None if perm is None else perm.numpy())
    data = data.to(device)
    with torch.random.fork_rng(devices=_fork_devices(device)):
        auto_monitor = None
        if model is None:
            model, auto_monitor = _build_net(cfg, data)
        model = model.to(device)
        ckpt = load_checkpoint(run_dir / "checkpoint.pt", map_location=device)
        return _fit(model, data, cfg, run_dir, monitor=monitor or auto_monitor, callbacks=callbacks,
                    progress=progress, checkpoint=ckpt)


def repeat(config: RunConfig, seeds: Sequence[int], *, run_dir=None, callbacks: Sequence = (),
           progress: bool = True) -> RepeatResult:
    """Run ``config`` once per seed (each in ``<run_dir>/seed<s>``) and summarise the test accuracies.

    Kozachkov et al. (2022), Table 1 and A4.2.3, report repeated trials by their mean, min and max.

    Examples
    --------
    ``repeat(RunConfig.paper("sparse_combo", "psmnist"), seeds=[0, 1, 2, 3])`` gives e.g.
    ``RepeatResult(sparse_combo on psmnist, 4 seeds [0, 1, 2, 3]: test accuracy mean ..., min ..., max ...)``.
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    base = Path(run_dir or config.run_dir
                or Path("runs") / f"{config.task}-{config.net}-repeat-{time.strftime('%Y%m%d-%H%M%S')}")
    runs = tuple(train(config.replace(seed=s, run_dir=str(base / f"seed{s}")), callbacks=callbacks,
                       progress=progress) for s in seeds)
    return RepeatResult(config, seeds, runs)
