"""Bad input to the public entry points: a ValueError/TypeError naming the argument, never a silent
result, a NumPy traceback or a hang (issue 15). simulate is only called here, not fixed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlab

BAD_ARRAYS = st.sampled_from([
    np.zeros((0, 0)), np.array([[np.nan, 0.0], [0.0, 1.0]]), np.array([[np.inf, 0.0], [0.0, 1.0]]),
    np.array([[1j, 0.0], [0.0, 1.0]]), np.ones((2, 3)), np.ones(3), "fast", object(), None, rnnlab.RateRNN,
    np.array([["a", "b"], ["c", "d"]]), [[1.0, 2.0], [3.0]],
])
BAD_POSITIVE = st.one_of(st.sampled_from([0.0, -1.0, float("nan"), float("inf"), "fast", 1j, None, True]),
                         st.floats(max_value=0.0), st.text(max_size=3))
BAD_INT = st.one_of(st.integers(max_value=0), st.sampled_from([2.5, "3", None, float("nan")]))


def _refused(call, name):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert name in str(info.value), f"message does not name {name!r}: {info.value}"


MATRIX_ENTRIES = [
    ("W", lambda W: rnnlab.RateRNN(W)),
    ("W", lambda W: rnnlab.FiringRateRNN(W)),
    ("A", lambda A: rnnlab.Hopfield(A)),
    ("A", lambda A: rnnlab.LinearSystem(A)),
    ("A", lambda A: rnnlab.lognorm(A)),
    ("A", lambda A: rnnlab.spectral_abscissa(A)),
    ("A", lambda A: rnnlab.optimal_weights(A)),
    ("A", lambda A: rnnlab.metzler_majorant(A)),
]


@pytest.mark.parametrize("name, entry", MATRIX_ENTRIES, ids=[f"{i}" for i in range(len(MATRIX_ENTRIES))])
@settings(max_examples=12, deadline=None)
@given(bad=BAD_ARRAYS)
def test_bad_matrices_are_refused_by_name(name, entry, bad):
    _refused(lambda: entry(bad), name)


MODEL = rnnlab.RateRNN(0.5 * np.eye(2))


@settings(max_examples=25, deadline=None)
@given(tau=BAD_POSITIVE)
def test_bad_time_constants_are_refused_by_name(tau):
    _refused(lambda: rnnlab.RateRNN(np.eye(2), tau=tau), "tau")


@settings(max_examples=25, deadline=None)
@given(tol=BAD_POSITIVE, max_iter=BAD_INT)
def test_solver_settings_are_refused_by_name(tol, max_iter):
    _refused(lambda: rnnlab.find_fixed_points(MODEL, tol=tol), "tol")
    _refused(lambda: rnnlab.find_fixed_points(MODEL, max_iter=max_iter), "max_iter")
    _refused(lambda: rnnlab.optimal_weights(np.eye(2), tol=tol), "tol")
    _refused(lambda: rnnlab.optimal_weights(np.eye(2), max_iter=max_iter), "max_iter")


@pytest.mark.parametrize("entry", [rnnlab.find_fixed_points, rnnlab.certify,
                                   lambda m: rnnlab.jacobian_spectrum(m, np.zeros(2)),
                                   lambda m: rnnlab.simulate(m, np.zeros(2), 1.0)])
@pytest.mark.parametrize("bad", [rnnlab.RateRNN, "model", None, np.eye(2)])
def test_models_must_be_model_instances(entry, bad):
    _refused(lambda: entry(bad), "model")


@pytest.mark.parametrize("bad", [[np.nan], [], [np.inf, -1.0], "a"])
def test_classify_refuses_what_has_no_kind(bad):
    _refused(lambda: rnnlab.classify(bad), "eigenvalues")


@settings(max_examples=20, deadline=None)
@given(g=st.one_of(BAD_POSITIVE, st.floats(min_value=1e151, max_value=1e308)))
def test_mean_field_gain_is_refused_by_name(g):
    _refused(lambda: rnnlab.mean_field(g, 1.0), "g")


def test_work_that_cannot_finish_is_refused_before_it_starts():
    _refused(lambda: rnnlab.stability_trials(2, (1.0,), 10**30), "n_trials")
    _refused(lambda: rnnlab.stability_trials(2, (1.0,), 1, t_settle=1e300), "t_settle")


def test_certify_selects_and_guards():
    certs = rnnlab.certify(MODEL, criteria=["Kozachkov Thm 1"])
    assert [c.criterion for c in certs] == ["Kozachkov Thm 1"]
    _refused(lambda: rnnlab.certify(MODEL, criteria=["nope"]), "criteria")
    n = 50
    rng = np.random.default_rng(0)
    big = rnnlab.ORGaNICs(W=np.abs(rng.normal(size=(n, n))) / n, z=rng.uniform(0, 1, n), sigma=0.1)
    (cert,) = rnnlab.certify(big)
    assert not cert.applies and "size_guard=False" in cert.note and "why not" in str(rnnlab.certify(big))
    assert "skipped" in rnnlab.certify(big)._repr_html_()
    # Theorem 7 at n = 6 is skipped by the guard with its reason, the fast criteria still run
    six = rnnlab.certify(rnnlab.RateRNN(0.1 * np.eye(6)))
    thm7 = [c for c in six if c.criterion.startswith("Kozachkov Thm 7")]
    assert len(thm7) == 1 and not thm7[0].applies and "n = 6 > 5" in thm7[0].note
    assert any(c.holds for c in six)
