"""Explorers for the mean-field theory of trained reservoirs: Nyquist plot, spectrum, predicted stability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation
from ..checks import check_choice, positive_int
from ..meanfield import FEEDBACK_DISTRIBUTIONS, FrequencyResponse, default_frequencies
from ..meanfield_targets import LocalGain, mean_field_targets
from ..plots.meanfield import CRITICAL_POINT, FINITE_N_COLOR, MEAN_FIELD_COLOR
from .figure import LOOSEST, freeze_for_redraws, pin_labels
from .spec import Button, Choice, ExplorerSpec, Html, Text, slider_for

__all__ = ["mean_field_spec", "MeanFieldView", "PHIS", "FINITE_N_TOOLTIP", "FINITE_N_CAPTION"]

#: The activations of the explorer's dropdown: the paper's tanh and its thresholded ReLU (Fig. 1C).
PHIS = {"tanh": Activation("tanh"), "relu, threshold 0.1": Activation("relu", threshold=0.1)}


#: What the "finite N" button does, as its tooltip and as the one-line caption beside it.
FINITE_N_TOOLTIP = ("Recompute the finite network now: train N neurons at the current g, targets and phi, "
                    "then its exact loop gain (one eigendecomposition of its Jacobian) and spectrum")
FINITE_N_CAPTION = ("<span style='font-size:90%; display:inline-block; max-width:26em'>"
                    "one trained network of N neurons, its exact gain from one eigendecomposition "
                    "(blue), against the mean field N &rarr; &infin; (red); Rivkind &amp; Barak 2017</span>")


def _parse_targets(text: str) -> list[float]:
    if not isinstance(text, str):
        raise ValueError(f"others (the other targets) must be a string of numbers separated by commas, "
                         f"got {text!r}")
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"others (the other targets) must be numbers separated by commas, got {text!r}") from None
    if not all(np.isfinite(values)):
        raise ValueError(f"others (the other targets) must be finite, got {text!r}")
    return values


@dataclass(frozen=True, eq=False)
class MeanFieldView:
    """One event's result: the mean field at the analysed target, and the finite-N network if current.

    Attributes
    ----------
    key : tuple
        ``(g, targets, phi, N)`` of this result.
    targets : ndarray
        All trained targets; the analysed one is ``targets[0]``.
    local : LocalGain or None
        The mean-field loop at ``targets[0]``; None when Eq. 8 or the covariances have no solution
        (``error`` says why).
    response : FrequencyResponse or None
        Its open-loop gain on the explorer's frequencies.
    finite : tuple or None
        ``(key, FrequencyResponse, eigenvalues)`` of the latest finite-N network; ``finite[0] != key``
        means it is stale (computed for other settings).
    error : str
    """

    key: tuple
    targets: np.ndarray
    local: LocalGain | None
    response: FrequencyResponse | None
    finite: tuple | None
    error: str = ""

    @property
    def finite_current(self) -> bool:
        """Whether the finite-N network was computed for this result's settings."""
        return self.finite is not None and self.finite[0] == self.key


