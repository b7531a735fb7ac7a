"""ORGaNICs (Rawat, Heeger & Martiniani 2024): model, fixed points, Section 4 stability, Appendix C."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.certificates import certify
from rnnlab.certificates.organics import (
    damping_stiffness,
    fully_normalized_eigenvalues,
    quadratic_eigenvalues,
    section4_certificate,
    splitting_matrix,
)
from rnnlab.lognorms import spectral_abscissa
from rnnlab.models.organics import ORGaNICs
from rnnlab.organics_steady import iterate_fixed_point, normalization
from rnnlab.simulate import simulate

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 5)


def random_organics(seed: int, n: int, *, recurrent: bool = False, **fixed) -> ORGaNICs:
    """ORGaNICs with random per-neuron parameters; ``W_r`` random with ``|W_r|_2 = 1`` if ``recurrent``."""
    rng = np.random.default_rng(seed)
    params = dict(
        W=rng.uniform(0.0, 2.0, (n, n)) * (rng.random((n, n)) < 0.7),
        z=rng.normal(0.0, 1.0, n),
        b=rng.uniform(0.2, 2.0, n),
        b0=rng.uniform(0.2, 2.0, n),
        sigma=rng.uniform(0.05, 1.5, n),
        tau_y=rng.uniform(0.2, 3.0, n),
        tau_a=rng.uniform(0.2, 3.0, n),
    )
    if recurrent:
        A = rng.normal(size=(n, n))
        params["W_r"] = A / np.linalg.norm(A, 2)
    params.update(fixed)
    return ORGaNICs(**params)


def finite_difference_jacobian(model, x, h=1e-6):
    n = model.n
    J = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        J[:, j] = (model.vector_field(0.0, x + e) - model.vector_field(0.0, x - e)) / (2 * h)
    return J


# --- the model (Eq. 1, Eq. 14) ------------------------------------------------------------------


@given(seed=seeds, n=sizes, recurrent=st.booleans())
def test_jacobian_equals_finite_differences(seed, n, recurrent):
    model = random_organics(seed, n, recurrent=recurrent)
    rng = np.random.default_rng(seed + 1)
    # a away from the kink of sqrt([a]) at 0, on both sides
    a = rng.choice([-1.0, 1.0], n) * rng.uniform(0.05, 2.0, n)
    x = np.concatenate([rng.normal(0.0, 1.5, n), a])
    J = model.jacobian(0.0, x)
    np.testing.assert_allclose(J, finite_difference_jacobian(model, x), rtol=1e-5, atol=1e-6)


def test_batches_of_states():
    model = random_organics(3, 4, recurrent=True)
    x = np.random.default_rng(0).uniform(0.1, 1.0, (2, 3, model.n))
    f, J = model.vector_field(0.0, x), model.jacobian(0.0, x)
    assert f.shape == (2, 3, 8) and J.shape == (2, 3, 8, 8)
    np.testing.assert_allclose(f[1, 2], model.vector_field(0.0, x[1, 2]))
    np.testing.assert_allclose(J[1, 2], model.jacobian(0.0, x[1, 2]))


def test_identity_recurrence_is_eq3():
    """With W_r = I, Eq. 1 reduces to Eq. 3: tau_y y' = -sqrt([a]) y + b z."""
    model = random_organics(7, 3)
    rng = np.random.default_rng(1)
    y, a = rng.normal(size=3), rng.normal(size=3)
    f = model.vector_field(0.0, np.concatenate([y, a]))
    sa = np.sqrt(np.maximum(a, 0))
    np.testing.assert_allclose(f[:3], (-sa * y + model.b * model.z) / model.tau_y)
    np.testing.assert_allclose(
        f[3:], (-a + model.b0**2 * model.sigma**2 + model.W @ (y**2 * np.maximum(a, 0))) / model.tau_a
    )


def test_eq1_with_rates_equals_eq14():
    """Eq. 1 written with the firing rates y+-, a+ is the model integrated (Eq. 14)."""
    model = random_organics(11, 4, recurrent=True)
    x = np.random.default_rng(2).normal(size=8)
    y, a = x[:4], x[4:]
    yp, ym, ap = model.firing_rates(x)
    dy = (-y + model.b * model.z + (1 - ap) * (model.W_r @ (np.sqrt(yp) - np.sqrt(ym)))) / model.tau_y
    da = (-a + model.b0**2 * model.sigma**2 + model.W @ ((yp + ym) * ap**2)) / model.tau_a
    np.testing.assert_allclose(model.vector_field(0.0, x), np.concatenate([dy, da]))


