"""Explorers for ORGaNICs: the 2-D circuit (main and rectified side by side) and the normalization pool."""

from __future__ import annotations

from html import escape

import numpy as np
from matplotlib.colors import to_hex
from matplotlib.ticker import FixedLocator, LogLocator, MaxNLocator, NullLocator

from ..checks import as_real_array, interval, positive_int, positive_number, real_number
from ..organics_steady import contrast_response, ring_population
from ..organics_circuit import circuit_2d, circuit_portrait
from ..plots.artists import KIND_STYLES, PortraitArtists
from .figure import MARKER_CHARS, freeze_for_redraws, pin_labels
from .spec import ExplorerSpec, Html, Slider, slider_for

__all__ = ["circuit_spec", "normalization_spec"]


# ---------------------------------------------------------------------------------------------------
# the two-dimensional circuit


def _circuit_html(cps) -> str:
    """Per model: the theorem's case and every fixed point with its kind (markers as in the figure)."""
    blocks = []
    for title, cp in zip(("main (Eq. 15)", "rectified (Eq. 101)"), cps):
        rows = [f"<b>{title}</b>"]
        if cp.regime is not None:
            rows.append(f"<i>Thm {cp.regime.theorem}</i>: {escape(cp.regime.description)}")
        for (y, a), kind in zip(cp.fixed_points.x, cp.fixed_points.kinds):
            style = KIND_STYLES[kind]
            char = MARKER_CHARS[style["marker"]][style["markerfacecolor"] == "white"]
            rows.append(f"<span style='color:{to_hex(style['color'])}'>{char}</span> {kind} at "
                        f"(y, a) = ({y:.3f}, {a:.3f})")
        blocks.append("<br>".join(rows))
    note = "shading: log energy V of App. H (main model, w_r = 1 only)"
    return ("<div style='font-size:88%; line-height:1.3; max-width:32em'>" + "<br><br>".join(blocks)
            + f"<br><span style='color:#666'>{note}</span></div>")


class _CircuitView:
    """Two phase portraits (main, rectified) with an energy image each, moved in place by :meth:`draw`."""

    def __init__(self, fig, cps):
        ylim, alim = cps[0].portrait.xlim, cps[0].portrait.ylim
        axes = fig.subplots(1, 2, sharey=True)
        self.portraits, self.images = [], []
        for ax, cp in zip(axes, cps):
            self.portraits.append(PortraitArtists(ax, cp.portrait))
            image = ax.imshow(np.zeros((2, 2)), origin="lower", extent=(*ylim, *alim), aspect="auto",
                              cmap="Blues_r", alpha=0.45, zorder=0, interpolation="bilinear")
            self.images.append(image)
        # Set once, with fixed limits: the blitted render keeps them in its cached background and
        # never redraws them; the fixed points and the theorem's case live in the HTML key.
        for ax, title in zip(axes, ("main model (Eq. 15)", "rectified model (Eq. 101)")):
            ax.set_title(title, fontsize="medium")
            ax.set_xlabel("principal neuron $y$")
            ax.set_ylabel("modulator $a$")
        freeze_for_redraws(fig, axes)
        for ax in axes:
            ax.xaxis.set_major_locator(MaxNLocator(3))
            ax.yaxis.set_major_locator(MaxNLocator(3))
        pin_labels(fig, axes)

    def draw(self, cps) -> dict:
        for portrait, image, cp in zip(self.portraits, self.images, cps):
            portrait.update(cp.portrait)
            if cp.energy is None:
                image.set_visible(False)
            else:
                logV = np.log10(cp.energy + 1e-12)
                image.set_data(logV)
                image.set_clim(np.percentile(logV, 1), logV.max())
                image.set_visible(True)
        return {"key": _circuit_html(cps)}


