"""Data-parallel training of one run over several processes (``torchrun``), with DistributedDataParallel.

``torchrun --nproc_per_node N -m rnnlab.train ...`` (or :func:`~rnnlab.train.loop.run`,
:func:`~rnnlab.train.loop.fit` and :func:`~rnnlab.train.loop.resume` called in processes that form a
process group) trains one run on N ranks. :func:`setup` finds the group: an initialised
``torch.distributed`` process group, or torchrun's environment (``WORLD_SIZE``, ``RANK``,
``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``), in which case it initialises one (``gloo`` on the
CPU, ``nccl`` on CUDA with device ``cuda:LOCAL_RANK``) and keeps it for the life of the process.
Without either, or with one process, nothing changes: :data:`SINGLE` is the one-process case.

Decisions (the training loop follows them):

* **The same batches as one process.** Every rank holds the whole data set on its device and draws the
  same global batch order (it depends only on ``(seed, epoch)``); rank ``r`` of ``W`` takes the
  contiguous slice ``[r B // W, (r + 1) B // W)`` of each global batch of ``B`` sequences
  (:meth:`Ranks.part`).
* **The gradient of the global mean loss.** DDP averages gradients over ranks, ``g = (1/W) sum_r g_r``.
  Rank ``r`` minimises ``L_r = (W / B) sum_{i in r} l_i`` (:meth:`Ranks.loss`), so
  ``g = (1/B) sum_i grad l_i``, the gradient one process takes on the whole batch. When ``B`` splits
  evenly (``n_r = B / W``), ``L_r`` is the mean over the rank's slice; an uneven (last) batch weights
  each rank's mean by its slice size ``n_r W / B``. A rank whose slice is empty (``B < W``) runs the
  net on one sequence with weight 0, so that every rank takes part in DDP's gradient reduction.
* **Metrics of the whole batch.** The logged training loss is the all-reduced ``sum_r L_r / W``, the
  global mean (so a non-finite loss is seen by every rank at once and all raise
  :class:`~rnnlab.train.loop.TrainingDiverged` together, no rank waits for another); the training
  accuracy's counts are all-reduced at the end of the epoch. ``metrics.csv`` equals one process's up to
  the order of floating-point sums.
* **Rank 0 writes.** Only rank 0 creates the run directory and writes metrics, checkpoints (the plain
  module's ``state_dict``, so a checkpoint resumes in one process or in many) and ``result.json``;
  only rank 0 runs the stability monitor, the callbacks and the progress bars. A stop asked for by a
  callback is all-reduced, so every rank stops after the same batch. Every rank evaluates the
  validation and test splits itself (the parameters are identical, so the numbers are too; the
  divergence checks after an epoch agree without communication). :func:`~rnnlab.train.loop.resume`
  loads the checkpoint on every rank (:func:`open_run_dir`: ranks other than 0 only read).
* Ctrl-C under torchrun stops the ranks where they are; rank 0 keeps its last checkpoint and
  ``--resume`` continues the run (a rank still waiting in a collective ends with a gloo/nccl error).
* The ``RunResult`` of ranks other than 0 has no ``run_dir`` and no best-validation test.
* A rank that fails (out of memory, a missing file) leaves the others waiting in a collective;
  torchrun stops them all when one of its processes exits with an error.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from .rundir import RunDir

__all__ = ["Ranks", "SINGLE", "setup", "rank", "open_run_dir"]


@dataclass(frozen=True)
class Ranks:
    """This process's place in a run: ``rank`` of ``world_size`` processes, training on ``device``."""

    rank: int = 0
    world_size: int = 1
    device: torch.device | None = None

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def main(self) -> bool:
        """Rank 0: the one process that writes the run directory."""
        return self.rank == 0

    def wrap(self, model: nn.Module) -> nn.Module:
        """``model`` inside DistributedDataParallel (``model`` itself in one process)."""
        if not self.distributed:
            return model
        ids = [self.device.index] if self.device is not None and self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def part(self, x: torch.Tensor, y: torch.Tensor):
        """This rank's contiguous slice of a global batch ``x (B, T, C)``, ``y (B,)``, and its weight.

        The weight is 1 except for an empty slice (``B < world_size``), where the slice is the batch's
        first sequence with weight 0.

        Examples
        --------
        >>> x, y = torch.zeros(5, 1, 1), torch.arange(5)
        >>> [Ranks(r, 2).part(x, y)[1].tolist() for r in range(2)]
        [[0, 1], [2, 3, 4]]
        """
        if not self.distributed:
            return x, y, 1.0
        n = len(y)
        lo, hi = self.rank * n // self.world_size, (self.rank + 1) * n // self.world_size
        if hi == lo:
            return x[:1], y[:1], 0.0
        return x[lo:hi], y[lo:hi], 1.0

    def loss(self, logits: torch.Tensor, y: torch.Tensor, n_global: int, weight: float = 1.0) -> torch.Tensor:
        """The loss whose DDP-averaged gradient is the gradient of the global batch's mean cross entropy.

        One process: ``mean_i l_i``. Rank r of W: ``(W / B) sum_{i in r} l_i`` (the module docstring).

        Examples
        --------
        >>> logits, y = torch.randn(6, 3), torch.tensor([0, 1, 2, 0, 1, 2])
        >>> parts = [Ranks(r, 2).part(logits, y) for r in range(2)]
        >>> per_rank = [Ranks(r, 2).loss(l, t, 6) for r, (l, t, _) in enumerate(parts)]
        >>> bool(torch.isclose(sum(per_rank) / 2, F.cross_entropy(logits, y)))
        True
        """
        if not self.distributed:
            return F.cross_entropy(logits, y)
        return F.cross_entropy(logits, y, reduction="sum") * (weight * self.world_size / n_global)

    def sum(self, t: torch.Tensor) -> torch.Tensor:
        """``t`` summed over the ranks (``t`` itself in one process)."""
        if self.distributed:
            t = t.clone()
            dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t

    def mean_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """The global batch's mean loss from the ranks' :meth:`loss` values (detached)."""
        return self.sum(loss.detach()) / self.world_size

    def any(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is True on any (a stop that all ranks obey together)."""
        if not self.distributed:
            return bool(flag)
        t = torch.tensor([1.0 if flag else 0.0], device=self._comm_device())
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def _comm_device(self) -> torch.device:
        return self.device if dist.get_backend() == "nccl" else torch.device("cpu")


#: One process, no process group.
SINGLE = Ranks()


def _device(device: torch.device, local_rank: int) -> torch.device:
    """cuda (or auto on a CUDA machine) becomes ``cuda:LOCAL_RANK``; an explicit index is refused."""
    if device.type != "cuda":
        return device
    if device.index is not None and device.index != local_rank:
        raise ValueError(f"config.device {str(device)!r} names one GPU, but under torchrun each rank uses "
                         f"cuda:LOCAL_RANK (here cuda:{local_rank}); give device 'cuda' or 'auto'")
    return torch.device("cuda", local_rank)


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "")
    try:
        return int(text) if text else default
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {text!r}") from None


def setup(device: torch.device) -> Ranks:
    """This process's :class:`Ranks` for a run on ``device`` (the config's, resolved).

    An initialised process group is used as it is; torchrun's environment with ``WORLD_SIZE > 1``
    initialises one (gloo on the CPU, nccl on CUDA), destroyed when the process exits. Otherwise
    :data:`SINGLE` with ``device``.

    Examples
    --------
    >>> setup(torch.device("cpu"))  # one process (no WORLD_SIZE in the environment)
    Ranks(rank=0, world_size=1, device=device(type='cpu'))
    """
    world = dist.get_world_size() if dist.is_available() and dist.is_initialized() else \
        _env_int("WORLD_SIZE", 1)
    if world <= 1:
        return Ranks(0, 1, device)
    if not dist.is_initialized():
        if not dist.is_available():
            raise RuntimeError("WORLD_SIZE > 1 asks for several processes, but torch.distributed is "
                               "not available in this torch build")
        backend = "nccl" if device.type == "cuda" else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(_device(device, _env_int("LOCAL_RANK", 0)))
        dist.init_process_group(backend=backend)
        atexit.register(_destroy)
    if dist.get_backend() == "nccl" and device.type != "cuda":
        raise ValueError(f"config.device {str(device)!r}: the process group's backend nccl needs a CUDA "
                         f"device ('cuda' or 'auto')")
    r = dist.get_rank()
    local = _env_int("LOCAL_RANK", r % max(torch.cuda.device_count(), 1) if device.type == "cuda" else 0)
    return Ranks(r, dist.get_world_size(), _device(device, local))


class _ReadOnlyRunDir(RunDir):
    """A run directory opened without cleaning orphaned temporary files: rank 0 may be writing them."""

    def __init__(self, path):
        self.path = Path(path)


def open_run_dir(path) -> RunDir:
    """The run directory to resume, as rank 0 opens it; other ranks only read it.

    Call before :func:`setup` (the device is in the directory's config): the rank is read from the
    process group or torchrun's ``RANK``.
    """
    return RunDir(path) if rank() == 0 else _ReadOnlyRunDir(path)


def rank() -> int:
    """This process's rank: the process group's, else torchrun's ``RANK``, else 0."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return _env_int("RANK", 0)


def _destroy() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
