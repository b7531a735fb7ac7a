"""The artists and styles every plot of rnnlab shares, public so that plots and live explorers use one set.

A plot function draws once; a live explorer makes its artists once and moves them per event
(:class:`PortraitArtists`, :class:`SpectrumArtists`), so both show a fixed point of each kind with
the same marker (:data:`KIND_STYLES`) and an eigenvalue window that changes only by steps
(:func:`eigenvalue_limits`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize

from ..fixed_points import KINDS, FixedPoints
from ..phase import PhasePortrait

__all__ = [
    "KIND_STYLES",
    "NULLCLINE_STYLES",
    "TRAJECTORY_COLOR",
    "CERTIFICATE_COLORS",
    "SPEED_NORM",
    "ARROW_LENGTH",
    "LADDER",
    "axes_or_new",
    "check_result",
    "check_dims",
    "finish_legend",
    "kind_lines",
    "set_kind_data",
    "kinds_present",
    "field_arrows",
    "eigenvalue_limits",
    "tight_eigenvalue_edges",
    "ball_boundary",
    "PortraitArtists",
    "SpectrumArtists",
]


def _kind_style(marker: str, color: str, filled: bool) -> dict:
    face = color if filled else "white"
    return {"marker": marker, "color": color, "markeredgecolor": color, "markerfacecolor": face}


#: Line2D keyword arguments of the marker of each kind of fixed point (see :func:`rnnlab.classify`).
KIND_STYLES: dict[str, dict] = {
    "stable node": _kind_style("o", "black", True),
    "stable focus": _kind_style("D", "tab:green", True),
    "saddle": _kind_style("X", "tab:orange", True),
    "unstable node": _kind_style("o", "tab:red", False),
    "unstable focus": _kind_style("D", "tab:purple", False),
    "non-hyperbolic": _kind_style("s", "tab:gray", False),
}

NULLCLINE_STYLES = {
    "x": {"colors": "tab:blue", "label": r"$\dot x_1 = 0$"},
    "y": {"colors": "tab:olive", "label": r"$\dot x_2 = 0$"},
}
TRAJECTORY_COLOR = "tab:brown"  # trajectories over a grey vector field
# Arrows are shaded by speed |f| relative to the fastest arrow; vmin < 0 keeps the slowest visible.
SPEED_NORM = Normalize(vmin=-0.5, vmax=1.0)
ARROW_LENGTH = 0.8  # arrow length as a fraction of the grid spacing


def axes_or_new(ax):
    """``ax``, or the axes of a new figure when ``ax`` is None (every plot's ``ax=None``)."""
    if ax is None:
        _, ax = plt.subplots()
    return ax


def check_result(name, value, *types):
    """Raise a ValueError naming ``name`` unless ``value`` is one of the result ``types`` a plot draws."""
    if not isinstance(value, types):
        want = " or ".join(t.__name__ for t in types)
        raise ValueError(f"{name} must be a {want} from rnnlab, got {type(value).__name__}")


def check_dims(dims, n: int) -> tuple[int, ...]:
    """``dims`` as a tuple of state indices in ``[0, n)``, or a ValueError naming ``dims``."""
    dims = tuple(int(d) for d in np.atleast_1d(dims))
    if not dims or any(not 0 <= d < n for d in dims):
        raise ValueError(f"dims must be state indices in [0, {n}), got {dims!r}")
    return dims


def finish_legend(ax, legend: bool):
    """Add the house legend when ``legend`` is true and something is labelled."""
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small", framealpha=0.85)


def kind_lines(ax, kinds, *, markersize: float = 8.0, zorder: float = 4.0) -> dict:
    """One empty marker line per kind, styled by :data:`KIND_STYLES` and labelled by the kind."""
    return {
        kind: ax.plot(
            [], [], linestyle="none", label=kind, markersize=markersize, markeredgewidth=1.5, zorder=zorder,
            **KIND_STYLES[kind],
        )[0]
        for kind in kinds
    }


def set_kind_data(lines: dict, kinds, points) -> None:
    """Give each kind's line the points of that kind; ``points`` has shape (K, 2), ``kinds`` length K."""
    kinds = np.asarray(kinds, dtype=object)
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    for kind, line in lines.items():
        mine = kinds == kind
        line.set_data(points[mine, 0], points[mine, 1])


def kinds_present(kinds) -> list:
    """The kinds of fixed point among ``kinds``, in the fixed order of :data:`rnnlab.fixed_points.KINDS`."""
    return [kind for kind in KINDS if kind in kinds]


def field_arrows(pp: PhasePortrait):
    """Unit direction arrows and their shade (speed relative to the fastest arrow)."""
    speed = np.hypot(pp.U, pp.V)  # (ny, nx)
    top = speed.max()
    safe = np.where(speed > 0, speed, 1.0)  # a zero vector stays a zero arrow
    return pp.U / safe, pp.V / safe, speed / top if top > 0 else speed


LADDER = np.array([1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0])  # window edges: these times a power of ten


def _ladder_up(value: float) -> float:
    """The smallest ``m * 10**k`` (``m`` in ``LADDER``) at or above ``value > 0``."""
    k = np.floor(np.log10(value))
    for m in (*LADDER, 10.0):
        if m * 10.0**k >= value * (1 - 1e-12):
            return round(float(m * 10.0**k), 12)
    raise AssertionError("unreachable")  # pragma: no cover


def eigenvalue_limits(lam):
    """A window on the complex plane around ``lam`` that always shows the imaginary axis.

    Its edges are rounded outwards (by at most a factor 1.5) to ``m * 10**k`` with ``m`` in
    (1, 1.5, 2, 3, 4, 5, 7), so that a live explorer's spectrum axes keep their limits (and their
    tick labels, which a blitted render then need not redraw) until an eigenvalue moves past a step.
    """
    left, right, top = tight_eigenvalue_edges(lam)
    return (-_ladder_up(left), _ladder_up(right)), (-_ladder_up(top), _ladder_up(top))


def tight_eigenvalue_edges(lam) -> tuple[float, float, float]:
    """The least distances from 0 of the left, right and top (= -bottom) edges of a window on ``lam``:
    the spectrum and the imaginary axis with a margin of 12% of the real span, and an imaginary
    half-height 1.2 times the largest |Im| (at least half the real span, and 0.5)."""
    re, im = np.real(lam), np.imag(lam)
    lo, hi = min(re.min(initial=0.0), -1.0), max(re.max(initial=0.0), 0.5)
    pad = 0.12 * (hi - lo)
    top = 1.2 * max(np.abs(im).max(initial=0.0), 0.5 * (hi - lo), 0.5)
    return pad - lo, hi + pad, top


class PortraitArtists:
    """The artists of a phase portrait, made once and moved in place by :meth:`update`.

    Live explorers keep one of these and call ``update(pp)`` per event: ``Quiver.set_UVC``,
    ``LineCollection.set_segments`` and ``Line2D.set_data`` only, never new artists.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    pp : PhasePortrait
        The first portrait; later ones must have the same grid.
    arrows : bool
        Draw the vector field as unit arrows shaded by speed.
    nullclines : bool
        Draw the nullclines.
    kinds : sequence of str, optional
        Kinds of fixed point to make markers for; default all of them.
    """

    def __init__(self, ax, pp: PhasePortrait, *, arrows: bool = True, nullclines: bool = True, kinds=KINDS):
        self.ax = ax
        self.quiver = None
        if arrows:
            spacing = min(np.ptp(pp.x) / (len(pp.x) - 1), np.ptp(pp.y) / (len(pp.y) - 1))
            self.quiver = ax.quiver(
                pp.x, pp.y, *field_arrows(pp), cmap="Greys", norm=SPEED_NORM, angles="xy", scale_units="xy",
                scale=1.0 / (ARROW_LENGTH * spacing), pivot="mid", width=0.004, zorder=1,
            )
        self.nullclines = {}
        for name, style in NULLCLINE_STYLES.items() if nullclines else ():
            self.nullclines[name] = LineCollection([], linewidths=2.0, zorder=2, **style)
            ax.add_collection(self.nullclines[name], autolim=False)
        self.fixed_points = kind_lines(ax, kinds)
        ax.set_xlim(pp.xlim)
        ax.set_ylim(pp.ylim)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        self.update(pp)

    def update(self, pp: PhasePortrait) -> None:
        if self.quiver is not None:
            if self.quiver.N != pp.U.size:
                raise ValueError(
                    f"pp must keep the grid of the first portrait ({self.quiver.N} arrows), got {pp.U.size}"
                )
            self.quiver.set_UVC(*field_arrows(pp))
        for name, collection in self.nullclines.items():
            collection.set_segments(pp.nullclines[name])
        set_kind_data(self.fixed_points, pp.fixed_points.kinds, pp.fixed_points.x)


class SpectrumArtists:
    """Eigenvalues at fixed points in the complex plane, one marker line per kind, moved by :meth:`update`."""

    def __init__(self, ax, kinds=KINDS):
        self.ax = ax
        ax.axhline(0.0, color="0.85", linewidth=0.8, zorder=0)
        self.boundary = ax.axvline(
            0.0, color="0.3", linestyle="--", linewidth=1.2, zorder=1, label=r"Re $\lambda$ = 0 (stability)"
        )
        self.lines = kind_lines(ax, kinds, markersize=7.0)
        self.window = None  # (xlim, ylim) as last set by update
        ax.set_xlabel(r"Re $\lambda$")
        ax.set_ylabel(r"Im $\lambda$")

    def update(self, fps: FixedPoints, window=None) -> None:
        """Move the markers to ``fps``'s eigenvalues and set the axes to ``window`` (``(xlim, ylim)``),
        by default :func:`eigenvalue_limits` of them."""
        n = fps.eigenvalues.shape[-1]
        lam = fps.eigenvalues.ravel()  # (K * n,), fixed point by fixed point
        kinds = np.repeat(np.asarray(fps.kinds, dtype=object), n)  # the kind of each eigenvalue's fixed point
        set_kind_data(self.lines, kinds, np.c_[lam.real, lam.imag])
        xlim, ylim = eigenvalue_limits(lam) if window is None else window
        if (xlim, ylim) != self.window:
            self.ax.set_xlim(xlim)
            self.ax.set_ylim(ylim)
            self.window = (xlim, ylim)


CERTIFICATE_COLORS = {"holds": "tab:green", "fails": "tab:red", "n/a": "0.75"}


def ball_boundary(certificate, dims) -> np.ndarray:
    """The boundary of the unit ball of ``certificate``'s norm in the plane of ``dims``, shape (K, 2)."""
    i, j = dims
    metric = certificate.metric
    if certificate.norm == "l2":
        M = np.eye(2) if metric is None else np.asarray(metric)[np.ix_(dims, dims)]
        L = np.linalg.cholesky(M)  # v^T M v = |L^T v|^2
        theta = np.linspace(0.0, 2 * np.pi, 361)
        return np.linalg.solve(L.T, np.stack([np.cos(theta), np.sin(theta)])).T
    eta = np.ones(2) if metric is None else np.asarray(metric)[[i, j]]
    a, b = 1.0 / eta  # the ball's extent along each axis
    if certificate.norm == "l1":
        return np.array([[a, 0.0], [0.0, b], [-a, 0.0], [0.0, -b], [a, 0.0]])
    return np.array([[a, b], [-a, b], [-a, -b], [a, -b], [a, b]])
