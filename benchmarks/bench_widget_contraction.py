"""Latency of a slider event in the contraction explorer, with and without Theorem 7's LMI.

Each event moves one control, as a drag does (a random walk over w11..w22 and g, another
nonlinearity now and then), and is timed from the control change to the end of a forced full
``fig.canvas.draw()``: compute (phase portrait + every criterion) + artist and table updates + render.
The same events run a second time with Theorem 7 (cvxpy) added to the criteria, to show why the
explorer leaves it out by default. ``certify()`` on the 2x2 models of the walk is timed alone too.

Run from the repository root::

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget_contraction.py            # 200 events
    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget_contraction.py --events 20 --out -

It prints the table and writes it, with the machine, to
``benchmarks/results/widget_latency_contraction.md``.
"""

from __future__ import annotations

import argparse
import datetime
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

import rnnlab  # noqa: E402
from rnnlab import ACTIVATIONS, Activation, RateRNN  # noqa: E402
from rnnlab.certificates import kozachkov  # noqa: E402
from rnnlab.environment import environment_report  # noqa: E402
from rnnlab.widgets import contraction_explorer, fast_criteria  # noqa: E402

SLIDERS = ("w11", "w12", "w21", "w22", "g")
RANGES = {"w11": (-2.0, 2.0), "w12": (-2.0, 2.0), "w21": (-2.0, 2.0), "w22": (-2.0, 2.0), "g": (0.2, 2.5)}
STEP = 0.4  # standard deviation of one slider move, relative to a range of 4
PHI_EVERY = 40
WARMUP = 5
BUDGET_MS = 100.0
RESULTS = Path(__file__).parent / "results" / "widget_latency_contraction.md"


def make_events(n_events: int, start: dict, seed: int = 0) -> list[dict]:
    """One control change per event: a random walk of the sliders, the nonlinearity now and then."""
    rng = np.random.default_rng(seed)
    values, events = dict(start), []
    for k in range(n_events):
        if k % PHI_EVERY == PHI_EVERY - 1:
            name, value = "phi", ACTIVATIONS[(k // PHI_EVERY + 1) % len(ACTIVATIONS)]
        else:
            name = SLIDERS[k % len(SLIDERS)]
            lo, hi = RANGES[name]
            value = float(np.clip(values[name] + rng.normal(0.0, STEP * (hi - lo) / 4.0), lo, hi))
        values[name] = value
        events.append({name: value})
    return events


def run_explorer(events, criteria=None):
    """Event latencies and their compute parts (s), and the fraction of events with a certificate."""
    explorer = contraction_explorer(criteria=criteria)
    explorer.fig.canvas.draw_idle = lambda *args, **kwargs: None  # the forced draw below is the render
    compute, compute_times = explorer.compute, []

    def timed_compute(**values):
        start = time.perf_counter()
        result = compute(**values)
        compute_times.append(time.perf_counter() - start)
        return result

    explorer.compute = timed_compute
    latencies, certified = [], []
    for k, event in enumerate(events):
        start = time.perf_counter()
        explorer.update(**event)
        explorer.fig.canvas.draw()
        if k >= WARMUP:
            latencies.append(time.perf_counter() - start)
            certified.append(explorer.result[1].best is not None)
    explorer.close()
    return np.array(latencies), np.array(compute_times[-len(latencies):]), float(np.mean(certified))


def run_certify(events, start: dict) -> np.ndarray:
    """Seconds of ``rnnlab.certify`` (every criterion, Theorem 7 included) on each model of the walk."""
    values, times = dict(start), []
    for k, event in enumerate(events):
        values.update(event)
        model = RateRNN([[values["w11"], values["w12"]], [values["w21"], values["w22"]]],
                        phi=Activation(values["phi"], gain=values["g"]))
        t0 = time.perf_counter()
        rnnlab.certify(model)
        if k >= WARMUP:
            times.append(time.perf_counter() - t0)
    return np.array(times)


def summary_ms(seconds: np.ndarray) -> dict:
    ms = 1e3 * seconds
    return {"median": np.median(ms), "p95": np.percentile(ms, 95), "worst": ms.max()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200, help="slider events per run")
    parser.add_argument("--out", default=str(RESULTS), help="results file, or - for none")
    args = parser.parse_args()

    probe = contraction_explorer()
    start = probe.values
    probe.close()
    events = make_events(args.events + WARMUP, start)
    fast, fast_compute, certified = run_explorer(events)
    slow, slow_compute, _ = run_explorer(events, fast_criteria() + (kozachkov.theorem7,))
    certify_times = run_certify(events, start)
    rows = {"explorer, default (fast criteria)": summary_ms(fast),
            "... of which compute (portrait + criteria)": summary_ms(fast_compute),
            "explorer with Theorem 7 (cvxpy)": summary_ms(slow),
            "... of which compute": summary_ms(slow_compute),
            "`rnnlab.certify` alone (all 7 criteria)": summary_ms(certify_times)}
    table = ["| per event | median ms | p95 ms | worst ms |", "|---|---:|---:|---:|"]
    table += [f"| {name} | {s['median']:.1f} | {s['p95']:.1f} | {s['worst']:.1f} |" for name, s in rows.items()]
    lines = [
        "# Widget latency: contraction explorer",
        "",
        f"Generated by `MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget_contraction.py --events "
        f"{args.events}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "",
        f"{len(fast)} timed slider events ({WARMUP} warm-up events first), each from the control change to "
        "the end of a forced full `fig.canvas.draw()` (Agg): `rnnlab.phase_portrait` + the criteria + "
        "artist and HTML-table updates + render. Events are a random walk over w11..w22 and g, with "
        f"another nonlinearity every {PHI_EVERY} events; {certified:.0%} of them had a certificate that holds.",
        "",
        *table,
        "",
        f"Default explorer events within {BUDGET_MS:.0f} ms: {np.mean(1e3 * fast <= BUDGET_MS):.0%}; "
        f"with Theorem 7: {np.mean(1e3 * slow <= BUDGET_MS):.0%}. Theorem 7's LMI bisection is most of the "
        "compute with it and leaves little of the budget for ipympl's PNG encode and transfer, so the "
        "explorer leaves it out by default "
        "(`contraction_explorer(criteria=fast_criteria() + (kozachkov.theorem7,))` adds it).",
        "With ipympl the render is followed by a PNG encode and a transfer to the browser, not timed here.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in environment_report().items() if key != "cuda_device"],
        "- matplotlib backend: Agg",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
