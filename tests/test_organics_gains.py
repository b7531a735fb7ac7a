"""ORGaNICs with dynamic input gains (Rawat et al. 2024, Eq. 16): Jacobian, fixed point, trajectories."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlab.fixed_points import find_fixed_points
from rnnlab.models.organics import ORGaNICs
from rnnlab.models.organics_gains import GainORGaNICs, sigmoid
from rnnlab.simulate import simulate

seeds = st.integers(0, 2**32 - 1)


def random_gain_model(seed: int, n: int, *, feedback: bool = False, recurrent: bool = False, **fixed):
    rng = np.random.default_rng(seed)
    params = dict(
        W=rng.uniform(0.0, 1.0, (n, n)), z=rng.normal(0.0, 1.0, n), u_b=rng.normal(0.0, 1.0, n),
        u_b0=rng.normal(0.0, 1.0, n), sigma=rng.uniform(0.2, 1.5, n), tau_y=rng.uniform(0.5, 2.0, n),
        tau_a=rng.uniform(0.5, 2.0, n), tau_b=rng.uniform(0.5, 2.0, n), tau_b0=rng.uniform(0.5, 2.0, n),
    )
    if feedback:
        for name in ("W_by", "W_ba", "W_b0y", "W_b0a"):
            params[name] = rng.normal(0.0, 0.3, (n, n))
    if recurrent:
        A = rng.normal(size=(n, n))
        params["W_r"] = A / np.linalg.norm(A, 2)
    params.update(fixed)
    return GainORGaNICs(**params)


@given(seed=seeds, n=st.integers(1, 4), recurrent=st.booleans(), rectified=st.booleans())
def test_jacobian_equals_finite_differences(seed, n, recurrent, rectified, fd_jac):
    model = random_gain_model(seed, n, feedback=True, recurrent=recurrent, rectified=rectified)
    rng = np.random.default_rng(seed + 1)
    signs = rng.choice([-1.0, 1.0], (2, n))
    ya = (signs * rng.uniform(0.05, 2.0, (2, n))).ravel()  # away from the kinks of [y] and sqrt([a])
    x = np.concatenate([ya, rng.uniform(0.1, 1.0, 2 * n)])
    np.testing.assert_allclose(model.jacobian(0.0, x), fd_jac(lambda v: model.vector_field(0.0, v), x),
                               rtol=1e-5, atol=1e-6)


@given(seed=seeds, n=st.integers(1, 4))
def test_frozen_gains_give_the_circuit_of_eq14(seed, n):
    """With (b, b0) held in the state, the (y, a) part is ORGaNICs with those gains."""
    model = random_gain_model(seed, n, feedback=True)
    rng = np.random.default_rng(seed)
    y, a, b, b0 = rng.normal(size=n), rng.normal(size=n), rng.uniform(0.1, 1, n), rng.uniform(0.1, 1, n)
    f = model.vector_field(0.0, np.concatenate([y, a, b, b0]))
    circuit = ORGaNICs(W=model.W, z=model.z, b=b, b0=b0, sigma=model.sigma, tau_y=model.tau_y,
                       tau_a=model.tau_a)
    np.testing.assert_allclose(f[:2 * n], circuit.vector_field(0.0, np.concatenate([y, a])), atol=1e-14)
    s_b = model.u_b + model.W_by @ y + model.W_ba @ a
    np.testing.assert_allclose(f[2 * n:3 * n], (-b + 1 / (1 + np.exp(-s_b))) / model.tau_b, atol=1e-14)


@given(seed=seeds, n=st.integers(1, 4), rectified=st.booleans())
def test_open_loop_fixed_point_is_eq4_with_sigmoid_gains(seed, n, rectified):
    model = random_gain_model(seed, n, rectified=rectified)
    x_s = model.fixed_point()
    np.testing.assert_allclose(model.vector_field(0.0, x_s), 0.0, atol=1e-12)
    b_s, b0_s = model.gains(x_s)
    np.testing.assert_allclose(b_s, sigmoid(model.u_b))
    circuit = ORGaNICs(W=model.W, z=model.z, b=b_s, b0=b0_s, sigma=model.sigma, rectified=rectified)
    np.testing.assert_allclose(x_s[:2 * n], circuit.fixed_point())
    # stable: the (y, a) block is Sec. 4's and the gain block is -1/tau_b, -1/tau_b0 (block triangular)
    assert np.all(np.linalg.eigvals(model.jacobian(0.0, x_s)).real < 0)


def test_open_loop_gain_trajectory_is_an_exponential_and_ends_at_the_fixed_point():
    model = random_gain_model(3, 3, tau_y=0.5, tau_a=1.0, tau_b=2.0, tau_b0=4.0)
    x0 = np.concatenate([np.zeros(3), np.full(3, 0.5), np.full(3, 0.1), np.full(3, 0.9)])
    t = np.linspace(0.0, 120.0, 2401)
    traj = simulate(model, x0, t, method="rk4")
    b, b0 = model.gains(traj.x)
    b_inf, b0_inf = sigmoid(model.u_b), sigmoid(model.u_b0)
    np.testing.assert_allclose(b, b_inf + (0.1 - b_inf) * np.exp(-t[:, None] / 2.0), atol=1e-9)
    np.testing.assert_allclose(b0, b0_inf + (0.9 - b0_inf) * np.exp(-t[:, None] / 4.0), atol=1e-9)
    np.testing.assert_allclose(traj.final, model.fixed_point(), atol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_point_with_feedback_is_self_consistent(seed):
    """Newton's fixed point with gain feedback: the gains are f of it, and (y, a) is Eq. 4 of those gains."""
    model = random_gain_model(seed, 3, feedback=True)
    x0 = np.concatenate([np.zeros(3), np.ones(3), np.full(3, 0.5), np.full(3, 0.5)])
    settled = simulate(model, x0, np.linspace(0.0, 80.0, 801)).final
    fps = find_fixed_points(model, settled[None])
    assert len(fps) == 1 and fps.stable[0]
    x_s = fps.x[0]
    y, a, b, b0 = model.split(x_s)
    np.testing.assert_allclose(b, sigmoid(model.u_b + model.W_by @ y + model.W_ba @ a), atol=1e-10)
    np.testing.assert_allclose(b0, sigmoid(model.u_b0 + model.W_b0y @ y + model.W_b0a @ a), atol=1e-10)
    np.testing.assert_allclose(x_s[:6], model.circuit_with_gains(b, b0).fixed_point(), atol=1e-9)
    np.testing.assert_allclose(settled, x_s, atol=1e-6)
    with pytest.raises(ValueError, match="W_by"):
        model.fixed_point()


@pytest.mark.parametrize("changes, name", [
    ({"tau_b": 0.0}, "tau_b"), ({"tau_b0": [1.0, -1.0]}, "tau_b0"), ({"W_by": np.ones((3, 3))}, "W_by"),
    ({"u_b": [1.0, 2.0, 3.0]}, "u_b"), ({"W_b0a": [[np.nan, 0], [0, 0]]}, "W_b0a"),
    ({"sigma": -1.0}, "sigma"),
])
def test_bad_parameters_name_the_argument(changes, name):
    with pytest.raises(ValueError, match=rf"^{name}"):
        GainORGaNICs(W=np.ones((2, 2)), **changes)


def test_callable_drive_and_bad_state():
    model = GainORGaNICs(W=np.ones((2, 2)), z=lambda t: np.array([np.cos(t), 1.0]), u_b=lambda t: np.sin(t))
    x = np.full(8, 0.3)
    assert model.vector_field(0.0, x).shape == (8,) and model.jacobian(1.0, x).shape == (8, 8)
    with pytest.raises(ValueError, match="must be constant"):
        model.fixed_point()
    with pytest.raises(ValueError, match="x must have shape"):
        model.gains(np.zeros(3))
