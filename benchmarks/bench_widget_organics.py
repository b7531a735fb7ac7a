"""Latency of a slider event in the ORGaNICs explorers: the 2-D circuit and the normalization pool.

Each event moves one control, as a drag does (a random walk over the sliders), and is timed from the
control change to the end of a forced full ``fig.canvas.draw()``: compute (both circuits' portraits,
fixed points and energy; or the ring population's steady state and contrast curve) + artist and key
updates + render; and the explorer's own latency in the non-ipympl fallback (compute + updates +
blitted render + PNG encode) on the same events. As a baseline the same events run through the rate-RNN explorer's figure-free
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

from _latency import (  # noqa: E402
    BUDGET_MS, REFACTOR_NOTE, WARMUP, drive, machine_section, publish, ratio_line, slider_walk, table,
)
from rnnlab import phase_portrait  # noqa: E402
from rnnlab.explorers import circuit_spec, contraction_spec, normalization_spec  # noqa: E402
from rnnlab.organics_circuit import circuit_2d  # noqa: E402

CIRCUIT_RANGES = {"w_r": (0.2, 3.5), "b0": (0.05, 1.5), "sigma": (0.05, 1.5), "b": (0.1, 1.5),
                  "w": (0.2, 1.5), "z": (-1.5, 1.5), "tau_y": (0.5, 8.0), "tau_a": (0.5, 8.0)}
POOL_RANGES = {"stimulus": (0.0, 360.0), "contrast": (0.02, 50.0), "tuning_width": (10.0, 90.0),
               "pool_width": (5.0, 300.0), "sigma": (0.02, 1.5)}
STEP = 0.4  # standard deviation of one slider move, relative to a range of 4
RESULTS = Path(__file__).parent / "results" / "widget_latency_organics.md"
# The contraction explorer's median (update + full draw) in widget_latency_contraction.md of 2026-11-22,
# on the quiet machine.
REFERENCE_ALONE_MS = 49.3


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


def start_values(spec) -> dict:
    return {name: control.value for name, control in spec.controls.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200, help="slider events per explorer")
    parser.add_argument("--out", default=str(RESULTS), help="results file, or - for none")
    args = parser.parse_args()

    start = start_values(circuit_spec())
    circuit_events = walk(args.events + WARMUP, start, CIRCUIT_RANGES)
    circuit_run = drive(circuit_spec(), circuit_events, observe=lambda ex: len(ex.result[0].fixed_points))
    circuit, counts = circuit_run["full"], circuit_run["observed"]
    baseline = newton_baseline(circuit_events, start)

    pool_events = walk(args.events + WARMUP, start_values(normalization_spec()), POOL_RANGES, seed=1)
    pool_run = drive(normalization_spec(), pool_events)
    pool = pool_run["full"]
    three = float(np.mean(np.array(counts) == 3))
    # The same machine is shared: the contraction explorer (49 ms median when recorded alone, see
    # widget_latency_contraction.md) run now says how loaded it was.
    reference_events = walk(args.events + WARMUP, start_values(contraction_spec()),
                            {"w11": (-2.0, 2.0), "w12": (-2.0, 2.0), "w21": (-2.0, 2.0), "w22": (-2.0, 2.0)})
    reference_run = drive(contraction_spec(), reference_events)
    reference = reference_run["full"]
    ratio_circuit = np.median(circuit) / np.median(reference)
    ratio_pool = np.median(pool) / np.median(reference)
    rows = {"circuit explorer (main + rectified): update + full draw": circuit,
            "... of which compute (2 portraits, Eq. 79, energy)": circuit_run["compute"],
            "... of which render (circuit)": circuit_run["full_draw"],
            "circuit explorer: Output fallback now (update + blitted render + PNG)": circuit_run["fallback"],
            "baseline: `rnnlab.phase_portrait` Newton search on both circuits, compute only": baseline,
            "normalization explorer (24 neurons): update + full draw": pool,
            "... of which compute (steady state + 25-contrast curve)": pool_run["compute"],
            "... of which render (pool)": pool_run["full_draw"],
            "normalization explorer: Output fallback now (update + blitted render + PNG)": pool_run["fallback"],
            "reference: contraction explorer, same run: update + full draw": reference,
            "reference: Output fallback now": reference_run["fallback"]}
    lines = [
        "# Widget latency: ORGaNICs explorers",
        "",
        "Generated by `MPLBACKEND=Agg .venv/bin/python benchmarks/bench_widget_organics.py "
        f"--events {args.events}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
        f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; other jobs shared "
        "the machine).",
        "",
        REFACTOR_NOTE,
        "",
        f"{len(circuit)} timed slider events per explorer ({WARMUP} warm-up events first), each from the "
        "control change to the end of a forced full `fig.canvas.draw()` (Agg), and the explorer's own "
        "latency in the Output fallback on the same events. Circuit events are a random "
        f"walk over w_r, b0, sigma, b, w, z, tau_y, tau_a; {three:.0%} of them had three fixed points in "
        "the main model. "
        "Pool events walk over stimulus, contrast, tuning and pool widths and sigma.",
        "",
        *table(rows),
        "",
        f"Circuit explorer events within {BUDGET_MS:.0f} ms: {np.mean(1e3 * circuit <= BUDGET_MS):.0%}; "
        f"normalization explorer: {np.mean(1e3 * pool <= BUDGET_MS):.0%}; reference: "
        f"{np.mean(1e3 * reference <= BUDGET_MS):.0%} (update + full draw). Most of each event is the render "
        "(text above all; the explorers carry titles and axis labels, pinned and drawn once into the blitted "
        "background, which the full draw redraws at every event: `explorer_labels.md` measures their cost); "
        "the 1-D "
        "reduction finds every fixed point for less than the generic Newton search costs.",
        "",
        f"Against the reference run in the same process: median ratio {ratio_circuit:.2f} (circuit) and "
        f"{ratio_pool:.2f} (pool); scaled by the reference's {REFERENCE_ALONE_MS} ms median on the quiet "
        f"machine, that is about {REFERENCE_ALONE_MS * ratio_circuit:.0f} ms and "
        f"{REFERENCE_ALONE_MS * ratio_pool:.0f} ms per event.",
        "",
        ratio_line(circuit_run, "circuit explorer"),
        "",
        ratio_line(pool_run, "normalization explorer"),
        *machine_section(),
    ]
    text = "\n".join(lines)
    publish(text, args.out)


if __name__ == "__main__":
    main()
