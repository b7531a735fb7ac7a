"""What the explorer latency benchmarks share: the slider walk, the timed driving loop, the summary."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np

from _machine import describe
from rnnlab import ACTIVATIONS
from rnnlab.environment import environment_report

WARMUP = 5  # events run before timing (font caches, first renders)
BUDGET_MS = 100.0
PHI_EVERY = 40  # events between changes of the nonlinearity

# What the results files say about the run after the spec refactor.
REFACTOR_NOTE = (
    "This run is after the spec refactor (commit c4a92ee, issue 16 item 1): each explorer is now an "
    "`ExplorerSpec` (`rnnlab.explorers`) shown by `rnnlab.widgets.Explorer(spec)`; the benchmark times "
    "`compute` and the view's `draw` through a copy of the spec (`dataclasses.replace`) instead of "
    "replacing `explorer.compute`. The non-ipympl fallback (the figure as a PNG in an `ipywidgets.Output`, "
    "which is what runs under Agg) now blits and encodes a PNG at every event, where it used to leave a "
    "full draw to `display(fig)`; both are timed on the same events: the update + forced full draw of "
    "the earlier runs (compute + artist updates + full draw, the rows comparable with them) and the "
    "fallback's own latency now (`explorer.latencies`: compute + artist updates + blitted render + PNG). "
    "Timed on the shared 2-core machine while other jobs ran (the load line at the end); the earlier "
    "files were timed at other loads, so compare rows within a file, and across files only ratios.")


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


class _TimedView:
    """A spec's view whose ``draw`` (the artist updates and the HTML) is timed into ``times``."""

    def __init__(self, view, times: list):
        self._view, self._times = view, times

    def draw(self, result):
        start = time.perf_counter()
        try:
            return self._view.draw(result)
        finally:
            self._times.append(time.perf_counter() - start)

    def __getattr__(self, name):
        return getattr(self._view, name)


def timed_spec(spec):
    """``spec`` with its ``compute`` and its view's ``draw`` timed: ``(spec, times)``, where
    ``times["compute"]`` and ``times["view"]`` get the seconds of every call (the first one, when the
    explorer is built, included). A spec is frozen, so this is a copy (``dataclasses.replace``)."""
    times = {"compute": [], "view": []}
    compute, view = spec.compute, spec.view

    def timed_compute(**values):
        start = time.perf_counter()
        try:
            return compute(**values)
        finally:
            times["compute"].append(time.perf_counter() - start)

    def timed_view(fig, result):
        return _TimedView(view(fig, result), times["view"])

    return dataclasses.replace(spec, compute=timed_compute, view=timed_view), times


def drive(spec, events, observe=lambda explorer: None) -> dict:
    """Drive ``Explorer(spec)`` (:mod:`rnnlab.widgets`) through ``events`` and time each event two ways.

    Under Agg the explorer shows its figure as a PNG in an ``ipywidgets.Output`` (the non-ipympl
    fallback), and since the spec refactor (commit c4a92ee) that render blits: ``explorer.update`` is
    compute + artist updates + blitted render + PNG encode (``explorer.latencies``). After each event a
    full ``fig.canvas.draw()`` of the same state is timed as well, which gives the number the earlier
    runs of these benchmarks reported, "from the control change to the end of a forced full draw":
    compute + artist updates + full draw (without the sub-0.1 ms of setting the ipywidgets values).

    Returns a dict of arrays (s) over the events after WARMUP: ``full`` (compute + view + full draw,
    as before), ``fallback`` (the explorer's own latency now), ``compute``, ``view`` (artist and HTML
    updates), ``full_draw``, ``blitted`` (the fallback's render: blitted render + PNG encode + the
    widgets' updates, i.e. ``fallback - compute - view``), and ``observed``, ``observe(explorer)``
    after each of them.
    """
    import ipywidgets

    from rnnlab.widgets import Explorer

    spec, times = timed_spec(spec)
    explorer = Explorer(spec)
    if isinstance(explorer.fig.canvas, ipywidgets.DOMWidget):
        explorer.close()
        raise RuntimeError("drive() times the Output fallback, not ipympl: run it with MPLBACKEND=Agg")
    canvas = explorer.fig.canvas
    out = {key: [] for key in ("full", "fallback", "compute", "view", "full_draw", "blitted", "observed")}
    for k, event in enumerate(events):
        explorer.update(**event)
        fallback = explorer.latencies[-1]
        start = time.perf_counter()
        canvas.draw()
        full_draw = time.perf_counter() - start
        if k >= WARMUP:
            compute, view = times["compute"][-1], times["view"][-1]
            out["full"].append(compute + view + full_draw)
            out["fallback"].append(fallback)
            out["compute"].append(compute)
            out["view"].append(view)
            out["full_draw"].append(full_draw)
            out["blitted"].append(fallback - compute - view)
            out["observed"].append(observe(explorer))
    explorer.close()
    return {key: (value if key == "observed" else np.array(value)) for key, value in out.items()}


def fallback_rows(driven: dict, name: str = "explorer") -> dict:
    """The table rows of one :func:`drive`: the full-draw path of the earlier runs and the fallback now."""
    return {f"{name}: update + full draw (as in the earlier runs)": driven["full"],
            "... of which compute": driven["compute"],
            "... of which artist and HTML updates": driven["view"],
            "... of which full draw": driven["full_draw"],
            f"{name}: Output fallback now (update + blitted render + PNG)": driven["fallback"],
            "... of which blitted render + PNG encode": driven["blitted"]}


def ratio_line(driven: dict, name: str = "explorer") -> str:
    """The fallback now against the full-draw path, medians and p95."""
    full, now = summary_ms(driven["full"]), summary_ms(driven["fallback"])
    return (f"{name}: Output fallback now / update + full draw: median {now['median'] / full['median']:.2f}, "
            f"p95 {now['p95'] / full['p95']:.2f} (the fallback also encodes a PNG, which the full-draw "
            "path leaves out).")


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
        "",
        "With ipympl the render is followed by a PNG encode and a transfer to the browser, timed in "
        "`browser_latency.md`; the Output fallback's PNG encode is timed here.",
        "",
        "## Machine",
        "",
        f"- {describe()}",
        f"- load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        *[f"- {key}: {value}" for key, value in environment_report().items() if key != "cuda_device"],
        "- matplotlib backend: Agg",
        "",
    ]


def publish(text: str, out: str) -> None:
    """Print a benchmark's report and write it to ``out`` (``"-"``: print only)."""
    print(text)
    if out != "-":
        Path(out).write_text(text)
