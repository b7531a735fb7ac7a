"""rnnlab.conservatism: acceptance rates of the criteria on random networks, against the paper and plain loops."""

import numpy as np
import pytest

from rnnlab import sparse_weights, spectral_abscissa
from rnnlab.conservatism import CRITERIA, NECESSARY, ConservatismStudy, conservatism_study, wilson_interval

# Kozachkov et al. (2022), A4.2.1: 16 x 16, 40% density, entries uniform in [-0.4, 0.4], diagonal
# zeroed: "~1% of 16 by 16 weight matrices meeting the Theorem 1 condition".
PAPER_SETTING = dict(n=16, density=0.4, magnitude=0.4)
# Our own high-precision run of the same setting: conservatism_study("density", [0.4], n=16,
# n_samples=20000, criteria=["Kozachkov Thm 1"], rng=12345) certified 387 of 20000.
REFERENCE_COUNT, REFERENCE_N = 387, 20000


def test_theorem1_acceptance_rate_of_the_sparse_combo_net_init():
    N = 2000
    s = conservatism_study("density", [0.4], n=16, n_samples=N, magnitude=0.4, criteria=["Kozachkov Thm 1"],
                           rng=2022)
    f, se = s.fractions[0, 0], s.stderr[0, 0]
    f_ref = REFERENCE_COUNT / REFERENCE_N
    se_ref = np.sqrt(f_ref * (1 - f_ref) / REFERENCE_N)
    # Agrees with the independent high-precision run within 3 combined binomial standard errors ...
    assert abs(f - f_ref) <= 3 * np.hypot(se, se_ref)
    # ... and with the paper's "~1%", read as within a factor of 2: the 95% Wilson interval meets [0.5%, 2%].
    lo, hi = s.interval()
    assert lo[0, 0] <= 0.02 and hi[0, 0] >= 0.005
    assert 0.005 <= f_ref <= 0.02


def test_theorem1_count_equals_a_plain_loop_on_the_same_stream():
    # With a zero diagonal and g = 1, Theorem 1 holds iff |W| - I is Hurwitz (Kozachkov Sec. 4.1).
    s = conservatism_study("density", [0.3, 0.5], n=8, n_samples=150, magnitude=0.5,
                           criteria=["Kozachkov Thm 1"], rng=7)
    rng = np.random.default_rng(7)
    expected = [sum(spectral_abscissa(np.abs(sparse_weights(8, d, 0.5, rng=rng, zero_diagonal=True)) - np.eye(8)) < 0
                    for _ in range(150)) for d in (0.3, 0.5)]
    assert s.counts[0].tolist() == expected
    assert s.necessary.tolist() >= s.counts[0].tolist()


def test_no_criterion_certifies_more_than_the_necessary_condition_and_fractions_fall_with_g():
    s = conservatism_study("g", [0.3, 0.8, 2.5], n=3, n_samples=12, rng=1)
    assert set(s.criteria) == set(CRITERIA)  # n <= 5: Theorem 7 included
    assert np.all(s.counts <= s.necessary[None, :])
    assert s.fractions[:, 0].max() == 1.0 and np.all(s.fractions[:, 0] >= s.fractions[:, -1])
    assert s.fraction("Kozachkov Thm 1")[-1] < 0.5
    thm7 = s.fraction("Kozachkov Thm 7 (common metric)")
    for name in ("Kozachkov Thm 1", "Kozachkov Thm 5", "Davydov Thm 16 (l1)"):
        assert np.all(thm7 >= s.fraction(name))  # the exact constant-metric test beats its sufficient conditions
    assert s.applies[s.criteria.index("Kozachkov Thm 2")].sum() == 0  # random W is never symmetric
    assert s.table()[0][NECESSARY] == 1.0


def test_theorem7_is_skipped_for_large_n_and_the_seed_is_recorded():
    s = conservatism_study("magnitude", [0.1], n=6, n_samples=3, rng=5)
    assert not any("Thm 7" in c for c in s.criteria)
    assert isinstance(s, ConservatismStudy) and s.seed == 5 and s.settings["density"] == 0.4
    again = conservatism_study("magnitude", [0.1], n=6, n_samples=3, rng=5)
    assert np.array_equal(s.counts, again.counts)


def test_wilson_interval_covers_the_fraction_and_stays_in_unit_interval():
    lo, hi = wilson_interval([0, 5, 100], 100)
    assert lo[0] == 0.0 and hi[0] > 0.0 and hi[2] == pytest.approx(1.0) and lo[2] < 1.0
    assert lo[1] < 0.05 < hi[1]
    # z = 1.96 at k = 50 of 100: about +- 0.098, close to the normal approximation +- 1.96 * 0.05
    lo, hi = wilson_interval(50, 100)
    assert hi - lo == pytest.approx(2 * 1.96 * 0.05, rel=0.02)


@pytest.mark.parametrize("bad", [dict(parameter="gain"), dict(values=[]), dict(n_samples=0),
                                 dict(criteria=["Thm 99"])])
def test_bad_input_names_the_argument(bad):
    kwargs = dict(parameter="g", values=[1.0], n=3, n_samples=2) | bad
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name):
        conservatism_study(**kwargs)


@pytest.mark.parametrize("N", [1, 7, 60, 1000])
def test_wilson_interval_contains_the_fraction_exactly(N):
    # At k = 0 and k = N the two sides meet the fraction only up to rounding; they must not cross it,
    # or error bars built as (f - lo, hi - f) go negative.
    k = np.arange(N + 1)
    lo, hi = wilson_interval(k, N)
    assert np.all(lo <= k / N) and np.all(k / N <= hi)


def test_conservatism_plot_with_criteria_that_certify_nothing():
    import matplotlib

    matplotlib.use("Agg")
    from rnnlab import plots

    study = conservatism_study("g", [0.5, 3.0], n=8, n_samples=60, rng=0)  # g = 3: nothing certified
    assert np.any(study.counts[:, 1] == 0)
    ax = plots.conservatism(study)
    assert len(ax.containers) > 0
