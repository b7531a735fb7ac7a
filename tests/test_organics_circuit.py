"""The two-dimensional ORGaNICs circuit (Eq. 15, App. E, F.3; Figs. 1-3) and the energy of App. H."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.certificates.organics import (
    damping_stiffness,
    energy,
    energy_gradient,
    energy_rate,
    energy_weights,
    fully_normalized_eigenvalues,
)
from rnnlab.fixed_points import find_fixed_points
from rnnlab.models.organics import ORGaNICs
from rnnlab.organics_circuit import circuit_2d, circuit_fixed_points, quartic_coefficients, regime
from rnnlab.phase import phase_portrait
from rnnlab.simulate import simulate

seeds = st.integers(0, 2**32 - 1)
positive = st.floats(0.05, 2.0)


def circuit(w_r, params, rectified=False):
    return circuit_2d(w_r, *params, rectified=rectified)


circuit_params = st.tuples(positive, positive, positive, positive,  # b0, sigma, b, w
                           st.floats(0.05, 2.0) | st.floats(-2.0, -0.05),  # z, away from 0
                           st.floats(0.2, 5.0), st.floats(0.2, 5.0))  # tau_y, tau_a


# --- Figures 1-3: the paper's parameters, every fixed point and its kind ------------------------

PANELS = {"a": (0.5, 0.5, 0.1), "b": (2.0, 0.5, 0.1), "c": (2.0, 1.0, 1.0)}  # (w_r, b0, sigma)
# Independently located by rnnlab.find_fixed_points from 400 random starts (see the cross-check below).
EXPECTED = {
    (1.0, False, "a"): [((0.898, 0.0129), "stable focus")],
    (1.0, False, "b"): [((-0.9789, 0.0598), "unstable focus"), ((-0.5692, 0.0037), "saddle"),
                        ((0.9978, 0.5633), "stable focus")],
    (1.0, False, "c"): [((0.4166, 1.2101), "stable focus")],
    (1.0, True, "a"): [((0.898, 0.0129), "stable focus")],
    (1.0, True, "b"): [((0.9978, 0.5633), "stable focus")],
    (1.0, True, "c"): [((0.4166, 1.2101), "stable focus")],
    (-1.0, False, "a"): [((-0.898, 0.0129), "stable focus")],
    (-1.0, False, "b"): [((-0.9978, 0.5633), "stable focus"), ((0.5692, 0.0037), "saddle"),
                         ((0.9789, 0.0598), "unstable focus")],
    (-1.0, False, "c"): [((-0.4166, 1.2101), "stable focus")],
    (-1.0, True, "a"): [((-0.5, 0.0025), "stable node")],
    (-1.0, True, "b"): [((-0.5, 0.0025), "stable node"), ((0.5692, 0.0037), "saddle"),
                        ((0.9789, 0.0598), "unstable focus")],
    (-1.0, True, "c"): [((-0.5, 1.0), "stable node")],
}


@pytest.mark.parametrize("z, rectified, panel", list(EXPECTED), ids=lambda v: str(v))
def test_figures_1_and_2_fixed_points(z, rectified, panel):
    """Fig. 1 (z = 1) and Fig. 2 (z = -1): b = 0.5, tau = 2 ms, w = 1; (a)-(c) main, (d)-(f) rectified."""
    w_r, b0, sigma = PANELS[panel]
    model = circuit_2d(w_r, b0, sigma, b=0.5, w=1.0, z=z, tau_y=2.0, tau_a=2.0, rectified=rectified)
    fps = circuit_fixed_points(model)
    expected = EXPECTED[(z, rectified, panel)]
    assert fps.kinds == tuple(kind for _, kind in expected)
    np.testing.assert_allclose(fps.x, [x for x, _ in expected], atol=6e-5)
    assert np.all(fps.residual < 1e-14)
    # the stable fixed point has y_s of the sign of z, always exactly one (Theorems 5.1-5.2, F.3)
    assert fps.n_stable == 1 and np.sign(fps.x[fps.stable][0, 0]) == np.sign(z)
    assert len(fps) in regime(model).predicted_counts


@pytest.mark.parametrize("z, rectified", [(1.0, False), (-1.0, True)])
def test_figure_panels_agree_with_the_phase_portrait_search(z, rectified):
    """The 1-D reduction and rnnlab.phase_portrait's Newton search find the same points (Fig. 1b / 2e)."""
    model = circuit_2d(2.0, 0.5, 0.1, z=z, rectified=rectified)
    pp = phase_portrait(model, (-1.5, 1.5), (0.0005, 1.0), n_grid=5, n_nullcline=301, n_starts=12)
    fps = circuit_fixed_points(model)
    assert len(pp.fixed_points) == len(fps) == 3
    np.testing.assert_allclose(pp.fixed_points.x, fps.x, atol=1e-8)
    assert pp.fixed_points.kinds == fps.kinds


