"""Event callbacks of the training loop: the :class:`Callback` base class and :class:`StopAfter`.

The loop calls every callback's hooks in order. ``on_batch_end`` and ``on_epoch_end`` may return
True to ask the run to stop: the run then ends with ``status="stopped"`` and its last checkpoint kept
(a stop asked for inside an epoch takes effect at once, the epoch unfinished; one asked for at an
epoch's end lets every callback see that epoch first). :func:`rnnlab.train.loop.resume` continues it.
A KeyboardInterrupt (Ctrl-C) stops a run the same way.

:class:`~rnnlab.train._loop_live.LivePlot` (notebooks) and
:class:`~rnnlab.train._loop_live.TensorBoardLogger` are callbacks too.
"""

from __future__ import annotations

import time

__all__ = ["Callback", "StopAfter"]


class Callback:
    """Hooks of the training loop; override any of them (here they do nothing and never stop).

    Examples
    --------
    >>> class StopAtAccuracy(Callback):
    ...     def on_epoch_end(self, row):
    ...         return row["val_acc"] >= 0.9  # True stops the run after this epoch
    >>> StopAtAccuracy().on_epoch_end({"val_acc": 0.95})
    True
    """

    def on_train_begin(self, config, run_dir) -> None:
        """Before the first epoch (of this call: after a resume, the next epoch)."""

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> bool | None:
        """After each optimizer step, with that batch's loss; return True to stop the run now."""
        return None

    def on_epoch_end(self, row: dict) -> bool | None:
        """After each epoch (checkpoint written), with its metrics row; return True to stop the run."""
        return None

    def on_train_end(self, result) -> None:
        """After the run (completed or stopped), with its :class:`~rnnlab.train.loop.RunResult`."""


class StopAfter(Callback):
    """Stop a run after ``epochs`` epochs or ``seconds`` of training (a stop signal, not an error).

    The run returns with ``status="stopped"`` and its last checkpoint, so :func:`resume` continues
    it: time-boxed sessions (Kozachkov et al. 2022 trained within Colab's 24-hour limit, A4.1.2)
    become one run in several pieces. The clock is checked after every batch; ``epochs`` counts the
    epochs completed in this call. ``reason`` says why it stopped.

    Examples
    --------
    >>> stop = StopAfter(epochs=2)
    >>> stop.on_epoch_end({"epoch": 1})
    False
    >>> stop.on_epoch_end({"epoch": 2}), stop.reason
    (True, 'StopAfter: 2 epochs done')
    """

    def __init__(self, epochs: int | None = None, seconds: float | None = None):
        if epochs is None and seconds is None:
            raise ValueError("StopAfter needs epochs or seconds")
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
            raise ValueError(f"epochs must be a positive integer or None, got {epochs!r}")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or not 0 < seconds < float("inf")):
            raise ValueError(f"seconds must be a positive number or None, got {seconds!r}")
        self.epochs, self.seconds = epochs, seconds
        self._done, self._t0, self.reason = 0, None, None

    def on_train_begin(self, config, run_dir) -> None:
        self._done, self._t0, self.reason = 0, time.perf_counter(), None

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> bool:
        elapsed = time.perf_counter() - self._t0 if self._t0 is not None else 0.0
        if self.seconds is not None and elapsed > self.seconds:
            self.reason = f"StopAfter: {self.seconds:g} s elapsed"
            return True
        return False

    def on_epoch_end(self, row: dict) -> bool:
        self._done += 1
        if self.epochs is not None and self._done >= self.epochs:
            self.reason = f"StopAfter: {self._done} epochs done"
            return True
        return False
