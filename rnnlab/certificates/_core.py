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

from ..models._base import check_model

__all__ = ["Certificate", "Certificates", "certify", "criterion"]

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
        rows = [("criterion", "applies", "holds", "rate", "norm", "reference")]
        rows += [
            (c.criterion, "yes" if c.applies else "no", "yes" if c.holds else "no",
             f"{c.rate:.4g}" if np.isfinite(c.rate) else "-", c.norm, c.reference)
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


_REGISTRY: dict[type, list[Callable]] = {}


def criterion(model_type: type):
    """Register ``fn(model) -> Certificate`` as a criterion for ``model_type`` and its subclasses."""

    def register(fn):
        _REGISTRY.setdefault(model_type, []).append(fn)
        return fn

    return register


def certify(model) -> Certificates:
    """Run every registered contraction criterion that applies to ``model``'s class.

    Returns
    -------
    Certificates
        One :class:`Certificate` per criterion, in registration order; print it for a table.
    """
    check_model(model)
    found = [fn for cls in type(model).__mro__ for fn in _REGISTRY.get(cls, [])]
    if not found:
        raise ValueError(f"model: no contraction criteria are registered for {type(model).__name__}")
    return Certificates(fn(model) for fn in found)
