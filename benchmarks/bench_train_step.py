"""One training step (forward, backward, Adam) of every net of rnnlab.train.nets at sequence length 784.

Each stable net is timed with both its backends in the same process: ``backend="reference"`` (the
per-step loop that autograd differentiates, the ground truth) and ``backend="fused"`` (one autograd
node with a hand-written backward through time); a net that does not accept ``backend="fused"`` yet
prints n/a. The speed-up is reference time / fused time. Beside them torch's LSTM (hidden 128, and
the hidden size whose parameter count equals the 16 x 32 Sparse Combo Net's). Nets are the paper
sizes (16 x 32 Combo Nets, 64 ORGaNICs neurons). Memory: CUDA ``max_memory_allocated`` on a GPU; on
the CPU the bytes autograd saves for backward (the activations, which dominate a step's peak).

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

# (label, build_net name, options); "backend" rows are timed with both backends of the net
NETS = [
    ("sparse_combo", "sparse_combo", dict()),
    ("svd_combo", "svd_combo", dict()),
    ("sparse_combo (control L = B)", "sparse_combo", dict(constrained=False)),
    ("organics", "organics", dict(hidden_size=64)),
]
BACKENDS = ("reference", "fused")


def lstm_hidden_for(n_params: int) -> int:
    """The LSTM hidden size (input 1, 10 classes) whose trained parameter count is closest to ``n_params``."""
    def count(h):
        return 4 * (h * 1 + h * h + 2 * h) + 10 * h + 10
    return min(range(1, 2049), key=lambda h: abs(count(h) - n_params))


def saved_bytes(net, x, y, forward):
    """Bytes autograd saves for backward in one step (distinct storages): the activation memory,
    the peak memory a step needs beyond the weights (tracemalloc does not see torch's allocator)."""
    seen = {}

    def pack(t):
        st = t.untyped_storage()
        seen[st.data_ptr()] = st.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = torch.nn.functional.cross_entropy(forward(x), y)
    loss.backward()
    net.zero_grad(set_to_none=True)
    return sum(seen.values())


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

    rows = []  # (label, params, {backend: (time, bytes) or None})
    for label, name, options in NETS:
        results, n_params = {}, "n/a"
        for backend in BACKENDS:
            try:
                net = build_net(name, input_size=1, output_size=10, backend=backend, **options).to(device)
                n_params = sum(p.numel() for p in net.parameters() if p.requires_grad)
                results[backend] = (time_step(net, x, y, net.forward, repeats, device),
                                    _peak(net, x, y, device))
            except (TypeError, ValueError, NotImplementedError) as err:  # no such backend (yet)
                results[backend] = None
                print(f"{label} backend={backend}: n/a ({type(err).__name__}: {err})", flush=True)
        rows.append((label, n_params, results))
        print(label, n_params, results, flush=True)
    sparse_params = rows[0][1]
    for hidden in (128, lstm_hidden_for(sparse_params)):
        net = build_net("lstm", input_size=1, output_size=10, hidden_size=hidden).to(device)
        n_params = sum(p.numel() for p in net.parameters() if p.requires_grad)
        result = (time_step(net, x, y, net.forward, repeats, device), _peak(net, x, y, device))
        rows.append((f"lstm (hidden {hidden})", n_params, {"cuDNN/ATen": result}))
        print(rows[-1], flush=True)

    lstm = rows[-2][2]["cuDNN/ATen"][0]
    given = sys.argv[1:] if argv is None else argv
    cmd = "python benchmarks/bench_train_step.py" + "".join(f" {a}" for a in given)
    mem = "CUDA max_memory_allocated" if device.type == "cuda" else "bytes autograd saves for backward"
    lines = [
        f"# One training step at sequence length {args.seq_len}, batch {batch}",
        "",
        f"machine: {describe()}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"device: {_device_name(device)}",
        f"command: {cmd}",
        "",
        f"Forward, backward and Adam step, median of {repeats} after one warm-up, both backends side by "
        f"side in one process. Memory: {mem} (MB). `reference`: the per-step loop differentiated by "
        "autograd; `fused`: one autograd node with a hand-written backward through time (n/a: the net "
        "has no fused backend yet). The machine is shared (2 cores, other jobs): times are noisy.",
        "",
        "| net | trained params | reference step (s) | fused step (s) | speed-up | reference MB | fused MB "
        "| fused step / LSTM-128 step |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, n_params, res in rows:
        if "cuDNN/ATen" in res:
            t, b = res["cuDNN/ATen"]
            lines.append(f"| {label} | {n_params} | {t:.3f} | - | - | {b / 1e6:.1f} | - | {t / lstm:.2f} |")
            continue
        ref, fus = res["reference"], res["fused"]
        f = lambda r, i, fmt: (fmt.format(r[i] if i == 0 else r[i] / 1e6) if r else "n/a")  # noqa: E731
        speed = f"{ref[0] / fus[0]:.2f}x" if ref and fus else "n/a"
        ratio = f"{fus[0] / lstm:.2f}" if fus else "n/a"
        lines.append(f"| {label} | {n_params} | {f(ref, 0, '{:.3f}')} | {f(fus, 0, '{:.3f}')} | {speed} | "
                     f"{f(ref, 1, '{:.1f}')} | {f(fus, 1, '{:.1f}')} | {ratio} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        pathlib.Path(args.out).write_text(text)


def _peak(net, x, y, device):
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        net.zero_grad(set_to_none=True)
        return torch.cuda.max_memory_allocated(device)
    return saved_bytes(net, x, y, net.forward)


def _device_name(device):
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return "cpu"


if __name__ == "__main__":
    main()
