"""Tests of rnnlab.parallel_time: the scan, the parallel-in-time methods, the certified Jacobi bound."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import SEED, random_model
from rnnlab import Certificate, Hopfield, LinearSystem, RateRNN, certify, simulate
from rnnlab.parallel_time import (
    METHODS,
    jacobi_bound,
    linear_scan,
    lyapunov_exponents,
    metric_norm,
    parallel_dichotomy,
    parallel_evaluate,
    sequential_evaluate,
    sequential_scan,
    step_map,
)


@given(seed=st.integers(0, 2**32 - 1), T=st.integers(1, 40), n=st.integers(1, 4), diagonal=st.booleans())
def test_scan_equals_sequential_recurrence(seed, T, n, diagonal):
    rng = np.random.default_rng(seed)
    A = rng.uniform(-1.2, 1.2, size=(T, n) if diagonal else (T, n, n)) / (1 if diagonal else np.sqrt(n))
    b, x0 = rng.normal(size=(T, n)), rng.normal(size=n)
    expected = sequential_scan(A, b, x0)
    atol = 1e-10 * (1 + np.abs(expected).max())
    np.testing.assert_allclose(linear_scan(A, b, x0), expected, rtol=1e-10, atol=atol)


def _contracting_models():
    rng = np.random.default_rng(SEED)
    W = 0.3 * rng.normal(size=(4, 4)) / 2
    u = lambda t: 0.3 * np.sin(t) * np.ones(4)  # noqa: E731
    return [
        LinearSystem([[-1.0, 2.0], [-2.0, -1.0]], u=0.5),
        RateRNN(W, u=u, tau=1.5),
        Hopfield(W, C=1.0, u=0.2),
    ]


@pytest.mark.parametrize("step", ["euler", "rk4"])
@pytest.mark.parametrize("method", METHODS)
def test_every_method_reproduces_simulate(method, step):
    # Two routes: the parallel iterations against rnnlab.simulate's sequential fixed steps.
    T, dt = 60, 0.1
    for model in _contracting_models():
        x0 = np.linspace(-1.0, 1.0, model.n)
        res = parallel_evaluate(model, x0, T, dt, method=method, step=step, tol=1e-11)
        ref = simulate(model, x0, dt * np.arange(T + 1), method=step).x
        assert res.converged and res.status == "converged"
        np.testing.assert_allclose(res.x, ref, atol=1e-9)
        assert res.residuals[-1] <= 1e-11 < res.residuals[0]


def test_iterate_k_makes_the_first_k_steps_exact():
    model = random_model(RateRNN, SEED, 3, time_varying=True)
    x0, T, dt = np.ones(3), 30, 0.05
    exact = sequential_evaluate(model, x0, T, dt)
    for method in METHODS:
        res = parallel_evaluate(model, x0, T, dt, method=method, tol=1e-300, max_iter=10, keep_iterates=True)
        for k, it in enumerate(res.iterates):
            np.testing.assert_allclose(it[: k + 1], exact[: k + 1], atol=1e-12, rtol=0)


def test_newton_is_exact_after_one_iteration_on_an_affine_map():
    model = LinearSystem([[-0.5, 1.0], [-1.0, -0.5]], u=lambda t: np.array([np.sin(t), 1.0]))
    for step in ("euler", "rk4"):
        res = parallel_evaluate(model, [1.0, 0.0], 200, 0.05, method="newton", step=step, tol=1e-10)
        assert res.iterations == 1


def test_rk4_map_of_a_linear_system_is_the_taylor_polynomial():
    A = np.array([[-1.0, 3.0], [-2.0, 0.5]])
    h, x = 0.2, np.array([[0.3, -0.7]])
    P = sum(np.linalg.matrix_power(h * A, j) / math.factorial(j) for j in range(5))
    F, dF = step_map(LinearSystem(A), [0.0], x, h, step="rk4", jacobian=True)
    np.testing.assert_allclose(F[0], P @ x[0], rtol=1e-14)
    np.testing.assert_allclose(dF[0], P, rtol=1e-14)


def _sup_jacobian_norm(model, cert):
    # |J(D)| in an induced norm is convex in the slopes D, so its sup over the box 0 <= D <= g is at a vertex.
    g, n = model.phi.d_max, model.n
    Ds = np.array(list(itertools.product([0.0, g], repeat=n)))
    if isinstance(model, RateRNN):
        J = (model.W[None] * Ds[:, None, :] - np.eye(n)) / model.tau[:, None]
    else:
        J = model.A[None] * Ds[:, None, :] - np.diag(model.C)
    return float(np.max(metric_norm(J, cert)))


@given(seed=st.integers(0, 2**32 - 1), hopfield=st.booleans(), dt=st.sampled_from([0.05, 0.2, 0.5]))
def test_certified_jacobi_bound_holds(seed, hopfield, dt):
    rng = np.random.default_rng(seed)
    n = 3
    W = rng.normal(size=(n, n))
    W *= rng.uniform(0.1, 0.45) / np.linalg.norm(W, 2)  # |W|_2 < 1/2 <= min C: certified in l2 at least
    u = rng.normal(size=n)
    if hopfield:
        model = Hopfield(W, C=rng.uniform(0.5, 1.5, n), u=u)
    else:
        model = RateRNN(W, u=u, tau=rng.uniform(0.5, 2))
    cert = certify(model).best
    assert cert is not None
    bound = jacobi_bound(cert, dt, _sup_jacobian_norm(model, cert))
    x0, T = rng.normal(size=n), 40
    exact = sequential_evaluate(model, x0, T, dt)
    res = parallel_evaluate(model, x0, T, dt, method="jacobi", tol=1e-300, max_iter=T, keep_iterates=True)
    errors = np.max(cert.distance(res.iterates - exact), axis=1)  # (k,)
    assert np.all(errors <= bound.error(np.arange(len(errors)), errors[0]) * (1 + 1e-9) + 1e-13)
    if cert.norm != "l2" and dt <= 2 / (bound.jacobian_norm + bound.rate):
        assert bound.factor == pytest.approx(1 - cert.rate * dt)


def test_jacobi_bound_is_one_minus_c_dt_to_first_order_in_l2():
    cert = Certificate("example", True, 0.5, "l2", None, "-")
    for dt in (1e-2, 1e-3):
        assert jacobi_bound(cert, dt, 3.0).factor == pytest.approx(1 - 0.5 * dt, abs=5 * dt**2)


def test_chaotic_net_is_flagged_not_converged():
    chaotic = RateRNN.random(100, 3.0, rng=np.random.default_rng(0))
    x0 = sequential_evaluate(chaotic, np.random.default_rng(1).normal(size=100), 300, 0.1)[-1]
    assert lyapunov_exponents(chaotic, x0, 600, 0.1)[0] > 0
    res = parallel_evaluate(chaotic, x0, 400, 0.1, method="newton", max_iter=8)
    assert not res.converged and res.status == "max_iter" and res.residuals[-1] > res.tol
    stable = RateRNN(chaotic.W / 10)
    assert parallel_evaluate(stable, x0, 400, 0.1, method="newton", max_iter=8).converged


def test_lyapunov_exponents_of_a_diagonal_linear_map():
    A, dt = np.diag([-0.5, -1.0, 0.2]), 0.1
    lam = lyapunov_exponents(LinearSystem(A), [1.0, 1.0, 1.0], 50, dt, k=3)
    np.testing.assert_allclose(lam, np.sort(np.log(1 + dt * np.diag(A)) / dt)[::-1], rtol=1e-12)


def test_dichotomy_orders_the_counts():
    d = parallel_dichotomy([0.2, 3.0], n=40, T=150, dt=0.5, max_iter=150, rng=SEED)
    assert np.isfinite(d.rate[0]) and np.isnan(d.rate[1])
    assert d.iterations["jacobi"][0] <= d.jacobi_bound[0]
    assert d.lyapunov[0] < 0
    for m in d.methods:
        assert d.iterations[m][0] < d.iterations[m][1]


@pytest.mark.parametrize(
    "kwargs, match",
    [({"method": "euler"}, "method"), ({"step": "rk45"}, "step"), ({"T": 0}, "T"), ({"dt": -1.0}, "dt"),
     ({"tol": 0.0}, "tol"), ({"max_iter": -1}, "max_iter"), ({"init": np.zeros((3, 2))}, "init"),
     ({"x0": [1.0]}, "x0")],
)
def test_bad_input_names_the_argument(kwargs, match):
    args = {"x0": [1.0, 0.0], "T": 10, "dt": 0.1} | kwargs
    with pytest.raises(ValueError, match=match):
        parallel_evaluate(LinearSystem(-np.eye(2)), **args)


def test_bound_needs_a_holding_certificate():
    with pytest.raises(ValueError, match="certificate"):
        jacobi_bound(Certificate("x", False, -1.0, "l2", None, "-"), 0.1, 1.0)
    with pytest.raises(TypeError, match="certificate"):
        jacobi_bound(0.5, 0.1, 1.0)
    with pytest.raises(ValueError, match="A must"):
        linear_scan(np.zeros((3, 2, 3)), np.zeros((3, 2)), np.zeros(2))


def test_plots_draw_and_return_axes():
    import matplotlib.pyplot as plt

    from rnnlab.plots.parallel_time import parallel_dichotomy as plot_dichotomy
    from rnnlab.plots.parallel_time import parallel_iterates, parallel_residuals

    model = RateRNN([[0.0, 0.5], [-0.5, 0.0]], u=0.1)
    res = [parallel_evaluate(model, [1.0, 0.0], 50, 0.1, method=m, keep_iterates=True) for m in METHODS]
    ax = parallel_iterates(res[0], every=5)
    assert len(ax.lines) == len(range(0, res[0].iterations + 1, 5)) + 1
    ax = parallel_residuals(res)
    assert len(ax.get_lines()) == 2 * len(METHODS)
    d = parallel_dichotomy([0.2, 3.0], n=10, T=30, dt=0.5, methods=("newton",), rng=SEED)
    _, ax = plt.subplots()
    assert plot_dichotomy(d, ax=ax) is ax
    with pytest.raises(ValueError, match="iterates"):
        parallel_iterates(parallel_evaluate(model, [1.0, 0.0], 5, 0.1))
