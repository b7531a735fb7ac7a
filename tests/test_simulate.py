"""The simulator: agreement with the matrix exponential, orders of convergence, batching, divergence."""

import re
import warnings
from dataclasses import dataclass

import hypothesis
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

from rnnlab import DivergenceError, DivergenceWarning, LinearSystem, RateRNN, simulate

ADAPTIVE = ("dopri5", "RK45", "RK23", "DOP853", "LSODA", "BDF", "Radau")


def _exact(A, x0, t):
    """``expm(A t) x0`` at each time, shape ``(T, ..., n)``."""
    return np.stack([np.asarray(x0) @ scipy.linalg.expm(A * tk).T for tk in t])


def _random_linear(rng, n, shift):
    """A random ``A`` with spectral abscissa ``shift`` (stable if negative), and a state."""
    A = rng.normal(size=(n, n)) / np.sqrt(n)
    A += (shift - np.linalg.eigvals(A).real.max()) * np.eye(n)
    return A, rng.normal(size=n)


@dataclass(frozen=True)
class Riccati:
    """``x' = x^2``: from ``x0 > 0`` the solution ``x0 / (1 - x0 t)`` blows up at ``t = 1 / x0``."""

    n: int = 1

    def vector_field(self, t, x):
        return x**2

    def jacobian(self, t, x):
        return 2 * x[..., None]


# ---------------------------------------------------------------------------------------------------
# Accuracy


@pytest.mark.parametrize("shift", [-0.5, 0.0, 0.3], ids=["stable", "marginal", "unstable"])
def test_rk4_equals_matrix_exponential(rng, shift):
    A, x0 = _random_linear(rng, 4, shift)
    t = np.linspace(0.0, 3.0, 31)
    traj = simulate(LinearSystem(A), x0, t, method="rk4", dt=1e-3)
    np.testing.assert_allclose(traj.x, _exact(A, x0, t), rtol=0, atol=1e-10 * np.abs(_exact(A, x0, t)).max())
    assert traj.method == "rk4" and not traj.any_diverged
    assert traj.n_evaluations == 4 * 3000


def test_rk4_with_input_equals_variation_of_constants(rng):
    # x' = A x + u has x(t) = e^{At} x0 + A^{-1} (e^{At} - I) u.
    A, x0 = _random_linear(rng, 3, -0.4)
    u = rng.normal(size=3)
    t = np.linspace(0.0, 2.0, 11)
    traj = simulate(LinearSystem(A, u=u), x0, t, method="rk4", dt=1e-3)
    expected = _exact(A, x0, t) + np.stack(
        [np.linalg.solve(A, (scipy.linalg.expm(A * tk) - np.eye(3)) @ u) for tk in t]
    )
    np.testing.assert_allclose(traj.x, expected, atol=1e-10)


@pytest.mark.parametrize("method, order", [("euler", 1), ("rk4", 4)])
def test_order_of_convergence(method, order):
    # Global error ~ C dt^p: halving dt divides the error by 2^p.
    A = np.array([[-0.5, 2.0], [-2.0, -0.5]])
    x0, t = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    exact = _exact(A, x0, t)[-1]
    errors = [
        np.abs(simulate(LinearSystem(A), x0, t, method=method, dt=dt).final - exact).max()
        for dt in (0.02, 0.01, 0.005)
    ]
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    np.testing.assert_allclose(ratios, 2.0**order, rtol=0.1)


@pytest.mark.parametrize("method", ADAPTIVE)
def test_adaptive_methods_agree_with_matrix_exponential(rng, method):
    A, _ = _random_linear(rng, 3, -0.2)
    x0 = rng.normal(size=(2, 3))
    t = np.linspace(0.0, 2.0, 9)
    traj = simulate(LinearSystem(A), x0, t, method=method, rtol=1e-9, atol=1e-11)
    assert traj.x.shape == (9, 2, 3)
    # Global error of a tolerance-controlled solver: a few hundred times rtol over this span.
    np.testing.assert_allclose(traj.x, _exact(A, x0, t), rtol=0, atol=1e-6)
    loose = simulate(LinearSystem(A), x0, t, method=method, rtol=1e-3, atol=1e-6)
    assert np.abs(loose.x - _exact(A, x0, t)).max() > np.abs(traj.x - _exact(A, x0, t)).max()


