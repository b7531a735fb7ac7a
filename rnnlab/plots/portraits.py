"""The classic plots of rnnlab: phase portraits, trajectories, spectra, fixed points and contraction
certificates; :mod:`rnnlab.plots` re-exports them. Their shared artists and styles live in
:mod:`rnnlab.plots.artists`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from ..fixed_points import FixedPoints
from ..phase import PhasePortrait
from ..simulate import Trajectory
from ..spectrum import Spectrum
from .artists import (
    CERTIFICATE_COLORS,
    KIND_STYLES,
    SPEED_NORM,
    TRAJECTORY_COLOR,
    PortraitArtists,
    SpectrumArtists,
    axes_or_new,
    ball_boundary,
    check_result,
    eigenvalue_limits,
    finish_legend,
    kind_lines,
    kinds_present,
    set_kind_data,
)

__all__ = ["KIND_STYLES", "phase_portrait", "trajectories", "spectrum", "fixed_points", "certificates", "unit_ball",
           "conservatism", "gain_curves"]


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


def _check_dims(dims, n):
    dims = tuple(int(d) for d in np.atleast_1d(dims))
    if not dims or any(not 0 <= d < n for d in dims):
        raise ValueError(f"dims must be state indices in [0, {n}), got {dims!r}")
    return dims


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
    dims = _check_dims(dims, n)
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
    dims = _check_dims(dims, fps.x.shape[-1])
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


# ---------------------------------------------------------------------------------------------------
# contraction certificates


_BALL_CMAP = "viridis"  # the time of each nested ball and of the difference vectors on it


def certificates(certs, ax=None, *, legend: bool = True):
    """Which criteria certify contraction, and at what rate: one horizontal bar per criterion.

    Parameters
    ----------
    certs : Certificates or sequence of Certificate
        The result of :func:`rnnlab.certify` (or any certificates of one model).
    ax : matplotlib.axes.Axes, optional
    legend : bool

    Returns
    -------
    matplotlib.axes.Axes
        A bar of length ``rate`` per criterion: green where it holds, red where it fails (the
        non-positive margin it computed, or a stub at 0 when it computes none), grey where it does
        not apply. The line ``rate = 0`` separates the two.
    """
    from ..certificates import Certificate

    certs = list(certs)
    if not certs or not all(isinstance(c, Certificate) for c in certs):
        raise ValueError("certs must be a non-empty sequence of rnnlab Certificate objects (from rnnlab.certify)")
    ax = axes_or_new(ax)
    status = ["n/a" if not c.applies else "holds" if c.holds else "fails" for c in certs]
    rates = np.array([c.rate if c.applies and np.isfinite(c.rate) else 0.0 for c in certs])
    y = np.arange(len(certs))[::-1]  # the first criterion on top
    ax.barh(y, rates, color=[CERTIFICATE_COLORS[s] for s in status], height=0.6, zorder=2)
    span = max(np.abs(rates).max(initial=0.0), 1e-3)
    for yi, rate, s, c in zip(y, rates, status, certs):
        label = "n/a" if s == "n/a" else ("-" if not np.isfinite(c.rate) else f"{c.rate:.3g} ({c.norm})")
        # right of the bar's end, or of the zero line for a negative margin (clear of the tick labels)
        ax.text(max(rate, 0.0) + 0.02 * span, yi, label, va="center", ha="left", fontsize="small")
    ax.axvline(0.0, color="0.3", linewidth=1.0, zorder=3)
    ax.set_yticks(y, [c.criterion for c in certs])
    ax.set_xlim(min(rates.min(initial=0.0), 0.0) - 0.1 * span, max(rates.max(initial=0.0), 0.0) + 0.4 * span)
    ax.set_xlabel("certified rate (1/time)")
    if legend:
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=color, label=s) for s, color in CERTIFICATE_COLORS.items()],
                  loc="center right", fontsize="small", framealpha=0.85)
    return ax


def unit_ball(certificate, ax=None, *, pairs: Trajectory | None = None, dims=(0, 1), n_balls: int = 4,
              center=(0.0, 0.0)):
    """The unit ball of a certificate's norm in 2-D, and optionally contracting trajectory pairs inside it.

    An ``l2`` certificate with metric ``M`` has an ellipse ``v^T M v <= 1``, a weighted ``l1`` one the
    diamond ``|eta_1 v_1| + |eta_2 v_2| <= 1``, a weighted ``l-inf`` one the rectangle
    ``max |eta_i v_i| <= 1`` (for ``n > 2``, the slice through the plane of ``dims``).

    With ``pairs``, the difference vectors ``dx(t) = x(t) - y(t)`` of each pair are drawn from the
    origin, inside nested balls of radius ``r exp(-rate t_k)`` at ``n_balls`` times ``t_k``, where
    ``r`` is the largest initial distance: a certificate that holds promises each ``dx(t_k)`` (a dot
    of the ball's colour) lies inside its ball.

    Parameters
    ----------
    certificate : Certificate
    ax : matplotlib.axes.Axes, optional
    pairs : Trajectory, optional
        :func:`rnnlab.simulate` of initial states of shape ``(K, 2, n)``: ``K`` pairs.
    dims : (int, int)
        The two coordinates shown.
    n_balls : int
        Nested balls (and marked times) with ``pairs``.
    center : (float, float)
        Where the ball is drawn without ``pairs``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..certificates import Certificate

    check_result("certificate", certificate, Certificate)
    n = None if certificate.metric is None else np.asarray(certificate.metric).shape[0]
    if pairs is not None:
        check_result("pairs", pairs, Trajectory)
        if pairs.x.ndim != 4 or pairs.x.shape[2] != 2:
            raise ValueError(f"pairs must be simulated from x0 of shape (K, 2, n), got states {pairs.x.shape}")
        n = pairs.x.shape[-1]
    dims = _check_dims(dims, n if n is not None else 2)
    ax = axes_or_new(ax)
    boundary = ball_boundary(certificate, dims)  # (K, 2)
    title = f"{certificate.criterion}\nunit ball of its {certificate.norm} norm"
    if pairs is None:
        ax.plot(center[0] + boundary[:, 0], center[1] + boundary[:, 1], color="tab:blue", linewidth=2.0)
        ax.fill(center[0] + boundary[:, 0], center[1] + boundary[:, 1], color="tab:blue", alpha=0.15)
    else:
        dx = pairs.x[:, :, 0, :] - pairs.x[:, :, 1, :]  # (T, K, n)
        r0 = np.nanmax(certificate.distance(dx[0]))
        rate = certificate.rate if certificate.holds else 0.0
        marks = np.linspace(0, len(pairs.t) - 1, n_balls).round().astype(int)
        colors = plt.get_cmap(_BALL_CMAP)(np.linspace(0.0, 0.85, n_balls))
        for k, color in zip(marks, colors):
            t_k = pairs.t[k] - pairs.t[0]
            r = r0 * np.exp(-rate * t_k)
            ax.plot(r * boundary[:, 0], r * boundary[:, 1], color=color, linewidth=1.5,
                    label=f"t = {t_k:.2g}: radius {r:.2g}")
            ax.plot(dx[k, :, dims[0]], dx[k, :, dims[1]], "o", color=color, markersize=4, zorder=4)
        for path in np.moveaxis(dx, 1, 0):  # (T, n) per pair
            ax.plot(path[:, dims[0]], path[:, dims[1]], color="0.4", linewidth=0.8, zorder=3)
        ax.set_xlabel(f"$x_{dims[0] + 1} - y_{dims[0] + 1}$")
        ax.set_ylabel(f"$x_{dims[1] + 1} - y_{dims[1] + 1}$")
        title += f", radius $r e^{{-{rate:.2g} t}}$"
        ax.plot([], [], "o-", color="0.4", markersize=4, linewidth=0.8, label="x(t) - y(t), marked at each t")
        finish_legend(ax, True)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_title(title, fontsize="medium")
    return ax


def conservatism(study, ax=None, *, legend: bool = True, z: float = 1.96):
    """Fraction of random networks each criterion certifies against the swept parameter.

    Parameters
    ----------
    study : ConservatismStudy
        The result of :func:`rnnlab.conservatism.conservatism_study`.
    ax : matplotlib.axes.Axes, optional
    legend : bool
    z : float
        Error bars are Wilson intervals at this many standard deviations (1.96: 95%).

    Returns
    -------
    matplotlib.axes.Axes
        One line with error bars per criterion that applied to some sample (Theorem 2, which needs a
        symmetric ``W``, usually applies to none and is left out), and the necessary condition
        ``alpha(-I + g W) < 0`` dashed in black: no criterion can certify more.
    """
    from ..conservatism import ConservatismStudy

    check_result("study", study, ConservatismStudy)
    ax = axes_or_new(ax)
    lo, hi = study.interval(z)
    f = study.fractions
    markers = "osD^vP"  # criteria can coincide (Thm 1 and Thm 16 with a zero diagonal): vary the marker
    for c, name in enumerate(study.criteria):
        if not study.applies[c].any():
            continue
        ax.errorbar(study.values, f[c], yerr=[f[c] - lo[c], hi[c] - f[c]], marker=markers[c % len(markers)],
                    markersize=5, capsize=3, linewidth=1.5, alpha=0.85, label=name)
    ax.plot(study.values, study.necessary_fraction, "k--", linewidth=1.5, label="necessary: Hurwitz at D = gI")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(study.parameter)
    ax.set_ylabel("fraction certified")
    ax.set_title(f"n = {study.n}, {study.n_samples} samples per value ({study.settings['sampler']})",
                 fontsize="medium")
    finish_legend(ax, legend)
    return ax


def gain_curves(curves, ax=None, *, against: str = "g", legend: bool = True):
    """The outlier pole ``lambda_out`` and the bulk edge ``rho - 1`` against ``g`` or ``A``.

    Both are growth rates of the trained closed loop (Rivkind & Barak 2017: the largest Lyapunov
    exponent is ``max(lambda_out, rho - 1)``); the dotted zero line is the stability boundary.

    Parameters
    ----------
    curves : GainCurves
        From :func:`rnnlab.meanfield.gain_curves`.
    ax : matplotlib.axes.Axes, optional
    against : {"g", "A"}
        The swept parameter on the horizontal axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..meanfield import GainCurves

    check_result("curves", curves, GainCurves)
    if against not in ("g", "A"):
        raise ValueError(f"against must be 'g' or 'A', got {against!r}")
    ax = axes_or_new(ax)
    x = curves.g if against == "g" else curves.A
    ax.plot(x, curves.lambda_out, "o-", label=rf"$\lambda_{{out}}$ ({curves.phi})")
    ax.plot(x, curves.rho - 1.0, "s--", label=rf"$\rho - 1$ ({curves.phi})")
    ax.axhline(0.0, color="black", linestyle=":", linewidth=1.0)
    ax.set_xlabel(against)
    ax.set_ylabel("growth rate")
    finish_legend(ax, legend)
    return ax
