"""What the titles and axis labels of the ORGaNICs and mean-field explorers cost per slider event.

Each explorer is built twice in one process: as shipped (a title and axis labels on every axes, and for
the mean-field explorer a window kept while the curves fit in it) and as before those labels, the
baseline (titles and labels removed, the layout recomputed without them, and the mean-field window
refitted at every event as before). The same slider walk drives both, one event each in turn. Each
event is timed two ways:

* blitted: the explorer's own latency (``explorer.latencies``): compute and artist updates + the
  blitted render of :class:`rnnlab.explorers.blit.BlitRenderer` + the PNG encode. This is the render
  path of ipympl in a notebook and of the Panel app, and since the spec refactor (commit c4a92ee) also
  of the inline fallback without ipympl (the figure as a PNG in an ``ipywidgets.Output``), which is
  what runs under Agg here. Axis labels and titles lie in the cached background, redrawn only for an
  axes whose limits changed;
* full: compute and artist updates (timed through the spec) + a full ``fig.canvas.draw()`` of the
  same state: the render of the inline fallback before the refactor (``display(fig)``), which draws
  every text at every event.

Run from the repository root::

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_explorer_labels.py              # 100 events each
    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_explorer_labels.py --events 10 --out -

It prints the table and writes it, with the machine, to ``benchmarks/results/explorer_labels.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from _latency import WARMUP, publish, slider_walk, timed_spec  # noqa: E402
from _machine import describe  # noqa: E402
from rnnlab.explorers import circuit_spec, mean_field_spec, normalization_spec  # noqa: E402
from rnnlab.explorers import meanfield as meanfield_explorers  # noqa: E402
from rnnlab.widgets import Explorer  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "explorer_labels.md"
STEP = 0.4  # standard deviation of one slider move, relative to a range of 4
RANGES = {
    "circuit": {"w_r": (0.2, 3.5), "b0": (0.05, 1.5), "sigma": (0.05, 1.5), "b": (0.1, 1.5),
                "z": (-1.5, 1.5)},
    "pool": {"stimulus": (0.0, 360.0), "contrast": (0.02, 50.0), "tuning_width": (10.0, 90.0),
             "pool_width": (5.0, 300.0), "sigma": (0.02, 1.5)},
    "mean field": {"g": (0.3, 1.4), "A": (0.2, 1.8)},
}
FACTORIES = {"circuit": circuit_spec, "pool": normalization_spec,
             "mean field": lambda: mean_field_spec(N=200)}


def walk(n_events: int, start: dict, ranges: dict, seed: int = 0) -> list[dict]:
    """One slider change per event, a random walk (these explorers have no nonlinearity dropdown)."""
    return slider_walk(n_events, start, ranges, STEP, seed, phi_every=0)


def strip_labels(fig) -> None:
    """The baseline figure: no titles or axis labels, laid out without them (as the explorers were)."""
    for ax in fig.axes:
        ax.set_title("")
        ax.set_xlabel("")
        ax.set_ylabel("")
    fig.set_layout_engine("constrained")
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")


class Driven:
    """One explorer driven by events, its renders timed; ``refit_always`` replays the old mean-field
    window (``rnnlab.explorers.meanfield.LOOSEST``, the hysteresis of its axes' windows, set to 0)."""

    def __init__(self, spec, refit_always: bool, strip: bool = False):
        if strip:   # the labels go as soon as the view has built the figure, before its first render
            view = spec.view

            def stripped(fig, result):
                built = view(fig, result)
                strip_labels(fig)
                return built

            spec = dataclasses.replace(spec, view=stripped)
        spec, self.times = timed_spec(spec)
        self.explorer = Explorer(spec)   # under Agg: the figure as a PNG in an Output, blitted
        self.refit_always = refit_always
        self.blitted, self.full = [], []

    def event(self, values: dict, timed: bool) -> None:
        loosest = meanfield_explorers.LOOSEST
        if self.refit_always:
            meanfield_explorers.LOOSEST = 0.0   # no window is kept: fresh limits at every event
        try:
            self.explorer.update(**values)
        finally:
            meanfield_explorers.LOOSEST = loosest
        blitted = self.explorer.latencies[-1]
        start = time.perf_counter()
        self.explorer.fig.canvas.draw()
        full = time.perf_counter() - start
        if timed:
            self.blitted.append(blitted)
            self.full.append(self.times["compute"][-1] + self.times["view"][-1] + full)

    @property
    def background_draws(self) -> int:
        """Whole-figure and single-axes redraws of the blitted render's background so far."""
        blitter = self.explorer._blitter
        return blitter.axes_draws + blitter.full_draws


def run(n_events: int) -> tuple[list[str], dict, list[str]]:
    fallback = {}
    rows = ["| explorer | render | baseline median ms | labelled median ms | ratio | baseline p95 "
            "| labelled p95 |",
            "|---|---|---:|---:|---:|---:|---:|"]
    axes_draws = {}
    for name, factory in FACTORIES.items():
        labelled = Driven(factory(), refit_always=False)
        baseline = Driven(factory(), refit_always=True, strip=True)
        for k, values in enumerate(walk(n_events + WARMUP, labelled.explorer.values, RANGES[name])):
            for driven in ((labelled, baseline) if k % 2 else (baseline, labelled)):
                driven.event(values, timed=k >= WARMUP)
        for render in ("blitted", "full"):
            b, t = 1e3 * np.array(getattr(baseline, render)), 1e3 * np.array(getattr(labelled, render))
            rows.append(f"| {name} | {render} | {np.median(b):.1f} | {np.median(t):.1f} | "
                        f"{np.median(t) / np.median(b):.2f} | {np.percentile(b, 95):.1f} | "
                        f"{np.percentile(t, 95):.1f} |")
        full, now = 1e3 * np.array(labelled.full), 1e3 * np.array(labelled.blitted)
        fallback[name] = (np.median(full), np.median(now), np.percentile(full, 95), np.percentile(now, 95))
        axes_draws[name] = (baseline.background_draws, labelled.background_draws)
        labelled.explorer.close()
        baseline.explorer.close()
    fallback_table = [
        "| explorer (labelled) | before: update + full draw, median ms | now: blitted + PNG, median ms "
        "| ratio now / before | before p95 | now p95 |",
        "|---|---:|---:|---:|---:|---:|"]
    for name, (full, now, full95, now95) in fallback.items():
        fallback_table.append(f"| {name} | {full:.1f} | {now:.1f} | {now / full:.2f} | {full95:.1f} | {now95:.1f} |")
    return rows, axes_draws, fallback_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--out", default=str(RESULTS), help='results file, "-" to print only')
    args = parser.parse_args()
    rows, draws, fallback = run(args.events)
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
        "Blitted: the explorer's event (compute + artist updates + blitted render + PNG encode; ipympl, "
        "the Panel app, and since the spec refactor the inline fallback). Full: compute + artist updates "
        "+ a full Agg draw (the inline fallback before the refactor). Ratio: labelled median / baseline "
        "median.",
        "",
        "This run is after the spec refactor (commit c4a92ee, issue 16 item 1): the explorers are "
        "`Explorer(spec)` of `rnnlab.explorers` specs, the labels are pinned by "
        "`rnnlab.explorers.figure.pin_labels`, the old window is replayed by setting "
        "`rnnlab.explorers.meanfield.LOOSEST` to 0, and the blitted time is the explorer's own "
        "(`explorer.latencies`), since its fallback without ipympl now blits and encodes a PNG itself.",
        "",
        *rows,
        "",
        "## The inline fallback (no ipympl), before and after the refactor",
        "",
        "The labelled explorers as shipped, on the same events: before the refactor the fallback "
        "(`display(fig)` in an `ipywidgets.Output`) made a full draw at every event; now it blits and "
        "encodes a PNG (`render_png(fig.canvas, BlitRenderer)`). Both include compute and artist "
        "updates; only \"now\" includes the PNG encode.",
        "",
        *fallback,
        "",
        "Background redraws of the blitted render, its first render included (whole figure or one axes; baseline, "
        "labelled): "
        + ", ".join(f"{name} {b} and {t}" for name, (b, t) in draws.items()) + ".",
        "",
        "The labels are set once and pinned (`rnnlab.explorers.figure.pin_labels`), so the blitted "
        "render, now the one of every front end (ipympl, the Panel app, the inline fallback), keeps them "
        "in its cached background: it redraws them only with an axes whose limits changed, and the "
        "mean-field window, now kept while the curves fit, changes less often. A full draw, the inline "
        "fallback before the refactor, draws every text at every event, so there the labels' glyphs "
        "added to each event. Timed on a shared 2-core machine under load from other jobs: compare the "
        "ratios, not the absolute numbers.",
        "",
        f"Machine: {describe()}",
        "",
    ])
    publish(text, args.out)


if __name__ == "__main__":
    main()
