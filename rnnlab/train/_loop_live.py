"""Callbacks of the training loop: the base protocol, a live plot for notebooks, TensorBoard logging.

matplotlib, IPython and tensorboard are imported only when these callbacks are made.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

__all__ = ["Callback", "LivePlot", "StopAfter", "TensorBoardLogger"]


class Callback:
    """Hooks of :func:`rnnlab.train.loop.train`; override any of them (all do nothing here)."""

    def on_train_begin(self, config, run_dir) -> None:
        """Before the first epoch (of this call: after a resume, the next epoch)."""

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> None:
        """After each optimizer step, with that batch's loss."""

    def on_epoch_end(self, row: dict) -> None:
        """After each epoch, with its row of the metrics (also written to ``metrics.csv``)."""

    def on_train_end(self, result) -> None:
        """After the run (completed or interrupted), with its :class:`RunResult`."""


class StopAfter(Callback):
    """Stop a run as a KeyboardInterrupt would, after ``epochs`` epochs or ``seconds`` of training.

    The run returns with ``status="interrupted"`` and its last checkpoint, so :func:`resume`
    continues it: time-boxed sessions (Kozachkov et al. 2022 trained within Colab's 24-hour limit,
    A4.1.2) become one run in several pieces. The clock is checked after every batch; ``epochs``
    counts the epochs completed in this call.

    Examples
    --------
    >>> stop = StopAfter(epochs=2)
    >>> stop.on_epoch_end({"epoch": 1})
    >>> try:  # inside train() the interrupt ends the run with its checkpoint kept
    ...     stop.on_epoch_end({"epoch": 2})
    ... except KeyboardInterrupt as err:
    ...     print(err)
    StopAfter: 2 epochs done
    """

    def __init__(self, epochs: int | None = None, seconds: float | None = None):
        if epochs is None and seconds is None:
            raise ValueError("StopAfter needs epochs or seconds")
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
            raise ValueError(f"epochs must be a positive integer or None, got {epochs!r}")
        if seconds is not None and not (isinstance(seconds, (int, float)) and seconds > 0):
            raise ValueError(f"seconds must be a positive number or None, got {seconds!r}")
        self.epochs, self.seconds = epochs, seconds
        self._done, self._t0 = 0, None

    def on_train_begin(self, config, run_dir) -> None:
        self._done, self._t0 = 0, time.perf_counter()

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> None:
        elapsed = time.perf_counter() - self._t0 if self._t0 is not None else 0.0
        if self.seconds is not None and elapsed > self.seconds:
            raise KeyboardInterrupt(f"StopAfter: {self.seconds:g} s elapsed")

    def on_epoch_end(self, row: dict) -> None:
        self._done += 1
        if self.epochs is not None and self._done >= self.epochs:
            raise KeyboardInterrupt(f"StopAfter: {self._done} epochs done")


class LivePlot(Callback):
    """Loss and accuracy curves that redraw after every epoch in a notebook (or any figure).

    In Jupyter the figure is shown once and updated in place through an IPython display handle;
    elsewhere the figure is only redrawn (``.fig`` holds it). Train and validation curves share the
    axes: loss on the left, accuracy on the right.

    Parameters
    ----------
    figsize : tuple
        Size of the figure in inches.
    display : bool
        Show the figure through IPython (True in a notebook; False to keep it off-screen).
    """

    def __init__(self, figsize=(9.0, 3.2), display: bool = True):
        import matplotlib.pyplot as plt

        self.fig, (self.ax_loss, self.ax_acc) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
        plt.close(self.fig)  # drawn through the display handle, not by the notebook's auto-display
        self.rows: list[dict] = []
        self._handle = None
        if display:
            try:
                from IPython.display import display as ipy_display

                self._handle = ipy_display(self.fig, display_id=True)
            except ImportError:
                self._handle = None

    def on_train_begin(self, config, run_dir) -> None:
        if run_dir is not None and not self.rows:  # a resumed run: show its earlier epochs too
            path = Path(run_dir) / "metrics.csv"
            if path.exists():
                from .loop import load_metrics

                m = load_metrics(run_dir)
                self.rows = [{k: m[k][i] for k in m} for i in range(len(m["epoch"]))]
        self._draw()

    def on_epoch_end(self, row: dict) -> None:
        self.rows.append(dict(row))
        self._draw()

    def _draw(self) -> None:
        from matplotlib.ticker import MaxNLocator

        epochs = [r["epoch"] for r in self.rows]
        for ax, key, label in ((self.ax_loss, "loss", "cross entropy"), (self.ax_acc, "acc", "accuracy")):
            ax.clear()
            for split, style in (("train", "-"), ("val", "--")):
                values = [r.get(f"{split}_{key}", math.nan) for r in self.rows]
                if any(math.isfinite(v) for v in values):
                    ax.plot(epochs, values, style, marker="o", ms=3, label=split)
            ax.set_xlabel("epoch")
            ax.set_ylabel(label)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if self.rows:
                ax.legend(loc="best")
        self.fig.canvas.draw_idle()
        if self._handle is not None:
            self._handle.update(self.fig)


class TensorBoardLogger(Callback):
    """Write each epoch's row as TensorBoard scalars into ``log_dir`` (needs the tensorboard package)."""

    def __init__(self, log_dir):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as err:
            raise ImportError(
                "tensorboard=True needs the tensorboard package (torch.utils.tensorboard could not be "
                f"imported: {err}). Install it with `pip install tensorboard`, or run with "
                "tensorboard=False; "
                "metrics.csv in the run directory holds the same numbers."
            ) from None
        self.log_dir = Path(log_dir)
        self.writer = SummaryWriter(str(self.log_dir))

    def on_epoch_end(self, row: dict) -> None:
        for key, value in row.items():
            if key != "epoch" and isinstance(value, (int, float)) and math.isfinite(value):
                self.writer.add_scalar(key, value, global_step=int(row["epoch"]))
        self.writer.flush()

    def on_train_end(self, result) -> None:
        self.writer.close()