def mean_field_spec(
    g: float = 0.9,
    A: float = 0.5,
    others: str = "1.0, 1.5",
    phi: str = "tanh",
    N: int = 200,
    *,
    feedback: str = "gaussian",
    seed: int = 0,
    n_omega: int = 300,
    n_nodes: int = 20,
    diagonal_nodes: int = 41,
    gain_range=(0.1, 1.6),
    target_range=(-2.0, 2.0),
    size_range=(50, 800),
) -> ExplorerSpec:
    """Explore the mean field of a trained reservoir (Rivkind & Barak 2017): Nyquist plot, spectrum and
    predicted stability of the fixed point at ``A``, with a finite-N network overlaid.

    Controls: ``g`` and ``A`` (sliders, live), ``others`` (the other trained targets, comma-separated,
    applied on Enter or blur), ``phi`` (tanh or the thresholded ReLU), ``N`` (slider, applied on
    release). Each event recomputes the mean field (:func:`~rnnlab.meanfield_targets.mean_field_targets`)
    and moves its curves: the Nyquist diagram of ``G_OL`` (red, with its mirror and the critical point
    ``1 + 0i``), the bulk disk and the predicted outliers (red), and the verdict in an HTML panel
    (``"verdict"``).

    The finite-N network (``N`` neurons, blue) costs seconds, so it is not recomputed on every event:

    * releasing the ``N`` slider (``live=False``: one event on release) recomputes it;
    * the button "finite N" (``"finite"``) recomputes it for the current settings (its tooltip and the
      caption beside it, :data:`FINITE_N_TOOLTIP` and :data:`FINITE_N_CAPTION`, say what it computes:
      the finite network's exact gain by one eigendecomposition, against the mean-field N -> infinity
      curve);
    * otherwise, after ``g``, ``A``, ``others`` or ``phi`` move, the old network stays drawn faded
      and the panel says it is stale.

    Parameters
    ----------
    g, A : float
        Initial gain and analysed target.
    others : str
        Initial other targets, e.g. ``"1.0, 1.5"`` (Fig. 2 with ``A = 0.5``); ``""`` for one target.
    phi : {"tanh", "relu, threshold 0.1"}
    N : int
        Initial size of the finite network.
    feedback : {"gaussian", "uniform"}
        Law of ``w_FB`` (fixed).
    seed : int
        Seed of the finite networks.
    n_omega : int
        Frequencies of the Nyquist curves.
    n_nodes, diagonal_nodes : int
        Quadrature nodes of the cross terms and of the diagonal ones (see
        :func:`~rnnlab.meanfield_targets.mean_field_targets`); with 20 and 41 the poles of Fig. 2
        are within 1e-3 of the converged ones and an event of three targets costs a few ms. Each
        event starts Newton from the previous event's covariances.

    Returns
    -------
    ExplorerSpec
        Its result is a :class:`MeanFieldView`. In a notebook: :func:`rnnlab.widgets.mean_field_explorer`.

    Examples
    --------
    >>> from rnnlab.explorers import ExplorerState
    >>> ex = ExplorerState(mean_field_spec(N=60))
    >>> ex.result.local.stable, ex.result.finite_current          # Fig. 2: A_1 = 0.5 is stable
    (True, True)
    >>> ex.set(A=1.0)                                             # A_2 = 1.0 is not
    >>> ex.result.local.stable, ex.result.finite_current
    (False, False)
    >>> ex.press("finite")                                        # recompute the finite network now
    >>> ex.result.finite_current, "current" in ex.texts["verdict"]
    (True, True)
    """
    check_choice("phi", phi, tuple(PHIS))
    check_choice("feedback", feedback, FEEDBACK_DISTRIBUTIONS)
    _parse_targets(others)
    for name, value in (("N", N), ("seed", seed), ("n_omega", n_omega), ("n_nodes", n_nodes),
                        ("diagonal_nodes", diagonal_nodes)):
        positive_int(name, value, minimum=0 if name == "seed" else 1)
    omega = default_frequencies(n_omega, 1e-3, 1e3)
    state = {"finite": None, "want_finite": True, "N": N, "mf": None}

    def finite_network(key):
        g_, targets, phi_, N_ = key
        from ..models.reservoir import Reservoir
        from ..readout import frequency_response, train_readout

        tr = train_readout(Reservoir.random(N_, g_, rng=seed, phi=PHIS[phi_], feedback=feedback), targets)
        return key, frequency_response(tr, omega), np.linalg.eigvals(tr.jacobian(0))

    def compute(g, A, others, phi, N):
        targets = np.array([A, *_parse_targets(others)])
        key = (float(g), tuple(targets), phi, int(N))
        if N != state["N"]:  # the N slider reports only on release
            state["want_finite"], state["N"] = True, N
        local, response, error = None, None, ""
        try:
            guess = state["mf"] if state["mf"] is not None and state["mf"].phi == PHIS[phi] else None
            mf = mean_field_targets(g, targets, phi=PHIS[phi], feedback=feedback, n_nodes=n_nodes,
                                    diagonal_nodes=diagonal_nodes, guess=guess)
            state["mf"], local = mf, mf.local[0]
            response = local.frequency_response(omega)
        except ValueError as err:  # no self-consistent solution (e.g. ReLU with g too large)
            error = str(err)
        if state["want_finite"] and error == "":
            try:
                state["finite"] = finite_network(key)
            except (RuntimeError, ValueError) as err:
                error = f"finite N: {err}"
            state["want_finite"] = False
        return MeanFieldView(key, targets, local, response, state["finite"], error)

    def want_finite():
        state["want_finite"] = True

    controls = {
        "g": slider_for("g", g, "gain_range", gain_range, 0.01),
        "A": slider_for("A", A, "target_range", target_range, 0.01),
        "others": Text(others),
        "phi": Choice(tuple(PHIS), phi),
        "N": slider_for("N", N, "size_range", size_range, 10, live=False, integer=True),
    }
    finite = Button("finite", "finite N", want_finite, tooltip=FINITE_N_TOOLTIP)
    return ExplorerSpec(controls, compute, _MeanFieldArtists, figsize=(9.0, 4.2), columns=2,
                        side=((finite, Html("caption", FINITE_N_CAPTION)), Html("verdict")))


