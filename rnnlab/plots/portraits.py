"""Plots of the dynamics: phase portraits, trajectories, spectra and fixed points; :mod:`rnnlab.plots`
re-exports them. Their shared artists and styles live in :mod:`rnnlab.plots.artists`."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ..fixed_points import FixedPoints
from ..phase import PhasePortrait
from ..simulate import Trajectory
from ..spectrum import Spectrum
from .artists import (
    KIND_STYLES,
    SPEED_NORM,
    TRAJECTORY_COLOR,
    PortraitArtists,
    SpectrumArtists,
    axes_or_new,
    check_dims,
    check_result,
    eigenvalue_limits,
    finish_legend,
    kind_lines,
    kinds_present,
    set_kind_data,
)

__all__ = ["KIND_STYLES", "phase_portrait", "trajectories", "spectrum", "fixed_points"]


def phase_portrait(
    pp: PhasePortrait,
    ax=None,
    *,
    field: str | None = "quiver",
    nullclines: bool = True,
    trajectories: bool = True,
    legend: bool = True,
    density: float = 1.2,
):
    """Draw a phase portrait: vector field, nullclines, fixed points by kind, trajectories.

    Parameters
    ----------
    pp : PhasePortrait
        From :func:`rnnlab.phase_portrait`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure and axes if omitted.
    field : {"quiver", "stream", None}
        The vector field as unit arrows shaded by speed (dark is fast), as streamlines, or not at all.
    nullclines : bool
        Draw the nullclines ``dx_1/dt = 0`` and ``dx_2/dt = 0``.
    trajectories : bool
        Draw ``pp.trajectories`` if the portrait has them.
    legend : bool
        Add a legend of the nullclines and of the kinds of fixed point present.
    density : float
        Streamline density for ``field="stream"``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import rnnlab
    >>> ax = phase_portrait(rnnlab.phase_portrait(rnnlab.RateRNN([[2.0, 0.0], [0.0, 2.0]])))
    >>> [t.get_text() for t in ax.get_legend().get_texts()][2:]
    ['stable node', 'saddle', 'unstable node']
    """
    check_result("pp", pp, PhasePortrait)
    if field not in ("quiver", "stream", None):
        raise ValueError(f"field must be 'quiver', 'stream' or None, got {field!r}")
    ax = axes_or_new(ax)
    PortraitArtists(
        ax, pp, arrows=field == "quiver", nullclines=nullclines, kinds=kinds_present(pp.fixed_points.kinds)
    )
    if field == "stream":
        speed = np.hypot(pp.U, pp.V)
        ax.streamplot(
            pp.x, pp.y, pp.U, pp.V, color=speed / max(speed.max(), np.finfo(float).tiny), cmap="Greys",
            norm=SPEED_NORM, density=density, linewidth=0.8, arrowsize=0.8, zorder=1,
        )
    if trajectories and pp.trajectories is not None:
        _trajectory_lines(ax, pp.trajectories, (0, 1), color=TRAJECTORY_COLOR)
        ax.set_xlim(pp.xlim)
        ax.set_ylim(pp.ylim)
    finish_legend(ax, legend)
    return ax


def _mark_diverged(ax, points, n_diverged: int):
    """Red crosses at the last finite states of stopped trajectories; ``points`` has shape (k, 2)."""
    if len(points):
        ax.plot(points[:, 0], points[:, 1], "x", color="tab:red", markersize=7, zorder=5,
                label=f"diverged ({n_diverged})")


def _trajectory_lines(ax, traj: Trajectory, dims, color="0.25"):
    n = traj.x.shape[-1]
    x = traj.x.reshape(len(traj.t), -1, n)  # (T, B, n)
    segments, ends = [], []
    for b in range(x.shape[1]):
        xb = x[:, b][:, dims]
        xb = xb[np.all(np.isfinite(xb), axis=-1)]  # a stopped trajectory is NaN from its stop on
        segments.append(xb)
        ends.append(xb[-1])
    ax.add_collection(LineCollection(segments, colors=color, linewidths=0.9, alpha=0.7, zorder=3))
    ax.plot(x[0, :, dims[0]], x[0, :, dims[1]], ".", color=color, markersize=3, zorder=3)
    _mark_diverged(ax, np.array(ends)[np.asarray(traj.diverged).ravel()], traj.n_diverged)


def trajectories(
    traj: Trajectory, ax=None, dims=(0, 1), *, time: bool | None = None, color=None, legend: bool = True
):
    """Draw trajectories: in the plane of two state coordinates, or as time series.

    Parameters
    ----------
    traj : Trajectory
        From :func:`rnnlab.simulate`; any batch shape.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure and axes if omitted.
    dims : int or sequence of int
        State indices (from 0). Two indices draw the phase plane ``x[dims[1]]`` against
        ``x[dims[0]]``; any other number draws time series ``x_i(t)``.
    time : bool, optional
        Force time series (True) or the phase plane (False, needs two ``dims``).
    color : color, optional
        Line colour; default dark grey in the plane and one colour per coordinate in time.
    legend : bool
        Add a legend (of the coordinates in time, and of diverged trajectories).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    A trajectory that :func:`rnnlab.simulate` stopped (it diverged) ends at its last finite state,
    marked with a red cross.

    Examples
    --------
    >>> import numpy as np, rnnlab
    >>> traj = rnnlab.simulate(rnnlab.RateRNN([[0.5, -2.0], [2.0, 0.5]]), [[1.0, 0.0], [0.0, 1.0]],
    ...                        np.linspace(0, 10, 201))
    >>> len(trajectories(traj).collections[0].get_segments())
    2
    """
    check_result("traj", traj, Trajectory)
    n = traj.x.shape[-1]
    dims = check_dims(dims, n)
    if time is None:
        time = len(dims) != 2
    if not time and len(dims) != 2:
        raise ValueError(f"the phase plane needs two dims, got {dims!r}; pass time=True for time series")
    ax = axes_or_new(ax)
    if not time:
        _trajectory_lines(ax, traj, dims, color="0.25" if color is None else color)
        ax.set_xlabel(f"$x_{{{dims[0] + 1}}}$")
        ax.set_ylabel(f"$x_{{{dims[1] + 1}}}$")
    else:
        x = traj.x.reshape(len(traj.t), -1, n)  # (T, B, n)
        diverged = np.asarray(traj.diverged).ravel()
        ends = []
        for k, i in enumerate(dims):
            segments = [np.c_[traj.t, x[:, b, i]] for b in range(x.shape[1])]
            segments = [s[np.isfinite(s[:, 1])] for s in segments]
            ax.add_collection(LineCollection(
                segments, colors=f"C{k % 10}" if color is None else color, linewidths=1.0,
                alpha=0.8, label=f"$x_{{{i + 1}}}$",
            ))
            ends += [s[-1] for s, stopped in zip(segments, diverged) if stopped]
        _mark_diverged(ax, np.array(ends).reshape(-1, 2), traj.n_diverged)
        ax.set_xlabel("$t$")
        ax.set_ylabel("$x_i(t)$")
    ax.autoscale_view()
    finish_legend(ax, legend)
    return ax


def spectrum(eigenvalues, ax=None, *, legend: bool = True):
    """Draw eigenvalues in the complex plane, with the stability boundary ``Re lambda = 0``.

    Parameters
    ----------
    eigenvalues : FixedPoints, Spectrum or array_like of complex
        A :class:`~rnnlab.FixedPoints` draws the Jacobian eigenvalues at every fixed point, each
        marked like its fixed point's kind (:data:`KIND_STYLES`); a :class:`~rnnlab.Spectrum` or an
        array draws its eigenvalues.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure and axes if omitted.
    legend : bool
        Add a legend.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import rnnlab
    >>> fps = rnnlab.phase_portrait(rnnlab.RateRNN([[2.0, 0.0], [0.0, 2.0]])).fixed_points
    >>> ax = spectrum(fps)
    >>> sum(len(line.get_xdata()) for line in ax.lines if line.get_label() in KIND_STYLES)
    18
    """
    ax = axes_or_new(ax)
    if isinstance(eigenvalues, FixedPoints):
        artists = SpectrumArtists(ax, kinds_present(eigenvalues.kinds))
        artists.update(eigenvalues)
    else:
        lam = eigenvalues.eigenvalues if isinstance(eigenvalues, Spectrum) else eigenvalues
        lam = np.asarray(lam).ravel()
        if not np.issubdtype(lam.dtype, np.number) or not np.all(np.isfinite(lam)):
            raise ValueError("eigenvalues must be FixedPoints, a Spectrum, or finite (complex) numbers")
        SpectrumArtists(ax, kinds=())
        ax.plot(lam.real, lam.imag, "o", color="tab:blue", markersize=5, label="eigenvalues", zorder=4)
        xlim, ylim = eigenvalue_limits(lam)
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
    finish_legend(ax, legend)
    return ax


def fixed_points(fps: FixedPoints, ax=None, *, dims=(0, 1), legend: bool = True):
    """Mark fixed points in a plane of the state space, one marker and colour per kind.

    Parameters
    ----------
    fps : FixedPoints
        From :func:`rnnlab.find_fixed_points`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure and axes if omitted.
    dims : (int, int)
        The two state coordinates (from 0) to show.
    legend : bool
        Add a legend of the kinds present.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import rnnlab
    >>> fps = rnnlab.phase_portrait(rnnlab.RateRNN([[2.0, 0.0], [0.0, 2.0]])).fixed_points
    >>> {line.get_label(): len(line.get_xdata()) for line in fixed_points(fps).lines}
    {'stable node': 4, 'saddle': 4, 'unstable node': 1}
    """
    check_result("fps", fps, FixedPoints)
    dims = check_dims(dims, fps.x.shape[-1])
    if len(dims) != 2:
        raise ValueError(f"dims must name two state coordinates, got {dims!r}")
    ax = axes_or_new(ax)
    lines = kind_lines(ax, kinds_present(fps.kinds))
    set_kind_data(lines, fps.kinds, fps.x[:, dims])
    ax.update_datalim(fps.x[:, dims])
    ax.set_xlabel(f"$x_{{{dims[0] + 1}}}$")
    ax.set_ylabel(f"$x_{{{dims[1] + 1}}}$")
    ax.autoscale_view()
    finish_legend(ax, legend)
    return ax
