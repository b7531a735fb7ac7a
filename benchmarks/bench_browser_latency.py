"""Latency as a user feels it: from a key press on a slider in the browser to the new figure on screen.

Headless Chromium (the OS's, see ``tests/browser/_harness.py``) drives each explorer in two front
ends: the notebooks in JupyterLab (ipywidgets + ipympl) and the standalone Panel app
(``rnnlab/app.py``). Each event is one arrow key on one slider (sliders in turn, right then left, so
the walk stays in range), timed in the page from the ``keydown`` to the moment the figure shows the
new image: for ipympl, the image drawn on the figure's canvas; for Panel, the new ``<img>``
decoded. The next event waits until the figure has updated and the page is quiet.

Where the time goes, measured beside it:

- JupyterLab: in the kernel, the explorer's own event (its ``latencies``: compute, artist updates,
  the blitted render and ipympl's PNG of it), and any full ``canvas.draw`` that ipympl still makes
  on the browser's request, with its PNG (``get_diff_image``), counted and timed.
- Panel: the same walk replayed in this process on ``rnnlab.app.build_app()``: the event
  (compute + artist updates), the Agg render and the PNG encode of :class:`ExplorerPanel`
  (``rnnlab._app_panel``, built from the same :class:`~rnnlab.explorers.ExplorerSpec` as the
  notebook's explorer since commit c4a92ee).

The rest (browser -> server message, queueing, the transfer of the PNG, decode, paint) is the
difference.

Run from the repository root::

    .venv/bin/python benchmarks/bench_browser_latency.py                  # 40 events per explorer
    .venv/bin/python benchmarks/bench_browser_latency.py --events 10 --out -   # quick look
    .venv/bin/python benchmarks/bench_browser_latency.py --compare OLD.md --compare-label "..."

``--compare`` sets the medians beside those of an earlier run (default: the results file this run
replaces); the 2026-12-06 file compares with the code before the spec refactor (c4a92ee^), run
minutes before on the same machine. An explorer without a live slider (Parallel in time: its
sliders report on release, each a solve of seconds) is not driven.

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
from _latency import BUDGET_MS, publish, summary_ms  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "browser_latency.md"
# notebook -> its explorers in page order: (variable in the notebook, explorer factory)
NOTEBOOKS = {"01_dynamics_and_phase_portraits.ipynb": [("explorer", "rate_rnn_explorer")],
             "02_contraction.ipynb": [("explorer", "contraction_explorer")],
             "04_divisive_normalization.ipynb": [("explorer", "circuit_explorer"),
                                                 ("pool_explorer", "normalization_explorer")],
             "05_mean_field_and_nyquist.ipynb": [("explorer", "mean_field_explorer")]}
WARMUP = 3  # events before timing (first renders, caches)
QUIET_MS = 150  # pause after each update before the next key press
IDLE_DRAW_MS = 47.0  # full Agg draw of the rate-RNN figure on the idle machine (widget_latency.md)

INSTRUMENT_KERNEL = """
import time as _bench_time
_bench = {"draw": [], "png": [], "events_before": len(EXPLORER.latencies)}
def _bench_wrap(canvas, method, key):
    original = getattr(canvas, method)
    def timed(*args, **kwargs):
        start = _bench_time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _bench[key].append(_bench_time.perf_counter() - start)
    setattr(canvas, method, timed)
_bench_wrap(EXPLORER.fig.canvas, "draw", "draw")
_bench_wrap(EXPLORER.fig.canvas, "get_diff_image", "png")
"""
LIVE_SLIDERS_KERNEL = """
import json as _bench_json
print(_bench_json.dumps([bool(c.continuous_update) for c in EXPLORER.controls.values()
                         if type(c).__name__.endswith("Slider")]))
"""
REPORT_KERNEL = """
import json as _bench_json
print(_bench_json.dumps({"event": EXPLORER.latencies[_bench["events_before"]:],
                         "draw": _bench["draw"], "png": _bench["png"]}))
