"""The model zoo: exact Jacobians, batching, inputs, the Miller-Fumarola map, immutability, bad input."""

from dataclasses import FrozenInstanceError

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rnnlab import (
    Activation,
    FiringRateModel,
    FiringRateRNN,
    Hopfield,
    LinearSystem,
    Model,
    RateRNN,
    simulate,
)

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 6)
times = st.floats(-5.0, 5.0)


def _fd_tolerance(J):
    # Central differences with h = 1e-6: truncation ~1e-12, round-off ~1e-10 times |f|.
    return dict(rtol=1e-6, atol=1e-6 * (1.0 + np.abs(J).max()))


# ---------------------------------------------------------------------------------------------------
# Jacobians against finite differences, for every class of the zoo


@given(seed=seeds, n=sizes, t=times, time_varying=st.booleans())
def test_jacobian_equals_finite_difference(model_class, make_model, fd_jac, seed, n, t, time_varying):
    model = make_model(model_class, seed, n, time_varying=time_varying)
    x = np.random.default_rng(seed + 1).normal(0.0, 2.0, size=n)
    J = model.jacobian(t, x)
    assert J.shape == (n, n)
    np.testing.assert_allclose(J, fd_jac(lambda z: model.vector_field(t, z), x), **_fd_tolerance(J))


