"""The lab's explorers as a standalone web app, served by Panel outside Jupyter.

One page, one tab per explorer: phase portraits of the two-neuron rate RNN, its contraction
certificates, the ORGaNICs circuit and normalization pool, the mean field and Nyquist plot of a
trained reservoir. Start it with ``make app``, or::

    panel serve rnnlab/app.py --show          # or: python -m rnnlab.app --show

Each browser session gets its own explorers (one figure per tab); they are closed when the session
ends. The tabs are :data:`EXPLORERS`, one line per explorer spec (:mod:`rnnlab.explorers`): the
notebooks show the same specs with ipywidgets (:mod:`rnnlab.widgets`), and nothing here imports
ipywidgets.

How it renders, and why
-----------------------
Each tab is an :class:`~rnnlab._app_panel.ExplorerPanel`: Panel's own widgets, built from the
spec's controls (the same ranges, steps and options as the notebook's ipywidgets), run the spec's
events on the server; the explorer computes and moves its artists exactly as in a notebook; the
figure is then rendered once on an off-screen Agg canvas (no pyplot) and sent as a PNG (zlib level 1)
to a ``pn.pane.PNG``.
The render blits: only the data artists are drawn over a cached background of axes, ticks and
labels, which is redrawn only for an axes whose limits or labels changed (text is most of a
render). Panel's 50 ms debounce of changes from the browser is turned off for these controls.
The spec's HTML keys and tables are ``pn.pane.HTML``, its buttons Panel buttons.

The alternatives, and what was measured against them on the 2-core test machine:

- ``pn.pane.IPyWidget`` would show the explorer's own ipywidgets, but needs the extra package
  ``ipywidgets_bokeh``, which runs a second widget manager inside Bokeh's page. It is not installed
  here, and an ipympl canvas inside it depends on three front-end versions (Bokeh, ipywidgets,
  ipympl) agreeing, which is what breaks first when students install things. Panel-native widgets
  depend on Panel alone.
- ``pn.pane.Matplotlib`` renders with ``print_figure``: a second full draw after the explorer's own
  ``draw_idle``, plus a PNG at zlib level 6. Its update cost 84 ms median for the rate-RNN figure
  against 55 ms for one Agg draw plus 7 ms for a level-1 PNG, before blitting
  (``benchmarks/bench_browser_latency.py`` times the whole path in a browser).

Examples
--------
>>> app = build_app()
>>> list(app)                    # the tab titles
['Phase portraits', 'Certificates', 'ORGaNICs circuit', 'Normalization', 'Mean field and Nyquist',
 'Parallel in time']
>>> certificates = app.panel("Certificates")        # built on first use, as when its tab opens
>>> any(c.holds for c in certificates.result[1])    # it opens on a certified network
True
>>> certificates.controls["w11"].value = 0.0          # as a user moving the slider
>>> certificates.values["w11"]
0.0
>>> app.close()
"""

from __future__ import annotations

import argparse
import functools

import panel as pn

# Absolute imports: `panel serve rnnlab/app.py` runs this file as a script, outside the package.
from rnnlab import explorers
from rnnlab._app_panel import ExplorerPanel

__all__ = ["EXPLORERS", "App", "build_app", "main"]

#: The tabs of the app in order: title -> spec factory, a callable with no required argument that
#: returns an :class:`~rnnlab.explorers.ExplorerSpec`. Adding an explorer to the app is one line here.
EXPLORERS = {
    "Phase portraits": explorers.rate_rnn_spec,
    # Open on a network that Theorem 1 certifies (notebook 02's "mixed signs"), so a first look shows a
    # certificate and its unit ball rather than a table of failures.
    "Certificates": functools.partial(explorers.contraction_spec, W=((0.3, -0.8), (0.6, 0.2))),
    "ORGaNICs circuit": explorers.circuit_spec,
    "Normalization": explorers.normalization_spec,
    "Mean field and Nyquist": explorers.mean_field_spec,
    "Parallel in time": explorers.parallel_time_spec,
}


