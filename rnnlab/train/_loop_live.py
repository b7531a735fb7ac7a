"""Callbacks that show a run: a live plot for notebooks and TensorBoard logging.

matplotlib, IPython and tensorboard are imported only when these callbacks are made.
"""

from __future__ import annotations

import math
from pathlib import Path

from .callbacks import Callback

__all__ = ["LivePlot", "TensorBoardLogger"]


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
                from .rundir import load_metrics

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
