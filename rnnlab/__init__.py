"""rnnlab: a lab for the stability of recurrent neural networks.

The analysis side (this package's top level) needs only numpy and scipy (cvxpy loads inside the
LMI searches); ``rnnlab.plots`` and ``rnnlab.explorers`` (the explorers, described for any front end)
need matplotlib and ``rnnlab.widgets`` (the explorers in a notebook) ipywidgets; all load on first use. Submodules: :mod:`rnnlab.lognorms`, :mod:`rnnlab.metrics`, :mod:`rnnlab.certificates`,
:mod:`rnnlab.organics_circuit`, :mod:`rnnlab.organics_steady`, :mod:`rnnlab.readout`,
:mod:`rnnlab.meanfield_targets`, :mod:`rnnlab.parallel_time`,
:mod:`rnnlab.checks`; the torch side is :mod:`rnnlab.train`.
"""

from importlib import import_module

from .activations import ACTIVATIONS, Activation, get_activation
from .fixed_points import FixedPoint, FixedPoints, classify, find_fixed_points
from .certificates import Certificate, Certificates, certify
from .conservatism import ConservatismStudy, conservatism_study
from .meanfield import FrequencyResponse, GainCurves, MeanField, gain_curves, mean_field, self_consistent_variance
from .meanfield_targets import LocalGain, TargetsMeanField, mean_field_targets
from .lognorms import lognorm, metzler_majorant, optimal_weights, spectral_abscissa
from .models import (
    Assembly,
    DiagonalLure,
    FiringRateModel,
    FiringRateRNN,
    GainORGaNICs,
    Hierarchical,
    Hopfield,
    LinearSystem,
    Lure,
    Model,
    MultivariableLure,
    OpenLoopReservoir,
    ORGaNICs,
    Persidskii,
    RateRNN,
    Reservoir,
    block_mask,
    feedback_coupling,
)
from .organics_steady import (
    NormalizationCurve,
    contrast_response,
    iterate_fixed_point,
    normalization,
    normalization_curve,
    ring_population,
)
from .readout import (
    TrainedReservoir,
    Transient,
    cross_gains,
    frequency_response,
    impulse_response,
    readout_coefficients,
    train_readout,
)
from .organics_circuit import CircuitFixedPoints, Regime, circuit_2d, circuit_fixed_points, regime
from .organics_trials import StabilityTrials, stability_trials
from .phase import PhasePortrait, phase_portrait
from .parallel_time import (
    Dichotomy,
    JacobiBound,
    ParallelTrajectory,
    jacobi_bound,
    linear_scan,
    lyapunov_exponents,
    parallel_dichotomy,
    parallel_evaluate,
)
from .simulate import DivergenceError, DivergenceWarning, StepLimitError, Trajectory, simulate
from .spectrum import Spectrum, jacobian_spectrum
from .weights import gaussian_weights, sparse_weights

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "Model",
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
    "contrast_response",
    "normalization_curve",
    "NormalizationCurve",
    "ring_population",
    "GainORGaNICs",
    "circuit_2d",
    "circuit_fixed_points",
    "CircuitFixedPoints",
    "regime",
    "Regime",
    "stability_trials",
    "StabilityTrials",
    "Reservoir",
    "OpenLoopReservoir",
    "train_readout",
    "TrainedReservoir",
    "frequency_response",
    "readout_coefficients",
    "cross_gains",
    "impulse_response",
    "Transient",
    "gaussian_weights",
    "sparse_weights",
    "simulate",
    "Trajectory",
    "DivergenceError",
    "DivergenceWarning",
    "StepLimitError",
    "parallel_evaluate",
    "ParallelTrajectory",
    "linear_scan",
    "jacobi_bound",
    "JacobiBound",
    "lyapunov_exponents",
    "parallel_dichotomy",
    "Dichotomy",
    "find_fixed_points",
    "FixedPoint",
    "FixedPoints",
    "classify",
    "jacobian_spectrum",
    "Spectrum",
    "phase_portrait",
    "PhasePortrait",
    "lognorm",
    "spectral_abscissa",
    "metzler_majorant",
    "optimal_weights",
    "certify",
    "Certificate",
    "Certificates",
    "conservatism_study",
    "ConservatismStudy",
    "mean_field",
    "MeanField",
    "self_consistent_variance",
    "FrequencyResponse",
    "gain_curves",
    "GainCurves",
    "mean_field_targets",
    "TargetsMeanField",
    "LocalGain",
]

_LAZY = ("plots", "explorers", "widgets", "train")


def __getattr__(name):
    # Plotting, widget and training modules pull in matplotlib, ipywidgets and torch: load them on first use.
    if name in _LAZY:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rnnlab' has no attribute {name!r}")
