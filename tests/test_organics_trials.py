"""Appendix G's Algorithm 2 and the random stability trials of Sec. 5 / Fig. 4 (Rawat et al. 2024)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.models.organics import ORGaNICs
from rnnlab.organics_steady import iterate_fixed_point
from rnnlab.organics_trials import TRIAL_RANGES, _stacked_field, random_organics, stability_trials
from rnnlab.simulate import simulate

seeds = st.integers(0, 2**32 - 1)


# --- Algorithm 2 (App. G) -----------------------------------------------------------------------


@given(seed=seeds, n=st.integers(1, 5))
@settings(max_examples=20)
def test_algorithm2_start_is_eqs_115_116(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    W_r = (A + A.T) / np.linalg.norm(A + A.T, 2)  # symmetric, as Eq. 114 assumes
    model = random_organics(n, seed).replace(W_r=W_r)
    result = iterate_fixed_point(model, init="algorithm2", max_iter=0)
    lam = np.max(np.linalg.eigvalsh(W_r))
    bz, c = model.b * model.z, model.b0**2 * model.sigma**2
    d = lambda m: lam - lam**2 + lam**2 * m  # noqa: E731
    a0 = c + model.W @ ((W_r @ bz / d(np.sqrt(c))) ** 2 * c)
    y0 = W_r @ bz / d(np.sqrt(a0))
    # same formulas summed in another order: agreement to round-off of the eigenvalue (~1e-12), not 1 ulp
    np.testing.assert_allclose(result.iterates[0], np.concatenate([y0, a0]), rtol=1e-10)
    assert result.lambda_m == pytest.approx(lam)


@given(seed=seeds, n=st.integers(1, 5))
@settings(max_examples=20)
def test_algorithm2_with_lambda_one_is_algorithm1(seed, n):
    model = random_organics(n, seed).replace(W_r=np.eye(n))
    one = iterate_fixed_point(model, init="algorithm1")
    two = iterate_fixed_point(model, init="algorithm2")
    assert two.lambda_m == 1.0 and one.iterations == two.iterations
    np.testing.assert_allclose(one.iterates, two.iterates, rtol=1e-12)
    np.testing.assert_allclose(two.x, model.fixed_point(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1])
def test_both_algorithms_reach_the_simulated_fixed_point_in_few_iterations(seed):
    """Fig. 4a: 10 E neurons, |W_r|_2 = 1, |z| < 1; the error against a long simulation shrinks fast."""
    model = random_organics(10, seed)
    x0 = np.concatenate([np.zeros(10), np.full(10, 0.5)])
    tau = np.concatenate([model.tau_y, model.tau_a])
    x_sim = simulate(model, x0, np.linspace(0.0, 150 * tau.max(), 301), dt=tau.min() / 10).final
    for init in ("algorithm1", "algorithm2"):
        result = iterate_fixed_point(model, init=init, tol=1e-12)
        errors = result.errors(x_sim)
        assert result.converged and errors[-1] < 1e-7
        assert errors[min(4, len(errors) - 1)] < 1e-2 * errors[0]  # a few iterations: two orders of magnitude
        assert 0 < result.rate < 1


def test_non_convergence_is_diagnosed_not_raised():
    """A permutation W_r (|W_r|_2 = 1) with inputs of opposite signs: the iteration stalls."""
    model = ORGaNICs(W=np.full((2, 2), 0.5), z=[0.6, -0.3], W_r=[[0.0, 1.0], [1.0, 0.0]])
    result = iterate_fixed_point(model, init="algorithm2", max_iter=60)
    assert not result.converged and result.iterations == 60 and result.rate > 0.9
    assert result.iterates.shape == (61, 4) and result.residual > 1e-3
    with pytest.raises(ValueError, match="init"):
        iterate_fixed_point(model, init="newton")
    with pytest.raises(ValueError, match="x_true"):
        result.errors(np.zeros(3))


# --- random trials (Sec. 5, Fig. 4) -------------------------------------------------------------


@given(seed=seeds, s=st.floats(0.1, 4.0), n=st.integers(1, 6))
@settings(max_examples=20)
def test_random_circuits_obey_the_constraints(seed, s, n):
    model = random_organics(n, seed, max_singular_value=s)
    assert np.linalg.norm(model.W_r, 2) == pytest.approx(s, rel=1e-12)
    assert np.linalg.norm(model.z) <= 1.0
    for name in ("b", "b0", "sigma", "tau_y", "tau_a", "W"):
        lo, hi = TRIAL_RANGES[name]
        v = getattr(model, name)
        assert np.all(v > lo) and np.all(v <= hi)


def test_stacked_field_is_the_models_vector_field():
    models = [random_organics(3, k, max_singular_value=1 + k) for k in range(4)]
    P = {"bz": np.stack([m.b * m.z for m in models]), "c": np.stack([m.b0**2 * m.sigma**2 for m in models]),
         "W_r": np.stack([m.W_r for m in models]), "W": np.stack([m.W for m in models]),
         "tau_y": np.stack([m.tau_y for m in models]), "tau_a": np.stack([m.tau_a for m in models])}
    x = np.random.default_rng(0).normal(size=(4, 6))
    np.testing.assert_allclose(_stacked_field(x, P), [m.vector_field(0.0, xi) for m, xi in zip(models, x)])


def test_trials_at_bound_one_are_all_stable_with_a_wilson_interval():
    trials = stability_trials(5, (1.0, 3.0), 6, rng=3, t_settle=60.0, iterations=6)
    assert trials.counts[0] == 6 and trials.fractions[0] == 1.0
    lo, hi = trials.interval()
    assert np.all(lo <= trials.fractions) and np.all(trials.fractions <= hi) and hi[0] == 1.0 and lo[0] < 1
    assert set(trials.outcomes.ravel()) <= {"stable", "unstable", "unsettled", "diverged"}
    # a stable trial's simulated state is a zero of its own vector field: rebuild the circuits from the seed
    assert np.all(trials.residuals[trials.outcomes == "stable"] <= 1e-6)
    assert np.all(trials.spectral_abscissa[trials.outcomes == "stable"] < 0)
    assert trials.algorithm_agrees[:, 0].all()  # at |W_r|_2 = 1 both algorithms find the simulated point
    assert not trials.algorithm_agrees[:, 1][:, trials.outcomes[1] != "stable"].any()
    errors = trials.iteration_errors[:, 0]  # (2, N, K + 1) at |W_r|_2 = 1
    assert np.all(errors[..., -1] < 1e-3 * errors[..., 0])
    rows = trials.table()
    assert rows[0]["stable"] == 6 and rows[1]["max_singular_value"] == 3.0
    assert sum(rows[1][k] for k in ("stable", "unstable", "unsettled", "diverged")) == 6


def test_bad_trial_arguments():
    with pytest.raises(ValueError, match="n_trials"):
        stability_trials(3, (1.0,), 0)
    with pytest.raises(ValueError, match="max_singular_values"):
        stability_trials(3, (-1.0,), 2)
    with pytest.raises(ValueError, match="ranges"):
        stability_trials(3, (1.0,), 2, ranges={"b": (0, 1)})
    with pytest.raises(ValueError, match="n must"):
        random_organics(0)
    with pytest.raises(ValueError, match="max_singular_value"):
        random_organics(3, max_singular_value=0.0)
