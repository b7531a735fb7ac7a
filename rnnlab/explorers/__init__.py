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

Writing an explorer
-------------------
A compute function of the controls' values, and a view: a class whose ``__init__(fig, result)`` makes
the artists once and whose ``draw(result)`` moves them and returns the HTML beside the controls.
``rnnlab.widgets.Explorer(spec)`` then shows it in a notebook, ``rnnlab._app_panel.ExplorerPanel(spec)``
in a Panel app.

>>> import numpy as np
>>> from rnnlab import Activation
>>> def compute(g, phi):                        # the slope of phi(g x) at 0, and its curve
...     x = np.linspace(-3.0, 3.0, 61)
...     return x, Activation(phi, gain=g)(x), float(Activation(phi, gain=g).derivative(np.zeros(1))[0])
>>> class CurveView:
...     def __init__(self, fig, result):
...         ax = fig.subplots()
...         (self.line,) = ax.plot(result[0], result[1])
...         ax.set(xlim=(-3, 3), ylim=(-3, 3), title="phi(g x)")
...     def draw(self, result):
...         self.line.set_ydata(result[1])
...         return {"slope": f"slope at 0: {result[2]:.2f}"}
>>> spec = ExplorerSpec({"g": Slider(1.0, 0.1, 3.0, 0.05), "phi": Choice(("tanh", "relu"), "tanh")},
...                     compute, CurveView, figsize=(4.0, 3.0), side=(Html("slope"),))
>>> state = ExplorerState(spec)
>>> state.set(g=2.0)
>>> state.texts["slope"]
'slope at 0: 2.00'
"""

from .spec import Button, Choice, ExplorerSpec, ExplorerState, FrontEnd, Html, Slider, Text, View, slider_for
from .rate_rnn import contraction_spec, fast_criteria, rate_rnn_spec
from .organics import circuit_spec, normalization_spec
from .meanfield import MeanFieldView, mean_field_spec
from .parallel_time import ParallelTimeView, parallel_time_spec, parallel_time_view

__all__ = [
    "ExplorerSpec", "ExplorerState", "FrontEnd", "View", "Slider", "Choice", "Text", "Html", "Button", "slider_for",
    "rate_rnn_spec", "contraction_spec", "circuit_spec", "normalization_spec", "mean_field_spec",
    "parallel_time_spec", "fast_criteria", "MeanFieldView", "ParallelTimeView", "parallel_time_view",
]
