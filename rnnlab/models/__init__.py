"""The model zoo. Every model follows :class:`Model`: ``n``, ``vector_field(t, x)``, ``jacobian(t, x)``."""

from .base import Model, check_model, check_state
from .assembly import Assembly, Hierarchical, block_mask, feedback_coupling
from .hopfield import FiringRateModel, Hopfield
from .linear import LinearSystem
from .lure import DiagonalLure, Lure, MultivariableLure, Persidskii
from .organics import (
    ContrastResponse,
    IterativeFixedPoint,
    NormalizationCurve,
    ORGaNICs,
    contrast_response,
    iterate_fixed_point,
    normalization,
    normalization_curve,
    ring_population,
)
from .organics_gains import GainORGaNICs
from .reservoir import (
    OpenLoopFixedPoints,
    OpenLoopReservoir,
    Reservoir,
    TrainedReservoir,
    Transient,
    cross_gains,
    feedback_weights,
    frequency_response,
    impulse_response,
    open_loop_fixed_points,
    open_loop_gain,
    readout_coefficients,
    readout_weights,
    train_readout,
)
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
    "contrast_response",
    "ContrastResponse",
    "normalization_curve",
    "NormalizationCurve",
    "ring_population",
    "GainORGaNICs",
    "Reservoir",
    "OpenLoopReservoir",
    "OpenLoopFixedPoints",
    "TrainedReservoir",
    "feedback_weights",
    "open_loop_fixed_points",
    "readout_weights",
    "train_readout",
    "open_loop_gain",
    "frequency_response",
    "cross_gains",
    "readout_coefficients",
    "impulse_response",
    "Transient",
]
