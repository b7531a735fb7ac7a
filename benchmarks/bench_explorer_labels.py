"""What the titles and axis labels of the ORGaNICs and mean-field explorers cost per slider event.

Each explorer is built twice in one process: as shipped (a title and axis labels on every axes, and for
the mean-field explorer a window kept while the curves fit in it) and as before those labels, the
baseline (titles and labels removed, the layout recomputed without them, and the mean-field window
refitted at every event as before). The same slider walk drives both, one event each in turn. Each
event is timed two ways:

* blitted: ``explorer.update`` (compute and artist updates) + the blitted render of
  :class:`rnnlab.widgets.blit.BlitRenderer` + the PNG encode, which is the render path of ipympl in a
  notebook and of the Panel app. Axis labels and titles lie in the cached background, redrawn only for an
  axes whose limits changed;
* full: ``explorer.update`` + a full ``fig.canvas.draw()``, the render of the inline fallback (no
  ipympl), which draws every text at every event.

Run from the repository root::

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_explorer_labels.py              # 100 events each
    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_explorer_labels.py --events 10 --out -

It prints the table and writes it, with the machine, to ``benchmarks/results/explorer_labels.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from _latency import WARMUP, publish, slider_walk  # noqa: E402
from _machine import describe  # noqa: E402
from rnnlab.widgets import circuit_explorer, mean_field_explorer, normalization_explorer  # noqa: E402
from rnnlab.widgets import meanfield as meanfield_widgets  # noqa: E402
from rnnlab.widgets.blit import BlitRenderer, encode_png  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "explorer_labels.md"
STEP = 0.4  # standard deviation of one slider move, relative to a range of 4
RANGES = {
    "circuit": {"w_r": (0.2, 3.5), "b0": (0.05, 1.5), "sigma": (0.05, 1.5), "b": (0.1, 1.5),
                "z": (-1.5, 1.5)},
    "pool": {"stimulus": (0.0, 360.0), "contrast": (0.02, 50.0), "tuning_width": (10.0, 90.0),
             "pool_width": (5.0, 300.0), "sigma": (0.02, 1.5)},
    "mean field": {"g": (0.3, 1.4), "A": (0.2, 1.8)},
}
FACTORIES = {"circuit": circuit_explorer, "pool": normalization_explorer,
             "mean field": lambda: mean_field_explorer(N=200)}


def walk(n_events: int, start: dict, ranges: dict, seed: int = 0) -> list[dict]:
    """One slider change per event, a random walk (these explorers have no nonlinearity dropdown)."""
    return slider_walk(n_events, start, ranges, STEP, seed, phi_every=0)


def strip_labels(explorer) -> None:
    """The baseline figure: no titles or axis labels, laid out without them (as the explorers were)."""
    fig = explorer.fig
    for ax in fig.axes:
        ax.set_title("")
        ax.set_xlabel("")
        ax.set_ylabel("")
    fig.set_layout_engine("constrained")
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")


class Driven:
    """One explorer driven by events, its renders timed; ``refit`` replays the old mean-field window."""

    def __init__(self, explorer, refit_always: bool):
        self.explorer = explorer
        self.refit_always = refit_always
        # The timed renders below are the renders (Agg's draw_idle would draw at once).
        explorer.fig.canvas.draw_idle = lambda *args, **kwargs: None
        self.blitter = BlitRenderer(explorer.fig)
        self.blitted, self.full = [], []

    def event(self, values: dict, timed: bool) -> None:
        loosest = meanfield_widgets._LOOSEST
        if self.refit_always:
            meanfield_widgets._LOOSEST = 0.0   # no window is kept: fresh limits at every event
        try:
            start = time.perf_counter()
            self.explorer.update(**values)
            updated = time.perf_counter()
        finally:
            meanfield_widgets._LOOSEST = loosest
        canvas = self.explorer.fig.canvas
        self.blitter.draw(canvas)
        encode_png(canvas.buffer_rgba())
        blitted = time.perf_counter()
        canvas.draw()
        full = time.perf_counter()
        if timed:
            self.blitted.append(blitted - start)
            self.full.append((updated - start) + (full - blitted))


def run(n_events: int) -> tuple[list[str], dict]:
    rows = ["| explorer | render | baseline median ms | labelled median ms | ratio | baseline p95 "
            "| labelled p95 |",
            "|---|---|---:|---:|---:|---:|---:|"]
    axes_draws = {}
    for name, factory in FACTORIES.items():
        labelled = Driven(factory(), refit_always=False)
        baseline_explorer = factory()
        strip_labels(baseline_explorer)
        baseline = Driven(baseline_explorer, refit_always=True)
        for k, values in enumerate(walk(n_events + WARMUP, labelled.explorer.values, RANGES[name])):
            for driven in ((labelled, baseline) if k % 2 else (baseline, labelled)):
                driven.event(values, timed=k >= WARMUP)
        for render in ("blitted", "full"):
            b, t = 1e3 * np.array(getattr(baseline, render)), 1e3 * np.array(getattr(labelled, render))
            rows.append(f"| {name} | {render} | {np.median(b):.1f} | {np.median(t):.1f} | "
                        f"{np.median(t) / np.median(b):.2f} | {np.percentile(b, 95):.1f} | "
                        f"{np.percentile(t, 95):.1f} |")
        axes_draws[name] = (baseline.blitter.axes_draws + baseline.blitter.full_draws,
                            labelled.blitter.axes_draws + labelled.blitter.full_draws)
        labelled.explorer.close()
        baseline.explorer.close()
    return rows, axes_draws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--out", default=str(RESULTS), help='results file, "-" to print only')
    args = parser.parse_args()
    rows, draws = run(args.events)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    text = "\n".join([
        "# Explorer latency with titles and axis labels",
        "",
        f"Generated by `MPLBACKEND=Agg .venv/bin/python benchmarks/bench_explorer_labels.py --events "
        f"{args.events}` on {now} (load average at the end: {load:.1f} on {os.cpu_count()} CPUs).",
        "",
        f"{args.events} timed slider events per explorer ({WARMUP} warm-up events first), the same "
        "random walk through the labelled explorer and the baseline, one event each in turn, in one process. "
        "Blitted: update + blitted render + PNG encode (ipympl and the Panel app). Full: update + full "
        "Agg draw (the inline fallback). Ratio: labelled median / baseline median.",
        "",
        *rows,
        "",
        "Background redraws of the blitted render over the walk (whole figure or one axes; baseline, "
        "labelled): "
        + ", ".join(f"{name} {b} and {t}" for name, (b, t) in draws.items()) + ".",
        "",
        "The labels are set once and pinned (`rnnlab.widgets._labels.pin_labels`), so the blitted render, "
        "the one of ipympl and the Panel app, keeps them in its cached background: it redraws them only "
        "with an axes whose limits changed, and the mean-field window, now kept while the curves fit, "
        "changes less often. A full draw, the inline fallback without ipympl, draws every text at every "
        "event, so there the labels' glyphs add to each event. Timed on a shared 2-core machine: "
        "compare the ratios, not the absolute numbers.",
        "",
        f"Machine: {describe()}",
        "",
    ])
    publish(text, args.out)


if __name__ == "__main__":
    main()
