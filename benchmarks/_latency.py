"""What the explorer latency benchmarks share: the slider walk, the timed driving loop, the summary."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from rnnlab import ACTIVATIONS
from rnnlab.environment import environment_report

WARMUP = 5  # events run before timing (font caches, first renders)
BUDGET_MS = 100.0
PHI_EVERY = 40  # events between changes of the nonlinearity


def slider_walk(n_events: int, start: dict, ranges: dict, step: float, seed: int = 0,
                phi_every: int = PHI_EVERY) -> list[dict]:
    """One control change per event, as a drag does: a random walk over the sliders in ``ranges``
    (standard deviation ``step`` relative to a range of 4), another nonlinearity every ``phi_every``
    events (0: never, for explorers without a nonlinearity dropdown)."""
    rng = np.random.default_rng(seed)
    sliders = tuple(ranges)
    values, events = dict(start), []
    for k in range(n_events):
        if phi_every and k % phi_every == phi_every - 1:
            name, value = "phi", ACTIVATIONS[(k // phi_every + 1) % len(ACTIVATIONS)]
        else:
            name = sliders[k % len(sliders)]
            lo, hi = ranges[name]
            value = float(np.clip(values[name] + rng.normal(0.0, step * (hi - lo) / 4.0), lo, hi))
        values[name] = value
        events.append({name: value})
    return events


def drive(explorer, events, observe=lambda explorer: None):
    """Time each event from the control change to the end of a forced full ``fig.canvas.draw()``.

    Returns latencies, their compute parts and render parts (s) for the events after WARMUP, and
    ``observe(explorer)`` after each of them.
    """
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
    latencies, render_times, observed = [], [], []
    for k, event in enumerate(events):
        start = time.perf_counter()
        explorer.update(**event)
        updated = time.perf_counter()
        explorer.fig.canvas.draw()
        if k >= WARMUP:
            latencies.append(time.perf_counter() - start)
            render_times.append(time.perf_counter() - updated)
            observed.append(observe(explorer))
    explorer.close()
    n = len(latencies)
    return np.array(latencies), np.array(compute_times[-n:]), np.array(render_times), observed


def summary_ms(seconds: np.ndarray) -> dict:
    ms = 1e3 * np.asarray(seconds)
    return {"median": np.median(ms), "p95": np.percentile(ms, 95), "worst": ms.max()}


def table(rows: dict) -> list[str]:
    """Markdown rows of median, p95 and worst per named series of seconds."""
    out = ["| per event | median ms | p95 ms | worst ms |", "|---|---:|---:|---:|"]
    for name, seconds in rows.items():
        s = summary_ms(seconds)
        out.append(f"| {name} | {s['median']:.1f} | {s['p95']:.1f} | {s['worst']:.1f} |")
    return out


def machine_section() -> list[str]:
    """The closing lines of a results file: the ipympl caveat and the machine it ran on."""
    return [
        "With ipympl the render is followed by a PNG encode and a transfer to the browser, not timed here.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in environment_report().items() if key != "cuda_device"],
        "- matplotlib backend: Agg",
        "",
    ]


def publish(text: str, out: str) -> None:
    """Print a benchmark's report and write it to ``out`` (``"-"``: print only)."""
    print(text)
    if out != "-":
        Path(out).write_text(text)
