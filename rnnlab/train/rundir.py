"""A run directory: every file a training run keeps, read and written here and nowhere else.

* ``config.json``: the :class:`~rnnlab.train.config.RunConfig` (plain JSON);
* ``data.json``: the data's facts, including the psMNIST pixel permutation;
* ``metrics.csv``: one row per epoch: ``epoch, train_loss, train_acc, val_loss, val_acc, lr, time``
  and the monitor's columns;
* ``checkpoint.pt``: the state after the last completed epoch (model, optimizer, scheduler, epoch,
  RNG states, config, best validation so far);
* ``best.pt``: the model's weights at the best validation accuracy (Rawat et al. 2024, I.2, test the
  model "with the largest validation accuracy");
* ``result.json``: how the run ended (:func:`load_result`).

**Atomic writes.** Every file is written whole to a temporary ``<name>.<random>.tmp`` in the same
folder, flushed to disk (``fsync``) and renamed over the old one (``os.replace``), so a kill at any
moment leaves either the old file or the new one, never a torn one. ``metrics.csv`` is rewritten whole
each epoch (a few hundred rows at most). Opening a run directory deletes orphaned ``*.tmp`` files.

**Checksums.** ``torch.save`` writes a zip archive whose CRCs ``torch.load`` does not check, so a
flipped bit can load as a silently wrong weight. A checkpoint file here is one header line
``RNNLAB-CHECKPOINT sha256=<hex digest of the rest>`` followed by ``torch.save``'s bytes; reading
checks the digest first, then unpickles with ``weights_only=True`` (tensors and plain types only: a
file that smuggles code, or a truncated one, is refused with :class:`CheckpointError` naming the file).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

__all__ = ["RunDir", "RunDirError", "CheckpointError", "save_checkpoint", "load_checkpoint", "load_metrics",
           "load_result", "atomic_write", "BASE_COLUMNS", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = 2
BASE_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "time")
MAGIC = b"RNNLAB-CHECKPOINT sha256="
RESULT_KEYS = ("status", "test_accuracy", "best_val_accuracy", "epochs", "wall_time_s", "device",
               "certificate_margin", "config")


class RunDirError(ValueError):
    """A damaged file of a run directory (garbled metrics, invalid JSON, a bad checkpoint)."""


class CheckpointError(RunDirError):
    """A checkpoint file that is corrupt, truncated, not rnnlab's, or holds more than tensors."""


