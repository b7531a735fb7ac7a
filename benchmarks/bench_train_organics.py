"""One training step (forward, backward, Adam) of the ORGaNICs net (Eq. 134, 64 neurons, the paper's
size) at T = 784, batch 64: the fused time loop (``backend="fused"``) against the per-step reference
loop (``backend="reference"``), side by side in one process, interleaved so that load drifts hit both.

Run: ``python benchmarks/bench_train_organics.py`` (``--quick``: T = 100, no results file).
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _machine import describe  # noqa: E402

from rnnlab.train.nets import build_net  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=784)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    out = pathlib.Path(__file__).parent / "results" / "train_step_organics.md"
    parser.add_argument("--out", default=str(out))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    T = 100 if args.quick else args.seq_len
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(args.batch, T, 1, generator=gen)
    y = torch.randint(0, 10, (args.batch,), generator=gen)
    nets = {b: build_net("organics", input_size=1, output_size=10, hidden_size=64, backend=b)
            for b in ("reference", "fused")}
    opts = {b: torch.optim.Adam(n.parameters(), lr=1e-4) for b, n in nets.items()}
    times = {b: [] for b in nets}
    for k in range(args.repeats + 1):
        for b, net in nets.items():
            start = time.perf_counter()
            opts[b].zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opts[b].step()
            if k > 0:
                times[b].append(time.perf_counter() - start)
    med = {b: statistics.median(t) for b, t in times.items()}
    ratio = med["reference"] / med["fused"]
    for b in nets:
        print(f"{b:10s} step {med[b]:.3f} s  (min {min(times[b]):.3f}, max {max(times[b]):.3f})")
    print(f"speed-up fused / reference: {ratio:.2f}x")
    if args.quick:
        return
    lines = [f"# ORGaNICs training step, T = {T}, batch {args.batch}, 64 neurons", "",
             f"machine: {describe()}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
             "device: cpu",
             "command: python benchmarks/bench_train_organics.py", "",
             "| backend | median step (s) | min | max |", "|---|---|---|---|"]
    lines += [f"| {b} | {med[b]:.3f} | {min(times[b]):.3f} | {max(times[b]):.3f} |" for b in nets]
    lines += ["", f"speed-up (reference / fused): {ratio:.2f}x; {args.repeats} interleaved repeats after a "
              "warm-up. Timed on a shared 2-core machine under load from other users: noisy."]
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
