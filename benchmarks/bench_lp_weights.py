"""Optimal l-inf weights and the contraction certificate of a 1000-neuron firing-rate network.

Davydov et al. (2022), Theorem 18(ii): ``min_eta max_k mu_{inf,[eta]}(-C + d_k A)`` over the two
slope vertices, for a network where no closed form applies (leaks ``C`` differ, ``d_min > 0``).
The issue asks for about a second at n = 1000. Routes, all to the same optimum:

* ``rnnlab policy iteration``: ``firing_rate_certificate`` (its default here), ``max alpha`` over
  the slope corners by policy iteration on Perron vectors;
* ``rnnlab LP bisection``: ``firing_rate_certificate(method="lp")``, the paper's LP (Remark 5) through
  :func:`rnnlab.lognorms.optimal_weights` (scipy's HiGHS);
* ``cvxpy LP bisection`` (the general-purpose baseline): the same feasibility LPs written in cvxpy,
  compiled once with the level ``b`` as a parameter and solved by cvxpy's default solver.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_lp_weights.py`` (``--quick``: n = 200, no results
file); one thread keeps the timings of the three routes comparable on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import cvxpy as cp
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _machine import describe  # noqa: E402

from rnnlab.certificates.davydov import firing_rate_certificate, slope_vertices  # noqa: E402
from rnnlab.lognorms import lognorm, metzler_majorant, spectral_abscissa  # noqa: E402

D_MIN, D_MAX = 0.2, 1.0  # e.g. a leaky saturation phi(x) = 0.2 x + 0.8 tanh(x)


def network(n: int, k: int, rng):
    """A sparse random network: ``k`` inputs per neuron on average, weights N(0, 0.08^2), and a ring
    ``i -> i + 1`` so that the graph is strongly connected ([A]_Mzr irreducible)."""
    A = rng.normal(0.0, 0.08, (n, n)) * (rng.random((n, n)) < k / n)
    A[(np.arange(n) + 1) % n, np.arange(n)] = rng.normal(0.0, 0.08, n)
    return A, rng.uniform(0.8, 1.5, n)


def cvxpy_bisection(A, C, tol=1e-9):
    """Theorem 18(ii) by bisection on ``b``, each step the LP ``G_k z <= b z``, ``z >= 1``, in cvxpy."""
    V = slope_vertices(A, C, D_MIN, D_MAX)
    G = metzler_majorant(V)
    n = len(A)
    z, b = cp.Variable(n), cp.Parameter()
    problem = cp.Problem(cp.Minimize(cp.sum(z)), [G[0] @ z <= b * z, G[1] @ z <= b * z, z >= 1, z <= 1e9])
    lower, upper = float(np.max(spectral_abscissa(G))), float(np.max(lognorm(V, np.inf)))
    eta, n_lp = np.ones(n), 0
    while upper - lower > tol * (1 + abs(upper)) and n_lp < 100:
        b.value = 0.5 * (lower + upper)
        problem.solve()
        n_lp += 1
        if problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            upper, eta = b.value, 1.0 / np.maximum(z.value, 1e-12)
        else:
            lower = b.value
    value = float(np.max(lognorm(V, np.inf, eta=eta)))
    return value, f"LPs: {n_lp} ({problem.solver_stats.solver_name})"


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10, help="mean inputs per neuron")
    parser.add_argument("--quick", action="store_true", help="n = 200, no results file")
    args = parser.parse_args(argv)
    n = 200 if args.quick else args.n
    A, C = network(n, args.k, np.random.default_rng(0))

    rows = []
    t, cert = timed(lambda: firing_rate_certificate(A, C, D_MIN, D_MAX, method="policy"), repeat=5)
    rows.append(("rnnlab policy iteration", t, -cert.rate, f"Perron vectors: {cert.details['n_iter']}"))
    t, cert = timed(lambda: firing_rate_certificate(A, C, D_MIN, D_MAX, method="lp"), repeat=1)
    rows.append(("rnnlab LP bisection (HiGHS)", t, -cert.rate, f"LPs: {cert.details['n_lp']}"))
    t, (value, how) = timed(lambda: cvxpy_bisection(A, C), repeat=1)
    rows.append(("cvxpy LP bisection (baseline)", t, value, how))

    base = rows[-1][1]
    lines = [
        f"# Optimal l-inf weights, Davydov et al. (2022) Theorem 18(ii), n = {n}",
        "",
        f"Firing-rate network, {args.k} random inputs per neuron and a ring (weights N(0, 0.08^2)), leaks",
        f"U(0.8, 1.5), slopes in [{D_MIN}, {D_MAX}]: no closed form applies. `osL` is evaluated with each",
        "route's weights (the certified rate is -osL). Best of 5 runs for policy iteration, one run for",
        "the LPs.",
        "",
        f"Machine: {describe()}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}",
        "",
        "| route | time [s] | osL | speed-up vs baseline | work |",
        "|---|---:|---:|---:|---|",
    ]
    for name, t, value, how in rows:
        lines.append(f"| {name} | {t:.3f} | {value:.10f} | {base / t:.1f}x | {how} |")
    spread = max(r[2] for r in rows) - min(r[2] for r in rows)
    lines += ["", f"Largest difference between the routes' osL: {spread:.2e} (LP bisection tolerance 1e-9)."]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        out = pathlib.Path(__file__).parent / "results" / "lp_weights.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()
