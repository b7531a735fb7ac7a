"""The explorers, described once for every front end.

Each explorer is an :class:`ExplorerSpec`: its controls with names, ranges and steps, a compute
function (an rnnlab analysis, free of plotting) and a view that builds the figure's artists once and
moves them for each result (:mod:`rnnlab.explorers.spec`). Nothing here imports a widget library:

* in a notebook, :mod:`rnnlab.widgets` shows a spec with ipywidgets (``rate_rnn_explorer()`` is
  ``Explorer(rate_rnn_spec())``);
* in the web app, :mod:`rnnlab.app` shows the same spec with Panel widgets;
* anywhere, :class:`ExplorerState` runs it headless (``state.set(g=0.4)``; ``state.result``,
  ``state.fig``, ``state.texts``), for tests, scripts and new front ends.

The specs: :func:`rate_rnn_spec`, :func:`contraction_spec`, :func:`circuit_spec`,
:func:`normalization_spec`, :func:`mean_field_spec`, :func:`parallel_time_spec`.
"""

from .spec import Button, Choice, ExplorerSpec, ExplorerState, Html, Slider, Text, View, slider_for
from .rate_rnn import contraction_spec, fast_criteria, rate_rnn_spec
from .organics import circuit_spec, normalization_spec
from .meanfield import MeanFieldView, mean_field_spec
from .parallel_time import ParallelTimeView, parallel_time_spec, parallel_time_view

__all__ = [
    "ExplorerSpec", "ExplorerState", "View", "Slider", "Choice", "Text", "Html", "Button", "slider_for",
    "rate_rnn_spec", "contraction_spec", "circuit_spec", "normalization_spec", "mean_field_spec",
    "parallel_time_spec", "fast_criteria", "MeanFieldView", "ParallelTimeView", "parallel_time_view",
]
