"""rnnlab.plots for certificates: the bars, balls and curves drawn are the numbers computed."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import rnnlab  # noqa: E402
from rnnlab import Certificate, RateRNN, plots, simulate  # noqa: E402
from rnnlab.conservatism import conservatism_study  # noqa: E402

MODEL = RateRNN([[0.3, -0.8], [0.6, 0.2]])



def _cert(norm, metric, rate=0.5):
    return Certificate("test", True, rate, norm, None if metric is None else np.asarray(metric), "ref")


def test_certificates_draws_one_bar_per_criterion_of_its_rate_and_colour():
    certs = rnnlab.certify(MODEL)
    ax = plots.certificates(certs)
    bars = ax.patches[: len(certs)]
    for bar, c in zip(bars[::-1], certs[::-1]):
        expected = c.rate if c.applies and np.isfinite(c.rate) else 0.0
        assert bar.get_width() == pytest.approx(expected)
        status = "n/a" if not c.applies else "holds" if c.holds else "fails"
        assert matplotlib.colors.same_color(bar.get_facecolor(), plots.CERTIFICATE_COLORS[status])
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())), reverse=True)
    assert [label for _, label in ticks] == [c.criterion for c in certs]  # the first criterion on top


@pytest.mark.parametrize("norm, metric", [("l2", [[2.0, 0.5], [0.5, 1.0]]), ("l1", [1.0, 3.0]),
                                          ("linf", [0.5, 2.0]), ("l2", None)])
def test_unit_ball_boundary_has_unit_norm_and_the_right_extent(norm, metric):
    cert = _cert(norm, metric)
    ax = plots.unit_ball(cert)
    xy = ax.lines[0].get_xydata()
    assert np.allclose(cert.distance(xy), 1.0)
    if norm != "l2":
        eta = np.ones(2) if metric is None else np.asarray(metric)
        assert np.abs(xy).max(axis=0) == pytest.approx(1.0 / eta)


def test_unit_ball_with_pairs_nests_balls_and_the_difference_vectors_stay_inside():
    cert = rnnlab.certify(MODEL).best
    x0 = np.random.default_rng(0).normal(0.0, 2.0, size=(5, 2, 2))
    pairs = simulate(MODEL, x0, np.linspace(0.0, 3.0, 31))
    ax = plots.unit_ball(cert, pairs=pairs, n_balls=3)
    balls, dots = ax.lines[0:6:2], ax.lines[1:6:2]
    radii = [cert.distance(b.get_xydata()).mean() for b in balls]
    assert np.all(np.diff(radii) < 0)
    assert radii[1] / radii[0] == pytest.approx(np.exp(-cert.rate * 1.5), rel=1e-6)
    for r, d in zip(radii, dots):
        assert np.all(cert.distance(d.get_xydata()) <= r * (1 + 1e-9))
    with pytest.raises(ValueError, match="pairs"):
        plots.unit_ball(cert, pairs=simulate(MODEL, x0[:, 0], pairs.t))


def test_conservatism_plots_fractions_with_wilson_bars_and_the_necessary_curve():
    s = conservatism_study("g", [0.3, 1.0, 2.0], n=4, n_samples=8, criteria=["Kozachkov Thm 1", "Kozachkov Thm 2"],
                           rng=0)
    ax = plots.conservatism(s)
    bars = {container.get_label(): container for container in ax.containers}
    assert set(bars) == {"Kozachkov Thm 1"}  # Theorem 2 applies to no random W
    thm1 = bars["Kozachkov Thm 1"]
    assert np.array_equal(thm1.lines[0].get_ydata(), s.fraction("Kozachkov Thm 1"))
    lo, hi = s.interval()
    segments = thm1.lines[2][0].get_segments()
    assert np.allclose([seg[:, 1] for seg in segments], np.c_[lo[0], hi[0]])
    (necessary,) = [line for line in ax.lines if line.get_label().startswith("necessary")]
    assert np.array_equal(necessary.get_ydata(), s.necessary_fraction)
    with pytest.raises(ValueError, match="study"):
        plots.conservatism(s.table())