"""


# Run in place of the `panel` command: times, inside the server, each explorer event (compute, draw,
# render, PNG, pane update) and the span from the first message of a key press to the image sent.
SERVER_PROBE = """
import json, os, sys, time
import bokeh.server.session as session
import tornado.websocket as websocket
from rnnlab._app_panel import ExplorerPanel

OUT, T = os.environ["RNNLAB_BENCH_PROBE"], {}
handle_patch = session.ServerSession._handle_patch

async def timed_patch(self, message, connection):
    T.setdefault("received", time.perf_counter())
    return await handle_patch(self, message, connection)

write = websocket.WebSocketHandler.write_message

def timed_write(self, message, binary=False):
    if len(message) > 10_000 and "received" in T:   # the figure
        with open(OUT, "a") as f:
            sent = time.perf_counter() - T.pop("received")
            f.write(json.dumps({"sent": sent, "event": T.pop("event", None)}) + "\\n")
    return write(self, message, binary)

event = ExplorerPanel._event

def timed_event(self, *args, **kwargs):
    start = time.perf_counter()
    event(self, *args, **kwargs)
    T["event"] = time.perf_counter() - start

session.ServerSession._handle_patch = timed_patch
websocket.WebSocketHandler.write_message = timed_write
ExplorerPanel._event = timed_event
from panel.command import main
sys.argv = ["panel", *sys.argv[1:]]
main()
"""


def key_walk(n_events: int, n_sliders: int):
    """(slider index, key) per event: each slider right then left, sliders in turn."""
    return [((k // 2) % n_sliders, "ArrowRight" if k % 2 == 0 else "ArrowLeft") for k in range(n_events)]


SKIPPED: list[str] = []  # explorers not timed, and why

LOST_AFTER_MS = 10_000  # a key press with no new figure by then is counted lost, not timed


def drive_page(page, handles, walk) -> tuple[np.ndarray, int]:
    """Press each key of ``walk`` on its slider handle: seconds from keydown to the new figure of
    each timed event, and the number of timed key presses that brought no new figure at all."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    latencies, lost = [], 0
    for k, (index, key) in enumerate(walk):
        handle = handles.nth(index)
        handle.focus()
        n_frames = page.evaluate("window.__frames.length")
        handle.press(key)
        try:
            page.wait_for_function(f"window.__frames.length > {n_frames} && window.__keys.length > 0",
                                   timeout=LOST_AFTER_MS, polling="raf")
        except PlaywrightTimeout:
            lost += k >= WARMUP
            continue
        page.wait_for_timeout(QUIET_MS)
        key_at, frame_at = page.evaluate(f"[window.__keys.at(-1), window.__frames[{n_frames}]]")
        if k >= WARMUP:
            latencies.append((frame_at - key_at) / 1e3)
    return np.array(latencies), lost


def bench_jupyterlab(browser, n_events: int) -> dict:
    rows = {}
    paths = [ROOT / "notebooks" / name for name in NOTEBOOKS]
    with _harness.jupyterlab(paths) as (base, token):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for name, explorers in NOTEBOOKS.items():
            _pages.open_notebook(page, base, token, name)
            _pages.run_all(page)
            page.evaluate(_pages.KEY_PROBE)
            for k, (variable, title) in enumerate(explorers):
                explorer = page.locator(_pages.LAB_CURRENT).locator(_pages.LAB_EXPLORER).nth(k)
                _pages.show_whole(explorer)
                _pages.kernel_eval(page, INSTRUMENT_KERNEL.replace("EXPLORER", variable))
                explorer.locator(_pages.LAB_CANVAS).evaluate(_pages.IPYMPL_PROBE)
                handles = explorer.locator(f".widget-slider {_pages.SLIDER_HANDLE}")
                # Live sliders only, as in the app below: one that reports on release (the mean-field
                # N) recomputes a finite network on purpose and is not a redraw.
                live = json.loads(_pages.kernel_eval(page, LIVE_SLIDERS_KERNEL.replace("EXPLORER", variable)))
                assert handles.count() == len(live), f"{title}: {handles.count()} handles, {len(live)} sliders"
                live = [i for i, on in enumerate(live) if on]
                walk = [(live[i], key) for i, key in key_walk(n_events + WARMUP, len(live))]
                browser_s, lost = drive_page(page, handles, walk)
                parts = json.loads(_pages.kernel_eval(page, REPORT_KERNEL.replace("EXPLORER", variable)))
                n = len(browser_s)
                row = {
                    "browser (key -> new figure)": browser_s,
                    "kernel: explorer event (compute, draw, blitted render, PNG)": np.array(parts["event"][-n:]),
                    "kernel: PNG encodes": np.array(parts["png"]),
                }
                # A full draw at the browser's request would mean that the blit did not reach it.
                label = f"kernel: full draws on the browser's request ({len(parts['draw'])} in {n + WARMUP} events)"
                if parts["draw"]:
                    row[label] = np.array(parts["draw"])
                else:
                    row["kernel: full draws on the browser's request"] = None
                rows[f"JupyterLab + ipympl, {title}"] = {**row, "_lost": lost}
            page.evaluate(f"{_pages.NOTEBOOK}.sessionContext.shutdown()")
        page.close()
    return rows


