"""One training step (forward, backward, Adam) of every net of rnnlab.train.nets at sequence length 784.

Each recurrent net is timed twice in the same process: its ``forward`` (input projections for all
``T`` samples at once, fused updates, torch's fused kernels for the LSTM and vanilla RNN) and the
baseline, ``forward_reference``: the plain per-time-step Python loop of the same model, which
projects each input sample and rebuilds the weights at every step, as a naive ``nn.RNNCell``-style
loop does. The ratio is baseline time / fast time. Every net is also compared with the LSTM's fused
step. Nets are the paper sizes (16 x 32 Combo Nets, 64 ORGaNICs neurons, 128-unit LSTM and RNN).

Run: ``python benchmarks/bench_train_step.py`` (``--quick``: batch 8, one repeat, no results file;
``--device cuda`` on a GPU).
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

NETS = {
    "sparse_combo": dict(),
    "svd_combo": dict(),
    "sparse_combo (control L = B)": dict(constrained=False),
    "organics": dict(hidden_size=64),
    "rnn": dict(hidden_size=128),
    "lstm": dict(hidden_size=128),
}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_step(net, x, y, forward, repeats, device):
    """Median wall time of ``repeats`` Adam steps through ``forward`` (after one warm-up step)."""
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    times = []
    for k in range(repeats + 1):
        _sync(device)
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(forward(x), y)
        loss.backward()
        opt.step()
        _sync(device)
        if k > 0:
            times.append(time.perf_counter() - start)
    if not torch.isfinite(loss):
        raise RuntimeError(f"{type(net).__name__}: the loss is not finite")
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=784)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch.set_num_threads (default 1: on a shared 2-core machine more threads "
                             "oversubscribe and the small matmuls slow down many times); 0 keeps torch's")
    parser.add_argument("--quick", action="store_true", help="batch 8, one repeat, no results file")
    parser.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "train_step.md"))
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    batch, repeats = (8, 1) if args.quick else (args.batch, args.repeats)
    device = torch.device(args.device)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(batch, args.seq_len, 1, generator=gen).to(device)
    y = torch.randint(0, 10, (batch,), generator=gen).to(device)

    nets = dict(NETS)
    if device.type == "cuda":  # torch.compile of the ORGaNICs step: for launch-bound GPUs only
        nets["organics (compile=True)"] = dict(NETS["organics"], compile=True)
    rows = []
    for label, options in nets.items():
        name = label.split()[0]
        net = build_net(name, input_size=1, output_size=10, **options).to(device)
        fast = time_step(net, x, y, net.forward, repeats, device)
        naive = time_step(net, x, y, net.forward_reference, repeats, device)
        n_params = sum(p.numel() for p in net.parameters() if p.requires_grad)
        rows.append((label, n_params, fast, naive))
        print(f"{label:30s} params {n_params:7d}  step {fast:8.3f} s  per-step loop {naive:8.3f} s  "
              f"speed-up {naive / fast:5.2f}x", flush=True)
    static = build_net("organics_static", input_size=1, output_size=10, hidden_size=50,
                       seq_len=args.seq_len).to(device)
    t_static = time_step(static, x, y, static.forward, repeats, device)
    print(f"{'organics_static (Algorithm 1)':30s} step {t_static:8.3f} s", flush=True)

    lstm = next(r[2] for r in rows if r[0] == "lstm")
    cmd = "python benchmarks/bench_train_step.py" + "".join(
        f" {a}" for a in sys.argv[1:]) if argv is None else "python benchmarks/bench_train_step.py"
    lines = [
        f"# One training step at sequence length {args.seq_len}, batch {batch}",
        "",
        f"machine: {describe()}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"device: {_device_name(device)}",
        f"command: {cmd}",
        "",
        "Forward, backward and Adam step, median of "
        f"{repeats} after one warm-up. Baseline: the same model's plain per-time-step loop "
        "(`forward_reference`: input projected and weights rebuilt at every step).",
        "",
        "| net | trained params | step (s) | per-step loop (s) | speed-up vs loop | step / LSTM step |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {label} | {p} | {fast:.3f} | {naive:.3f} | {naive / fast:.2f}x | {fast / lstm:.2f} |"
              for label, p, fast, naive in rows]
    lines.append(f"| organics_static (Algorithm 1, 50 neurons) | "
                 f"{sum(p.numel() for p in static.parameters())} | {t_static:.3f} | - | - | {t_static / lstm:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        pathlib.Path(args.out).write_text(text)


def _device_name(device):
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return "cpu"


if __name__ == "__main__":
    main()
