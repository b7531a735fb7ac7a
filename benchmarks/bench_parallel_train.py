"""The parallel-in-time backend against the fused sequential loop, forward and forward+backward.

For a small Sparse and a small SVD Combo Net (4 modules of 8 units) and a small ORGaNICs net (8 neurons,
a state of 32), float32, batch 16, one input channel, inputs ``N(0, 1)``, at each sequence length ``T``:
the wall time of ``backend="fused"`` (the sequential loop with a hand-written backward through time,
:mod:`rnnlab.train._fused_combo`, :mod:`rnnlab.train._fused_organics`) and of ``backend="parallel"`` with
Newton (DEER) and quasi-Newton iterations (:mod:`rnnlab.train._parallel_combo`,
:mod:`rnnlab.train._parallel_organics`), timed side by side in this process, interleaved, best of ``--repeats``; the
ratio is parallel / fused (above 1: the parallel backend is slower). Also the iterations, whether they
converged, and the largest difference of the logits from the fused loop's relative to their size. A scan
is "parallel" only in its vectorised batches: on a CPU what shows is its extra work (``O(B T N^3)`` per
Newton iteration against the loop's ``O(B T N^2)``), not the ``O(log T)`` depth a GPU would exploit.

Run from the repository root::

    .venv/bin/python benchmarks/bench_parallel_train.py [--T 784 4096] [--device cuda] [--out -]

It prints the table and writes it, with the machine, to ``benchmarks/results/parallel_train.md``
(``parallel_train_cuda.md`` on a GPU).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _machine import describe  # noqa: E402

from rnnlab.train._parallel_combo import ParallelOptions  # noqa: E402
from rnnlab.train.nets import SparseComboNet, SVDComboNet, build_net  # noqa: E402

RESULTS = Path(__file__).parent / "results"
NETS = {
    "sparse_combo 4x8": lambda: SparseComboNet(1, 10, n_modules=4, module_size=8, density=0.1, pre_scale=10.0,
                                                coupling_init="linear"),
    "svd_combo 4x8": lambda: SVDComboNet(1, 10, n_modules=4, module_size=8, coupling_init="linear"),
    "organics N=8": lambda: build_net("organics", input_size=1, output_size=10, hidden_size=8),
}
VARIANTS = (("fused", None), ("parallel", "newton"), ("parallel", "quasi-newton"))


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device):
    _sync(device)
    start = time.perf_counter()
    value = fn()
    _sync(device)
    return time.perf_counter() - start, value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--T", type=int, nargs="+", default=[784, 4096])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    device = torch.device(args.device)

    rows = ["| net | T | backend | iterations | converged | forward ms | / fused | forward+backward ms "
            "| / fused | logits rel. diff |",
            "|---|---:|---|---:|---|---:|---:|---:|---:|---:|"]
    for label, make in NETS.items():
        torch.manual_seed(0)
        net = make().to(device)
        for T in args.T:
            x = torch.randn(args.batch, T, 1, generator=torch.Generator().manual_seed(T)).to(device)
            def use(backend, method):
                net.backend = backend
                if method is not None:
                    net.parallel_options = ParallelOptions(method=method)

            def forward():
                with torch.no_grad():
                    return net(x)

            def step():
                net.zero_grad(set_to_none=True)
                y = net(x)
                y.square().sum().backward()
                return y.detach()

            # Interleaved (fused, newton, quasi-newton, fused, ...) and the best of the repeats of each, so
            # a burst of load from other processes hits every variant alike rather than one baseline.
            best = {v: [float("inf"), float("inf")] for v in VARIANTS}
            outputs, results = {}, {}
            for v in VARIANTS:  # warm-up, untimed (first-call allocations and dispatch)
                use(*v)
                forward()
            for _ in range(args.repeats):
                for v in VARIANTS:
                    use(*v)
                    t_fwd, outputs[v] = timed(forward, device)
                    results[v] = net.parallel_result if v[0] == "parallel" else None
                    t_step, _ = timed(step, device)
                    best[v] = [min(best[v][0], t_fwd), min(best[v][1], t_step)]
            base, y_ref = best[VARIANTS[0]], outputs[VARIANTS[0]]
            for v in VARIANTS:
                (backend, method), res, (t_fwd, t_step) = v, results[v], best[v]
                diff = float((outputs[v] - y_ref).abs().max() / y_ref.abs().max())
                name = backend if method is None else f"parallel ({method})"
                rows.append(f"| {label} | {T} | {name} | {res.iterations if res else '-'} "
                            f"| {res.converged if res else '-'} | {1e3 * t_fwd:.1f} | {t_fwd / base[0]:.2f} "
                            f"| {1e3 * t_step:.1f} | {t_step / base[1]:.2f} | {diff:.1e} |")
                print(rows[-1], flush=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    gpu = f"; {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""
    text = "\n".join([
        "# Parallel-in-time backend against the fused sequential loop (Combo Nets, ORGaNICs)", "",
        f"Generated by `.venv/bin/python benchmarks/bench_parallel_train.py {' '.join(sys.argv[1:])}` "
        f"on {stamp}.", "",
        f"Machine: {describe()}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"device {device}{gpu}", "",
        f"Batch {args.batch}, float32, best of {args.repeats}; the parallel backend's default tolerance "
        "(residual 1e-5 relative to the largest state) and budget (T iterations). '/ fused' is the "
        "ratio to `backend=\"fused\"` timed in the same process, the variants interleaved in every repeat "
        "(above 1: slower); "
        "'forward+backward' includes `zero_grad` and the loss.", "", *rows, ""])
    default = "parallel_train_cuda.md" if device.type == "cuda" else "parallel_train.md"
    out = args.out or str(RESULTS / default)
    if out == "-":
        print(text)
    else:
        Path(out).write_text(text)


if __name__ == "__main__":
    main()
