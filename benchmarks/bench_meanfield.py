"""Mean-field theory of trained reservoirs: open-loop gains on 1000 frequencies, the mean-field solve,
the explorer's event latency, and mean field against finite N.

* ``G_OL`` on 1000 frequencies: the mean field (Eq. 13 for one target, Eq. 17 for three), and a
  finite-N network (N = 200, 600) by one eigendecomposition (``method="modal"``) against the
  baseline of one LU solve per frequency (``method="direct"``), side by side in this process.
* The mean-field solves: :func:`rnnlab.mean_field` (Eqs. 8, 11) and
  :func:`rnnlab.meanfield_targets.mean_field_targets` for three targets.
* The explorer: slider events over ``g`` and ``A`` (a random walk, another nonlinearity now and
  then), each timed from the control change to the end of a forced full ``fig.canvas.draw()``:
  mean field + artist updates + render; and the explorer's own latency in the non-ipympl fallback
  (mean field + artist updates + blitted render + PNG encode). The finite-N recompute (button or
  release of ``N``) is timed apart.
* Errors of the mean field against finite-N networks over seeds (``--errors``; minutes).

Run from the repository root::

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_meanfield.py --errors
    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_meanfield.py --events 20 --out -

It prints the tables and writes them, with the machine, to ``benchmarks/results/meanfield.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from _latency import (  # noqa: E402
    BUDGET_MS, REFACTOR_NOTE, WARMUP, drive, fallback_rows, machine_section, publish, ratio_line, summary_ms,
    table,
)
from rnnlab import mean_field  # noqa: E402
from rnnlab.meanfield_targets import mean_field_targets  # noqa: E402
from rnnlab.models.reservoir import Reservoir  # noqa: E402
from rnnlab.readout import open_loop_gain, train_readout  # noqa: E402
from rnnlab.explorers import mean_field_spec  # noqa: E402
from rnnlab.explorers.meanfield import PHIS  # noqa: E402
from rnnlab.widgets import mean_field_explorer  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "meanfield.md"
OMEGA = np.geomspace(1e-3, 1e3, 1000)
FIG2 = (0.9, [0.5, 1.0, 1.5])
RANGES = {"g": (0.3, 1.4), "A": (0.2, 1.8)}
STEP = 0.25  # standard deviation of one slider move, relative to a range of 4
PHI_EVERY = 40
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def timed(fn, repeats: int) -> np.ndarray:
    """Seconds of ``repeats`` calls of ``fn()``, after one warm-up call."""
    fn()
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return np.array(out)


def gain_rows(repeats: int) -> tuple[dict, list[str]]:
    rows, notes = {}, []
    mf1 = mean_field(0.5, 1.0)
    loc3 = mean_field_targets(*FIG2).local[0]
    rows["mean field, 1 target (Eq. 13)"] = timed(lambda: mf1.open_loop_gain(OMEGA), repeats)
    rows["mean field, 3 targets (Eq. 17)"] = timed(lambda: loc3.open_loop_gain(1j * OMEGA), repeats)
    for N in (200, 600):
        tr = train_readout(Reservoir.random(N, FIG2[0], rng=0), FIG2[1])
        modal = timed(lambda: open_loop_gain(tr, 1j * OMEGA, method="modal"), max(1, repeats // 4))
        # The baseline costs O(N^3) per frequency: time it on every 10th frequency, once, and scale by 10.
        sub = OMEGA[::10]
        start = time.perf_counter()
        G_direct = open_loop_gain(tr, 1j * sub, method="direct")
        direct = np.array([10 * (time.perf_counter() - start)])
        rows[f"finite N = {N}, modal (one eigendecomposition)"] = modal
        rows[f"finite N = {N}, direct (baseline: LU per frequency; 100 timed, x10)"] = direct
        err = np.max(np.abs(open_loop_gain(tr, 1j * sub, method="modal") - G_direct) / np.abs(G_direct))
        notes.append(f"N = {N}: direct / modal = {np.median(direct) / np.median(modal):.0f}x (median), "
                     f"max relative |modal - direct| = {err:.1e}.")
    return rows, notes


def solve_rows(repeats: int) -> dict:
    relu = PHIS["relu, threshold 0.1"]
    return {
        "`mean_field(0.5, 1.0)` (Eqs. 8, 11; 121 nodes)": timed(lambda: mean_field(0.5, 1.0), repeats),
        "`mean_field_targets` 3 targets, tanh (default 32 nodes)": timed(
            lambda: mean_field_targets(*FIG2), repeats),
        "... 20 and 41 nodes (the explorer's), cold start": timed(
            lambda: mean_field_targets(*FIG2, n_nodes=20, diagonal_nodes=41), repeats),
        "`mean_field_targets` 2 targets, ReLU (32 nodes)": timed(
            lambda: mean_field_targets(0.7, [0.5, 1.0], phi=relu), repeats),
    }


def walk(n_events: int, start: dict, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    values, events, phis = dict(start), [], tuple(PHIS)
    for k in range(n_events):
        if k % PHI_EVERY == PHI_EVERY - 1:
            name, value = "phi", phis[(k // PHI_EVERY + 1) % len(phis)]
        else:
            name = ("g", "A")[k % 2]
            lo, hi = RANGES[name]
            value = float(np.clip(values[name] + rng.normal(0.0, STEP * (hi - lo) / 4.0), lo, hi))
        values[name] = value
        events.append({name: value})
    return events


def explorer_rows(n_events: int) -> tuple[dict, dict, float]:
    spec = mean_field_spec(N=200)
    events = walk(n_events + WARMUP, {name: control.value for name, control in spec.controls.items()})
    driven = drive(spec, events, observe=lambda e: e.result.local is not None)
    ex = mean_field_explorer(N=200)
    finite = []
    for k, g in enumerate(np.linspace(0.4, 1.2, 6)):
        ex.update(g=float(g))
        start = time.perf_counter()
        ex.buttons["finite"].click()
        finite.append(time.perf_counter() - start)
    ex.close()
    rows = {**fallback_rows(driven, "explorer event (mean field)"),
            "finite-N recompute, N = 200 (button or release; Output fallback)": np.array(finite)}
    rows["... of which mean field"] = rows.pop("... of which compute")
    order = ["explorer event (mean field): update + full draw (as in the earlier runs)", "... of which mean field"]
    rows = {name: rows[name] for name in [*order, *(n for n in rows if n not in order)]}
    return rows, driven, float(np.mean(driven["observed"]))


def error_lines() -> list[str]:
    sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
    from test_meanfield_targets import RELU, _finite_n_errors

    lines = ["| case | N | seeds | C | G_nk (relative) | G_OL | outlier |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    cases = [("Fig. 2: tanh, g = 0.9, targets 0.5, 1, 1.5", mean_field_targets(*FIG2), "tanh"),
             ("ReLU (threshold 0.1), g = 0.7, targets 0.5, 1",
              mean_field_targets(0.7, [0.5, 1.0], phi=RELU), RELU)]
    for name, mf, phi in cases:
        for N, seeds in ((100, 6), (500, 3), (2000, 1)):
            err = {"C": [], "G": [], "G_OL": [], "outlier": []}
            for seed in range(seeds):
                for key, e in _finite_n_errors(mf, N, seed, phi).items():
                    err[key] += e
            cells = " | ".join(f"{np.sqrt(np.mean(np.square(e))):.4f} ({np.max(e):.4f})"
                               for e in err.values())
            lines.append(f"| {name} | {N} | {seeds} | {cells} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200, help="explorer events")
    parser.add_argument("--repeats", type=int, default=12, help="repeats of each timed call")
    parser.add_argument("--errors", action="store_true", help="also measure mean field vs finite N (minutes)")
    parser.add_argument("--out", default=str(RESULTS), help="results file, or - for none")
    args = parser.parse_args()

    gains, gain_notes = gain_rows(args.repeats)
    solves = solve_rows(args.repeats)
    widget, driven, solved = explorer_rows(args.events)
    lat, now = summary_ms(driven["full"]), summary_ms(driven["fallback"])
    lines = [
        "# Mean field of trained reservoirs: gains, solves, explorer, accuracy",
        "",
        f"Generated by `MPLBACKEND=Agg .venv/bin/python benchmarks/bench_meanfield.py --events {args.events} "
        f"--repeats {args.repeats}{' --errors' if args.errors else ''}` on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
        + "".join(f", {k}={os.environ[k]}" for k in THREAD_VARS if k in os.environ) + ".",
        "",
        REFACTOR_NOTE + " The gains and solves below do not involve the explorers.",
        "",
        "## G_OL on 1000 frequencies",
        "",
        "Times per call of `open_loop_gain` on 1000 frequencies (the table's 'per event' is per call).",
        "",
        *table(gains),
        "",
        *gain_notes,
        "",
        "## Mean-field solves",
        "",
        *table(solves),
        "",
        "## Explorer (`mean_field_explorer`, Fig. 2 settings, N = 200)",
        "",
        f"{len(driven['full'])} timed events ({WARMUP} warm-up first): "
        "a random "
        f"walk over g and A, another nonlinearity every {PHI_EVERY} events; {solved:.0%} had a mean-field "
        "solution. The finite-N network is recomputed only on release of N or on the button, timed apart.",
        "",
        *table(widget),
        "",
        f"Mean-field events within {BUDGET_MS:.0f} ms: "
        f"{np.mean(1e3 * driven['full'] <= BUDGET_MS):.1%} with the full draw "
        f"(median {lat['median']:.1f} ms), {np.mean(1e3 * driven['fallback'] <= BUDGET_MS):.1%} in the "
        f"Output fallback now (median {now['median']:.1f} ms).",
        "",
        ratio_line(driven, "mean-field explorer"),
    ]
    if args.errors:
        lines += ["", "## Mean field against finite N", "",
                  "RMS over seeds (max in brackets) of: |C_N - C| (covariance of the fixed points), the "
                  "relative error of the cross terms G_nk at s = 0, 0.3i, 1i, |G_OL,N - G_OL| there, and "
                  "|outlier_N - outlier| for outliers 0.1 or more outside the disk. All shrink like N^-1/2.",
                  "", *error_lines()]
    lines += machine_section()
    text = "\n".join(lines)
    publish(text, args.out)


if __name__ == "__main__":
    main()
