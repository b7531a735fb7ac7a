"""Plots of rnnlab's results: phase portraits, trajectories, spectra and fixed points.

Compute and plot are separate: each function takes a result object of the analysis side
(:class:`~rnnlab.PhasePortrait`, :class:`~rnnlab.Trajectory`, :class:`~rnnlab.Spectrum`,
:class:`~rnnlab.FixedPoints`), draws it on ``ax`` (a new axes when ``ax`` is None) and returns the
axes. Nothing here calls ``plt.show()``.

Every plot marks a fixed point by its kind with the same marker and colour, :data:`KIND_STYLES`:
filled markers for stable kinds, open ones for unstable kinds.

Matplotlib is imported here and in :mod:`rnnlab.widgets` only, and ``import rnnlab`` loads
neither until first use.
"""
# Each topic's plots live in a submodule with its own __all__; this page gathers them.
from .portraits import *  # noqa: F401,F403
from .portraits import __all__ as _portraits_all
from .contraction import *  # noqa: F401,F403
from .contraction import __all__ as _contraction_all
# the styles, for tests and users
from .artists import CERTIFICATE_COLORS, NULLCLINE_STYLES, TRAJECTORY_COLOR  # noqa: F401
from .organics import *  # noqa: F401,F403
from .organics import __all__ as _organics_all
from .meanfield import *  # noqa: F401,F403
from .meanfield import __all__ as _meanfield_all
from .parallel_time import *  # noqa: F401,F403
from .parallel_time import __all__ as _parallel_time_all
from .sweeps import *  # noqa: F401,F403
from .sweeps import __all__ as _sweeps_all

__all__ = [*_portraits_all, *_contraction_all, *_organics_all, *_meanfield_all, *_parallel_time_all,
           *_sweeps_all]