@pytest.mark.parametrize("tau_a, tau_y", [(2.0, 2.0), (10.0, 2.0), (2.0, 10.0)])
def test_figure_3_time_constants_move_eigenvalues_not_the_fixed_point(tau_a, tau_y):
    """Fig. 3: rectified, w_r = 1, b0 = b = 0.5, sigma = 0.1, w = z = 1: one stable focus at Eq. 88."""
    model = circuit_2d(1.0, 0.5, 0.1, b=0.5, w=1.0, z=1.0, tau_y=tau_y, tau_a=tau_a, rectified=True)
    fps = circuit_fixed_points(model)
    assert fps.kinds == ("stable focus",)
    a_s = 0.25 * 0.01 + 0.25
    np.testing.assert_allclose(fps.x[0], [0.5 / np.sqrt(a_s), a_s], rtol=1e-12)
    identity = ORGaNICs(W=[[1.0]], z=[1.0], b=0.5, b0=0.5, sigma=0.1, tau_y=tau_y, tau_a=tau_a,
                        rectified=True)
    np.testing.assert_allclose(np.sort_complex(fps.eigenvalues[0]),
                               np.sort_complex(fully_normalized_eigenvalues(identity)), rtol=1e-10)


# --- Theorems 5.1 and 5.2 -----------------------------------------------------------------------


@given(w_r=st.floats(0.05, 1.0), params=circuit_params, rectified=st.booleans())
def test_theorem_5_1_contracting_recurrence(w_r, params, rectified):
    model = circuit(w_r, params, rectified)
    fps = circuit_fixed_points(model)
    z = params[4]
    assert len(fps) == 1 and fps.stable[0] and np.sign(fps.x[0, 0]) == np.sign(z) and fps.x[0, 1] > 0
    assert fps.residual[0] < 1e-10 * (1 + np.abs(fps.x).max())
    if not (rectified and z < 0):
        # the descartes pattern (+, +, +-, -, -) of Lemma E.4
        c = quartic_coefficients(model)
        signs = np.sign(c[[0, 1, 3, 4]])
        assert (signs == [1, 1, -1, -1]).all() or w_r == 1.0


@given(w_r=st.floats(1.01, 6.0), params=circuit_params, rectified=st.booleans())
def test_theorem_5_2_expansive_recurrence(w_r, params, rectified):
    model = circuit(w_r, params, rectified)
    fps = circuit_fixed_points(model)
    b0, sigma, _, _, z = params[:5]
    assert len(fps) in regime(model).predicted_counts
    assert np.all(fps.x[:, 1] > (b0 * sigma) ** 2 * (1 - 1e-12))  # Lemma E.3: m > b0 sigma
    same_sign = np.sign(fps.x[:, 0]) == np.sign(z)
    assert same_sign.sum() == 1 and fps.stable[same_sign].all()  # exactly one, and it is stable
    if b0 * sigma > 1 - 1 / w_r:
        assert len(fps) == 1
    if len(fps) == 3:
        assert not same_sign[~same_sign].any() and fps.n_stable >= 1
        # on the branch 1 - w_r + w_r m < 0 (App. E.2): sqrt(a_s) < 1 - 1 / w_r
        assert np.all(np.sqrt(fps.x[~same_sign, 1]) < 1 - 1 / w_r)