def circuit_spec(w_r: float = 2.0, b0: float = 0.5, sigma: float = 0.1, b: float = 0.5, w: float = 1.0,
                     z: float = 1.0, tau_y: float = 2.0, tau_a: float = 2.0, *, ylim=(-1.5, 1.5),
                     alim=(0.0, 1.5),
                     n_grid: int = 15, n_nullcline: int = 81, w_r_range=(0.1, 4.0), gain_range=(0.05, 2.0),
                     z_range=(-2.0, 2.0), tau_range=(0.5, 10.0)) -> ExplorerSpec:
    """Explore the two-dimensional ORGaNICs circuit (Eq. 15), main and rectified (Eq. 101) side by side.

    Sliders set ``w_r, b0, sigma, b, w, z, tau_y, tau_a``. Each event computes, for both models,
    :func:`rnnlab.organics_circuit.circuit_portrait`: the vector field, the nullclines, every
    fixed point (from the quartic of Eq. 79, marked by kind) and, for the main model at ``w_r = 1``,
    the energy of App. H as shading; the key beside the sliders names the case of Theorem 5.1 or 5.2
    and lists the fixed points. Everything is updated in place.

    The defaults are Fig. 1b (``w_r = 2``, ``b0 = 0.5``, ``sigma = 0.1``, ``b = 0.5``, ``w = z = 1``,
    ``tau = 2`` ms): three fixed points in the main model, one in the rectified.

    Parameters
    ----------
    w_r, b0, sigma, b, w, z, tau_y, tau_a : float
        Initial values.
    ylim, alim : (float, float)
        The window (fixed, so that the artists are moved rather than rebuilt).
    n_grid, n_nullcline : int
        Arrows per axis; grid per axis of the nullclines and the energy.
    w_r_range, gain_range, z_range, tau_range : (float, float)
        Slider ranges (``gain_range`` for ``b0, sigma, b, w``).

    Returns
    -------
    ExplorerSpec
        Its result is ``(main, rectified)``, two :class:`~rnnlab.organics_circuit.CircuitPortrait`; the
        key beside the controls is ``"key"``. In a notebook: :func:`rnnlab.widgets.circuit_explorer`.

    Examples
    --------
    >>> from rnnlab.explorers import ExplorerState
    >>> ex = ExplorerState(circuit_spec())
    >>> [cp.fixed_points.kinds for cp in ex.result]
    [('unstable focus', 'saddle', 'stable focus'), ('stable focus',)]
    >>> ex.set(b0=1.0, sigma=1.0)                         # Fig. 1c: b0 sigma > 1 - 1/w_r
    >>> [len(cp.fixed_points) for cp in ex.result]
    [1, 1]
    """
    circuit_2d(w_r, b0, sigma, b, w, z, tau_y, tau_a)  # bad values raise here, before sliders clip them
    ylim, alim = interval("ylim", ylim), interval("alim", alim)
    positive_int("n_grid", n_grid), positive_int("n_nullcline", n_nullcline)
    controls = {
        "w_r": slider_for("w_r", w_r, "w_r_range", w_r_range, 0.05),
        **{name: slider_for(name, value, "gain_range", gain_range, 0.01)
           for name, value in (("b0", b0), ("sigma", sigma), ("b", b), ("w", w))},
        "z": slider_for("z", z, "z_range", z_range, 0.05),
        "tau_y": slider_for("tau_y", tau_y, "tau_range", tau_range, 0.1),
        "tau_a": slider_for("tau_a", tau_a, "tau_range", tau_range, 0.1),
    }

    def compute(w_r, b0, sigma, b, w, z, tau_y, tau_a):
        return tuple(
            circuit_portrait(circuit_2d(w_r, b0, sigma, b, w, z, tau_y, tau_a, rectified=rect), ylim, alim,
                             n_grid=n_grid, n_nullcline=n_nullcline)
            for rect in (False, True)
        )

    return ExplorerSpec(controls, compute, _CircuitView, figsize=(9.0, 4.0), columns=2, side=(Html("key"),))


# ---------------------------------------------------------------------------------------------------
# the normalization pool