def bench_panel(browser, n_events: int) -> dict:
    from rnnlab.app import EXPLORERS, build_app

    import tempfile

    rows = {}
    tmp = Path(tempfile.mkdtemp(prefix="rnnlab-bench-"))
    wrapper, probe = tmp / "panel_probe.py", tmp / "probe.jsonl"
    wrapper.write_text(SERVER_PROBE)
    os.environ["RNNLAB_BENCH_PROBE"] = str(probe)
    with _harness.panel_app(wrapper=wrapper) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator("img:visible").first.wait_for(timeout=60_000)
        page.evaluate(_pages.KEY_PROBE)
        for title in EXPLORERS:
            # The same explorer in this process: which slider handles on the page are live (a slider
            # that reports on release, such as the mean-field N, retrains a network: not a redraw).
            app = build_app({title: EXPLORERS[title]})
            panel = app.panel(title)
            sliders = [name for name, c in panel.controls.items() if "value_throttled" in c.param]
            live = [i for i, name in enumerate(sliders) if panel.state.spec.controls[name].live]
            if not live:   # "Parallel in time": its sliders report on release, each a solve of seconds
                SKIPPED.append(f"Panel app, {title} (no live slider: {', '.join(sliders)} report on release)")
                app.close()
                continue
            walk = [(live[i], key) for i, key in key_walk(n_events + WARMUP, len(live))]

            page.locator(".bk-tab", has_text=title).click()
            handles = page.locator(f"{_pages.SLIDER_HANDLE}:visible")
            handles.first.wait_for(timeout=60_000)
            page.locator(".rnnlab-explorer:visible img").first.wait_for(timeout=60_000)
            page.wait_for_timeout(500)
            assert handles.count() == len(sliders), f"{title}: {handles.count()} handles for {sliders}"
            page.locator(".rnnlab-explorer:visible img").first.evaluate(_pages.PANEL_PROBE)
            probe.write_text("")
            browser_s, lost = drive_page(page, handles, walk)
            inside = [json.loads(line) for line in probe.read_text().splitlines()][-len(browser_s):]
            rows[f"Panel app, {title}"] = {
                "browser (key -> new figure)": browser_s,
                "server process: key message in -> figure out": np.array([r["sent"] for r in inside]),
                "server process: explorer event incl. render, PNG, pane": np.array(
                    [r["event"] for r in inside if r["event"] is not None]),
                **server_parts(panel, [(sliders[i], key) for i, key in walk]), "_lost": lost}
            app.close()
        page.close()
    return rows


def _stepped(control, key: str):
    """The value of a Panel slider after one arrow key."""
    if "options" in control.param:   # a discrete (log) slider: the next option
        values = list(control.values)
        index = values.index(control.value) + (1 if key == "ArrowRight" else -1)
        return values[min(max(index, 0), len(values) - 1)]
    value = control.value + (control.step if key == "ArrowRight" else -control.step)
    return min(max(round(value, 10), control.start), control.end)


