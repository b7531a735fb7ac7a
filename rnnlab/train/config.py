"""Run configurations: :class:`RunConfig`, the papers' presets and the device rule.

A config is a frozen dataclass checked when it is made, so a bad field fails before any data is read
or any net is built, with a message naming the field.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field

import torch

from .data import TASKS

__all__ = ["RunConfig", "resolve_device", "preset_dt"]

CUSTOM_NET = "custom"  # the net label of a config for a model passed to fit(), not built from a name
SEQ_LEN = {"smnist": 784, "psmnist": 784, "mnist5000": 784, "pmnist5000": 784, "scifar10": 1024,
           "digits": 64}  # time steps T of each task (one pixel, or one RGB pixel, per step)
DT_RULE_NETS = ("sparse_combo", "svd_combo")  # continuous-time nets with unit time constants


def preset_dt(task: str) -> float:
    """The Euler step of the presets: ``dt = min(0.1, 8 / T)`` for a task of ``T`` time steps.

    rnnlab's choice (issue 20): the papers state no dt. The Combo Nets' Jacobians have eigenvalues
    near Re = -1 (unit time constants, Kozachkov et al. 2022, Eq. 1), so a sequence of ``T`` steps spans
    ``T dt`` time constants; with dt = 0.1 the 784 pixels of MNIST span 78 of them and the net forgets
    all but the last ~100 pixels. ``T dt = 8`` keeps the first pixels' trace at about e^-8 of the
    last ones' before training, with 0.1 as the ceiling for short sequences. ORGaNICs (learned time
    constants, dt = 1 in units of them), the LSTM and the vanilla RNN are discrete-time nets and keep
    their own steps.

    Examples
    --------
    >>> preset_dt("psmnist") == 8 / 784, preset_dt("digits")
    (True, 0.1)
    """
    if task not in SEQ_LEN:
        raise ValueError(f"task must be one of {tuple(SEQ_LEN)}, got {task!r}")
    return min(0.1, 8.0 / SEQ_LEN[task])


def _check_net(net) -> None:
    from .nets import NETS

    if not isinstance(net, str):
        raise TypeError(f"net must be a net name (str), got {net!r}")
    if net not in NETS and net != CUSTOM_NET:
        raise ValueError(f"net must be one of {sorted(NETS)} (or {CUSTOM_NET!r} for a model passed to "
                         f"fit), got {net!r}")


def _check_device(device) -> None:
    if not isinstance(device, str):
        raise TypeError(f"device must be a str ('auto', 'cpu', 'cuda', 'cuda:<i>'), got {device!r}")
    if device != "auto":
        try:
            kind = torch.device(device).type
        except (RuntimeError, TypeError):
            kind = None
        if kind not in ("cpu", "cuda", "mps"):
            raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:<i>', got {device!r}")


def _iterable(value) -> tuple:
    try:
        return tuple(value)
    except TypeError:
        return (None,)  # not a sequence: refused by the caller


def _check_numbers(cfg) -> None:
    for name in ("epochs", "batch_size", "probe_size"):
        value, least = getattr(cfg, name), 0 if name == "epochs" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            kind = "non-negative" if name == "epochs" else "positive"
            raise ValueError(f"{name} must be a {kind} integer, got {value!r}")
    for name in ("lr", "gamma"):
        value = getattr(cfg, name)
        if isinstance(value, bool) or not (isinstance(value, (int, float)) and 0 < value < math.inf):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    wd = cfg.weight_decay
    if isinstance(wd, bool) or not (isinstance(wd, (int, float)) and 0 <= wd < math.inf):
        raise ValueError(f"weight_decay must be a non-negative number, got {wd!r}")
    clip = cfg.grad_clip
    clip_ok = clip is None or (isinstance(clip, (int, float)) and not isinstance(clip, bool) and clip > 0)
    if not clip_ok or (clip is not None and not math.isfinite(clip)):
        raise ValueError(f"grad_clip must be a positive number or None, got {clip!r}")
    if not (isinstance(cfg.val_fraction, (int, float)) and 0.0 <= cfg.val_fraction < 1.0):
        raise ValueError(f"val_fraction must lie in [0, 1), got {cfg.val_fraction!r}")
    limit = cfg.data_limit
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 2):
        raise ValueError(f"data_limit must be an integer >= 2 or None, got {limit!r}")


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
        A name of :data:`rnnlab.train.nets.NETS` (checked here); ``net_options`` are its keyword
        options. ``"custom"`` labels a model built by the caller and passed to :func:`fit`.
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
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... (its form
        is checked here; whether the device exists, when the run starts).
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
        _check_net(self.net)
        if not isinstance(self.net_options, dict):
            raise TypeError(f"net_options must be a dict, got {type(self.net_options).__name__}")
        _check_device(self.device)
        _check_numbers(self)
        if isinstance(self.milestones, (str, bytes)) or not all(
                isinstance(m, int) and not isinstance(m, bool) for m in _iterable(self.milestones)):
            raise TypeError(f"milestones must be a sequence of integer epochs, got {self.milestones!r}")
        milestones = tuple(self.milestones)
        if any(m < 1 for m in milestones) or list(milestones) != sorted(milestones):
            raise ValueError(f"milestones must be increasing positive epochs, got {self.milestones!r}")
        object.__setattr__(self, "milestones", milestones)
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise TypeError(f"seed must be an integer, got {self.seed!r}")
        if self.seed < 0:  # numpy's generators (validation split, permutation) take seeds >= 0
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

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

        The Combo Nets' Euler step ``dt`` follows :func:`preset_dt` (``dt = min(0.1, 8 / T)``), rnnlab's
        rule, not the papers' (they state no dt); ``net_options={"dt": ...}`` overrides it.

        Examples
        --------
        >>> RunConfig.paper("sparse_combo", "psmnist").net_options["dt"] == 8 / 784
        True
        >>> RunConfig.paper("sparse_combo", "digits").net_options
        {'dt': 0.1}
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
        if net in DT_RULE_NETS:
            options = {"dt": preset_dt(task), **changes.pop("net_options", {})}
            settings["net_options"] = options
        return cls(task=task, net=net, batch_size=256, val_fraction=0.05, **{**settings, **changes})


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA when available, else CPU; any other string is passed to ``torch.device``."""
    _check_device(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