class App:
    """The app of one session: its Panel tabs, built one explorer at a time as tabs are opened.

    Building an explorer computes its first figure (the mean-field explorer trains a finite network),
    so only the first tab is built at once; the others when first shown, or by :meth:`panel`.

    Parameters
    ----------
    explorers : dict of str to callable
        Tab title -> spec factory.
    dpi : float, optional
        Resolution of the figures; default each figure's own.

    Attributes
    ----------
    tabs : panel.Tabs
        The page; ``app.tabs.servable()`` serves it.
    panels : dict of str to ExplorerPanel
        The explorers built so far, with their Panel controls, by title.
    """

    def __init__(self, explorers: dict, *, dpi: float | None = None):
        self.factories = dict(explorers)
        self.dpi = dpi
        self.panels: dict = {}
        self._slots = {title: pn.Column(pn.pane.Markdown(f"*Building the {title} explorer...*"))
                       for title in self.factories}
        self.tabs = pn.Tabs(*self._slots.items(), dynamic=True)
        self.tabs.param.watch(lambda event: self.panel(list(self.factories)[event.new]), "active")
        self.panel(next(iter(self.factories)))

    def __iter__(self):
        return iter(self.factories)

    def panel(self, title: str) -> ExplorerPanel:
        """The explorer of tab ``title``, built and put in its tab if it was not yet."""
        if title not in self.factories:
            raise ValueError(f"title must be one of {list(self.factories)}, got {title!r}")
        if title not in self.panels:
            self.panels[title] = ExplorerPanel(self.factories[title](), dpi=self.dpi)
            self._slots[title].objects = [self.panels[title].layout]
        return self.panels[title]

    def close(self) -> None:
        """Close every explorer built and its figure."""
        for panel in self.panels.values():
            panel.close()


def build_app(explorers: dict | None = None, *, dpi: float | None = None) -> App:
    """Build the app: one tab per explorer factory (the first built now, the others when opened).

    Parameters
    ----------
    explorers : dict of str to callable, optional
        Tab title -> factory returning an ``ExplorerSpec``; default :data:`EXPLORERS`.
    dpi : float, optional
        Resolution of the figures; default each figure's own.

    Returns
    -------
    App
    """
    explorers = EXPLORERS if explorers is None else explorers
    if not explorers:
        raise ValueError("explorers must name at least one explorer factory")
    for title, factory in explorers.items():
        if not callable(factory):
            raise TypeError(f"explorers[{title!r}] must be a callable returning an ExplorerSpec, "
                            f"got {type(factory).__name__}")
    return App(explorers, dpi=dpi)


def _session_page() -> pn.Column:
    """The page of one browser session; its explorers are closed when the session ends."""
    app = build_app()
    pn.state.on_session_destroyed(lambda context: app.close())
    header = pn.pane.Markdown("## rnnlab: explorers of recurrent network dynamics and their stability")
    return pn.Column(header, app.tabs)


def main(argv=None) -> None:
    """``python -m rnnlab.app [--port N] [--show]``: serve the app until interrupted."""
    parser = argparse.ArgumentParser(description="Serve rnnlab's explorers as a web app.")
    parser.add_argument("--port", type=int, default=5006, help="port on 127.0.0.1 (default 5006)")
    parser.add_argument("--show", action="store_true", help="open it in the default browser")
    args = parser.parse_args(argv)
    _use_agg()
    pn.serve({"app": _session_page}, port=args.port, address="127.0.0.1", show=args.show, title="rnnlab")


def _use_agg() -> None:
    """Figures are rendered off-screen: never let pyplot pick a GUI backend in a server."""
    import matplotlib

    matplotlib.use("agg")


if __name__ == "__main__":
    main()
elif __name__.startswith("bokeh_app"):  # `panel serve rnnlab/app.py` runs this file as a script
    _use_agg()
    _session_page().servable(title="rnnlab")