def _verdict_html(result: MeanFieldView) -> str:
    if result.local is None:
        return f"<div style='font-size:90%'><b>no mean-field solution</b>: {result.error}</div>"
    loc = result.local
    poles = ", ".join(f"{p.real:+.3f}{p.imag:+.3f}i" for p in loc.closed_loop_poles)
    verdict = "<b style='color:#2ca02c'>stable</b>" if loc.stable else "<b style='color:#d62728'>unstable</b>"
    rows = [
        f"fixed point A = {loc.A:.2f} ({result.targets.size} "
        f"target{'s' if result.targets.size > 1 else ''}): {verdict}",
        f"rho = {loc.rho:.3f}{' (fading memory fails)' if loc.rho >= 1 else ''}",
        f"closed-loop poles: {poles}",
        f"Nyquist encirclements of 1+0i: {result.response.encirclements}",
    ]
    if result.finite is not None:
        _, fr, ev = result.finite
        state = "current" if result.finite_current else "stale: press 'finite N' or release N"
        rows.append(f"finite N = {result.finite[0][3]}: {int(np.sum(ev.real > 0))} unstable eigenvalues, "
                    f"{fr.encirclements} encirclements ({state})")
    if result.error:
        rows.append(result.error)
    # The figure's key lives here: text in a widget costs nothing at redraw, text in the figure does.
    key = ("<span style='color:#d62728'>&#9473;</span> mean field, "
           "<span style='color:#1f77b4'>&#9473;</span> finite N (dashed: &omega; &lt; 0); &#10005; = 1+0i. "
           "Left: Nyquist G<sub>OL</sub>(i&omega;). "
           "Right: spectrum, bulk disk, predicted outliers (&#10005;).")
    return "<div style='font-size:90%; line-height:1.35'>" + "<br>".join([*rows, key]) + "</div>"


