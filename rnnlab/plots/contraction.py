"""Plots of contraction: which criteria certify a model (:func:`certificates`), the unit ball of a
certificate's norm with contracting trajectory pairs (:func:`unit_ball`), and how often each
criterion certifies random networks (:func:`conservatism`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..simulate import Trajectory
from .artists import CERTIFICATE_COLORS, axes_or_new, ball_boundary, check_dims, check_result, finish_legend

__all__ = ["certificates", "unit_ball", "conservatism"]


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
    dims = check_dims(dims, n if n is not None else 2)
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
