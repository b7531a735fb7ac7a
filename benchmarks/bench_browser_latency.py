"""Latency as a user feels it: from a key press on a slider in the browser to the new figure on screen.

Headless Chromium (the OS's, see ``tests/browser/_harness.py``) drives each explorer in two front
ends: the notebooks in JupyterLab (ipywidgets + ipympl) and the standalone Panel app
(``rnnlab/app.py``). Each event is one arrow key on one slider (sliders in turn, right then left, so
the walk stays in range), timed in the page from the ``keydown`` to the moment the figure shows the
new image: for ipympl, the image drawn on the figure's canvas; for Panel, the new ``<img>``
decoded. The next event waits until the figure has updated and the page is quiet.

Where the time goes, measured beside it:

- JupyterLab: in the kernel, the explorer's own event (compute + artist updates, its
  ``latencies``), and ipympl's Agg render and PNG encode (``canvas.draw`` and ``get_diff_image``).
- Panel: the same walk replayed in this process on ``rnnlab.app.build_app()``: the event
  (compute + artist updates), the Agg render and the PNG encode of :class:`ExplorerPanel`.

The rest (browser -> server message, queueing, the transfer of the PNG, decode, paint) is the
difference.

Run from the repository root::

    .venv/bin/python benchmarks/bench_browser_latency.py                  # 40 events per explorer
    .venv/bin/python benchmarks/bench_browser_latency.py --events 10 --out -   # quick look

It prints the table and writes it, with the machine, to ``benchmarks/results/browser_latency.md``.
Without playwright or a system Chromium it says so and exits without writing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(Path(__file__).parent))

import _harness  # noqa: E402
import _pages  # noqa: E402
from _latency import BUDGET_MS, summary_ms  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "browser_latency.md"
NOTEBOOKS = {"01_dynamics_and_phase_portraits.ipynb": "rate_rnn_explorer",
             "02_contraction.ipynb": "contraction_explorer"}
WARMUP = 3  # events before timing (first renders, caches)
QUIET_MS = 150  # pause after each update before the next key press

INSTRUMENT_KERNEL = """
import time as _bench_time
_bench = {"draw": [], "png": [], "events_before": len(explorer.latencies)}
def _bench_wrap(canvas, method, key):
    original = getattr(canvas, method)
    def timed(*args, **kwargs):
        start = _bench_time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _bench[key].append(_bench_time.perf_counter() - start)
    setattr(canvas, method, timed)
_bench_wrap(explorer.fig.canvas, "draw", "draw")
_bench_wrap(explorer.fig.canvas, "get_diff_image", "png")
print(type(explorer.fig.canvas).__module__, explorer.fig.canvas._image_mode)
"""
REPORT_KERNEL = """
import json as _bench_json
print(_bench_json.dumps({"event": explorer.latencies[_bench["events_before"]:],
                         "draw": _bench["draw"], "png": _bench["png"]}))
"""


def key_walk(n_events: int, n_sliders: int):
    """(slider index, key) per event: each slider right then left, sliders in turn."""
    return [((k // 2) % n_sliders, "ArrowRight" if k % 2 == 0 else "ArrowLeft") for k in range(n_events)]


def drive_page(page, handles, walk) -> np.ndarray:
    """Press each key of ``walk`` on its slider handle; seconds from keydown to the new figure."""
    latencies = []
    for index, key in walk:
        handle = handles.nth(index)
        handle.focus()
        n_frames = page.evaluate("window.__frames.length")
        handle.press(key)
        page.wait_for_function(f"window.__frames.length > {n_frames} && window.__keys.length > 0",
                               timeout=30_000, polling="raf")
        page.wait_for_timeout(QUIET_MS)
        key_at, frame_at = page.evaluate(f"[window.__keys.at(-1), window.__frames[{n_frames}]]")
        latencies.append((frame_at - key_at) / 1e3)
    return np.array(latencies[WARMUP:])


def bench_jupyterlab(browser, n_events: int) -> dict:
    rows = {}
    paths = [ROOT / "notebooks" / name for name in NOTEBOOKS]
    with _harness.jupyterlab(paths) as (base, token):
        for name, title in NOTEBOOKS.items():
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _pages.open_notebook(page, base, token, name)
            _pages.run_all(page)
            explorer = page.locator(_pages.LAB_CURRENT).locator(_pages.LAB_EXPLORER).last
            explorer.scroll_into_view_if_needed()
            print(_pages.kernel_eval(page, INSTRUMENT_KERNEL).strip())
            page.evaluate(_pages.KEY_PROBE)
            explorer.locator(_pages.LAB_CANVAS).evaluate(_pages.IPYMPL_PROBE)
            handles = explorer.locator(f".widget-slider {_pages.SLIDER_HANDLE}")
            browser_s = drive_page(page, handles, key_walk(n_events + WARMUP, handles.count()))
            parts = json.loads(_pages.kernel_eval(page, REPORT_KERNEL))
            n = len(browser_s)
            rows[f"JupyterLab + ipympl, {title}"] = {
                "browser (key -> new figure)": browser_s,
                "kernel: compute + artist updates": np.array(parts["event"][-n:]),
                "kernel: ipympl Agg render": np.array(parts["draw"][-n:]),
                "kernel: ipympl PNG encode": np.array(parts["png"][-n:]),
            }
            page.close()
    return rows


def bench_panel(browser, n_events: int) -> dict:
    from rnnlab.app import EXPLORERS

    rows = {}
    with _harness.panel_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator("img:visible").first.wait_for(timeout=60_000)
        page.evaluate(_pages.KEY_PROBE)
        for title in EXPLORERS:
            page.locator(".bk-tab", has_text=title).click()
            handles = page.locator(f"{_pages.SLIDER_HANDLE}:visible")
            handles.first.wait_for()
            page.wait_for_timeout(500)
            page.locator("img:visible").first.evaluate(_pages.PANEL_PROBE)
            browser_s = drive_page(page, handles, key_walk(n_events + WARMUP, handles.count()))
            rows[f"Panel app, {title}"] = {"browser (key -> new figure)": browser_s,
                                           **server_parts(title, n_events)}
        page.close()
    return rows


def server_parts(title: str, n_events: int) -> dict:
    """The Panel path's server side on the same walk, in this process: event, Agg render, PNG encode."""
    import io

    from PIL import Image

    from rnnlab.app import EXPLORERS, build_app

    app = build_app({title: EXPLORERS[title]})
    panel = app.panels[title]
    canvas = panel.explorer.fig.canvas
    sliders = [name for name, c in panel.controls.items() if hasattr(c, "step") and hasattr(c, "start")]
    event, render, encode = [], [], []
    original_png = panel._png

    def timed_png():
        start = time.perf_counter()
        panel._blit.draw(canvas)   # as ExplorerPanel._png does
        drawn = time.perf_counter()
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)
        render.append(drawn - start)
        encode.append(time.perf_counter() - drawn)
        return buffer.getvalue()

    panel._png = timed_png
    for index, key in key_walk(n_events + WARMUP, len(sliders)):
        control = panel.controls[sliders[index]]
        before = len(render)
        start = time.perf_counter()
        control.value = round(control.value + (control.step if key == "ArrowRight" else -control.step), 10)
        assert len(render) == before + 1
        event.append(time.perf_counter() - start - render[-1] - encode[-1])
    panel._png = original_png
    app.close()
    return {"server: compute + artist updates": np.array(event[WARMUP:]),
            "server: Agg render (blitted)": np.array(render[WARMUP:]),
            "server: PNG encode": np.array(encode[WARMUP:])}