def test_rate_rnn_fixed_and_adaptive_agree(rng):
    model = RateRNN.random(5, g=1.2, rng=rng, u=rng.normal(size=5), tau=[0.5, 1, 1, 2, 1])
    x0, t = rng.normal(size=(3, 5)), np.linspace(0.0, 4.0, 21)
    reference = simulate(model, x0, t, method="DOP853", rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(simulate(model, x0, t, method="rk4", dt=2e-3).x, reference.x, atol=1e-9)
    implicit = simulate(model, x0, t, method="Radau", rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(implicit.x, reference.x, atol=1e-6)


def test_default_is_one_step_per_interval_and_dt_subdivides():
    sys = LinearSystem([[-1.0]])
    t = np.array([0.0, 0.1, 0.3])
    coarse = simulate(sys, [1.0], t, method="euler")
    np.testing.assert_allclose(coarse.x[:, 0], [1.0, 0.9, 0.9 * 0.8])
    fine = simulate(sys, [1.0], t, method="euler", dt=0.05)  # steps of 0.05: 2 then 4 steps
    np.testing.assert_allclose(fine.x[:, 0], [1.0, 0.95**2, 0.95**6])
    assert fine.n_evaluations == 6


# ---------------------------------------------------------------------------------------------------
# Batches


@pytest.mark.parametrize("method", ["dopri5", "rk4", "RK45"])
def test_batch_shape_is_preserved(rng, method):
    A, _ = _random_linear(rng, 2, -0.3)
    x0 = rng.normal(size=(4, 3, 2))
    t = np.linspace(0.0, 1.0, 6)
    traj = simulate(LinearSystem(A), x0, t, method=method, dt=1e-2, rtol=1e-10, atol=1e-12)
    assert traj.x.shape == (6, 4, 3, 2)
    assert traj.diverged.shape == traj.t_diverged.shape == (4, 3)
    assert traj.final.shape == (4, 3, 2)
    np.testing.assert_array_equal(traj.x[0], x0)
    np.testing.assert_allclose(traj.x, _exact(A, x0, t), atol=1e-8)
    # Each member of the batch is the trajectory from its own state.
    single = simulate(LinearSystem(A), x0[2, 1], t, method=method, dt=1e-2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(traj.x[:, 2, 1], single.x, atol=1e-8)


# ---------------------------------------------------------------------------------------------------
# Divergence


@pytest.mark.parametrize("method", ["dopri5", "rk4", "euler", "RK45", "RK23", "DOP853", "LSODA", "BDF",
                                    "Radau"])
def test_diverging_trajectory_is_flagged_and_the_other_is_not(method):
    # x' = diag(1, -1) x: from e1 the state is e^t e1 (leaves |x| <= bound at log(bound)), from e2 it decays.
    bound, dt = 1e3, 1e-3
    t = np.linspace(0.0, 10.0, 101)
    with pytest.warns(DivergenceWarning):
        traj = simulate(LinearSystem(np.diag([1.0, -1.0])), np.eye(2), t, method=method, dt=dt, bound=bound,
                        rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(traj.diverged, [True, False])
    assert traj.n_diverged == 1 and traj.any_diverged
    t_star = np.log(bound)
    # Euler undershoots e^t, so it crosses later; still within a few percent of log(bound).
    slack = 0.05 * t_star if method == "euler" else 2 * dt
    assert t_star - 1e-6 <= traj.t_diverged[0] <= t_star + slack
    assert np.isnan(traj.t_diverged[1])
    before, after = t < traj.t_diverged[0], t >= traj.t_diverged[0]
    assert np.all(np.isfinite(traj.x[before, 0])) and np.all(np.isnan(traj.x[after, 0]))
    assert np.all(np.abs(traj.x[before, 0]) <= bound)
    # The survivor is untouched by its neighbour's stop.
    assert np.all(np.isfinite(traj.x[:, 1]))
    atol = 1e-2 if method == "euler" else 1e-7
    np.testing.assert_allclose(traj.x[:, 1], np.stack([0 * t, np.exp(-t)], axis=-1), atol=atol)


def test_on_divergence_modes():
    model, x0, t = LinearSystem([[1.0]]), [1.0], np.linspace(0.0, 20.0, 41)
    with pytest.warns(DivergenceWarning, match="1 of 1"):
        simulate(model, x0, t, on_divergence="warn")
    with pytest.raises(DivergenceError) as info:
        simulate(model, x0, t, on_divergence="raise")
    traj = info.value.trajectory
    # The default route locates the crossing of |x| = 1e6 on its dense output, to about rtol.
    assert bool(traj.diverged) and float(traj.t_diverged) == pytest.approx(np.log(1e6), rel=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = simulate(model, x0, t, on_divergence="ignore")
    assert bool(quiet.diverged)
    np.testing.assert_array_equal(np.isnan(quiet.x[:, 0]), np.isnan(traj.x[:, 0]))


def test_no_warning_without_divergence():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = simulate(LinearSystem([[-1.0]]), [1.0], np.linspace(0.0, 20.0, 41), on_divergence="raise")
    assert not traj.any_diverged and np.isnan(traj.t_diverged)


@pytest.mark.parametrize("method", ["dopri5", "rk4", "RK45", "Radau", "LSODA"])
def test_finite_time_blow_up_is_flagged(method):
    # x' = x^2 from x0 = 1 blows up at t = 1; from x0 = -1 the solution -1 / (1 + t) stays bounded.
    t = np.linspace(0.0, 2.0, 21)
    traj = simulate(
        Riccati(), [[1.0], [-1.0]], t, method=method, dt=1e-3, rtol=1e-10, atol=1e-12, on_divergence="ignore"
    )
    np.testing.assert_array_equal(traj.diverged, [True, False])
    assert traj.t_diverged[0] == pytest.approx(1.0, abs=2e-3)
    assert np.all(np.isnan(traj.x[t > 1.0 + 2e-3, 0]))
    ok = t < 0.9
    np.testing.assert_allclose(traj.x[ok, 0, 0], 1.0 / (1.0 - t[ok]), rtol=1e-6)
    np.testing.assert_allclose(traj.x[:, 1, 0], -1.0 / (1.0 + t), rtol=1e-6)


@pytest.mark.parametrize("method", ["dopri5", "rk4", "RK45", "Radau"])
def test_non_finite_vector_field_is_flagged(method):
    # A vector field that returns NaN is stopped like one that leaves the bound.
    @dataclass(frozen=True)
    class Poisoned:
        n: int = 1

        def vector_field(self, t, x):
            return np.where(t > 0.5, np.nan, -x)

        def jacobian(self, t, x):
            return -np.ones(x.shape + (1,))

    t = np.linspace(0.0, 1.0, 11)
    traj = simulate(Poisoned(), [1.0], t, method=method, dt=0.01, on_divergence="ignore")
    assert bool(traj.diverged) and 0.5 - 1e-12 <= float(traj.t_diverged) <= 0.52
    # The sample at t = 0.5 itself may be lost to rounding of the adaptive routes' last good time.
    assert np.all(np.isnan(traj.x[6:])) and np.all(np.isfinite(traj.x[:5]))


def test_trajectory_repr_and_bound():
    traj = simulate(LinearSystem(np.eye(2)), np.zeros((3, 2)), [0.0, 1.0], bound=5.0)
    assert traj.bound == 5.0
    assert "batch=(3,)" in repr(traj) and "n=2" in repr(traj)


# ---------------------------------------------------------------------------------------------------
# Bad input


def _raises_naming(name, **kwargs):
    """Call simulate on x' = -x with some arguments replaced; expect a ValueError naming ``name``."""
    args = dict(model=LinearSystem(-np.eye(2)), x0=[1.0, 0.0], t=[0.0, 1.0])
    args.update(kwargs)
    with pytest.raises(ValueError, match=rf"\b{re.escape(name)}\b"):
        simulate(args.pop("model"), args.pop("x0"), args.pop("t"), **args)


@pytest.mark.parametrize("x0", [[1.0, 0.0, 0.0], [[1.0], [2.0]], 1.0, [np.nan, 0.0], [np.inf, 0.0]])
def test_bad_initial_state_raises(x0):
    _raises_naming("x0", x0=x0)


def test_initial_state_beyond_bound_raises():
    _raises_naming("x0", x0=[10.0, 0.0], bound=5.0)


@pytest.mark.parametrize("t", [[1.0, 0.0], [0.0, 0.0, 1.0], 1.0, [0.0], [[0.0, 1.0]], [0.0, np.nan]])
def test_bad_times_raise(t):
    _raises_naming("t", t=t)


@pytest.mark.parametrize("dt", [0.0, -0.1, np.nan, np.inf])
def test_bad_dt_raises(dt):
    _raises_naming("dt", dt=dt)


def test_bad_method_bound_and_mode_raise():
    _raises_naming("method", method="rk5")
    _raises_naming("bound", bound=0.0)
    _raises_naming("bound", bound=np.nan)
    _raises_naming("on_divergence", on_divergence="crash")


def test_non_model_raises():
    _raises_naming("model", model=np.eye(2))


# ---------------------------------------------------------------------------------------------------
# The batched Dormand-Prince 5(4) (the default)


def _reference(model, x0, t):
    """Each trajectory alone with SciPy's DOP853 at tight tolerance, shape ``(T, B, n)``."""
    return np.stack([
        scipy.integrate.solve_ivp(model.vector_field, (t[0], t[-1]), x, t_eval=t, method="DOP853",
                                  rtol=1e-13, atol=1e-13).y.T for x in x0
    ], axis=1)


def test_dopri5_matches_dop853_on_a_rate_rnn_ensemble(rng):
    model = RateRNN.random(16, g=1.5, rng=rng, u=rng.normal(size=16))
    x0, t = rng.normal(size=(6, 16)), np.linspace(0.0, 10.0, 41)
    reference = _reference(model, x0, t)
    for rtol in (1e-6, 1e-9):
        traj = simulate(model, x0, t, rtol=rtol, atol=rtol * 1e-3)
        assert traj.method == "dopri5" and not traj.any_diverged
        # Global error of a tolerance-proportional solver: a small multiple of rtol times the scale.
        assert np.abs(traj.x - reference).max() <= 20 * rtol * np.abs(reference).max()


def test_dopri5_error_falls_with_tolerance_at_order_five():
    # Global error ~ tol^(p / (p + 1)) for an order-p pair controlled per step (Hairer et al., II.4):
    # p = 5 gives a slope near 5/6 on a log-log plot of error against tolerance.
    A = np.array([[-0.5, 2.0], [-2.0, -0.5]])
    x0, t = np.array([1.0, 0.0]), np.array([0.0, 4.0])
    exact = _exact(A, x0, t)[-1]
    tols = np.array([1e-5, 1e-7, 1e-9, 1e-11])
    errors = [
        np.abs(simulate(LinearSystem(A), x0, t, rtol=tol, atol=tol).final - exact).max() for tol in tols
    ]
    slope = np.polyfit(np.log(tols), np.log(errors), 1)[0]
    assert 0.65 <= slope <= 1.05, (slope, errors)


def test_dense_output_is_of_order_five_between_steps():
    # With max_step = dt, steps are dt long; output times between steps come from the continuous
    # extension, whose local error is O(h^5) (Hermite cubic interpolation would be O(h^4)).
    from rnnlab._integrators import _A, _B, _D, _dense_basis, _dense_coefficients

    f = lambda t, y: np.cos(t) * y  # noqa: E731  y = exp(sin t)
    errors = []
    for h in (0.4, 0.2, 0.1):
        y0 = np.array([[1.0]])
        K = np.zeros((7, 1, 1))
        for i in range(7):
            c = _A[i, :i].sum() if i else 0.0
            c = 1.0 if i == 6 else c
            K[i] = f(c * h, y0 + h * np.tensordot(_A[i, :i], K[:i], axes=1))
        y1 = y0 + h * np.tensordot(_B, K, axes=1)
        R = _dense_coefficients(y0, y1, K, h)
        theta = np.linspace(0.0, 1.0, 11)
        dense = (_dense_basis(theta) @ R.reshape(5, -1)).ravel()
        np.testing.assert_allclose(dense[[0, -1]], [y0[0, 0], y1[0, 0]], rtol=1e-15)
        errors.append(np.abs(dense - np.exp(np.sin(theta * h))).max())
    assert _D.shape == (7,)
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(ratios > 2**4.6), ratios


def test_dense_output_agrees_with_stepping_to_the_output_time(rng):
    # Sampling many times in a step (dense output) and sampling one by one agree to the tolerance.
    model = RateRNN.random(8, g=1.2, rng=rng)
    x0 = rng.normal(size=(3, 8))
    dense = simulate(model, x0, np.linspace(0.0, 5.0, 501), rtol=1e-10, atol=1e-12)
    direct = simulate(model, x0, [0.0, 1.234, 5.0], rtol=1e-10, atol=1e-12)
    reference = _reference(model, x0, np.array([0.0, 1.234, 5.0]))
    np.testing.assert_allclose(direct.x, reference, atol=1e-8)
    np.testing.assert_allclose(dense.x[-1], reference[-1], atol=1e-8)
    np.testing.assert_allclose(dense.x[::100], _reference(model, x0, dense.t[::100]), atol=1e-8)


@hypothesis.settings(max_examples=25, deadline=None)
@hypothesis.given(
    n=st.integers(1, 5), batch=st.integers(1, 4), shift=st.floats(-1.0, 0.2),
    seed=st.integers(0, 2**31), t_end=st.floats(0.1, 5.0),
)
def test_dopri5_property_linear_systems(n, batch, shift, seed, t_end):
    # For any linear system and batch: the default route equals expm to its tolerance, each member
    # equals its solo run to the tolerance, and the first sample is x0 exactly.
    rng = np.random.default_rng(seed)
    A, _ = _random_linear(rng, n, shift)
    x0 = rng.normal(size=(batch, n))
    t = np.linspace(0.0, t_end, 7)
    traj = simulate(LinearSystem(A), x0, t, rtol=1e-9, atol=1e-12)
    exact = _exact(A, x0, t)
    np.testing.assert_array_equal(traj.x[0], x0)
    np.testing.assert_allclose(traj.x, exact, atol=1e-6 * max(1.0, np.abs(exact).max()))
    solo = simulate(LinearSystem(A), x0[-1], t, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(traj.x[:, -1], solo.x, atol=1e-6 * max(1.0, np.abs(exact).max()))


def test_dt_caps_the_adaptive_step():
    t = np.array([0.0, 1.0])
    free = simulate(LinearSystem([[-1.0]]), [1.0], t)
    capped = simulate(LinearSystem([[-1.0]]), [1.0], t, dt=0.01)
    assert capped.n_evaluations >= 6 * 100 > free.n_evaluations


# ---------------------------------------------------------------------------------------------------
# Work that cannot finish, and bad tolerances


@pytest.mark.parametrize("method", ["rk4", "dopri5", "RK45"])
def test_work_beyond_max_steps_is_refused_before_starting(method):
    with pytest.raises(ValueError, match=r"max_steps=1000000"):
        simulate(LinearSystem(-np.eye(2)), [1.0, 0.0], np.linspace(0.0, 10.0, 11), method=method, dt=1e-9)
    with pytest.raises(ValueError, match=r"max_steps=50\b"):
        simulate(LinearSystem(-np.eye(2)), [1.0, 0.0], [0.0, 1.0], method=method, dt=0.01, max_steps=50)


@pytest.mark.parametrize("method", ["dopri5", "RK45"])
def test_adaptive_run_past_max_steps_raises(method):
    from rnnlab.simulate import StepLimitError

    with pytest.raises(StepLimitError, match=r"max_steps=5\b"):
        simulate(LinearSystem([[-1.0]]), [1.0], np.linspace(0.0, 100.0, 3), method=method, rtol=1e-10,
                 max_steps=5)


@pytest.mark.parametrize("rtol", [0.0, -1e-6, 1.0, np.nan, 1e-16])
def test_bad_rtol_raises(rtol):
    _raises_naming("rtol", rtol=rtol)


@pytest.mark.parametrize("atol", [-1.0, np.nan, np.inf])
def test_bad_atol_raises(atol):
    _raises_naming("atol", atol=atol)


@pytest.mark.parametrize("name, value", [("method", 4), ("rtol", "small"), ("bound", [1.0, 2.0]),
                                         ("dt", "fast"), ("max_steps", 1.5), ("x0", ["a", "b"]),
                                         ("x0", [1j, 0.0]), ("t", ["a", "b"])])
def test_wrong_types_raise_type_error_naming_the_argument(name, value):
    args = dict(model=LinearSystem(-np.eye(2)), x0=[1.0, 0.0], t=[0.0, 1.0])
    args[name] = value
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        simulate(args.pop("model"), args.pop("x0"), args.pop("t"), **args)


def test_max_steps_below_one_raises():
    _raises_naming("max_steps", max_steps=0)
