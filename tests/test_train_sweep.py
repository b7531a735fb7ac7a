"""Sweeps (issue 17): in-process and Dask agree, submitit runs, failures are rows, reruns finish."""

from __future__ import annotations

import json
from concurrent.futures import Future

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")
from rnnlab.train import loop  # noqa: E402
from rnnlab.train import sweeps  # noqa: E402
from rnnlab.train.callbacks import Callback, StopAfter  # noqa: E402
from rnnlab.train.loop import RunConfig, load_result  # noqa: E402
from rnnlab.train.sweeps import parse_executor, repeat_configs, sweep  # noqa: E402

CFG = RunConfig(task="digits", net="rnn", net_options={"hidden_size": 4}, epochs=2, batch_size=64,
                data_limit=200, device="cpu", milestones=(), monitor=False)


def _configs(base, seeds=(0, 1)):
    out = []
    for h in (4, 6):
        out += repeat_configs(CFG.replace(net_options={"hidden_size": h}), seeds, run_dir=base / f"h{h}")
    return out


def _metrics(result):
    return [{k: v for k, v in row.items() if k not in ("wall_time_s",)} for row in result.table()]


class _Inline:
    """An executor running each call at submit; ``fail`` lists calls whose future raises instead."""

    def __init__(self, fail=()):
        self.fail, self.calls = set(fail), 0

    def submit(self, fn, *args):
        fut = Future()
        self.calls += 1
        if self.calls in self.fail:
            fut.set_exception(RuntimeError("worker killed"))
        else:
            fut.set_result(fn(*args))
        return fut