def server_parts(panel, walk) -> dict:
    """The Panel path's server side on the same walk, in this process: event, Agg render, PNG encode."""
    from rnnlab.explorers.blit import encode_png

    canvas = panel.fig.canvas
    event, render, encode, full = [], [], [], []

    def timed_render():
        # As ExplorerPanel.render does (render_png(canvas, blitter), then the pane), timed in two parts.
        start = time.perf_counter()
        panel._blit.draw(canvas)
        drawn = time.perf_counter()
        png = encode_png(canvas.buffer_rgba())
        render.append(drawn - start)
        encode.append(time.perf_counter() - drawn)
        panel.figure.object = png
        panel.renders += 1

    panel.render = timed_render   # ExplorerPanel._event calls self.render()
    for name, key in walk:
        control = panel.controls[name]
        before = len(render)
        start = time.perf_counter()
        control.value = _stepped(control, key)
        if len(render) == before:   # at the end of its range: no event
            continue
        event.append(time.perf_counter() - start - render[-1] - encode[-1])
        # The baseline: a full draw of the same state, as without blitting (the blitter leaves the data
        # artists unanimated after its render, so a full draw draws them).
        start = time.perf_counter()
        canvas.draw()
        full.append(time.perf_counter() - start)
    return {"replay: compute + artist updates": np.array(event[WARMUP:]),
            "replay: Agg render (blitted)": np.array(render[WARMUP:]),
            "replay: PNG encode": np.array(encode[WARMUP:]),
            "replay baseline: full Agg draw instead of the blitted one": np.array(full[WARMUP:])}


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


REFACTOR = (
    "This run is after the spec refactor (commit c4a92ee, issue 16 item 1): each explorer is described "
    "once as an `ExplorerSpec` (`rnnlab.explorers`); the notebooks show it with ipywidgets "
    "(`rnnlab.widgets.Explorer(spec)`, on ipympl's canvas as before), the app with Panel widgets "
    "(`rnnlab._app_panel.ExplorerPanel(spec)`, which no longer wraps the ipywidgets explorer). The "
    "server probe now times `ExplorerPanel._event`, the replay wraps `ExplorerPanel.render`.")

NOTES = [
    "What was done about it, in the Panel app (`rnnlab/_app_panel.py`): the figure is blitted (data "
    "artists over a cached background of axes and text; the replay's baseline row is the full draw it "
    "replaces); the PNG is written at zlib level 1 (about half the encode time of the default for 10% "
    "more bytes); Panel's 50 ms debounce of browser changes is off for the explorer's controls, which "
    "took the server's Panel/Bokeh share from about 52 ms to about 30 ms per event.",
    "",
    "In the notebooks the explorer blits the same way on ipympl's canvas (`Explorer(blit=True)`, "
    "the default) and hands ipympl the pixels at once instead of `draw_idle`, whose round trip made "
    "the browser ask for a full render of every tick label at every event; pyplot's auto-draw is held "
    "off while the blit runs (it fired on the artists' stale flags), and ipympl's frames are written "
    "at zlib level 1 like the app's. The spectrum axes' limits move on a 1-1.5-2-3-4-5-7 ladder, "
    "with hysteresis (a window is kept while it holds the spectrum and is at most 2.25 times the "
    "tight one), so the rate-RNN figure redraws that axes' background only when the eigenvalues "
    "outgrow their window or shrink well inside it, not when one is nudged back and forth across a "
    "step.",
]


BROWSER_ROW = "browser (key -> new figure)"
EVENT_ROWS = ("kernel: explorer event", "server process: explorer event")


def previous_medians(path: Path) -> tuple[str, dict]:
    """From an earlier results file: its "Generated by" and "Load" lines and, per section (front end, explorer),
    the medians (ms) of the browser row and of the explorer's event row."""
    if not path.exists():
        return "", "", {}
    text, section, out = path.read_text(), None, {}
    generated = next((line for line in text.splitlines() if line.startswith("Generated by")), "")
    load = next((line for line in text.splitlines() if line.startswith("Load: ")), "")
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif section and line.startswith("| "):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells[0] == BROWSER_ROW or cells[0].startswith(EVENT_ROWS):
                try:
                    out.setdefault(section, {})["browser" if cells[0] == BROWSER_ROW else "event"] = float(cells[1])
                except ValueError:
                    pass
    return generated, load, out


