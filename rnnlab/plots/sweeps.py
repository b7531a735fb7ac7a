"""A metric against a swept parameter: mean over seeds with the min-max range, as in the papers' figures.

Kozachkov et al. (2022) and Rawat et al. (2024) report repeated trials by their mean, min and max
(Kozachkov et al., Table 1 and A4.2.3). :func:`sweep_plot` draws that for the rows of
:meth:`rnnlab.train.sweeps.SweepResult.table` (or any list of dicts with the same keys); it reads rows
only, so it does not import torch.
"""

from __future__ import annotations

import math

import numpy as np

from .artists import axes_or_new

__all__ = ["sweep_summary", "sweep_plot"]


def _rows(result) -> list:
    rows = result.table() if callable(getattr(result, "table", None)) else result
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) for r in rows):
        raise TypeError(f"result must be a SweepResult or a list of row dicts, got {type(result).__name__}")
    if not rows:
        raise ValueError("result must hold at least one row")
    return list(rows)


def sweep_summary(result, param: str, metric: str = "test_accuracy") -> dict:
    """Mean, min, max and count of ``metric`` over the rows sharing each value of ``param``.

    Rows whose status is not ``"completed"`` or whose metric is missing or NaN are left out (a
    failed run has no accuracy); ``n`` says how many rows each point rests on.

    Returns
    -------
    dict of arrays
        ``x`` (the sorted values of ``param``), ``mean``, ``min``, ``max``, ``n``.

    Examples
    --------
    >>> rows = [{"h": 4, "test_accuracy": a, "status": "completed"} for a in (0.5, 0.7)]
    >>> rows += [{"h": 8, "test_accuracy": 0.9, "status": "completed"},
    ...          {"h": 8, "test_accuracy": None, "status": "error"}]
    >>> s = sweep_summary(rows, "h")
    >>> s["x"].tolist(), s["mean"].round(3).tolist(), s["min"].tolist(), s["max"].tolist(), s["n"].tolist()
    ([4, 8], [0.6, 0.9], [0.5, 0.9], [0.7, 0.9], [2, 1])
    """
    rows = _rows(result)
    for name, value in (("param", param), ("metric", metric)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a column name (str), got {value!r}")
    for name, value in (("param", param), ("metric", metric)):
        if not any(value in r for r in rows):
            raise ValueError(f"{name} {value!r} is not a column; columns: {sorted(rows[0])}")
    groups: dict = {}
    for r in rows:
        v = r.get(metric)
        if r.get("status", "completed") != "completed" or v is None or not math.isfinite(float(v)):
            continue
        groups.setdefault(r.get(param), []).append(float(v))
    if not groups:
        raise ValueError(f"no completed row has a finite {metric!r}")
    xs = sorted(groups)
    vals = [np.asarray(groups[x]) for x in xs]
    return {"x": np.asarray(xs), "mean": np.array([v.mean() for v in vals]),
            "min": np.array([v.min() for v in vals]), "max": np.array([v.max() for v in vals]),
            "n": np.array([v.size for v in vals])}


def sweep_plot(result, param: str, metric: str = "test_accuracy", *, ax=None, label=None, color=None,
               logx: bool = False, legend: bool = True):
    """``metric`` against ``param``: the mean over seeds (line and dots) and the min-max band.

    ``result`` is a :class:`~rnnlab.train.sweeps.SweepResult` or its ``table()``; ``param`` a column
    such as ``"net_options.hidden_size"`` (numbers are spaced by value, other values evenly);
    ``ax`` a matplotlib axes (a new one when None), which is returned.
    """
    s = sweep_summary(result, param, metric)
    ax = axes_or_new(ax)
    numeric = all(isinstance(x, (int, float, np.integer, np.floating)) for x in s["x"].tolist())
    pos = s["x"].astype(float) if numeric else np.arange(len(s["x"]))
    line, = ax.plot(pos, s["mean"], "o-", color=color,
                    label=(label or f"mean over seeds (n = {s['n'].min()}-{s['n'].max()})"))
    ax.fill_between(pos, s["min"], s["max"], color=line.get_color(), alpha=0.25, linewidth=0,
                    label="min-max")
    if not numeric:
        ax.set_xticks(pos, [str(x) for x in s["x"]])
    if logx and numeric:
        ax.set_xscale("log")
    ax.set_xlabel(param)
    ax.set_ylabel(metric.replace("_", " "))
    if legend:
        ax.legend(loc="best", fontsize="small", framealpha=0.85)
    return ax