def test_time_varying_drive_and_from_input():
    rng = np.random.default_rng(4)
    W_zx, xin = rng.normal(size=(3, 2)), rng.normal(size=2)
    model = ORGaNICs.from_input(W_zx, xin, W=np.ones((3, 3)))
    np.testing.assert_allclose(model.z, W_zx @ xin)
    moving = ORGaNICs.from_input(W_zx, lambda t: xin * np.cos(t), W=np.ones((3, 3)))
    x = rng.uniform(0.1, 1.0, 6)
    np.testing.assert_allclose(moving.vector_field(0.0, x), model.vector_field(0.0, x))
    np.testing.assert_allclose(moving.vector_field(np.pi, x), model.replace(z=-model.z).vector_field(0.0, x))
    with pytest.raises(ValueError, match="z must be constant"):
        moving.fixed_point()


@pytest.mark.parametrize(
    "changes, name",
    [
        ({"W": [[1.0, -0.1], [0.0, 1.0]]}, "W"),
        ({"W": np.ones((2, 3))}, "W"),
        ({"b": 0.0}, "b"),
        ({"b0": [1.0, -1.0]}, "b0"),
        ({"sigma": 0.0}, "sigma"),
        ({"tau_y": -1.0}, "tau_y"),
        ({"tau_a": [1.0, 0.0]}, "tau_a"),
        ({"W_r": np.eye(3)}, "W_r"),
        ({"z": [1.0, 2.0, 3.0]}, "z"),
        ({"z": [np.nan, 1.0]}, "z"),
        ({"z": lambda t: np.ones(3)}, "z"),
    ],
)
def test_bad_parameters_name_the_argument(changes, name):
    params = {"W": np.ones((2, 2)), **changes}
    with pytest.raises(ValueError, match=rf"^{name}"):
        ORGaNICs(**params)


def test_bad_state_and_wrong_recurrence():
    model = random_organics(0, 2, recurrent=True)
    with pytest.raises(ValueError, match="W_r must be the identity"):
        model.fixed_point()
    with pytest.raises(ValueError, match="x must have shape"):
        model.firing_rates(np.zeros(3))
    with pytest.raises(ValueError, match="W_zx"):
        ORGaNICs.from_input(np.ones(3), [1.0], W=np.ones((3, 3)))


# --- the fixed point for W_r = I (Eqs. 2, 4, 5) -------------------------------------------------


@given(seed=seeds, n=sizes)
def test_fixed_point_is_a_zero_of_the_vector_field(seed, n):
    model = random_organics(seed, n)
    x_s = model.fixed_point()
    assert np.all(x_s[n:] >= model.b0**2 * model.sigma**2)
    np.testing.assert_allclose(model.vector_field(0.0, x_s), 0.0, atol=1e-12 * (1 + np.abs(x_s).max()))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_point_is_the_end_of_a_long_simulation(seed):
    model = random_organics(seed, 4, tau_y=np.array([0.5, 1.0, 1.5, 2.0]), tau_a=1.0)
    x0 = np.concatenate([np.zeros(4), np.full(4, 0.5)])
    trajectory = simulate(model, x0, np.linspace(0.0, 300.0, 3001), method="rk4")
    np.testing.assert_allclose(trajectory.final, model.fixed_point(), atol=1e-8)