class _MeanFieldArtists:
    """The explorer's figure: Nyquist diagram and closed-loop spectrum, made once and moved per event."""

    def __init__(self, fig, result):
        self.ax_nyq, self.ax_spec = fig.subplots(1, 2)
        ax = self.ax_nyq
        (self.mf,) = ax.plot([], [], color=MEAN_FIELD_COLOR, label="mean field")
        (self.mf_mirror,) = ax.plot([], [], color=MEAN_FIELD_COLOR, linestyle="--", linewidth=1.0)
        (self.fin,) = ax.plot([], [], color=FINITE_N_COLOR, label="finite N")
        (self.fin_mirror,) = ax.plot([], [], color=FINITE_N_COLOR, linestyle="--", linewidth=1.0)
        ax.plot([CRITICAL_POINT.real], [CRITICAL_POINT.imag], "x", color="black", markersize=10, mew=2)
        ax.axhline(0.0, color="0.7", linewidth=0.8, zorder=0)
        ax.axvline(0.0, color="0.7", linewidth=0.8, zorder=0)
        ax = self.ax_spec
        (self.eig,) = ax.plot([], [], ".", color=FINITE_N_COLOR, markersize=3)
        (self.disk,) = ax.plot([], [], color=MEAN_FIELD_COLOR)
        (self.poles,) = ax.plot([], [], "x", color=MEAN_FIELD_COLOR, markersize=9, mew=2)
        ax.axvline(0.0, color="black", linestyle=":", linewidth=1.0)
        self.theta = np.linspace(0, 2 * np.pi, 181)
        # Set once: the blitted render keeps them in its cached background, redrawn only with the limits.
        self.ax_nyq.set_title(r"Nyquist plot of $G_{OL}(i\omega)$ around $1 + 0i$", fontsize="medium")
        self.ax_nyq.set_xlabel(r"Re $G_{OL}(i\omega)$")
        self.ax_nyq.set_ylabel(r"Im $G_{OL}(i\omega)$")
        self.ax_spec.set_title(r"closed-loop spectrum at $x^*(A)$", fontsize="medium")
        self.ax_spec.set_xlabel(r"Re $\lambda$ ($1/\tau$)")
        self.ax_spec.set_ylabel(r"Im $\lambda$ ($1/\tau$)")
        freeze_for_redraws(fig, (self.ax_nyq, self.ax_spec))
        # The y labels stay automatic: the y tick labels change with the limits.
        pin_labels(fig, (self.ax_nyq, self.ax_spec), ylabels=False)

    def draw(self, result: MeanFieldView) -> dict:
        curves = []
        if result.response is not None:
            G = result.response.G
            self.mf.set_data(G.real, G.imag)
            self.mf_mirror.set_data(G.real, -G.imag)
            loc = result.local
            self.disk.set_data(-1 + loc.rho * np.cos(self.theta), loc.rho * np.sin(self.theta))
            p = loc.closed_loop_poles
            self.poles.set_data(p.real, p.imag)
            curves.append(G)
        else:
            for line in (self.mf, self.mf_mirror, self.disk, self.poles):
                line.set_data([], [])
        if result.finite is not None:
            _, fr, ev = result.finite
            self.fin.set_data(fr.G.real, fr.G.imag)
            self.fin_mirror.set_data(fr.G.real, -fr.G.imag)
            self.eig.set_data(ev.real, ev.imag)
            alpha = 1.0 if result.finite_current else 0.25
            for line in (self.fin, self.fin_mirror, self.eig):
                line.set_alpha(alpha)
            curves.append(fr.G)
        _fit(self.ax_nyq, np.concatenate([*curves, [CRITICAL_POINT, 0j]]))
        spec = [np.asarray([-2.1, 0.3 + 0.5j])]  # always show the disk's centre and the axis
        if result.local is not None:
            spec += [result.local.closed_loop_poles, -1 + result.local.rho * np.exp(1j * self.theta)]
        if result.finite is not None:
            spec.append(result.finite[2])
        _fit(self.ax_spec, np.concatenate(spec))
        return {"verdict": _verdict_html(result)}


def _fit(ax, z: np.ndarray) -> None:
    """Limits that show every complex point in ``z``, with a margin, in equal units.

    The current limits stay while they hold the tight window and are at most :data:`~rnnlab.explorers.figure.LOOSEST` times
    its size: a slider dragged back and forth then leaves the axes, their tick labels and their
    title and axis labels alone, so the blitted render redraws no text (with fresh limits at every
    event it redrew both axes' backgrounds at every event).
    """
    z = z[np.isfinite(z)]
    cx = (z.real.min() + z.real.max()) / 2
    half = 0.55 * max(z.real.max() - z.real.min(), 2 * np.abs(z.imag).max(), 1e-3)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    holds = x0 <= cx - half and cx + half <= x1 and y0 <= -half and half <= y1
    if holds and max(x1 - x0, y1 - y0) <= LOOSEST * 2 * half:
        return
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(-half, half)
