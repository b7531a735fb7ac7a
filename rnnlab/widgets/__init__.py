"""The explorers in a notebook: an :class:`~rnnlab.explorers.ExplorerSpec` shown with ipywidgets.

:class:`Explorer` builds the spec's controls as ipywidgets above its matplotlib figure; on each
control event the spec's ``compute(**values)`` runs (an rnnlab analysis), its view moves the figure's
existing artists, and the figure is rendered. No figure or artist is created per event.

With the ipympl backend (``%matplotlib widget``) the figure canvas is itself a widget and updates
in place; with any other backend the figure is shown as a PNG in an ``ipywidgets.Output``.

The explorers: :func:`rate_rnn_explorer`, :func:`contraction_explorer`, :func:`circuit_explorer`,
:func:`normalization_explorer`, :func:`mean_field_explorer`, :func:`parallel_time_explorer`, each
``Explorer(spec)`` of the spec of the same name in :mod:`rnnlab.explorers` (``rate_rnn_spec``, ...),
which the web app (:mod:`rnnlab.app`) shows with Panel widgets.
"""
from .explorer import *  # noqa: F401,F403
from .explorer import __all__

__all__ = list(__all__)