@given(w_r=st.floats(0.1, 4.0), params=circuit_params)
@settings(max_examples=15)
def test_reduction_agrees_with_newton_from_a_dense_grid(w_r, params):
    model = circuit(w_r, params)
    fps = circuit_fixed_points(model)
    top_y, top_a = 1.5 * np.abs(fps.x[:, 0]).max() + 0.1, 1.5 * fps.x[:, 1].max() + 0.1
    grid = np.stack(np.meshgrid(np.linspace(-top_y, top_y, 25), np.geomspace(1e-4, top_a, 25)), -1)
    grid = grid.reshape(-1, 2)
    newton = find_fixed_points(model, np.concatenate([grid, fps.x]))
    assert len(newton) == len(fps)
    np.testing.assert_allclose(newton.x, fps.x, atol=1e-7 * (1 + np.abs(fps.x).max()))


@given(w_r=st.floats(0.1, 4.0), params=circuit_params)
@settings(max_examples=20)
def test_trace_and_determinant_are_eqs_81_82(w_r, params):
    model = circuit(w_r, params)
    b0, sigma, _, _, _, tau_y, tau_a = params
    for (y_s, a_s), lam in zip(circuit_fixed_points(model).x, circuit_fixed_points(model).eigenvalues):
        m = np.sqrt(a_s)
        trace = -((1 - w_r + w_r * m) / tau_y + (b0 * sigma) ** 2 / (a_s * tau_a))
        det = ((1 - w_r) * (b0 * sigma) ** 2 / a_s + w_r * m) / (tau_y * tau_a)
        assert np.sum(lam).real == pytest.approx(trace, rel=1e-8, abs=1e-10)
        assert np.prod(lam).real == pytest.approx(det, rel=1e-7, abs=1e-10)


def test_zero_drive_is_solved_directly():
    fps = circuit_fixed_points(circuit_2d(2.0, 0.5, 0.1, z=0.0))
    m = 0.5
    y = np.sqrt((1 - 0.05**2 / m**2) / 1.0)
    np.testing.assert_allclose(fps.x, [[-y, m**2], [0.0, 0.0025], [y, m**2]], atol=1e-12)
    assert fps.kinds[1] == "saddle"
    assert len(circuit_fixed_points(circuit_2d(2.0, 0.5, 0.1, z=0.0, rectified=True))) == 2
    assert len(circuit_fixed_points(circuit_2d(0.5, 0.5, 0.1, z=0.0))) == 1
    with pytest.raises(ValueError, match="z must be non-zero"):
        regime(circuit_2d(2.0, z=0.0))


def test_bad_circuits():
    with pytest.raises(ValueError, match="w_r"):
        circuit_2d(-1.0)
    with pytest.raises(ValueError, match="two-dimensional"):
        circuit_fixed_points(ORGaNICs(W=np.ones((2, 2))))
    with pytest.raises(ValueError, match="two-dimensional"):
        quartic_coefficients("circuit")


# --- the energy function (App. H) ---------------------------------------------------------------


def random_circuit(seed, n):
    rng = np.random.default_rng(seed)
    z = rng.choice([-1, 1], n) * rng.uniform(0.1, 1.5, n)
    return ORGaNICs(W=rng.uniform(0, 1.5, (n, n)), z=z, b=rng.uniform(0.2, 2, n), b0=rng.uniform(0.2, 2, n),
                    sigma=rng.uniform(0.05, 1.5, n), tau_y=rng.uniform(0.2, 3, n),
                    tau_a=rng.uniform(0.2, 3, n))


@given(seed=seeds, n=st.integers(1, 6))
def test_energy_weights_make_T_B_positive_definite(seed, n):
    model = random_circuit(seed, n)
    B, _ = damping_stiffness(model)
    t = energy_weights(model)
    assert np.all(t > 0) and t.max() == 1.0
    assert np.linalg.eigvalsh(np.diag(t) @ B + B.T @ np.diag(t)).min() > 0