@given(seed=seeds, n=sizes, b=st.floats(0.1, 3.0))
def test_fixed_point_obeys_the_normalization_equation(seed, n, b):
    """Eq. 5 reduces to Eq. 2 when b = b0 is one constant."""
    model = random_organics(seed, n, b=b, b0=b)
    y_plus, y_minus, a_plus = model.firing_rates(model.fixed_point())
    np.testing.assert_allclose(y_plus, normalization(model.z, model.W, model.sigma), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(y_minus, normalization(-model.z, model.W, model.sigma), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(a_plus**2, b**2 * (model.sigma**2 + model.W @ model.z**2), rtol=1e-12)


def test_per_neuron_gains_break_eq2():
    """Eq. 2 needs b = b0 constant across neurons: with b = b0 unequal per neuron it fails."""
    g = np.array([0.5, 2.0])
    model = ORGaNICs(W=np.ones((2, 2)), z=[1.0, 1.0], b=g, b0=g, sigma=0.5)
    y_plus = model.firing_rates(model.fixed_point())[0]
    assert not np.allclose(y_plus, normalization(model.z, model.W, model.sigma), rtol=1e-3)


def test_normalization_example():
    """One input, no pool: y+ = z^2 / (sigma^2 + w z^2), the contrast-response curve."""
    z = np.array([2.0])
    np.testing.assert_allclose(normalization(z, [[1.0]], 1.0), [4.0 / 5.0])
    np.testing.assert_allclose(normalization(-z, [[1.0]], 1.0), [0.0])


# --- the linearisation (Eqs. 6, 8, 12) ----------------------------------------------------------


def eq6(model):
    """The Jacobian at the fixed point as printed in Eq. 6."""
    y_s, a_s = model.split(model.fixed_point())
    D, ty, ta = np.diag, model.tau_y, model.tau_a
    return np.block([
        [-D(np.sqrt(a_s) / ty), -D(y_s / (2 * np.sqrt(a_s) * ty))],
        [D(2 / ta) @ model.W @ D(a_s * y_s), D(1 / ta) @ (-np.eye(len(y_s)) + model.W @ D(y_s**2))],
    ])


@given(seed=seeds, n=sizes)
def test_jacobian_at_the_fixed_point_is_eq6_and_stable(seed, n):
    model = random_organics(seed, n)
    J = model.jacobian(0.0, model.fixed_point())
    np.testing.assert_allclose(J, eq6(model), rtol=1e-12, atol=1e-14)
    lam = np.linalg.eigvals(J)
    assert np.all(lam.real < 0)
    # Eq. 8: the quadratic eigenvalue problem has the same spectrum
    B, K = damping_stiffness(model)
    mu = quadratic_eigenvalues(B, K)
    np.testing.assert_allclose(np.sort_complex(np.round(mu, 8)), np.sort_complex(np.round(lam, 8)), atol=1e-6)
    # Section 4: B is a Z-matrix, K positive diagonal, S of Eq. 12 is convergent (Theorem 4.3)
    assert np.all(B - np.diag(np.diagonal(B)) <= 0)
    assert np.all(np.diagonal(K) > 0)
    S = splitting_matrix(model)
    assert np.max(np.abs(np.linalg.eigvals(S))) < 1


@given(seed=seeds, n=sizes)
def test_splitting_matrix_is_M_inverse_N(seed, n):
    """Eq. 12 equals (B1 + B2)^-1 B3 with B1, B2, B3 from Eq. 11."""
    model = random_organics(seed, n)
    y_s, a_s = model.split(model.fixed_point())
    M = np.diag(1 / model.tau_a + np.sqrt(a_s) / model.tau_y)
    N = np.diag(1 / model.tau_a) @ model.W @ np.diag(y_s**2)
    B, _ = damping_stiffness(model)
    np.testing.assert_allclose(B, M - N, atol=1e-12)
    np.testing.assert_allclose(splitting_matrix(model), np.linalg.solve(M, N), rtol=1e-10, atol=1e-14)


def test_quadratic_eigenvalues_checks_shapes():
    with pytest.raises(ValueError, match="B and K"):
        quadratic_eigenvalues(np.eye(2), np.eye(3))


# --- Algorithm 1 --------------------------------------------------------------------------------


def mild_organics(seed: int, n: int) -> ORGaNICs:
    """Random ORGaNICs in the regime of Fig. 4: |W_r|_2 = 1, |z| <= 1, and a moderate pool.

    With the wider draws of :func:`random_organics` (sigma, b0 down to 0.05, 0.2; W up to 2) about
    half of the circuits with a random W_r of norm 1 do not settle from (0, 1) in simulation.
    """
    rng = np.random.default_rng(10_000 + seed)
    model = random_organics(seed, n, recurrent=True, W=rng.uniform(0, 1, (n, n)) / n,
                            sigma=rng.uniform(0.5, 1.5, n), b0=rng.uniform(0.5, 1.5, n))
    return model.replace(z=model.z / max(1.0, np.linalg.norm(model.z)))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_algorithm1_matches_long_simulation(seed):
    model = mild_organics(seed, 5)
    result = iterate_fixed_point(model, tol=1e-12)
    assert result.converged and result.iterations < 100
    assert result.residual <= 1e-12 and result.max_singular_value == pytest.approx(1.0)
    assert np.all(np.linalg.eigvals(model.jacobian(0.0, result.x)).real < 0)
    x0 = np.concatenate([np.zeros(5), np.full(5, 0.5)])
    trajectory = simulate(model, x0, np.linspace(0.0, 400.0, 4001), method="rk4")
    np.testing.assert_allclose(trajectory.final, result.x, atol=1e-7)


@given(seed=seeds, n=sizes)
@settings(max_examples=20)
def test_algorithm1_with_identity_gives_eq4(seed, n):
    model = random_organics(seed, n)
    result = iterate_fixed_point(model)
    assert result.converged
    np.testing.assert_allclose(result.x, model.fixed_point(), rtol=1e-8, atol=1e-10)


def test_algorithm1_reports_non_convergence_and_bad_input():
    model = random_organics(5, 4, recurrent=True)
    result = iterate_fixed_point(model, tol=1e-14, max_iter=1)
    assert not result.converged and result.iterations == 1 and len(result.residuals) == 2
    with pytest.raises(ValueError, match="tol"):
        iterate_fixed_point(model, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        iterate_fixed_point(model, max_iter=-1)
    with pytest.raises(ValueError, match="model"):
        iterate_fixed_point(object())


# --- the Section 4 certificate ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_section4_certificate_holds_with_a_local_metric(seed):
    model = random_organics(seed, 4)
    cert = section4_certificate(model)
    assert cert.applies and cert.holds and cert.norm == "l2"
    assert cert.details["spectral_radius"] < 1 and cert.details["z_matrix"]
    assert np.all(np.linalg.eigvalsh(cert.metric) > 0)
    J = cert.details["jacobian"]
    # mu_P(J) >= alpha(J): the certified local rate cannot beat the slowest eigenvalue
    assert 0 < cert.rate <= -spectral_abscissa(J) + 1e-9
    # and it is a rate of the linearisation in the metric: J^T P + P J <= -2 rate P
    P = cert.metric
    assert np.linalg.eigvalsh(J.T @ P + P @ J + 2 * cert.rate * P).max() <= 1e-8
    assert "local" in cert.note


def test_certify_lists_section4_and_declines_other_recurrence():
    model = random_organics(3, 3)
    assert any(c.criterion.startswith("ORGaNICs Sec. 4") and c.holds for c in certify(model))
    other = section4_certificate(random_organics(3, 3, recurrent=True))
    assert not other.applies and not other.holds and "W_r = I" in other.note
    with pytest.raises(ValueError, match="W_r must be the identity"):
        damping_stiffness(random_organics(3, 3, recurrent=True))


# --- Appendix C ---------------------------------------------------------------------------------


@given(seed=seeds, n=st.integers(1, 6), alpha=st.floats(0.01, 3.0))
def test_fully_normalized_eigenvalues_match_numeric(seed, n, alpha):
    rng = np.random.default_rng(seed)
    model = ORGaNICs(
        W=np.full((n, n), alpha), z=rng.normal(size=n), b=rng.uniform(0.2, 2.0, n),
        b0=rng.uniform(0.2, 2.0), sigma=rng.uniform(0.05, 1.5), tau_y=rng.uniform(0.2, 3.0),
        tau_a=rng.uniform(0.2, 3.0),
    )
    analytic = fully_normalized_eigenvalues(model)
    numeric = np.linalg.eigvals(model.jacobian(0.0, model.fixed_point()))
    # repeated eigenvalues are defective-free here but perturb at sqrt(eps); compare as multisets
    a, b = np.sort_complex(analytic), np.sort_complex(numeric)
    for lam in a:
        k = np.argmin(np.abs(b - lam))
        assert abs(b[k] - lam) < 1e-6 * (1 + abs(lam))
        b = np.delete(b, k)
    assert np.all(analytic.real < 0)


def test_fully_normalized_eigenvalues_need_uniform_weights():
    with pytest.raises(ValueError, match="all entries equal"):
        fully_normalized_eigenvalues(random_organics(0, 3))
    with pytest.raises(ValueError, match="tau_y"):
        fully_normalized_eigenvalues(ORGaNICs(W=np.ones((2, 2)), z=[1.0, 0.0], tau_y=[1.0, 2.0]))


# --- the rectified model (Appendix F, Eqs. 86-100) ----------------------------------------------


@given(seed=seeds, n=sizes, recurrent=st.booleans())
def test_rectified_jacobian_equals_finite_differences(seed, n, recurrent):
    model = random_organics(seed, n, recurrent=recurrent, rectified=True)
    rng = np.random.default_rng(seed + 2)
    signs = rng.choice([-1.0, 1.0], (2, n))
    x = np.concatenate(signs * rng.uniform(0.05, 2.0, (2, n)))  # away from both kinks
    J = model.jacobian(0.0, x)
    np.testing.assert_allclose(J, finite_difference_jacobian(model, x), rtol=1e-5, atol=1e-6)


def test_rectified_vector_field_is_eq87():
    model = random_organics(8, 4, rectified=True)
    x = np.random.default_rng(3).normal(size=8)
    y, a = x[:4], x[4:]
    ry, ra = np.maximum(y, 0), np.maximum(a, 0)
    dy = (-y + model.b * model.z + (1 - np.sqrt(ra)) * ry) / model.tau_y
    da = (-a + model.b0**2 * model.sigma**2 + model.W @ (ry**2 * ra)) / model.tau_a
    np.testing.assert_allclose(model.vector_field(0.0, x), np.concatenate([dy, da]))
    with pytest.raises(ValueError, match="rectified"):
        ORGaNICs(W=np.ones((2, 2)), rectified="yes")
    with pytest.raises(ValueError, match="rectified"):
        iterate_fixed_point(model)


def eq90(model):
    y_s, a_s = model.split(model.fixed_point())
    D, ty, ta, ry = np.diag, model.tau_y, model.tau_a, np.maximum(y_s, 0)
    g = np.sqrt(a_s) * (model.z >= 0) + 1.0 * (model.z < 0)
    return np.block([
        [-D(g / ty), -D(ry / (2 * np.sqrt(a_s) * ty))],
        [D(2 / ta) @ model.W @ D(a_s * ry), D(1 / ta) @ (-np.eye(len(y_s)) + model.W @ D(ry**2))],
    ])


@given(seed=seeds, n=sizes)
def test_rectified_fixed_point_eq88_and_jacobian_eq90(seed, n):
    model = random_organics(seed, n, rectified=True)
    x_s = model.fixed_point()
    np.testing.assert_allclose(model.vector_field(0.0, x_s), 0.0, atol=1e-12 * (1 + np.abs(x_s).max()))
    assert np.all(np.sign(x_s[:n]) == np.sign(model.z))
    J = model.jacobian(0.0, x_s)
    np.testing.assert_allclose(J, eq90(model), rtol=1e-12, atol=1e-14)
    lam = np.linalg.eigvals(J)
    assert np.all(lam.real < 0)
    B, K = damping_stiffness(model)
    mu = quadratic_eigenvalues(B, K)
    np.testing.assert_allclose(np.sort_complex(np.round(mu, 8)), np.sort_complex(np.round(lam, 8)), atol=1e-6)
    assert np.all(B - np.diag(np.diagonal(B)) <= 0)
    S = splitting_matrix(model)
    assert np.max(np.abs(np.linalg.eigvals(S))) < 1


def test_rectified_fixed_point_is_the_end_of_a_long_simulation():
    model = random_organics(4, 4, rectified=True, z=[0.8, -0.5, 0.3, -1.2])
    x0 = np.concatenate([np.zeros(4), np.full(4, 0.5)])
    trajectory = simulate(model, x0, np.linspace(0.0, 300.0, 3001), method="rk4")
    np.testing.assert_allclose(trajectory.final, model.fixed_point(), atol=1e-8)
    cert = section4_certificate(model)
    assert cert.holds and "F.1" in cert.reference


def _match_multisets(analytic, numeric, tol=1e-6):
    b = np.sort_complex(numeric)
    for lam in np.sort_complex(analytic):
        k = np.argmin(np.abs(b - lam))
        if abs(b[k] - lam) >= tol * (1 + abs(lam)):
            return False
        b = np.delete(b, k)
    return True


@given(seed=seeds, n=st.integers(1, 6), alpha=st.floats(0.01, 3.0))
def test_rectified_fully_normalized_eigenvalues_match_numeric(seed, n, alpha):
    """Appendix F.2 with |[b z]|^2 in place of the printed |b z|^2."""
    rng = np.random.default_rng(seed)
    model = ORGaNICs(
        W=np.full((n, n), alpha), z=rng.normal(size=n), b=rng.uniform(0.2, 2.0, n),
        b0=rng.uniform(0.2, 2.0), sigma=rng.uniform(0.05, 1.5), tau_y=rng.uniform(0.2, 3.0),
        tau_a=rng.uniform(0.2, 3.0), rectified=True,
    )
    numeric = np.linalg.eigvals(model.jacobian(0.0, model.fixed_point()))
    assert _match_multisets(fully_normalized_eigenvalues(model), numeric)


def test_printed_eq100_is_a_typo():
    """With a negative drive, Eq. 100 as printed (|b z|^2) misses the spectrum; |[b z]|^2 hits it."""
    model = ORGaNICs(W=np.full((3, 3), 0.8), z=[1.0, -1.5, 0.5], sigma=0.3, tau_y=1.0, tau_a=2.0,
                     rectified=True)
    numeric = np.linalg.eigvals(model.jacobian(0.0, model.fixed_point()))
    assert _match_multisets(fully_normalized_eigenvalues(model), numeric)
    e = 0.8 * np.sum(model.z**2)  # as printed
    s = np.sqrt(0.3**2 + e)
    printed = np.roots([1.0, (1 - e / s**2) / 2.0 + s, s / 2.0])
    assert not any(np.min(np.abs(numeric - lam)) < 1e-3 for lam in printed)


def test_contrast_response_is_the_normalization_equation_with_its_half_saturation():
    from rnnlab.organics_steady import contrast_response

    rng = np.random.default_rng(3)
    n = 4
    W = rng.uniform(0.0, 0.5, (n, n))
    z0 = rng.uniform(-1.0, 1.0, n)
    contrasts = np.geomspace(1e-2, 1e2, 9)
    for sigma in (0.3, 1.2):
        model = ORGaNICs(W=W, z=z0, b=0.7, b0=0.7, sigma=sigma)
        curve = contrast_response(model, contrasts)
        for k, c in enumerate(contrasts):  # Eq. 2 with b = b0
            np.testing.assert_allclose(curve.y_plus[k], normalization(c * z0, W, sigma), rtol=1e-12)
            np.testing.assert_allclose(curve.y_minus[k], normalization(-c * z0, W, sigma), rtol=1e-12)
        assert np.all(np.diff(curve.y_plus[:, z0 > 0], axis=0) > 0)  # rises with contrast
    # One neuron: y+ = c^2 z^2 / (sigma^2 + w c^2 z^2) reaches half of its ceiling 1/w at sigma / (|z| sqrt(w)).
    w, z, sigma = 0.8, 0.6, 0.9
    c50 = sigma / (z * np.sqrt(w))
    curve = contrast_response(ORGaNICs(W=[[w]], z=[z], sigma=sigma), [c50, 1e8])
    assert curve.y_plus[0, 0] == pytest.approx(0.5 / w) and curve.y_plus[1, 0] == pytest.approx(1 / w)


def test_contrast_response_with_recurrence_uses_algorithm1_and_bad_contrasts_are_named():
    from rnnlab.organics_steady import contrast_response

    rng = np.random.default_rng(0)
    n = 3
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))  # orthogonal: max singular value 1, as Algorithm 1 wants
    model = ORGaNICs(W=rng.uniform(0.0, 1.0, (n, n)) / n, z=rng.uniform(0.1, 0.5, n), W_r=Q)
    curve = contrast_response(model, [0.5, 1.0])
    assert curve.converged.all()
    for k, c in enumerate([0.5, 1.0]):
        scaled = model.replace(z=c * model.z)
        x = iterate_fixed_point(scaled).x
        assert np.max(np.abs(scaled.vector_field(0.0, x))) < 1e-8
        np.testing.assert_allclose(curve.y_plus[k], scaled.firing_rates(x)[0])
    with pytest.raises(ValueError, match="contrasts"):
        contrast_response(model, [-1.0])
    with pytest.raises(ValueError, match="model"):
        contrast_response("not a model", [1.0])


# --- normalization curves and the ring population -----------------------------------------------


@given(seed=seeds, n=sizes, b=st.floats(0.2, 2.0))
@settings(max_examples=20)
def test_normalization_curve_is_eq2_with_scaled_weights(seed, n, b):
    from rnnlab.organics_steady import normalization_curve

    model = random_organics(seed, n, b=b, b0=b)
    scales = np.array([0.0, 0.3, 1.0, 4.0])
    curve = normalization_curve(model, scales)
    for k, s in enumerate(scales):
        eq2_plus = normalization(model.z, s * model.W, model.sigma)
        eq2_minus = normalization(-model.z, s * model.W, model.sigma)
        np.testing.assert_allclose(curve.y_plus[k], eq2_plus, rtol=1e-10)
        np.testing.assert_allclose(curve.y_minus[k], eq2_minus, rtol=1e-10)
    # without a pool (s = 0) each neuron reports (z / sigma)^2; stronger pools only suppress
    np.testing.assert_allclose(curve.y_plus[0] + curve.y_minus[0], (model.z / model.sigma) ** 2, rtol=1e-10)
    assert np.all(np.diff(curve.y_plus + curve.y_minus, axis=0) <= 1e-15)


def test_normalization_curve_halves_at_sigma_squared_over_the_pool_drive():
    from rnnlab.organics_steady import normalization_curve

    W0 = np.array([[0.5, 0.2], [0.1, 0.7]])
    model = ORGaNICs(W=W0, z=[1.2, -0.8], sigma=[0.4, 0.9])
    s_half = model.sigma**2 / (W0 @ model.z**2)
    curve = normalization_curve(model, s_half)
    rates = curve.y_plus + curve.y_minus
    np.testing.assert_allclose(np.diagonal(rates), 0.5 * (model.z / model.sigma) ** 2, rtol=1e-12)
    assert curve.converged.all()


def test_normalization_curve_with_recurrence_matches_simulation():
    from rnnlab.organics_steady import normalization_curve

    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    model = ORGaNICs(W=rng.uniform(0, 1, (3, 3)), z=[0.5, 0.2, -0.4], sigma=0.5, W_r=Q)
    curve = normalization_curve(model, [0.5, 2.0])
    assert curve.converged.all()
    x0 = np.concatenate([np.zeros(3), np.ones(3)])
    for k, s in enumerate([0.5, 2.0]):
        end = simulate(model.replace(W=s * model.W), x0, np.linspace(0.0, 200.0, 2001)).final
        np.testing.assert_allclose(curve.y_plus[k], np.maximum(end[:3], 0) ** 2, atol=1e-7)
    with pytest.raises(ValueError, match="scales"):
        normalization_curve(model, [[1.0]])


def test_ring_population_tuning_and_pool():
    from rnnlab.organics_steady import ring_population

    m = ring_population(12, stimulus=np.pi / 2, tuning_width=0.4, pool_width=0.8, sigma=0.2)
    assert int(np.argmax(m.z)) == 3 and np.allclose(m.W, m.W.T) and np.all(m.W > 0)
    # symmetric around the preferred neuron, and the pool is translation invariant on the ring
    np.testing.assert_allclose(m.z[2], m.z[4])
    np.testing.assert_allclose(m.W[0], np.roll(m.W[5], -5))
    narrow = ring_population(12, pool_width=0.05)
    np.testing.assert_allclose(narrow.W, np.eye(12) / 12, atol=1e-12)  # a pool of one: self-normalization
    with pytest.raises(ValueError, match="pool_width"):
        ring_population(5, pool_width=0.0)
    with pytest.raises(ValueError, match="^n must"):
        ring_population(0)
