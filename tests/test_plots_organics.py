"""rnnlab.plots.organics draws the computed data: fixed points, energy, spectra, curves, trials."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from rnnlab import plots  # noqa: E402
from rnnlab.certificates.organics import damping_stiffness, quadratic_eigenvalues  # noqa: E402
from rnnlab.models.organics import ORGaNICs  # noqa: E402
from rnnlab.organics_steady import contrast_response, normalization_curve  # noqa: E402
from rnnlab.organics_circuit import circuit_2d, circuit_portrait  # noqa: E402
from rnnlab.organics_trials import stability_trials  # noqa: E402



def _points(ax, label):
    line = next(line for line in ax.lines if line.get_label() == label)
    return np.asarray(line.get_xydata())


def test_circuit_portrait_marks_every_fixed_point_by_kind():
    cp = circuit_portrait(circuit_2d(2.0, 0.5, 0.1), (-1.5, 1.5), (0.0, 1.0), n_grid=9, n_nullcline=61)
    ax = plots.circuit_portrait(cp)
    for kind in set(cp.fixed_points.kinds):
        mine = np.array(cp.fixed_points.kinds) == kind
        np.testing.assert_allclose(_points(ax, kind), cp.fixed_points.x[mine])
        line = next(line for line in ax.lines if line.get_label() == kind)
        assert line.get_marker() == plots.KIND_STYLES[kind]["marker"]
    assert cp.energy is None and not any("energy" in line.get_label() for line in ax.lines)


def test_energy_contours_are_the_energy_levels():
    cp = circuit_portrait(circuit_2d(1.0, 0.5, 0.5), n_grid=9, n_nullcline=61)
    ax = plots.circuit_portrait(cp, levels=7)
    (contours,) = [c for c in ax.collections if hasattr(c, "levels")]
    levels = np.asarray(contours.levels)
    assert len(levels) == 7 and np.all(np.diff(np.log(levels)) > 0)
    assert levels[-1] == pytest.approx(cp.energy.max())
    # the stable point sits at the bottom of the energy (V = 0 there)
    (x_s,) = cp.fixed_points.x
    j, i = np.unravel_index(np.argmin(cp.energy), cp.energy.shape)
    assert abs(cp.energy_y[i] - x_s[0]) < 2 * np.ptp(cp.energy_y) / 60
    assert abs(cp.energy_a[j] - x_s[1]) < 2 * np.ptp(cp.energy_a) / 60
    assert any("energy" in line.get_label() for line in ax.lines)


def test_spectrum_draws_both_eigenvalue_sets():
    model = ORGaNICs(W=np.full((3, 3), 0.4), z=[1.0, -0.5, 0.2], sigma=0.3)
    lam = np.linalg.eigvals(model.jacobian(0.0, model.fixed_point()))
    mu = quadratic_eigenvalues(*damping_stiffness(model))
    ax = plots.organics_spectrum(lam, mu)
    np.testing.assert_allclose(_points(ax, "eig J"), np.c_[lam.real, lam.imag])
    np.testing.assert_allclose(_points(ax, "Eq. 8 roots"), np.c_[mu.real, mu.imag])


def test_normalization_curves_draw_the_rates():
    model = ORGaNICs(W=[[1.0, 0.5], [0.5, 1.0]], z=[1.0, -0.5], sigma=0.5)
    curve = normalization_curve(model, np.geomspace(0.01, 10, 9))
    ax = plots.normalization_curves(curve)
    np.testing.assert_allclose(_points(ax, "neuron 0: $y^+$")[:, 1], curve.y_plus[:, 0])
    np.testing.assert_allclose(_points(ax, "neuron 1: $y^-$")[:, 1], curve.y_minus[:, 1])
    assert ax.get_xscale() == "log"
    ax2 = plots.normalization_curves(contrast_response(model, [0.0, 0.5, 1.0]), neurons=[0])
    assert ax2.get_xscale() == "linear" and len(ax2.lines) == 1
    with pytest.raises(ValueError, match="neurons"):
        plots.normalization_curves(curve, neurons=[5])
    with pytest.raises(ValueError, match="curve"):
        plots.normalization_curves(model)


def test_trial_plots_draw_the_fractions_and_errors():
    trials = stability_trials(3, (1.0, 3.0), 3, rng=1, t_settle=30.0, iterations=3)
    ax = plots.stability_trials(trials)
    np.testing.assert_allclose([p.get_height() for p in ax.patches], trials.fractions)
    ax = plots.iteration_errors(trials)
    e = trials.iteration_errors[0, 0]
    expected = np.maximum(e[np.all(np.isfinite(e), axis=-1)], 1e-16).mean(axis=0)
    np.testing.assert_allclose(ax.containers[0].lines[0].get_ydata(), expected)
    with pytest.raises(ValueError, match="trials"):
        plots.stability_trials("trials")
