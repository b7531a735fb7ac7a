"""Latency of a slider event in the ORGaNICs explorers: the 2-D circuit and the normalization pool.

Each event moves one control, as a drag does (a random walk over the sliders), and is timed from the
control change to the end of a forced full ``fig.canvas.draw()``: compute (both circuits' portraits,
fixed points and energy; or the ring population's steady state and contrast curve) + artist and key
updates + render. As a baseline the same events run through the rate-RNN explorer's figure-free
counterpart: ``rnnlab.phase_portrait`` of the two circuits with its generic Newton search (what the
explorer would cost without the 1-D reduction of Eq. 79).

Run from the repository root::

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget_organics.py            # 200 events each
    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget_organics.py --events 20 --out -

It prints the table and writes it, with the machine, to
``benchmarks/results/widget_latency_organics.md``.
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

from _latency import BUDGET_MS, WARMUP, drive, machine_section, publish, slider_walk, table  # noqa: E402
from rnnlab import phase_portrait  # noqa: E402
from rnnlab.organics_circuit import circuit_2d  # noqa: E402
from rnnlab.widgets import circuit_explorer, contraction_explorer, normalization_explorer  # noqa: E402

CIRCUIT_RANGES = {"w_r": (0.2, 3.5), "b0": (0.05, 1.5), "sigma": (0.05, 1.5), "b": (0.1, 1.5),
                  "w": (0.2, 1.5), "z": (-1.5, 1.5), "tau_y": (0.5, 8.0), "tau_a": (0.5, 8.0)}
POOL_RANGES = {"stimulus": (0.0, 360.0), "contrast": (0.02, 50.0), "tuning_width": (10.0, 90.0),
               "pool_width": (5.0, 300.0), "sigma": (0.02, 1.5)}
STEP = 0.4  # standard deviation of one slider move, relative to a range of 4
RESULTS = Path(__file__).parent / "results" / "widget_latency_organics.md"
REFERENCE_ALONE_MS = 49.3  # contraction explorer's median in widget_latency_contraction.md (a quiet machine)


def walk(n_events: int, start: dict, ranges: dict, seed: int = 0) -> list[dict]:
    """One slider change per event, a random walk (these explorers have no nonlinearity dropdown)."""
    return slider_walk(n_events, start, ranges, STEP, seed, phi_every=0)


def newton_baseline(events, start: dict) -> np.ndarray:
    """Seconds per event of the generic route: rnnlab.phase_portrait (Newton, 9 x 9 starts), both circuits."""
    values, times = dict(start), []
    for k, event in enumerate(events):
        values.update(event)
        t0 = time.perf_counter()
        for rect in (False, True):
            phase_portrait(circuit_2d(**values, rectified=rect), (-1.5, 1.5), (0.0, 1.5), n_grid=15,
                           n_nullcline=81, n_starts=9)
        if k >= WARMUP:
            times.append(time.perf_counter() - t0)
    return np.array(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200, help="slider events per explorer")
    parser.add_argument("--out", default=str(RESULTS), help="results file, or - for none")
    args = parser.parse_args()

    probe = circuit_explorer()
    start = probe.values
    probe.close()
    circuit_events = walk(args.events + WARMUP, start, CIRCUIT_RANGES)
    circuit, circuit_compute, circuit_render, counts = drive(
        circuit_explorer(), circuit_events, observe=lambda ex: len(ex.result[0].fixed_points))
    baseline = newton_baseline(circuit_events, start)

    probe = normalization_explorer()
    pool_start = probe.values
    probe.close()
    pool_events = walk(args.events + WARMUP, pool_start, POOL_RANGES, seed=1)
    pool, pool_compute, pool_render, _ = drive(normalization_explorer(), pool_events)
    three = float(np.mean(np.array(counts) == 3))
    # The same machine is shared: the contraction explorer (49 ms median when recorded alone, see
    # widget_latency_contraction.md) run now says how loaded it was.
    probe = contraction_explorer()
    reference_events = walk(args.events + WARMUP, probe.values,
                            {"w11": (-2.0, 2.0), "w12": (-2.0, 2.0), "w21": (-2.0, 2.0), "w22": (-2.0, 2.0)})
    probe.close()
    reference, _, _, _ = drive(contraction_explorer(), reference_events)
    ratio_circuit = np.median(circuit) / np.median(reference)
    ratio_pool = np.median(pool) / np.median(reference)
    rows = {"circuit explorer (main + rectified)": circuit,
            "... of which compute (2 portraits, Eq. 79, energy)": circuit_compute,
            "... of which render (circuit)": circuit_render,
            "baseline: `rnnlab.phase_portrait` Newton search on both circuits, compute only": baseline,
            "normalization explorer (24 neurons)": pool,
            "... of which compute (steady state + 25-contrast curve)": pool_compute,
            "... of which render (pool)": pool_render,
            "reference: contraction explorer, same run": reference}
    lines = [
        "# Widget latency: ORGaNICs explorers",
        "",
        "Generated by `MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget_organics.py "
        f"--events {args.events}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
        f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; other jobs shared "
        "the machine).",
        "",
        f"{len(circuit)} timed slider events per explorer ({WARMUP} warm-up events first), each from the "
        "control change to the end of a forced full `fig.canvas.draw()` (Agg). Circuit events are a random "
        f"walk over w_r, b0, sigma, b, w, z, tau_y, tau_a; {three:.0%} of them had three fixed points in "
        "the main model. "
        "Pool events walk over stimulus, contrast, tuning and pool widths and sigma.",
        "",
        *table(rows),
        "",
        f"Circuit explorer events within {BUDGET_MS:.0f} ms: {np.mean(1e3 * circuit <= BUDGET_MS):.0%}; "
        f"normalization explorer: {np.mean(1e3 * pool <= BUDGET_MS):.0%}; reference: "
        f"{np.mean(1e3 * reference <= BUDGET_MS):.0%}. Most of each event is the render "
        "(text above all, which is why titles and labels live in the HTML key beside the sliders); the 1-D "
        "reduction finds every fixed point for less than the generic Newton search costs.",
        "",
        f"Against the reference run in the same process: median ratio {ratio_circuit:.2f} (circuit) and "
        f"{ratio_pool:.2f} (pool); scaled by the reference's {REFERENCE_ALONE_MS} ms median on the quiet "
        f"machine, that is about {REFERENCE_ALONE_MS * ratio_circuit:.0f} ms and "
        f"{REFERENCE_ALONE_MS * ratio_pool:.0f} ms per event.",
        *machine_section(),
    ]
    text = "\n".join(lines)
    publish(text, args.out)


if __name__ == "__main__":
    main()