def calibration_ms(n: int = 20) -> float:
    """Median full Agg draw of the rate-RNN explorer's figure in this process, now: the same draw took
    47 ms on the idle machine (``widget_latency.md``), so the ratio says how busy the CPUs are."""
    import matplotlib

    matplotlib.use("agg")
    from rnnlab.widgets import rate_rnn_explorer

    explorer = rate_rnn_explorer()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        explorer.fig.canvas.draw()
        times.append(time.perf_counter() - start)
    explorer.close()
    return 1e3 * float(np.median(times))


def report(n_events: int, rows: dict, chromium: str, calibration: tuple) -> str:
    lines = [
        "# Browser latency: slider key press to updated figure",
        "",
        f"Generated by `.venv/bin/python benchmarks/bench_browser_latency.py --events {n_events}` "
        f"on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, headless {chromium}.",
        "",
        f"{n_events} timed events per explorer ({WARMUP} untimed first): one arrow key on one slider "
        "(sliders in turn, right then left), timed in the page from `keydown` to the new figure on "
        "screen (ipympl: the image drawn on the figure canvas; Panel: the new `<img>` decoded). "
        f"The page is left quiet {QUIET_MS} ms between events. The server-side rows are the parts of "
        "the same events measured where they run (kernel) or replayed in-process (Panel server).",
        "",
        f"Load: a full Agg draw of the rate-RNN figure took {calibration[0]:.0f} ms before the run and "
        f"{calibration[1]:.0f} ms after it (47 ms on the idle machine, `widget_latency.md`); "
        f"load average {os.getloadavg()[0]:.1f} at the end on {os.cpu_count()} cores.",
        "",
    ]
    for front, parts in rows.items():
        browser_ms = 1e3 * parts["browser (key -> new figure)"]
        lines += [f"## {front}", "", "| per event | median ms | p95 ms | worst ms |", "|---|---:|---:|---:|"]
        for name, seconds in parts.items():
            s = summary_ms(seconds)
            lines.append(f"| {name} | {s['median']:.1f} | {s['p95']:.1f} | {s['worst']:.1f} |")
        server = sum(np.median(1e3 * v) for k, v in parts.items() if not k.startswith("browser"))
        lines += ["", f"Within {BUDGET_MS:.0f} ms: {np.mean(browser_ms <= BUDGET_MS):.0%} of events. "
                  f"Median browser latency minus the medians of the server parts: "
                  f"{np.median(browser_ms) - server:.1f} ms (messages, queueing, transfer, decode, paint).", ""]
    from rnnlab.environment import environment_report

    lines += ["## Machine", "", *[f"- {key}: {value}" for key, value in environment_report().items()
                                  if key != "cuda_device"], f"- browser: {chromium} (headless)", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=40, help="timed slider events per explorer")
    parser.add_argument("--out", default=str(RESULTS), help="results file, or - for none")
    parser.add_argument("--only", choices=("lab", "panel"), help="one front end only")
    args = parser.parse_args()
    reason = _harness.missing()
    if reason is not None:
        print(f"bench_browser_latency: skipped, {reason}")
        return
    chromium = subprocess.run([_harness.find_chromium(), "--version"], capture_output=True, text=True).stdout.strip()
    rows, before = {}, calibration_ms()
    with _harness.chromium() as browser:
        if args.only in (None, "lab"):
            rows |= bench_jupyterlab(browser, args.events)
        if args.only in (None, "panel"):
            rows |= bench_panel(browser, args.events)
    text = report(args.events, rows, chromium, (before, calibration_ms()))
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
