"""Phase portraits of two-dimensional models: the data; :mod:`rnnlab.plots` draws it."""

from __future__ import annotations

from dataclasses import dataclass

import contourpy
import numpy as np

from .checks import interval
from .fixed_points import FixedPoints, find_fixed_points
from .models.base import check_model
from .simulate import Trajectory, simulate

__all__ = ["PhasePortrait", "phase_portrait"]


@dataclass(frozen=True, eq=False)
class PhasePortrait:
    """Vector field, nullclines, fixed points and optional trajectories of a 2-D model.

    Attributes
    ----------
    x, y : ndarray, shape (nx,), (ny,)
        Grid coordinates of the vector field.
    U, V : ndarray, shape (ny, nx)
        ``dx/dt`` and ``dy/dt`` on the grid (``U[j, i]`` at ``(x[i], y[j])``).
    nullclines : dict
        ``{"x": [...], "y": [...]}``: polylines (arrays of shape ``(k, 2)``) where ``dx/dt = 0``
        and where ``dy/dt = 0``.
    fixed_points : FixedPoints
        Fixed points inside the window.
    trajectories : Trajectory or None
        Trajectories from a grid of initial states, if asked for.
    xlim, ylim : tuple of float
    """

    x: np.ndarray
    y: np.ndarray
    U: np.ndarray
    V: np.ndarray
    nullclines: dict
    fixed_points: FixedPoints
    trajectories: Trajectory | None
    xlim: tuple
    ylim: tuple


def phase_portrait(
    model,
    xlim=(-2.0, 2.0),
    ylim=(-2.0, 2.0),
    *,
    t: float = 0.0,
    n_grid: int = 21,
    n_nullcline: int = 201,
    n_starts: int = 8,
    n_trajectories: int = 0,
    t_max: float = 10.0,
    max_iter: int = 50,
) -> PhasePortrait:
    """Compute the phase portrait of a two-dimensional model in a window.

    Parameters
    ----------
    model : Model
        A model with ``n == 2``; a time-varying input is frozen at ``t``.
    xlim, ylim : (float, float)
        The window.
    n_grid : int
        Vector-field arrows per axis.
    n_nullcline : int
        Grid points per axis for the nullcline contours.
    n_starts : int
        Newton starts per axis (an ``n_starts x n_starts`` grid over the window).
    n_trajectories : int
        If positive, integrate from an ``n_trajectories x n_trajectories`` grid of initial states
        up to ``t_max`` (RK4, 200 steps).
    max_iter : int
        Newton iterations per start (see :func:`rnnlab.find_fixed_points`); 0 skips the fixed-point
        search, for callers that know the fixed points already (the portrait then has none).

    Returns
    -------
    PhasePortrait

    Examples
    --------
    >>> from rnnlab import RateRNN
    >>> pp = phase_portrait(RateRNN([[2.0, 0.0], [0.0, 2.0]]))
    >>> len(pp.fixed_points), pp.U.shape
    (9, (21, 21))
    """
    check_model(model)
    if model.n != 2:
        raise ValueError(f"model must be two-dimensional for a phase portrait, got n = {model.n}")
    xlim, ylim = interval("xlim", xlim), interval("ylim", ylim)
    for name, value, least in (
        ("n_grid", n_grid, 2), ("n_nullcline", n_nullcline, 2), ("n_starts", n_starts, 1),
        ("n_trajectories", n_trajectories, 0), ("max_iter", max_iter, 0),
    ):
        if not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    if n_trajectories and not (np.isfinite(t_max) and t_max > 0):
        raise ValueError(f"t_max must be a positive number, got {t_max!r}")

    x, y = np.linspace(*xlim, n_grid), np.linspace(*ylim, n_grid)
    F = model.vector_field(t, np.stack(np.meshgrid(x, y), axis=-1))  # (ny, nx, 2)

    xf, yf = np.linspace(*xlim, n_nullcline), np.linspace(*ylim, n_nullcline)
    Ff = model.vector_field(t, np.stack(np.meshgrid(xf, yf), axis=-1))
    nullclines = {
        name: [np.asarray(line) for line in contourpy.contour_generator(xf, yf, Ff[..., i]).lines(0.0)]
        for i, name in enumerate(("x", "y"))
    }

    # Newton from where the nullclines cross, plus a grid (not random starts) so the portrait is
    # deterministic; crossings catch unstable points that grid starts can miss.
    pad_x, pad_y = 0.02 * (xlim[1] - xlim[0]), 0.02 * (ylim[1] - ylim[0])
    grid = np.stack(
        np.meshgrid(np.linspace(xlim[0] + pad_x, xlim[1] - pad_x, n_starts),
                    np.linspace(ylim[0] + pad_y, ylim[1] - pad_y, n_starts)),
        axis=-1,
    ).reshape(-1, 2)
    if max_iter == 0:
        fps = FixedPoints(np.empty((0, 2)), np.empty((0, 2), complex), np.empty(0), (), 0, 0)
    else:
        starts = np.concatenate([_nullcline_crossings(model, t, nullclines["x"]), grid])
        fps = find_fixed_points(model, starts, t=t, max_iter=max_iter)
    inside = (
        (fps.x[:, 0] >= xlim[0]) & (fps.x[:, 0] <= xlim[1]) & (fps.x[:, 1] >= ylim[0]) & (fps.x[:, 1] <= ylim[1])
    )
    fps = FixedPoints(
        fps.x[inside], fps.eigenvalues[inside], fps.residual[inside],
        tuple(k for k, keep in zip(fps.kinds, inside) if keep), fps.n_starts, fps.n_converged,
    )

    trajectories = None
    if n_trajectories:
        x0 = np.stack(np.meshgrid(np.linspace(*xlim, n_trajectories), np.linspace(*ylim, n_trajectories)), -1)
        trajectories = simulate(
            model, x0.reshape(-1, 2), np.linspace(t, t + t_max, 201), on_divergence="ignore"
        )
    return PhasePortrait(x, y, F[..., 0], F[..., 1], nullclines, fps, trajectories, xlim, ylim)


def _nullcline_crossings(model, t, x_nullclines) -> np.ndarray:
    """Points where ``dy/dt`` changes sign along the ``dx/dt = 0`` polylines, linearly interpolated."""
    points = [np.zeros((0, 2))]
    for line in x_nullclines:
        if len(line) < 2:
            continue
        g = model.vector_field(t, line)[:, 1]
        k = np.flatnonzero(np.sign(g[:-1]) != np.sign(g[1:]))
        w = g[k] / (g[k] - g[k + 1])
        points.append(line[k] + w[:, None] * (line[k + 1] - line[k]))
    return np.concatenate(points)
