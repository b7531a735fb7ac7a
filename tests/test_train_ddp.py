"""DistributedDataParallel under torchrun (rnnlab.train.distributed): 2 gloo processes equal one process.

The batch size 63 on the 190 training sequences of the tiny digits run gives global batches of 63, 63,
63 and 1: uneven slices (31 + 32) and, in the last batch, an empty slice on rank 1, the cases where the
per-rank loss must be weighted by slice size (distributed.py) for the gradient to be the global mean's.
"""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.train.distributed import SINGLE, Ranks, setup
from rnnlab.train.loop import (RunConfig, _build_net, _load_data, fit, load_checkpoint, load_metrics, load_result,
                               resume, run)

CFG = RunConfig(task="digits", net="rnn", net_options={"hidden_size": 4}, data_limit=200, epochs=2,
                batch_size=63, lr=0.02, device="cpu")
COMPARED = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, tmp: str) -> None:
    """One torchrun-like rank: the environment torchrun sets, then the ordinary entry points."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(world),
                      RANK=str(rank), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    full = run(CFG.replace(run_dir=os.path.join(tmp, "ddp")), progress=False)  # initialises the group
    data = _load_data(CFG, torch.device("cpu"))  # later calls find the group initialised
    with torch.random.fork_rng():
        torch.manual_seed(CFG.seed)
        net, _ = _build_net(CFG, data)
    fit(net, data, CFG.replace(run_dir=os.path.join(tmp, "fit")), progress=False)
    run(CFG.replace(epochs=1, run_dir=os.path.join(tmp, "part")), progress=False)
    resumed = resume(os.path.join(tmp, "part"), epochs=2, progress=False)
    if rank == 1:  # what rank 1 ended with, for the parent to compare with rank 0's checkpoint
        torch.save({"full": full.model.state_dict(), "resumed": resumed.model.state_dict(),
                    "run_dir": full.run_dir, "epochs": (full.epochs_done, resumed.epochs_done)},
                   os.path.join(tmp, "rank1.pt"))


@pytest.fixture(scope="module")
def ddp_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ddp")
    mp.spawn(_worker, args=(2, _free_port(), str(tmp)), nprocs=2, join=True)
    torch.set_num_threads(1)
    one = run(CFG.replace(run_dir=str(tmp / "one")), progress=False)
    return tmp, one


def _close_state(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-6, msg=k)


def test_two_gloo_ranks_equal_one_process(ddp_runs):
    tmp, one = ddp_runs
    ddp, single = load_metrics(tmp / "ddp"), load_metrics(tmp / "one")
    assert list(ddp["epoch"]) == list(single["epoch"]) == [1, 2]
    assert set(ddp) == set(single)  # the monitor's columns too (rank 0 runs it)
    for col in COMPARED:
        np.testing.assert_allclose(ddp[col], single[col], rtol=1e-4, atol=1e-6, err_msg=col)
    _close_state(load_checkpoint(tmp / "ddp" / "checkpoint.pt")["model"], one.model.state_dict())
    r_ddp, r_one = load_result(tmp / "ddp"), load_result(tmp / "one")
    assert r_ddp["status"] == "completed" and r_ddp["epochs"] == 2
    assert r_ddp["test_accuracy"] == pytest.approx(r_one["test_accuracy"], abs=1 / 200 + 1e-9)


def test_every_rank_ends_with_the_same_weights_and_only_rank0_writes(ddp_runs):
    tmp, _ = ddp_runs
    rank1 = torch.load(tmp / "rank1.pt", weights_only=False)
    for name, key in (("ddp", "full"), ("part", "resumed")):
        ckpt = load_checkpoint(tmp / name / "checkpoint.pt")["model"]
        for k in ckpt:  # DDP averages the gradients, so every rank takes the same step
            assert torch.equal(ckpt[k], rank1[key][k]), (name, k)
    assert rank1["run_dir"] is None and rank1["epochs"] == (2, 2)
    assert sorted(p.name for p in tmp.iterdir()) == ["ddp", "fit", "one", "part", "rank1.pt"]


def test_fit_under_ddp_trains_as_run_does(ddp_runs):
    tmp, _ = ddp_runs
    a, b = load_metrics(tmp / "ddp"), load_metrics(tmp / "fit")
    for col in COMPARED:
        np.testing.assert_array_equal(a[col], b[col], err_msg=col)


def test_resume_under_ddp_ends_as_the_uninterrupted_ddp_run(ddp_runs):
    tmp, _ = ddp_runs
    a, b = load_metrics(tmp / "ddp"), load_metrics(tmp / "part")
    for col in COMPARED:
        np.testing.assert_array_equal(a[col], b[col], err_msg=col)
    _close_state(load_checkpoint(tmp / "part" / "checkpoint.pt")["model"],
                 load_checkpoint(tmp / "ddp" / "checkpoint.pt")["model"])


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 9), world=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_rank_losses_average_to_the_global_mean_gradient(batch, world, seed):
    """(1/W) sum_r grad L_r = grad (1/B) sum_i l_i, for even, uneven and empty slices."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(batch, 1, 3, generator=g), torch.randint(0, 4, (batch,), generator=g)
    w = torch.randn(3, 4, generator=g, dtype=torch.float64).requires_grad_()

    def logits(xs):
        return xs[:, -1].double() @ w

    (ref,) = torch.autograd.grad(SINGLE.loss(logits(x), y, batch), w)
    total = torch.zeros_like(w)
    slices = []
    for r in range(world):
        xs, ys, weight = Ranks(r, world).part(x, y)
        slices.append(len(ys) if weight else 0)
        total += torch.autograd.grad(Ranks(r, world).loss(logits(xs), ys, batch, weight), w)[0]
    torch.testing.assert_close(total / world, ref)
    assert sum(slices) == batch and max(slices) - min(slices) <= 1  # contiguous, balanced


def test_one_process_is_not_distributed():
    assert setup(torch.device("cpu")) == Ranks(0, 1, torch.device("cpu"))
    x, y = torch.zeros(3, 2, 1), torch.arange(3)
    assert SINGLE.part(x, y)[1] is y


def test_torchrun_gpu_index_is_refused(monkeypatch):
    from rnnlab.train.distributed import _device

    assert _device(torch.device("cuda"), 1) == torch.device("cuda", 1)
    with pytest.raises(ValueError, match="config.device 'cuda:0'"):
        _device(torch.device("cuda:0"), 1)