def _pool_html(model, rates, curve, c50) -> str:
    peak = int(np.argmax(model.z))
    return ("<div style='font-size:90%; line-height:1.35; max-width:34em'>"
            "<i>left</i>, against preferred angle (deg), each relative to its peak: "
            "drive z<sub>i</sub> (grey), "
            "pool weights of the most driven neuron (purple), steady responses y<sub>i</sub><sup>+</sup> "
            "(blue, Eq. 2); <i>right</i>: the most driven neuron's response against contrast, relative to "
            "its ceiling, now in red<br>"
            f"<b>{model.n_neurons} neurons</b>; most driven: neuron {peak}, drive {model.z[peak]:.3f}, "
            f"pool sum W = {model.W[peak].sum():.3f}<br>"
            f"peak response y<sup>+</sup> = {rates.max():.4g}; population total = {rates.sum():.4g}; "
            f"ceiling {curve.y_plus[-1, 0]:.4g}<br>"
            f"half-saturation contrast c<sub>50</sub> = {c50:.3g}</div>")


class _PoolView:
    """Tuning (drive, pool, responses) and the most driven neuron's contrast curve, moved in place.

    Every curve is shown relative to its own peak, so the axes never rescale: with fixed limits the
    tick labels stay put, and the absolute numbers go to the HTML key (text in the figure is most of
    a redraw).
    """

    def __init__(self, fig, result):
        ax_tuning, ax_curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1.0]})
        model, _, curve, contrast = result
        deg = np.degrees(2 * np.pi * np.arange(model.n_neurons) / model.n_neurons)
        (self.drive,) = ax_tuning.plot(deg, deg * 0, "o-", color="0.55", markersize=3)
        (self.pool,) = ax_tuning.plot(deg, deg * 0, color="tab:purple", linewidth=1.2)
        (self.rates,) = ax_tuning.plot(deg, deg * 0, "o-", color="tab:blue", markersize=3)
        (self.curve,) = ax_curve.plot(curve.contrasts, curve.y_plus[:, 0], color="tab:blue")
        (self.now,) = ax_curve.plot([contrast], [0.0], "o", color="tab:red")
        ax_curve.set_xscale("log")
        ax_tuning.set_xlim(-10, 370)
        ax_curve.set_xlim(curve.contrasts[0], curve.contrasts[-1])
        for ax in (ax_tuning, ax_curve):
            ax.set_ylim(-0.05, 1.08)
        # Set once, with fixed limits: the blitted render never redraws them.
        ax_tuning.set_title(r"drive $z_i$, pool, responses $y_i^+$ (Eq. 2)", fontsize="medium")
        ax_tuning.set_xlabel(r"preferred angle $\theta_i$ (deg)")
        ax_tuning.set_ylabel("relative to its peak")
        ax_curve.set_title("most driven neuron", fontsize="medium")
        ax_curve.set_xlabel("contrast $c$")
        ax_curve.set_ylabel(r"$y^+ / y^+(c_{\max})$")
        self.axes = (ax_tuning, ax_curve)
        freeze_for_redraws(fig, self.axes)
        for ax in self.axes:
            ax.yaxis.set_major_locator(FixedLocator([0.0, 0.5, 1.0]))
        ax_tuning.xaxis.set_major_locator(FixedLocator([0, 90, 180, 270, 360]))
        ax_curve.xaxis.set_major_locator(LogLocator(numticks=3))
        ax_curve.xaxis.set_minor_locator(NullLocator())  # a log axis' minor ticks cost a third of a redraw
        pin_labels(fig, self.axes)

    def draw(self, result) -> dict:
        model, rates, curve, contrast = result
        peak = int(np.argmax(model.z))
        self.drive.set_ydata(model.z / max(model.z.max(), 1e-300))
        self.pool.set_ydata(model.W[peak] / model.W[peak].max())
        self.rates.set_ydata(rates / max(rates.max(), 1e-300))
        y = curve.y_plus[:, 0]
        ceiling = max(y[-1], 1e-300)
        self.curve.set_ydata(y / ceiling)
        self.now.set_data([contrast], [rates[peak] / ceiling])
        half = 0.5 * y[-1]
        c50 = float(np.interp(half, y, curve.contrasts)) if np.all(np.diff(y) >= 0) else float("nan")
        return {"key": _pool_html(model, rates, curve, c50)}