@given(seed=seeds, n=sizes, t=times)
def test_batched_jacobian_equals_finite_difference(model_class, make_model, fd_jac, seed, n, t):
    model = make_model(model_class, seed, n, time_varying=True)
    x = np.random.default_rng(seed + 1).normal(0.0, 2.0, size=(3, 2, n))
    J = model.jacobian(t, x)
    assert J.shape == (3, 2, n, n)
    for i in np.ndindex(3, 2):
        np.testing.assert_allclose(J[i], fd_jac(lambda z: model.vector_field(t, z), x[i]), **_fd_tolerance(J))
        np.testing.assert_allclose(J[i], model.jacobian(t, x[i]), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("cls", [RateRNN, Hopfield])
@given(seed=seeds, n=sizes, threshold=st.floats(-1.0, 1.0))
def test_relu_jacobian_equals_finite_difference_away_from_kinks(cls, make_model, fd_jac, seed, n, threshold):
    # In these two models the ReLU acts on the state itself, so keeping x away from the threshold
    # keeps the finite difference away from the kink.
    model = make_model(cls, seed, n, phi="relu").replace(phi=Activation("relu", threshold=threshold))
    x = np.random.default_rng(seed + 1).normal(0.0, 2.0, size=n)
    assume(np.all(np.abs(x - threshold) > 1e-3))
    J = model.jacobian(0.0, x)
    np.testing.assert_allclose(J, fd_jac(lambda z: model.vector_field(0.0, z), x), **_fd_tolerance(J))


@given(seed=seeds, n=sizes, t=times)
def test_vector_field_on_a_batch_equals_single_evaluations(model_class, make_model, seed, n, t):
    model = make_model(model_class, seed, n, time_varying=True)
    x = np.random.default_rng(seed + 1).normal(0.0, 2.0, size=(4, 3, n))
    f = model.vector_field(t, x)
    assert f.shape == (4, 3, n)
    single = np.array([[model.vector_field(t, x[i, j]) for j in range(3)] for i in range(4)])
    np.testing.assert_allclose(f, single, rtol=1e-14, atol=1e-14)


def test_every_model_follows_the_protocol(model_class, make_model):
    model = make_model(model_class, 0, 3)
    assert isinstance(model, Model)
    assert model.n == 3


# ---------------------------------------------------------------------------------------------------
# The equations themselves


def test_vector_fields_are_the_papers_equations(rng):
    n = 4
    W, x = rng.normal(size=(n, n)), rng.normal(size=n)
    u, C, tau = rng.normal(size=n), rng.uniform(0.1, 2.0, size=n), rng.uniform(0.5, 2.0, size=n)
    th = np.tanh
    np.testing.assert_allclose(LinearSystem(W, u=u).vector_field(0.0, x), W @ x + u, rtol=1e-13)
    np.testing.assert_allclose(  # Kozachkov et al. (2022), Eq. 1
        RateRNN(W, u=u, tau=tau).vector_field(0.0, x), (-x + W @ th(x) + u) / tau, rtol=1e-13
    )
    np.testing.assert_allclose(  # Kozachkov et al. (2022), Eq. 4
        FiringRateRNN(W, b=u, tau=tau).vector_field(0.0, x), (-x + th(W @ x + u)) / tau, rtol=1e-13
    )
    np.testing.assert_allclose(  # Davydov et al. (2022), Eq. 14
        Hopfield(W, C=C, u=u).vector_field(0.0, x), -C * x + W @ th(x) + u, rtol=1e-13
    )
    np.testing.assert_allclose(  # Davydov et al. (2022), Eq. 18
        FiringRateModel(W, C=C, u=u).vector_field(0.0, x), -C * x + th(W @ x + u), rtol=1e-13
    )


@given(seed=seeds, n=sizes, t=times)
def test_time_varying_input_equals_the_frozen_constant(model_class, make_model, seed, n, t):
    # A callable input u(t) gives at time t the vector field of the model with the constant u(t).
    model = make_model(model_class, seed, n, time_varying=True)
    name = _input_name(model_class)
    u_t = getattr(model, name)(t)
    frozen = model.replace(**{name: u_t})
    x = np.random.default_rng(seed + 1).normal(size=(2, n))
    np.testing.assert_allclose(model.vector_field(t, x), frozen.vector_field(9.0, x), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(model.jacobian(t, x), frozen.jacobian(9.0, x), rtol=1e-14, atol=1e-14)


def test_time_varying_input_is_followed_by_the_simulator():
    # x' = -x + sin t from x(0) = 0 has x(t) = (sin t - cos t + e^{-t}) / 2.
    model = LinearSystem([[-1.0]], u=lambda t: np.sin(t))
    t = np.linspace(0.0, 5.0, 51)
    traj = simulate(model, [0.0], t, dt=1e-2)
    np.testing.assert_allclose(traj.x[:, 0], (np.sin(t) - np.cos(t) + np.exp(-t)) / 2, atol=1e-9)


@given(seed=seeds, n=sizes)
def test_per_neuron_tau_divides_each_row(seed, n):
    rng = np.random.default_rng(seed)
    W, u, x = rng.normal(size=(n, n)), rng.normal(size=n), rng.normal(size=(5, n))
    tau = rng.uniform(0.1, 3.0, size=n)
    for cls, kw in ((RateRNN, {"u": u}), (FiringRateRNN, {"b": u})):
        fast, slow = cls(W, tau=1.0, **kw), cls(W, tau=tau, **kw)
        np.testing.assert_allclose(slow.vector_field(0.0, x), fast.vector_field(0.0, x) / tau, rtol=1e-13)
        np.testing.assert_allclose(slow.jacobian(0.0, x), fast.jacobian(0.0, x) / tau[:, None], rtol=1e-13)


@given(seed=seeds, n=sizes)
def test_rate_rnn_with_tau_is_a_hopfield_network(seed, n):
    # tau x' = -x + W phi(x) + u  <=>  x' = -(1/tau) x + (W/tau) phi(x) + u/tau.
    rng = np.random.default_rng(seed)
    W, u, x = rng.normal(size=(n, n)), rng.normal(size=n), rng.normal(size=(5, n))
    rnn, hop = RateRNN(W, u=u, tau=2.0), Hopfield(W / 2, C=0.5, u=u / 2)
    np.testing.assert_allclose(rnn.vector_field(0.0, x), hop.vector_field(0.0, x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(rnn.jacobian(0.0, x), hop.jacobian(0.0, x), rtol=1e-13, atol=1e-14)


def test_random_rate_rnn_has_gaussian_weights():
    rnn = RateRNN.random(200, g=1.5, rng=3, u=0.1)
    assert rnn.n == 200
    np.testing.assert_array_equal(rnn.W, RateRNN.random(200, g=1.5, rng=3).W)
    # std of 40000 samples: relative standard error 1/sqrt(2 * 40000) ~ 0.35 %, so 2 % is > 5 sigma.
    assert rnn.W.std() * np.sqrt(200) == pytest.approx(1.5, rel=0.02)
    np.testing.assert_array_equal(rnn.u, np.full(200, 0.1))


# ---------------------------------------------------------------------------------------------------
# The Miller-Fumarola map (Kozachkov et al. 2022, appendix A1.1)


def _mf_pair(seed, n, tau=0.7):
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, 1.5 / np.sqrt(n), size=(n, n))
    return W, rng.normal(0.0, 0.5, size=n), rng.normal(size=n), tau


@pytest.mark.parametrize("seed, n", [(0, 1), (1, 3), (2, 5)])
def test_miller_fumarola_map_holds_along_trajectories(seed, n):
    # y solves tau y' = -y + phi(W y + b)  =>  x = W y + b solves tau x' = -x + W phi(x) + b.
    W, b, y0, tau = _mf_pair(seed, n)
    fr = FiringRateRNN(W, b=b, tau=tau, phi=Activation("tanh", gain=1.3))
    rate = fr.to_rate()
    assert isinstance(rate, RateRNN)
    t = np.linspace(0.0, 5.0, 51)
    y = simulate(fr, y0, t, dt=1e-3).x
    x = simulate(rate, fr.rate_state(0.0, y0), t, dt=1e-3).x
    np.testing.assert_allclose(x, fr.rate_state(t[:, None], y), rtol=0, atol=1e-10)
    np.testing.assert_allclose(x, y @ W.T + b, rtol=0, atol=1e-10)
    # The map moves the trajectory: this is not x == y.
    assert np.abs(x - y).max() > 1e-2


def test_rate_rnn_maps_back_to_the_firing_rate_form():
    W, b, _, tau = _mf_pair(4, 3)
    rate = RateRNN(W, u=b, tau=tau, phi="sigmoid")
    fr = rate.to_firing_rate()
    assert isinstance(fr, FiringRateRNN)
    np.testing.assert_array_equal(fr.W, W)
    np.testing.assert_array_equal(fr.b, b)
    np.testing.assert_array_equal(fr.tau, rate.tau)
    assert fr.phi == rate.phi
    # Round trip: the rate twin of the twin has the original vector field.
    x = np.random.default_rng(5).normal(size=(4, 3))
    np.testing.assert_allclose(fr.to_rate().vector_field(0.0, x), rate.vector_field(0.0, x), rtol=1e-14)


def test_miller_fumarola_map_with_time_varying_input():
    # b(t) = b0 sin t: the rate input is v = b + tau b' = b0 (sin t + tau cos t).
    n, tau = 3, 0.7
    W, b0, y0, _ = _mf_pair(6, n)
    fr = FiringRateRNN(W, b=lambda t: b0 * np.sin(t), tau=tau)
    rate = fr.to_rate(b_dot=lambda t: b0 * np.cos(t))
    np.testing.assert_allclose(rate.u(0.4), b0 * (np.sin(0.4) + tau * np.cos(0.4)), rtol=1e-14)
    t = np.linspace(0.0, 5.0, 51)
    y = simulate(fr, y0, t, dt=1e-3).x
    x = simulate(rate, fr.rate_state(0.0, y0), t, dt=1e-3).x
    expected = np.array([fr.rate_state(tk, yk) for tk, yk in zip(t, y)])
    np.testing.assert_allclose(x, expected, rtol=0, atol=1e-9)
    # Forgetting the tau b' term breaks the map, so the check above has teeth.
    wrong = simulate(fr.to_rate(b_dot=lambda t: 0.0 * t), fr.rate_state(0.0, y0), t, dt=1e-3).x
    assert np.abs(wrong - expected).max() > 1e-2


def test_map_needs_b_dot_and_constant_u():
    fr = FiringRateRNN([[1.0]], b=np.sin)
    with pytest.raises(ValueError, match="b_dot"):
        fr.to_rate()
    with pytest.raises(ValueError, match=r"\bu\b"):
        RateRNN([[1.0]], u=np.sin).to_firing_rate()


def test_map_refuses_per_neuron_tau():
    # With tau = diag(tau_i) not a multiple of I, W tau^-1 != tau^-1 W and x = W y + b no longer maps
    # one form onto the other; a vector tau that is constant is fine.
    W = np.array([[0.0, 1.0], [-1.0, 0.5]])
    with pytest.raises(ValueError, match="tau"):
        FiringRateRNN(W, tau=[1.0, 2.0]).to_rate()
    with pytest.raises(ValueError, match="tau"):
        RateRNN(W, tau=[1.0, 2.0]).to_firing_rate()
    assert FiringRateRNN(W, tau=[2.0, 2.0]).to_rate().tau.tolist() == [2.0, 2.0]


# ---------------------------------------------------------------------------------------------------
# Immutability and validation


def _matrix_name(cls):
    return "A" if cls in (LinearSystem, Hopfield, FiringRateModel) else "W"


def _input_name(cls):
    return "b" if cls is FiringRateRNN else "u"


def test_models_are_frozen(model_class, make_model):
    model = make_model(model_class, 0, 3)
    matrix = _matrix_name(model_class)
    with pytest.raises(FrozenInstanceError):
        setattr(model, matrix, np.eye(3))
    with pytest.raises(ValueError):  # the stored arrays are read-only too
        getattr(model, matrix)[0, 0] = 1.0


def test_parameters_are_copied_not_shared():
    W = np.eye(2)
    rnn = RateRNN(W)
    W[0, 0] = 5.0
    assert rnn.W[0, 0] == 1.0


def test_replace_changes_and_revalidates():
    rnn = RateRNN([[0.5, 1.0], [0.0, 0.5]], tau=1.0)
    slow = rnn.replace(tau=4.0)
    np.testing.assert_allclose(slow.vector_field(0.0, [1.0, 1.0]), rnn.vector_field(0.0, [1.0, 1.0]) / 4)
    assert rnn.tau.tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="tau"):
        rnn.replace(tau=-1.0)
    with pytest.raises(ValueError, match="phi"):
        rnn.replace(phi="tahn")
    with pytest.raises(ValueError, match=r"\bC\b"):
        Hopfield(np.eye(2)).replace(C=[1.0, -0.1])


@pytest.mark.parametrize(
    "bad",
    [
        np.ones((2, 3)),
        np.ones(3),
        np.ones((2, 2, 2)),
        [[1.0, np.nan], [0.0, 1.0]],
        [[np.inf, 0.0], [0.0, 1.0]],
    ],
    ids=["not-square", "vector", "3-d", "nan", "inf"],
)
def test_bad_matrix_raises_naming_it(model_class, bad):
    name = _matrix_name(model_class)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        model_class(bad)


@pytest.mark.parametrize(
    "bad", [np.ones(3), np.ones((2, 2)), [np.nan, 0.0], lambda t: np.ones(3), lambda t: np.ones((2, 2))],
    ids=["too-long", "matrix", "nan", "callable-too-long", "callable-matrix"],
)
def test_bad_input_raises_naming_it(model_class, bad):
    name = _input_name(model_class)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        model_class(np.eye(2), **{name: bad})


@pytest.mark.parametrize("cls", [RateRNN, FiringRateRNN])
@pytest.mark.parametrize("tau", [0.0, -1.0, [1.0, -0.5], [1.0, 0.0], np.nan, np.inf, [1.0, 2.0, 3.0]])
def test_bad_tau_raises(cls, tau):
    with pytest.raises(ValueError, match="tau"):
        cls(np.eye(2), tau=tau)


@pytest.mark.parametrize("cls", [Hopfield, FiringRateModel])
@pytest.mark.parametrize("C", [-1.0, [1.0, -0.5], np.nan, [1.0, 2.0, 3.0]])
def test_bad_leak_raises(cls, C):
    with pytest.raises(ValueError, match=r"\bC\b"):
        cls(np.eye(2), C=C)


@pytest.mark.parametrize("cls", [RateRNN, FiringRateRNN, Hopfield, FiringRateModel])
def test_unknown_activation_raises(cls):
    with pytest.raises(ValueError, match="phi"):
        cls(np.eye(2), phi="tahn")


@pytest.mark.parametrize("cls", [Hopfield, FiringRateModel])
def test_zero_leak_is_allowed(cls):
    # C is positive semi-definite (Davydov et al. 2022, Eq. 14): C = 0 is a valid model.
    model = cls(np.eye(2), C=0.0)
    np.testing.assert_array_equal(model.jacobian(0.0, np.zeros(2)), np.eye(2))
