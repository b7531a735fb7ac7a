"""The :class:`Certificate` result and :func:`certify`, which runs every criterion that applies.

Criteria register themselves per model class with :func:`criterion`; ``certify(model)`` runs the
ones registered for the model's class (and its base classes) and returns them side by side.

Conventions
-----------
A certificate that holds says: for any two trajectories ``x(t)``, ``y(t)`` driven by the same input,
``|x(t) - y(t)| <= exp(-rate * t) |x(0) - y(0)|`` in the stated norm. ``metric`` is the data of that
norm: a positive-definite matrix ``M`` for ``|v|_M = sqrt(v^T M v)`` (``norm="l2"``), or positive
weights ``eta`` for ``|[eta] v|_1`` or ``|[eta] v|_inf`` (``norm="l1"``, ``norm="linf"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..models.base import check_model

__all__ = ["Certificate", "Certificates", "Criterion", "certify", "criterion", "registered"]

NORMS = ("l1", "l2", "linf")


@dataclass(frozen=True, eq=False)
class Certificate:
    """The verdict of one contraction criterion on one model.

    Attributes
    ----------
    criterion : str
        Short name, e.g. ``"Kozachkov Thm 1"``.
    holds : bool
        Whether the criterion certifies contraction.
    rate : float
        Certified contraction rate (positive when ``holds``); when the criterion fails, the
        (non-positive) margin it computed, or NaN when it computes none.
    norm : {"l1", "l2", "linf"}
    metric : ndarray or None
        ``M`` of shape ``(n, n)`` for ``"l2"``; weights ``eta`` of shape ``(n,)`` for ``"l1"``, ``"linf"``.
    reference : str
        Paper and theorem or equation.
    applies : bool
        False when the model lacks the structure the criterion needs (``note`` says why).
    note : str
        Solver status or the reason it does not apply.
    details : dict
        Criterion-specific extras (slopes used, LP iterations, ...).
    """

    criterion: str
    holds: bool
    rate: float
    norm: str
    metric: np.ndarray | None
    reference: str
    applies: bool = True
    note: str = ""
    details: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {self.norm!r}")
        if self.holds and not self.rate > 0:
            raise ValueError(f"a certificate that holds needs a positive rate, got {self.rate!r}")

    def distance(self, dx) -> np.ndarray:
        """The certified norm of difference vectors ``dx`` of shape ``(..., n)``."""
        dx = np.asarray(dx, dtype=float)
        if self.norm == "l2":
            M = np.eye(dx.shape[-1]) if self.metric is None else self.metric
            return np.sqrt(np.einsum("...i,ij,...j->...", dx, M, dx))
        eta = np.ones(dx.shape[-1]) if self.metric is None else self.metric
        return np.linalg.norm(eta * dx, ord=1 if self.norm == "l1" else np.inf, axis=-1)

    def as_row(self) -> dict:
        """A flat dict for tables."""
        return {
            "criterion": self.criterion,
            "applies": self.applies,
            "holds": self.holds,
            "rate": self.rate,
            "norm": self.norm,
            "reference": self.reference,
            "note": self.note,
        }


class Certificates(tuple):
    """The certificates of one model, side by side; a tuple with table helpers."""

    @property
    def holding(self) -> "Certificates":
        return Certificates(c for c in self if c.holds)

    @property
    def best(self) -> Certificate | None:
        """The holding certificate with the largest rate, or None."""
        return max(self.holding, key=lambda c: c.rate, default=None)

    def table(self) -> list[dict]:
        return [c.as_row() for c in self]

    def __str__(self) -> str:
        # "why not" is shown only when some criterion does not apply, so the usual table stays narrow.
        why = any(not c.applies for c in self)
        head = ("criterion", "applies", "holds", "rate", "norm", "reference")
        rows = [head + (("why not",) if why else ())]
        rows += [
            (c.criterion, "yes" if c.applies else "no", "yes" if c.holds else "no",
             f"{c.rate:.4g}" if np.isfinite(c.rate) else "-", c.norm, c.reference)
            + (("" if c.applies else c.note,) if why else ())
            for c in self
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("criterion", "applies", "holds", "rate", "norm", "reference", "note"))
        body = "".join(
            "<tr>" + "".join(f"<td>{v}</td>" for v in (
                c.criterion, "yes" if c.applies else "no", "&#10003;" if c.holds else "&#10007;",
                f"{c.rate:.4g}" if np.isfinite(c.rate) else "-", c.norm, c.reference, c.note)) + "</tr>"
            for c in self
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass(frozen=True)
class Criterion:
    """One entry of the criteria registry.

    Attributes
    ----------
    name : str
        The name :func:`certify` accepts in ``criteria=`` (the certificate's ``criterion``, or its stem).
    fn : callable
        ``fn(model) -> Certificate``.
    model_type : type
        The class (and its subclasses) it is registered for.
    cost : str
        ``"fast"`` (closed form, eigenvalues or an LP: milliseconds up to n ~ 1000) or ``"lmi"``
        (a cvxpy semidefinite program: seconds to minutes, growing like n^4 to n^6).
    max_n : int or None
        Above this state dimension ``certify(..., size_guard=True)`` skips it and says why.
    """

    name: str
    fn: Callable
    model_type: type
    cost: str = "fast"
    max_n: int | None = None


_REGISTRY: dict[type, list[Criterion]] = {}
COSTS = ("fast", "lmi")


def criterion(model_type: type, *, name: str, cost: str = "fast", max_n: int | None = None):
    """Register ``fn(model) -> Certificate`` as a criterion for ``model_type`` and its subclasses."""
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")

    def register(fn):
        _REGISTRY.setdefault(model_type, []).append(Criterion(name, fn, model_type, cost, max_n))
        return fn

    return register


def registered(model_type: type) -> tuple[Criterion, ...]:
    """The criteria registered for ``model_type`` and its base classes, in the order ``certify`` runs them.

    This is the one list of criteria: :func:`certify`, the explorer's
    :func:`rnnlab.widgets.fast_criteria` and :data:`rnnlab.conservatism.CRITERIA` all read it.
    """
    if not isinstance(model_type, type):
        raise TypeError(f"model_type must be a class, got {type(model_type).__name__}")
    return tuple(c for cls in model_type.__mro__ for c in _REGISTRY.get(cls, []))


def _skipped(entry: Criterion, n: int) -> Certificate:
    why = (f"skipped: n = {n} > {entry.max_n}, too large for this {entry.cost} criterion; "
           f"pass size_guard=False to run it")
    return Certificate(entry.name, False, float("nan"), "l2", None, "", applies=False, note=why,
                       details={"skipped": True})


def certify(model, criteria=None, *, size_guard: bool = True) -> Certificates:
    """Run the registered contraction criteria that apply to ``model``'s class.

    The registry (:func:`registered`) holds, per model class:

    * ``RateRNN`` / ``FiringRateRNN``: Kozachkov Thm 1 (fast: Perron vector or LP), Thm 2 (fast:
      eigenvalues), Thm 3 (fast), Thm 4 (fast: bisection over eigenvalues), Thm 5 (fast: Lyapunov
      equation), Thm 7 (lmi: 2^n vertex LMIs, skipped above n = 5), Davydov Thm 16 / 18 (fast: LP);
    * ``Hopfield``, ``FiringRateModel``, ``DiagonalLure``, ``Persidskii``, ``Lure``,
      ``MultivariableLure``: Davydov Thms 16-23 (fast: log norms and LPs);
    * ``Assembly``: the composed certificate of Kozachkov A1.2 / A3.1 (fast given its modules);
    * ``ORGaNICs``: Rawat et al. Sec. 4 (lmi: a diagonal-Lyapunov LMI in cvxpy over 2n states,
      skipped above n = 20 neurons, where it takes minutes).

    Parameters
    ----------
    model : Model
        A model instance.
    criteria : sequence of str, optional
        Names from :func:`registered` to run (default: all).
    size_guard : bool
        Skip each criterion above its ``max_n``, with the reason in the table's ``note``.

    Returns
    -------
    Certificates
        One :class:`Certificate` per criterion, in registration order; print it for a table.
    """
    check_model(model)
    found = registered(type(model))
    if not found:
        raise ValueError(f"model: no contraction criteria are registered for {type(model).__name__}")
    if criteria is not None:
        if isinstance(criteria, str):
            criteria = [criteria]
        names = [c.name for c in found]
        unknown = [c for c in criteria if c not in names]
        if unknown:
            raise ValueError(f"criteria must be names from {names}, got unknown {unknown}")
        found = [c for c in found if c.name in criteria]
    if not isinstance(size_guard, (bool, np.bool_)):
        raise TypeError(f"size_guard must be True or False, got {size_guard!r}")
    return Certificates(
        _skipped(c, model.n) if size_guard and c.max_n is not None and model.n > c.max_n else c.fn(model)
        for c in found
    )