def comparison(rows: dict, previous: tuple) -> list[str]:
    """Medians now beside those of an earlier results file (``previous``: what it is, and what
    :func:`previous_medians` read from it), per front end and explorer."""
    label, generated, load, before = previous
    if not before:
        return []
    lines = ["## Against an earlier run", "",
             f"Medians (ms) of {label} "
             f"({generated.removeprefix('Generated by ').rstrip('.')}) beside this run's. Its load line: "
             f"\"{load.removeprefix('Load: ')}\" Compare the ratios with the ratio of the calibration draws "
             "(this run's load line above).", "",
             "| front end, explorer | browser before | browser now | ratio | event before | event now | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for front, parts in rows.items():
        old = before.get(front, {})
        now_browser = float(np.median(1e3 * parts[BROWSER_ROW]))
        now_event = next((float(np.median(1e3 * v)) for name, v in parts.items()
                          if name.startswith(EVENT_ROWS) and v is not None and len(v)), float("nan"))
        cells = []
        for key, now in (("browser", now_browser), ("event", now_event)):
            was = old.get(key)
            cells += ([f"{was:.1f}", f"{now:.1f}", f"{now / was:.2f}"] if was else ["-", f"{now:.1f}", "-"])
        lines.append(f"| {front} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def report(n_events: int, rows: dict, chromium: str, calibration: tuple, previous=("", "", "", {})) -> str:
    lines = [
        "# Browser latency: slider key press to updated figure",
        "",
        f"Generated by `.venv/bin/python benchmarks/bench_browser_latency.py --events {n_events}` "
        f"on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, headless {chromium}.",
        "",
        f"{n_events} timed events per explorer ({WARMUP} untimed first): one arrow key on one slider "
        "(live sliders in turn, right then left; a slider that reports only on release, the mean-field "
        "N, is left out: it recomputes a finite network on purpose), timed in the page from `keydown` "
        "to the new figure on screen (ipympl: the image drawn on the figure canvas; Panel: the new "
        "`<img>` decoded). "
        f"The page is left quiet {QUIET_MS} ms between events. The server-side rows are the parts of "
        "the same events measured where they run (kernel) or replayed in-process (Panel server).",
        "",
        f"Load: a full Agg draw of the rate-RNN figure took {calibration[0]:.0f} ms before the run and "
        f"{calibration[1]:.0f} ms after it ({IDLE_DRAW_MS:.0f} ms on the idle machine, `widget_latency.md`); "
        f"load average {os.getloadavg()[0]:.1f} at the end on {os.cpu_count()} cores.",
        "",
    ]
    for front, parts in rows.items():
        browser_ms = 1e3 * parts["browser (key -> new figure)"]
        lines += [f"## {front}", "", "| per event | median ms | p95 ms | worst ms |", "|---|---:|---:|---:|"]
        lost = parts.get("_lost", 0)
        parts = {name: v for name, v in parts.items() if not name.startswith("_")}
        for name, seconds in parts.items():
            if seconds is None:  # a part that never happened
                lines.append(f"| {name} | none | - | - |")
                continue
            s = summary_ms(seconds)
            lines.append(f"| {name} | {s['median']:.1f} | {s['p95']:.1f} | {s['worst']:.1f} |")
        median = {name: float(np.median(1e3 * v)) for name, v in parts.items() if v is not None}
        if "server process: key message in -> figure out" in parts:
            inside = median["server process: key message in -> figure out"]
            event = median["server process: explorer event incl. render, PNG, pane"]
            where = (f"Medians: {inside:.0f} ms in the server from the key's message to the figure sent, of "
                     f"which {event:.0f} ms the explorer's event (compute, draw, blitted render, PNG, pane "
                     f"update) and {inside - event:.0f} ms Panel and Bokeh (the patch, serialization); "
                     f"{median['browser (key -> new figure)'] - inside:.0f} ms in the browser and between "
                     "(key to message, transfer, decode, paint). The replay splits the event where it "
                     "runs alone, without the browser on the same cores.")
        else:
            kernel = next(m for name, m in median.items() if name.startswith("kernel: explorer event"))
            where = (f"Medians: {kernel:.0f} ms in the kernel's event (compute, draw, blitted render, PNG); "
                     f"{median['browser (key -> new figure)'] - kernel:.0f} ms for the messages, "
                     "transfer, decode and paint.")
        within = np.mean(browser_ms <= BUDGET_MS)
        if lost:
            where += (f" {lost} of the {n_events} timed key presses brought no new figure within "
                      f"{LOST_AFTER_MS / 1e3:.0f} s and are left out of the rows above.")
        lines += ["", f"Within {BUDGET_MS:.0f} ms: {within:.0%} of events. {where}", ""]
    key = "browser (key -> new figure)"
    lab = [np.median(1e3 * p[key]) for front, p in rows.items() if front.startswith("JupyterLab")]
    app = [np.median(1e3 * p[key]) for front, p in rows.items() if front.startswith("Panel")]
    blit = [np.median(p["replay: Agg render (blitted)"])
            / np.median(p["replay baseline: full Agg draw instead of the blitted one"])
            for front, p in rows.items() if front.startswith("Panel")]
    summary = ["## Summary", ""]
    if lab:
        summary.append(f"- JupyterLab + ipympl: median {min(lab):.0f} to {max(lab):.0f} ms per explorer; "
                       "the kernel's event (compute, blitted render, PNG) is most of it.")
    if app:
        summary.append(f"- Panel app: median {min(app):.0f} to {max(app):.0f} ms; its blitted render costs "
                       f"{min(blit):.0%} to {max(blit):.0%} of a full draw in the replay; the rest is the "
                       "explorer's compute, the PNG and Panel/Bokeh's patch.")
    if max(calibration) > 1.3 * IDLE_DRAW_MS:
        summary.append(f"- Scale by the load line above before comparing with the {BUDGET_MS:.0f} ms budget: "
                       "the CPUs were shared with other jobs during the run.")
    else:
        summary.append("- The CPUs were about as free as on the idle machine (the load line above).")
    if SKIPPED:
        summary.append("- Not timed: " + "; ".join(SKIPPED) + ".")
    summary += ["", REFACTOR, "", *NOTES, ""]
    lines[8:8] = summary + comparison(rows, previous)

    from rnnlab.environment import environment_report

    lines += ["## Machine", "", *[f"- {key}: {value}" for key, value in environment_report().items()
                                  if key != "cuda_device"], f"- browser: {chromium} (headless)", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=40, help="timed slider events per explorer")
    parser.add_argument("--out", default=str(RESULTS), help="results file, or - for none")
    parser.add_argument("--only", choices=("lab", "panel"), help="one front end only")
    parser.add_argument("--compare", default=str(RESULTS),
                        help="an earlier results file whose medians to set beside this run's "
                             "(default: the one this run replaces)")
    parser.add_argument("--compare-label", default="the results file this run replaced",
                        help="what the --compare file is, for the report")
    args = parser.parse_args()
    reason = _harness.missing()
    if reason is not None:
        print(f"bench_browser_latency: skipped, {reason}")
        return
    chromium = subprocess.run([_harness.find_chromium(), "--version"], capture_output=True,
                              text=True).stdout.strip()
    previous = (args.compare_label, *previous_medians(Path(args.compare)))
    rows, before = {}, calibration_ms()
    with _harness.chromium() as browser:
        if args.only in (None, "lab"):
            rows |= bench_jupyterlab(browser, args.events)
        if args.only in (None, "panel"):
            rows |= bench_panel(browser, args.events)
    text = report(args.events, rows, chromium, (before, calibration_ms()), previous)
    publish(text, args.out)


if __name__ == "__main__":
    main()