@given(seed=seeds, n=st.integers(1, 5))
def test_linearized_energy_is_a_lyapunov_function_of_the_linearisation(seed, n):
    """Eq. 125: V = d^T P d with J^T P + P J <= 0 (-v^T (T B + B^T T) v in the coordinates of Eq. 124)."""
    model = random_circuit(seed, n)
    x_s = model.fixed_point()
    P = np.stack([energy_gradient(model, x_s + e, linearized=True) for e in np.eye(2 * n)], axis=1) / 2
    np.testing.assert_allclose(P, P.T, atol=1e-10 * np.abs(P).max())
    assert np.linalg.eigvalsh(P).min() > 0
    J = model.jacobian(0.0, x_s)
    Q = J.T @ P + P @ J
    assert np.linalg.eigvalsh(Q).max() <= 1e-9 * np.abs(Q).max()
    assert energy(model, x_s) <= 1e-28 * (1 + np.abs(x_s).max())
    assert energy(model, x_s, linearized=True) == 0.0


@given(params=circuit_params, eps=st.floats(1e-4, 1e-1))
@settings(max_examples=20)
def test_two_dimensional_energy_rate_is_eq131(params, eps):
    """Eq. 131: dV/dt of the linearised Eq. 129, linearised flow: -(2 y a_s - 3 a_s y_s + a y_s)^2 (.)"""
    model = circuit(1.0, params)
    _, _, _, w, _, tau_y, tau_a = params
    x_s = model.fixed_point()
    y_s, a_s = x_s
    d = eps * np.array([np.cos(7 * eps), np.sin(7 * eps)]) * (1 + np.abs(x_s))
    y, a = x_s + d
    rate = energy_gradient(model, x_s + d, linearized=True) @ (model.jacobian(0.0, x_s) @ d)
    eq131 = -((2 * y * a_s - 3 * a_s * y_s + a * y_s) ** 2
              * (np.sqrt(a_s) * tau_a - w * y_s**2 * tau_y + tau_y) / (2 * a_s * tau_a * tau_y))
    assert rate == pytest.approx(eq131, rel=1e-7, abs=1e-14)
    assert eq131 <= 0


@pytest.mark.parametrize("seed, n", [(0, 1), (1, 3), (2, 5)])
def test_energy_decreases_along_trajectories_near_the_fixed_point(seed, n):
    model = random_circuit(seed, n)
    x_s = model.fixed_point()
    d = np.random.default_rng(seed).normal(size=2 * n) * 1e-2 * (np.abs(x_s) + 0.1)
    t = np.linspace(0.0, 30.0 * max(model.tau_a.max(), model.tau_y.max()), 601)
    traj = simulate(model, x_s + d, t, method="rk4")
    V = energy(model, traj.x)
    assert np.all(np.diff(V) <= 1e-12 * V[0]) and V[-1] < 1e-6 * V[0]
    assert np.all(energy_rate(model, traj.x[:200]) <= 1e-12 * V[0])


@given(seed=seeds, n=st.integers(1, 4), linearized=st.booleans())
@settings(max_examples=20)
def test_energy_gradient_equals_finite_differences(seed, n, linearized, fd_jac):
    model = random_circuit(seed, n)
    x = model.fixed_point() * (1 + 0.2 * np.random.default_rng(seed).normal(size=2 * n))
    x[n:] = np.abs(x[n:]) + 0.01
    fd = fd_jac(lambda v: np.atleast_1d(energy(model, v, linearized=linearized)), x)[0]
    np.testing.assert_allclose(energy_gradient(model, x, linearized=linearized), fd, rtol=1e-5, atol=1e-7)


def test_energy_needs_the_main_model_and_nonzero_drives():
    with pytest.raises(ValueError, match="rectified"):
        energy(circuit_2d(1.0, rectified=True), [0.5, 0.5])
    with pytest.raises(ValueError, match="no zero entry"):
        energy(ORGaNICs(W=np.ones((2, 2)), z=[1.0, 0.0]), np.ones(4))
    with pytest.raises(ValueError, match="x must be"):
        energy(circuit_2d(1.0), [0.5])
    with pytest.raises(ValueError, match="W_r must be the identity"):
        energy(circuit_2d(2.0), [0.5, 0.5])