def test_in_process_and_dask_local_cluster_give_identical_rows(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    ref = sweep(_configs(tmp_path / "a"), progress=False)
    rows = _metrics(ref)
    assert [r["net_options.hidden_size"] for r in rows] == [4, 4, 6, 6]
    assert ref.varying() == ["net_options.hidden_size"]
    assert all(r["status"] == "completed" and r["error"] is None and r["epochs"] == 2 for r in rows)
    assert all(0.0 <= r["test_accuracy"] <= 1.0 and 0.0 <= r["best_val_accuracy"] <= 1.0 for r in rows)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        other = sweep(_configs(tmp_path / "b"), client, progress=False)
    assert _metrics(other) == rows
    on_disk = json.loads((tmp_path / "b" / "h6" / "seed1" / "result.json").read_text())
    assert on_disk["test_accuracy"] == rows[3]["test_accuracy"]
    assert RunConfig.from_dict(on_disk["config"]).net_options == {"hidden_size": 6}


def test_submitit_debug_executor_runs_a_sweep(tmp_path):
    submitit = pytest.importorskip("submitit")
    direct = loop.run(CFG.replace(run_dir=str(tmp_path / "direct")), progress=False)  # seed 0, no sweep
    executor = submitit.AutoExecutor(folder=tmp_path / "logs", cluster="debug")
    got = sweep(repeat_configs(CFG, [0, 1], run_dir=tmp_path / "sub"), executor, progress=False)
    rows = _metrics(got)
    assert [r["status"] for r in rows] == ["completed", "completed"]
    assert rows[0]["test_accuracy"] == direct.test_accuracy and rows[0]["epochs"] == direct.epochs_done
    assert rows[0]["best_val_accuracy"] == max(row["val_acc"] for row in direct.history)


def test_failed_run_is_an_error_row_and_a_rerun_completes_it(tmp_path):
    cfgs = repeat_configs(CFG, [0, 1, 2], run_dir=tmp_path / "runs")
    clean = _metrics(sweep(repeat_configs(CFG, [0, 1, 2], run_dir=tmp_path / "clean"), progress=False))
    # seed 1's worker dies after its first epoch: a checkpoint is left behind, the future raises
    stopped = loop.run(cfgs[1], callbacks=[StopAfter(epochs=1)], progress=False)
    assert stopped.status == "stopped" and (tmp_path / "runs" / "seed1" / "checkpoint.pt").exists()
    first = sweep(cfgs, _Inline(fail={2}), progress=False)
    rows = first.table()
    assert [r["status"] for r in rows] == ["completed", "error", "completed"]
    assert "worker killed" in rows[1]["error"] and len(first.errors) == 1
    calls = []
    real = sweeps._train_one
    sweeps._train_one = lambda config, resume_from, *rest: calls.append((config.seed, resume_from)) or real(
        config, resume_from, *rest)
    try:
        second = sweep(cfgs, progress=False)
    finally:
        sweeps._train_one = real
    assert second.skipped == (0, 2)
    assert calls == [(1, str(tmp_path / "runs" / "seed1"))]  # only the unfinished run, from its checkpoint
    assert _metrics(second) == clean  # the resumed run ends as the uninterrupted one


def _die_on_seed_1(fn, config_dict, *rest):
    """Runs in a worker process: the worker dies (as if killed) on the seed-1 run, else runs it."""
    import os

    if config_dict["seed"] == 1:
        os._exit(9)
    return fn(config_dict, *rest)


class _Dying:
    """A real process pool whose worker process dies on the seed-1 run (spawned: no fork after threads)."""

    def __init__(self, pool):
        self.pool = pool

    def submit(self, fn, *args):
        return self.pool.submit(_die_on_seed_1, fn, *args)


def test_a_killed_worker_process_is_an_error_row_and_a_rerun_completes_it(tmp_path):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    cfgs = repeat_configs(CFG, [0, 1, 2], run_dir=tmp_path / "runs")
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        first = sweep(cfgs, _Dying(pool), progress=False)
    rows = first.table()
    # one worker runs the configs in order: seed 0 completes, the worker dies in seed 1, the broken pool
    # fails seed 2 too; each failure is a row naming the broken pool, and the sweep returns
    assert [r["status"] for r in rows] == ["completed", "error", "error"]
    assert all("BrokenProcessPool" in r["error"] for r in rows[1:])
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        second = sweep(cfgs, pool, progress=False)
    assert second.skipped == (0,)
    assert [r["status"] for r in second.table()] == ["completed"] * 3
    clean = sweep(repeat_configs(CFG, [0, 1, 2], run_dir=tmp_path / "clean"), progress=False)
    assert _metrics(second) == _metrics(clean)  # the rerun ends as an undisturbed sweep


def test_an_exception_inside_a_run_is_a_row(tmp_path):
    # a net option that only the net's constructor refuses (RunConfig checks the net's name, not its options)
    bad = CFG.replace(net_options={"hidden_size": 6, "no_such_option": 1}, run_dir=str(tmp_path / "bad"))
    good = CFG.replace(run_dir=str(tmp_path / "good"))
    rows = sweep([bad, good], progress=False).table()
    assert rows[0]["status"] == "error" and "no_such_option" in rows[0]["error"]
    assert rows[1]["status"] == "completed"


def test_a_diverged_run_is_a_final_row_with_the_loops_message(tmp_path, monkeypatch):
    """The loop writes result.json "diverged" and raises; the row is that file, and a rerun skips it."""
    real_build = loop._build_net

    def build_poisoned(config, data):  # the net's output becomes NaN from its 5th training batch on
        net, monitor = real_build(config, data)
        calls = []

        def poison(module, args, out):
            if module.training:
                calls.append(1)
                return out * float("nan") if len(calls) >= 5 else out
            return out

        net.register_forward_hook(poison)
        return net, monitor

    monkeypatch.setattr(loop, "_build_net", build_poisoned)
    cfgs = repeat_configs(CFG, [0], run_dir=tmp_path)
    row = sweep(cfgs, progress=False).table()[0]
    assert row["status"] == "diverged" and row["epochs"] == 1  # epoch 1 (3 batches of 64) was good
    assert "TrainingDiverged" in row["error"] and "loss became nan" in row["error"]
    assert row["test_accuracy"] is None
    again = sweep(cfgs, progress=False)
    assert again.skipped == (0,)


def test_bad_executors_and_configs_are_refused_before_any_run(tmp_path, monkeypatch):
    monkeypatch.setattr(sweeps, "_execute", lambda *a: pytest.fail("a run started"))
    cfgs = repeat_configs(CFG, [0, 1], run_dir=tmp_path)
    with pytest.raises(TypeError, match="executor must have a submit"):
        sweep(cfgs, executor="local:2")
    with pytest.raises(TypeError, match=r"configs\[1\] must be a RunConfig"):
        sweep([cfgs[0], {"task": "digits"}])
    with pytest.raises(ValueError, match="share run_dir"):
        sweep([cfgs[0], cfgs[1].replace(run_dir=cfgs[0].run_dir)])
    with pytest.raises(ValueError, match="no run_dir"):
        sweep([CFG])
    with pytest.raises(TypeError, match="single RunConfig"):
        sweep(cfgs[0])
    with pytest.raises(ValueError, match="at least one"):
        sweep([])
    with pytest.raises(ValueError, match="distinct"):
        repeat_configs(CFG, [1, 1], run_dir=tmp_path)


def test_parse_executor_specs():
    from concurrent.futures import ProcessPoolExecutor

    with parse_executor("local:2") as ex:
        assert isinstance(ex, ProcessPoolExecutor) and ex._max_workers == 2
    for spec, match in [("local:x", "positive integer"), ("dask", "scheduler address"),
                        ("slurm:partition", "key=value"), ("ray:4", "expected")]:
        with pytest.raises(ValueError, match=match):
            parse_executor(spec)
    with pytest.raises(TypeError, match="executor spec"):
        parse_executor(4)


def test_sweep_plot_draws_mean_and_min_max_band_of_a_real_sweep(tmp_path):
    import matplotlib.pyplot as plt

    from rnnlab.plots.sweeps import sweep_plot

    result = sweep(_configs(tmp_path, seeds=(0, 1, 2)), progress=False)
    table = result.table()
    acc = {h: [r["test_accuracy"] for r in table if r["net_options.hidden_size"] == h] for h in (4, 6)}
    fig, ax = plt.subplots()
    assert sweep_plot(result, "net_options.hidden_size", ax=ax) is ax
    line = ax.lines[0]
    assert line.get_xdata().tolist() == [4.0, 6.0]
    assert line.get_ydata() == pytest.approx([sum(acc[4]) / 3, sum(acc[6]) / 3])
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(min(acc[4] + acc[6]))
    assert band[:, 1].max() == pytest.approx(max(acc[4] + acc[6]))
    plt.close(fig)
    with pytest.raises(ValueError, match="not a column"):
        sweep_plot(result, "hidden")
    with pytest.raises(TypeError, match="SweepResult or a list"):
        sweep_plot(42, "seed")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1), st.booleans()), min_size=1, max_size=30))
