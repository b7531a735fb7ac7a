"""Latency of a slider event in the rate-RNN explorer, against rebuilding the figure per event.

Each event moves one control, as a drag does (a random walk over the weights, inputs and gain,
and now and then another nonlinearity, so fixed points appear and disappear), and is timed from
the control change to the end of a forced full ``fig.canvas.draw()``: compute + artist updates +
render. The baseline, in the same process on the same events, recomputes the same portrait and
then builds a new figure from scratch (streamplot, nullclines, fixed points, eigenvalue scatter).

Run from the repository root::

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget.py            # 200 events
    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget.py --events 20 --out -   # quick look

It prints the table and writes it, with the machine it ran on, to
``benchmarks/results/widget_latency.md``.
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rnnlab import ACTIVATIONS, plots  # noqa: E402
from rnnlab.environment import environment_report  # noqa: E402
from rnnlab.widgets import rate_rnn_explorer  # noqa: E402

SLIDERS = ("w11", "w12", "w21", "w22", "u1", "u2", "g")
RANGES = {"w11": (-1.0, 3.0), "w12": (-3.0, 3.0), "w21": (-3.0, 3.0), "w22": (-1.0, 3.0),
          "u1": (-1.0, 1.0), "u2": (-1.0, 1.0), "g": (0.3, 2.5)}
STEP = 0.6  # standard deviation of one slider move, relative to a weight range of 4
PHI_EVERY = 40  # events between changes of the nonlinearity
WARMUP = 5  # events run before timing (font caches, first renders)
BUDGET_MS = 100.0
RESULTS = Path(__file__).parent / "results" / "widget_latency.md"


def make_events(n_events: int, start: dict, seed: int = 0) -> list[dict]:
    """One control change per event: a random walk of the sliders, the nonlinearity now and then."""
    rng = np.random.default_rng(seed)
    values = dict(start)
    events = []
    for k in range(n_events):
        if k % PHI_EVERY == PHI_EVERY - 1:
            name = "phi"
            value = ACTIVATIONS[(k // PHI_EVERY + 1) % len(ACTIVATIONS)]
        else:
            name = SLIDERS[k % len(SLIDERS)]
            lo, hi = RANGES[name]
            value = float(np.clip(values[name] + rng.normal(0.0, STEP * (hi - lo) / 4.0), lo, hi))
        values[name] = value
        events.append({name: value})
    return events


def run_explorer(events) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Event latencies (s) of the explorer, the compute and render parts of each, fixed points per event."""
    explorer = rate_rnn_explorer()
    # Agg's draw_idle draws at once; an interactive backend defers it. Defer here too, so that the
    # forced draw below is the one full render of each event.
    explorer.fig.canvas.draw_idle = lambda *args, **kwargs: None
    compute, compute_times = explorer.compute, []

    def timed_compute(**values):
        start = time.perf_counter()
        result = compute(**values)
        compute_times.append(time.perf_counter() - start)
        return result

    explorer.compute = timed_compute
    latencies, render_times, n_fixed = [], [], []
    for k, event in enumerate(events):
        start = time.perf_counter()
        explorer.update(**event)
        updated = time.perf_counter()
        explorer.fig.canvas.draw()
        if k >= WARMUP:
            latencies.append(time.perf_counter() - start)
            render_times.append(time.perf_counter() - updated)
            n_fixed.append(len(explorer.result.fixed_points))
    explorer.close()
    return np.array(latencies), np.array(compute_times[-len(latencies):]), np.array(render_times), n_fixed


def run_rebuild(events, compute, start_values) -> np.ndarray:
    """Event latencies (s) of the baseline: the same compute, then a new figure per event."""
    values, fig, latencies = dict(start_values), None, []
    for k, event in enumerate(events):
        start = time.perf_counter()
        values.update(event)
        pp = compute(**values)
        if fig is not None:
            plt.close(fig)
        fig, (ax_phase, ax_eig) = plt.subplots(1, 2, figsize=(9.0, 4.2), layout="constrained")
        plots.phase_portrait(pp, ax_phase, field="stream")
        plots.spectrum(pp.fixed_points, ax_eig)
        fig.canvas.draw()
        if k >= WARMUP:
            latencies.append(time.perf_counter() - start)
    plt.close(fig)
    return np.array(latencies)


def summary_ms(seconds: np.ndarray) -> dict:
    ms = 1e3 * seconds
    return {"median": np.median(ms), "p95": np.percentile(ms, 95), "worst": ms.max()}


def report(n_events, explorer, compute, render, rebuild, n_fixed, machine) -> str:
    rows = {"explorer (in place)": summary_ms(explorer), "... of which compute": summary_ms(compute),
            "... of which full draw": summary_ms(render), "baseline (rebuild)": summary_ms(rebuild)}
    table = ["| per event | median ms | p95 ms | worst ms |", "|---|---:|---:|---:|"]
    for name, s in rows.items():
        table.append(f"| {name} | {s['median']:.1f} | {s['p95']:.1f} | {s['worst']:.1f} |")
    e, r = rows["explorer (in place)"], rows["baseline (rebuild)"]
    none = np.array(n_fixed) == 0  # events whose portrait has no fixed point in the window
    tail = ""
    if none.any() and (~none).any():
        tail = (
            f"Compute median {1e3 * np.median(compute[none]):.1f} ms (worst {1e3 * compute[none].max():.1f}) "
            f"on the {none.sum()} events with no fixed point in the window, "
            f"{1e3 * np.median(compute[~none]):.1f} ms (worst {1e3 * compute[~none].max():.1f}) on the others "
            "(with no root to converge to, each Newton start runs until it stops making progress)."
        )
    counts = Counter(n_fixed)
    lines = [
        "# Widget latency: rate-RNN explorer",
        "",
        f"Generated by `MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget.py --events {n_events}` "
        f"on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "",
        f"{len(explorer)} timed slider events ({WARMUP} warm-up events first, untimed), each from the "
        "control change to the end of a forced full `fig.canvas.draw()` (Agg): compute "
        "(`rnnlab.phase_portrait` with the defaults of `rate_rnn_explorer`) + artist updates + render. "
        "Events are a random walk over w11..w22, u1, u2 and g, with another nonlinearity every "
        f"{PHI_EVERY} events; "
        f"fixed points per event: {dict(sorted(counts.items()))} (count: events).",
        "",
        *table,
        "",
        f"Ratio baseline / explorer: median {r['median'] / e['median']:.1f}x, "
        f"p95 {r['p95'] / e['p95']:.1f}x. "
        f"Explorer events within {BUDGET_MS:.0f} ms: {np.mean(1e3 * explorer <= BUDGET_MS):.0%}.",
        "",
        tail,
        "With ipympl the render is followed by a PNG encode and a transfer to the browser, not timed here.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in machine.items() if key not in ("cuda_device",)],
        "- matplotlib backend: Agg",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200, help="slider events per method")
    parser.add_argument("--out", default=str(RESULTS), help="results file, or - for none")
    args = parser.parse_args()

    probe = rate_rnn_explorer()
    start_values, compute = probe.values, probe.compute
    probe.close()
    events = make_events(args.events + WARMUP, start_values)
    explorer, compute_times, render_times, n_fixed = run_explorer(events)
    rebuild = run_rebuild(events, compute, start_values)
    text = report(args.events, explorer, compute_times, render_times, rebuild, n_fixed, environment_report())
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