def normalization_spec(n: int = 24, stimulus: float = 90.0, contrast: float = 1.0,
                           tuning_width: float = 30.0, pool_width: float = 60.0, sigma: float = 0.2, *,
                           contrasts=None) -> ExplorerSpec:
    """Explore divisive normalization in a tuned population: ``n`` ORGaNICs neurons on a ring.

    Sliders set the stimulus angle, its contrast, the tuning width, the normalization pool width
    (angles in degrees) and ``sigma``. Each event builds
    :func:`rnnlab.models.organics.ring_population` and shows, each relative to its peak, the drive
    ``z_i`` with the pool of the most driven neuron and the steady responses ``y_i^+`` (Eq. 2, from
    Eq. 4 with ``W_r = I``), and that neuron's contrast-response curve (relative to its ceiling) with
    the current contrast marked; the absolute numbers are in the key beside the sliders.

    Parameters
    ----------
    n : int
        Neurons on the ring.
    stimulus, contrast, tuning_width, pool_width, sigma : float
        Initial values (angles in degrees).
    contrasts : array_like, optional
        Contrasts of the curve; default 25 values from 0.01 to 100.

    Returns
    -------
    ExplorerSpec
        Its result is ``(model, rates, curve, contrast)``; the key beside the controls is ``"key"``. In
        a notebook: :func:`rnnlab.widgets.normalization_explorer`.

    Examples
    --------
    >>> from rnnlab.explorers import ExplorerState
    >>> ex = ExplorerState(normalization_spec(n=12, stimulus=0.0))
    >>> model, rates, _, _ = ex.result
    >>> int(np.argmax(rates)), bool(np.allclose(rates, (model.fixed_point()[:12].clip(0)) ** 2))
    (0, True)
    """
    if contrasts is None:
        contrasts = np.geomspace(1e-2, 1e2, 25)
    contrasts = as_real_array("contrasts", contrasts, ndim=1)
    if contrasts.size < 2 or np.any(contrasts <= 0) or np.any(np.diff(contrasts) <= 0):
        raise ValueError(f"contrasts must be at least two increasing positive numbers, got {contrasts!r}")
    # bad values raise here, before sliders clip them
    stimulus, tuning_width, pool_width = (real_number(name, value) for name, value in (
        ("stimulus", stimulus), ("tuning_width", tuning_width), ("pool_width", pool_width)))
    contrast = positive_number("contrast", contrast)   # on a log slider
    ring_population(n, np.radians(stimulus), contrast=contrast, tuning_width=np.radians(tuning_width),
                    pool_width=np.radians(pool_width), sigma=sigma)
    controls = {
        "stimulus": Slider(stimulus, 0.0, 360.0, 5.0),
        "contrast": Slider(contrast, 1e-2, 1e2, 0.05, log=True),
        "tuning_width": Slider(tuning_width, 5.0, 120.0, 1.0, label="tuning"),
        "pool_width": Slider(pool_width, 2.0, 360.0, 1.0, label="pool width"),
        "sigma": Slider(sigma, 0.01, 2.0, 0.01),
    }

    def compute(stimulus, contrast, tuning_width, pool_width, sigma):
        model = ring_population(n, np.radians(stimulus), contrast=contrast,
                                tuning_width=np.radians(tuning_width), pool_width=np.radians(pool_width),
                                sigma=sigma)
        rates = model.firing_rates(model.fixed_point())[0]
        peak = int(np.argmax(model.z))
        unit = model.replace(z=model.z / max(contrast, 1e-300))  # the drive at contrast 1
        curve = contrast_response(unit, contrasts)
        curve = type(curve)(curve.contrasts, curve.y_plus[:, [peak]], curve.y_minus[:, [peak]],
                            curve.converged)
        return model, rates, curve, contrast

    return ExplorerSpec(controls, compute, _PoolView, figsize=(9.0, 3.2), columns=3, side=(Html("key"),))