def _umask_mode() -> int:
    """The mode an ordinary new file gets (``mkstemp`` makes owner-only files; runs are shared)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temporary file in the same folder, fsync, ``os.replace``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        os.chmod(tmp, _umask_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:  # make the rename itself durable (POSIX); not possible on every platform
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_json(obj, path: Path) -> None:
    atomic_write(path, (json.dumps(obj, indent=2) + "\n").encode())


def _read_json(path: Path) -> dict:
    try:
        obj = json.loads(Path(path).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise RunDirError(f"{path} is not valid JSON ({err}); the file is damaged") from None
    if not isinstance(obj, dict):
        raise RunDirError(f"{path} must hold a JSON object, got {type(obj).__name__}")
    return obj


# --------------------------------------------------------------------------------------------------
# Checkpoints


def save_checkpoint(obj: dict, path) -> None:
    """``torch.save(obj)`` behind a sha256 header line, written atomically."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    payload = buf.getvalue()
    atomic_write(path, MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


def load_checkpoint(path, map_location="cpu", *, alternative: str | None = None) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`: checksum checked, ``weights_only=True``.

    Raises :class:`CheckpointError` naming ``path`` (and ``alternative``, a file to fall back on, if
    given) when the file is not an rnnlab checkpoint, its checksum fails or it holds anything but
    tensors and plain types.
    """
    path = Path(path)
    blob = path.read_bytes()
    instead = f"; {alternative}" if alternative else ""
    head, sep, payload = blob.partition(b"\n")
    if not head.startswith(MAGIC) or not sep:
        raise CheckpointError(f"{path} is not an rnnlab checkpoint (no '{MAGIC.decode()}' header: "
                              f"truncated, or written by something else){instead}")
    if hashlib.sha256(payload).hexdigest().encode() != head[len(MAGIC):].strip():
        raise CheckpointError(f"{path} is corrupt: its sha256 does not match the one in its header "
                              f"(a flipped bit or a partial copy){instead}")
    try:
        ckpt = torch.load(io.BytesIO(payload), map_location=map_location, weights_only=True)
    except Exception as err:  # noqa: BLE001 (unpickling errors of every kind: refuse them all alike)
        raise CheckpointError(f"{path} holds more than tensors and plain types and is refused "
                              f"(weights_only=True): {type(err).__name__}: {str(err)[:200]}{instead}"
                              ) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not an rnnlab checkpoint of format {CHECKPOINT_FORMAT}{instead}")
    return ckpt


# --------------------------------------------------------------------------------------------------
# Metrics


def _parse_metrics(path: Path) -> tuple[list[str], list[dict]]:
    """The header and rows of ``metrics.csv``; a garbled file raises ``ValueError`` naming it."""
    if not path.exists():
        return [], []
    text = path.read_text(errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    if text and tuple(header[: len(BASE_COLUMNS)]) != BASE_COLUMNS:
        raise RunDirError(f"{path} is garbled: its header must start with {','.join(BASE_COLUMNS)}, got "
                         f"{','.join(header[:len(BASE_COLUMNS)]) or 'nothing'}")
    rows = []
    for line, row in enumerate(reader, start=2):
        try:
            if None in row or None in row.values():
                raise ValueError("wrong number of fields")
            row = {k: (float(v) if v != "" else math.nan) for k, v in row.items()}
            row["epoch"] = int(row["epoch"])
        except ValueError as err:
            raise RunDirError(f"{path} is garbled at line {line} ({err}); restore it or delete the run"
                             ) from None
        if row["epoch"] != len(rows) + 1:
            raise RunDirError(f"{path} is garbled at line {line}: epoch {row['epoch']} where {len(rows) + 1} "
                             f"was expected")
        rows.append(row)
    return header, rows


def load_metrics(run_dir) -> dict[str, np.ndarray]:
    """``metrics.csv`` of a run as a dict of column name -> array (one entry per epoch)."""
    header, rows = _parse_metrics(Path(run_dir) / "metrics.csv")
    if not header:
        raise FileNotFoundError(f"no metrics.csv in {run_dir}")
    return {k: np.array([row[k] for row in rows]) for k in header}


def load_result(run_dir) -> dict:
    """``result.json`` of a run: how it ended (see :meth:`RunDir.write_result` for the keys)."""
    path = Path(run_dir) / "result.json"
    if not path.exists():
        raise FileNotFoundError(f"no result.json in {run_dir}: the run has not ended (or was killed); "
                                f"continue it with resume({str(run_dir)!r})")
    result = _read_json(path)
    missing = [k for k in RESULT_KEYS if k not in result]
    if missing:
        raise RunDirError(f"{path} lacks the keys {missing}")
    return result


# --------------------------------------------------------------------------------------------------
# The directory


class RunDir:
    """The files of one run directory (see the module docstring); opening it cleans orphaned temps."""

    def __init__(self, path):
        self.path = Path(path)
        if self.path.is_dir():
            for tmp in self.path.glob("*.tmp"):
                tmp.unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    def started(self) -> bool:
        """Whether a run was started here (its config is written first)."""
        return self.file("config.json").exists()

    def create(self, config: dict, data_facts: dict) -> "RunDir":
        """Start a new run here; a folder that holds one already raises ``FileExistsError``."""
        if self.started() or self.file("checkpoint.pt").exists():
            raise FileExistsError(f"{self.path} already holds a run; continue it with "
                                  f"resume({str(self.path)!r}) or choose another run_dir")
        self.path.mkdir(parents=True, exist_ok=True)
        _write_json(data_facts, self.file("data.json"))
        _write_json(config, self.file("config.json"))
        return self

    def read_config(self) -> dict:
        return _read_json(self.file("config.json"))

    def write_config(self, config: dict) -> None:
        _write_json(config, self.file("config.json"))

    def read_data_facts(self) -> dict:
        path = self.file("data.json")
        return _read_json(path) if path.exists() else {}

    def save_checkpoint(self, state: dict) -> None:
        save_checkpoint({"format": CHECKPOINT_FORMAT, **state}, self.file("checkpoint.pt"))

    def load_checkpoint(self, map_location="cpu") -> dict | None:
        """The last checkpoint, or None if the run was stopped before its first one."""
        path = self.file("checkpoint.pt")
        if not path.exists():
            return None
        best = self.file("best.pt")
        alt = (f"{best} holds the weights of the best validation epoch" if best.exists()
               else "no best.pt to fall back on: start the run afresh")
        return load_checkpoint(path, map_location, alternative=alt)

    def save_best(self, model_state: dict, epoch: int) -> None:
        save_checkpoint({"format": CHECKPOINT_FORMAT, "epoch": epoch, "model": model_state},
                        self.file("best.pt"))

    def load_best(self, map_location="cpu") -> dict:
        """The best-validation weights (a state dict)."""
        alt = f"{self.file('checkpoint.pt')} holds the last epoch's weights"
        return load_checkpoint(self.file("best.pt"), map_location, alternative=alt)["model"]

    def read_metrics(self, upto_epoch: int) -> tuple[list[str], list[dict]]:
        """Header and rows of epochs 1..``upto_epoch``; fewer rows than that is refused."""
        header, rows = _parse_metrics(self.file("metrics.csv"))
        if len(rows) < upto_epoch:
            raise RunDirError(f"{self.file('metrics.csv')} holds {len(rows)} epochs but the checkpoint is at "
                             f"epoch {upto_epoch}: the metrics file was damaged")
        return header, rows[:upto_epoch]

    def write_metrics(self, header: list[str], rows: list[dict]) -> None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        atomic_write(self.file("metrics.csv"), buf.getvalue().encode())

    def write_result(self, result: dict) -> None:
        """``result.json``; it holds at least the keys of ``RESULT_KEYS`` (None where not applicable)."""
        missing = [k for k in RESULT_KEYS if k not in result]
        if missing:
            raise ValueError(f"result lacks the keys {missing}")
        _write_json(result, self.file("result.json"))

    def clear_result(self) -> None:
        """A resumed run has not ended: drop the result of the piece before."""
        self.file("result.json").unlink(missing_ok=True)