def test_sweep_summary_groups_like_a_direct_computation(items):
    from rnnlab.plots.sweeps import sweep_summary

    rows = [{"p": p, "test_accuracy": a if ok else None, "status": "completed" if ok else "error"}
            for p, a, ok in items]
    kept = {}
    for p, a, ok in items:
        if ok:
            kept.setdefault(p, []).append(a)
    if not kept:
        with pytest.raises(ValueError, match="no completed row"):
            sweep_summary(rows, "p")
        return
    s = sweep_summary(rows, "p")
    assert s["x"].tolist() == sorted(kept)
    for i, p in enumerate(sorted(kept)):
        assert s["n"][i] == len(kept[p]) and s["min"][i] == min(kept[p]) and s["max"][i] == max(kept[p])
        assert s["min"][i] - 1e-12 <= s["mean"][i] <= s["max"][i] + 1e-12
        assert s["mean"][i] == pytest.approx(sum(kept[p]) / len(kept[p]))


class _FailSeed(Callback):
    def __init__(self, seed):
        self.seed = seed

    def on_train_begin(self, config, run_dir):
        if config.seed == self.seed:
            raise RuntimeError(f"seed {self.seed} refused")


def test_repeat_is_a_sweep_failed_seeds_are_rows_and_a_rerun_completes_them(tmp_path):
    cfg = CFG.replace(epochs=1)
    rep = loop.repeat(cfg, [0, 1], run_dir=tmp_path, executor=_Inline(), callbacks=[_FailSeed(1)],
                      progress=False)
    assert [r["status"] for r in rep.sweep.table()] == ["completed", "error"]
    assert "seed 1 refused" in rep.runs[1].record["error"]
    acc0 = load_result(tmp_path / "seed0")["test_accuracy"]
    np.testing.assert_array_equal(rep.accuracies, [acc0, np.nan])
    assert rep.mean == rep.min == rep.max == acc0  # over the seeds that have an accuracy
    assert "1 without a test accuracy" in repr(rep)
    again = loop.repeat(cfg, [0, 1], run_dir=tmp_path, progress=False)
    assert again.sweep.skipped == (0,) and [r.status for r in again.runs] == ["completed", "completed"]
    straight = loop.run(cfg.replace(seed=1, run_dir=str(tmp_path / "straight")), progress=False)
    assert again.accuracies[1] == straight.test_accuracy  # resumed from its epoch-0 checkpoint
    assert (again.mean, again.min, again.max) == (pytest.approx(np.mean(again.accuracies)),
                                                 again.accuracies.min(), again.accuracies.max())
