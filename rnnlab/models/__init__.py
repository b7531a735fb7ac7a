"""The model zoo. Every model follows :class:`Model`: ``n``, ``vector_field(t, x)``, ``jacobian(t, x)``.

Only models live here: frozen dataclasses of parameters, their vector fields and exact Jacobians.
The analyses of ORGaNICs' steady states are in :mod:`rnnlab.organics_steady` and those of a trained
reservoir in :mod:`rnnlab.readout`; their names stay importable from here.
"""

from .base import Model, check_model, check_state
from .assembly import Assembly, Hierarchical, block_mask, feedback_coupling
from .hopfield import FiringRateModel, Hopfield
from .linear import LinearSystem
from .lure import DiagonalLure, Lure, MultivariableLure, Persidskii
from .organics import ORGaNICs
from .organics_gains import GainORGaNICs
from .reservoir import OpenLoopReservoir, Reservoir, feedback_weights
from .rnn import FiringRateRNN, RateRNN

# Analyses that lived here before and stay importable as rnnlab.models.X: loaded on first use, so
# that importing the models imports no analysis (models sit at the bottom of the import graph).
_MOVED = {
    **dict.fromkeys(["normalization", "iterate_fixed_point", "IterativeFixedPoint", "contrast_response",
                     "ContrastResponse", "normalization_curve", "NormalizationCurve", "ring_population"],
                    "organics_steady"),
    **dict.fromkeys(["OpenLoopFixedPoints", "TrainedReservoir", "open_loop_fixed_points", "readout_weights",
                     "train_readout", "open_loop_gain", "frequency_response", "cross_gains",
                     "readout_coefficients", "impulse_response", "Transient"], "readout"),
}


def __getattr__(name):
    if name in _MOVED:
        from importlib import import_module

        return getattr(import_module(f"rnnlab.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_MOVED])


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
