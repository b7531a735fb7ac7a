"""rnnlab.plots.meanfield draws the computed data: Nyquist curves with their mirror and the critical
point, the closed-loop spectrum with the bulk disk and outliers, transients, closed-loop gains."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from rnnlab import plots  # noqa: E402
from rnnlab.meanfield import default_frequencies, mean_field  # noqa: E402
from rnnlab.meanfield_targets import mean_field_targets  # noqa: E402
from rnnlab.models.reservoir import Reservoir  # noqa: E402
from rnnlab.readout import frequency_response, impulse_response, train_readout  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    return train_readout(Reservoir.random(80, 0.5, rng=0), [1.0])


def test_nyquist_draws_both_branches_of_each_curve_and_the_critical_point(trained):
    omega = default_frequencies(200)
    mf = mean_field(0.5, 1.0).frequency_response(omega)
    fin = frequency_response(trained, omega)
    ax = plots.nyquist(mf, fin)
    lines = ax.get_lines()
    for i, r in enumerate((mf, fin)):
        pos, mirror = lines[2 * i], lines[2 * i + 1]
        np.testing.assert_allclose(pos.get_xydata(), np.c_[r.G.real, r.G.imag])
        np.testing.assert_allclose(mirror.get_xydata(), np.c_[r.G.real, -r.G.imag])  # omega < 0
        assert pos.get_color() == mirror.get_color() and mirror.get_linestyle() == "--"
        assert f"({r.encirclements} encirclements)" in pos.get_label()
    assert lines[4].get_xydata().tolist() == [[1.0, 0.0]]  # the critical point 1 + 0i
    with pytest.raises(ValueError, match="responses"):
        plots.nyquist(np.zeros(3))


def test_closed_loop_spectrum_draws_eigenvalues_disk_and_outliers(trained):
    mf = mean_field(0.5, 1.0)
    ev = np.linalg.eigvals(trained.jacobian())
    ax = plots.closed_loop_spectrum(ev, mf)
    dots, disk, outliers = ax.get_lines()[:3]
    np.testing.assert_allclose(dots.get_xydata(), np.c_[ev.real, ev.imag])
    np.testing.assert_allclose(np.hypot(disk.get_xdata() + 1, disk.get_ydata()), mf.rho)
    assert outliers.get_xydata().tolist() == [[mf.lambda_out, 0.0]]
    loc = mean_field_targets(0.9, [0.5, 1.0, 1.5]).local[0]
    ax = plots.closed_loop_spectrum(prediction=loc)
    disk, outliers = ax.get_lines()[:2]
    np.testing.assert_allclose(outliers.get_xdata() + 1j * outliers.get_ydata(), loc.closed_loop_poles)
    with pytest.raises(ValueError, match="prediction"):
        plots.closed_loop_spectrum(ev, prediction="tanh")


def test_transient_draws_neurons_output_and_prediction(trained):
    mf = mean_field(0.5, 1.0)
    t = np.linspace(0, 10, 51)
    resp = impulse_response(trained, t, neurons=4, rng=0)
    ax = plots.transient(resp, mf)
    lines = ax.get_lines()
    for j in range(4):
        np.testing.assert_allclose(lines[j].get_ydata(), resp.x[:, j])
    np.testing.assert_allclose(lines[4].get_ydata(), resp.z)
    np.testing.assert_allclose(lines[5].get_ydata(), mf.A * mf.beta0 * np.exp(mf.lambda_out * t))


def test_closed_loop_gain_draws_the_magnitude_per_fixed_point():
    mf = mean_field_targets(0.9, [0.5, 1.0, 1.5])
    omega = np.linspace(0, 1, 21)
    ax = plots.closed_loop_gain(omega, mf.local[0], mf.local[2])
    for line, loc in zip(ax.get_lines(), (mf.local[0], mf.local[2])):
        np.testing.assert_allclose(line.get_ydata(), np.abs(loc.closed_loop_gain(omega)))
    assert [line.get_label() for line in ax.get_lines()] == ["A = 0.5", "A = 1.5"]
