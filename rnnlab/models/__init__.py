"""The model zoo. Every model follows :class:`Model`: ``n``, ``vector_field(t, x)``, ``jacobian(t, x)``."""

from ._base import Model, check_model, check_state
from .assembly import Assembly, Hierarchical, block_mask, feedback_coupling
from .hopfield import FiringRateModel, Hopfield
from .linear import LinearSystem
from .lure import DiagonalLure, Lure, MultivariableLure, Persidskii
from .organics import IterativeFixedPoint, ORGaNICs, iterate_fixed_point, normalization
from .rnn import FiringRateRNN, RateRNN

__all__ = [
    "Model",
    "check_model",
    "check_state",
    "LinearSystem",
    "RateRNN",
    "FiringRateRNN",
    "Hopfield",
    "FiringRateModel",
    "Lure",
    "MultivariableLure",
    "DiagonalLure",
    "Persidskii",
    "Assembly",
    "Hierarchical",
    "block_mask",
    "feedback_coupling",
    "ORGaNICs",
    "normalization",
    "iterate_fixed_point",
    "IterativeFixedPoint",
]
