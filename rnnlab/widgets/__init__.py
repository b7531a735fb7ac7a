"""Live explorers: ipywidgets controls bound to a compute-then-draw pair on one matplotlib figure.

:class:`Explorer` is the whole mechanism: on each control event it calls ``compute(**values)``
(an rnnlab analysis), hands the result to ``draw(result)``, which moves the figure's existing
artists, and asks the canvas for a redraw. No figure or artist is created per event.

With the ipympl backend (``%matplotlib widget``) the figure canvas is itself a widget and updates
in place; with any other backend the figure is shown in an ``ipywidgets.Output`` and re-displayed
after each event.

Explorers built on it: :func:`rate_rnn_explorer`, :func:`contraction_explorer`, and one submodule per
topic (:mod:`rnnlab.widgets.organics`, :mod:`rnnlab.widgets.meanfield`,
:mod:`rnnlab.widgets.parallel_time`).
"""
from .explorer import *  # noqa: F401,F403
from .explorer import __all__ as _explorer_all
from .organics import *  # noqa: F401,F403
from .organics import __all__ as _organics_all
from .meanfield import *  # noqa: F401,F403
from .meanfield import __all__ as _meanfield_all
from .parallel_time import *  # noqa: F401,F403
from .parallel_time import __all__ as _parallel_time_all

__all__ = [*_explorer_all, *_organics_all, *_meanfield_all, *_parallel_time_all]
