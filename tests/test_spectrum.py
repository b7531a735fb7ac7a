"""Jacobian spectra: agreement with eigenvalues computed other ways, and the abscissa/radius identities."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlab import LinearSystem, RateRNN, find_fixed_points, jacobian_spectrum

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 6)


def _random_matrix(seed, n):
    return np.random.default_rng(seed).normal(size=(n, n))


@given(seed=seeds, n=sizes)
def test_spectrum_of_linear_system_is_eigenvalues_of_a(seed, n, same_eigenvalues):
    A = _random_matrix(seed, n)
    spec = jacobian_spectrum(LinearSystem(A), np.zeros(n))
    same_eigenvalues(spec.eigenvalues, np.linalg.eigvals(A), atol=1e-10)
    # Also against the characteristic polynomial: trace and determinant.
    assert np.sum(spec.eigenvalues) == pytest.approx(np.trace(A), abs=1e-10)
    assert np.prod(spec.eigenvalues) == pytest.approx(np.linalg.det(A), rel=1e-8, abs=1e-10)


@given(seed=seeds, n=sizes)
def test_abscissa_and_radius_identities(seed, n):
    A = _random_matrix(seed, n)
    spec = jacobian_spectrum(LinearSystem(A), np.zeros(n))
    lam = np.linalg.eigvals(A)
    assert spec.abscissa == pytest.approx(lam.real.max(), abs=1e-10)
    assert spec.radius == pytest.approx(np.abs(lam).max(), abs=1e-10)
    assert spec.abscissa <= spec.radius + 1e-12
    # The log norm bounds the abscissa, the operator norm bounds the radius.
    assert spec.abscissa <= np.linalg.eigvalsh((A + A.T) / 2).max() + 1e-10
    assert spec.radius <= np.linalg.norm(A, 2) + 1e-10
    assert spec.stable == (spec.abscissa < 0)


@given(seed=seeds, n=sizes, c=st.floats(-3.0, 3.0))
def test_shift_and_scale(seed, n, c):
    # spec(A + c I) = spec(A) + c, and spec(c A) = c spec(A).
    A = _random_matrix(seed, n)
    base = jacobian_spectrum(LinearSystem(A), np.zeros(n))
    shifted = jacobian_spectrum(LinearSystem(A + c * np.eye(n)), np.zeros(n))
    scaled = jacobian_spectrum(LinearSystem(c * A), np.zeros(n))
    assert shifted.abscissa == pytest.approx(base.abscissa + c, abs=1e-9)
    assert scaled.radius == pytest.approx(abs(c) * base.radius, abs=1e-9)


def test_eigenvalues_are_sorted_by_real_part_then_imaginary():
    # A conjugate pair has equal real parts: the one with positive imaginary part comes first.
    A = np.zeros((5, 5))
    A[:2, :2] = [[0.5, -3.0], [3.0, 0.5]]
    A[2:, 2:] = np.diag([-2.0, 1.0, 0.25])
    spec = jacobian_spectrum(LinearSystem(A), np.zeros(5))
    np.testing.assert_allclose(spec.eigenvalues, [1.0, 0.5 + 3j, 0.5 - 3j, 0.25, -2.0], atol=1e-12)
    assert spec.abscissa == pytest.approx(1.0) and spec.radius == pytest.approx(np.hypot(0.5, 3.0))
    assert not spec.stable


@given(seed=seeds, n=sizes)
def test_rate_rnn_spectrum_is_that_of_minus_i_plus_w_diag_slope(seed, n, same_eigenvalues):
    # J = (-I + W diag(phi'(x))) / tau (Kozachkov et al. 2022, Eq. 1).
    rng = np.random.default_rng(seed)
    W, x = rng.normal(size=(n, n)), rng.normal(size=n)
    spec = jacobian_spectrum(RateRNN(W, tau=2.0, u=rng.normal(size=n)), x, t=1.5)
    J = (-np.eye(n) + W * (1 - np.tanh(x) ** 2)) / 2.0
    same_eigenvalues(spec.eigenvalues, np.linalg.eigvals(J), atol=1e-10)
    np.testing.assert_array_equal(spec.x, x)
    assert spec.t == 1.5


@given(seed=seeds, n=st.integers(2, 3))
def test_spectrum_at_fixed_points_equals_fixed_point_eigenvalues(seed, n, same_eigenvalues):
    rng = np.random.default_rng(seed)
    model = RateRNN.random(n, g=2.0, rng=rng)
    # The origin is a fixed point (u = 0); start there too, since Newton from random starts can miss
    # every point (see test_fixed_points.py::test_newton_can_stall_at_slow_points).
    starts = np.vstack([np.zeros(n), rng.uniform(-4.0, 4.0, size=(15, n))])
    fps = find_fixed_points(model, starts)
    assert len(fps) >= 1
    for fp in fps:
        spec = jacobian_spectrum(model, fp.x)
        same_eigenvalues(spec.eigenvalues, fp.eigenvalues, atol=1e-10)
        assert spec.stable == fp.stable


def test_time_varying_jacobian_is_taken_at_t():
    from rnnlab import FiringRateRNN

    model = FiringRateRNN([[2.0]], b=lambda t: t)  # J = -1 + 2 sech^2(2 y + t)
    for t in (0.0, 1.0):
        spec = jacobian_spectrum(model, [0.0], t=t)
        assert spec.eigenvalues[0] == pytest.approx(-1 + 2 / np.cosh(t) ** 2)


@pytest.mark.parametrize("x", [np.zeros((2, 2)), np.zeros(3), [np.nan, 0.0]])
def test_bad_state_raises(x):
    with pytest.raises(ValueError, match=r"\bx\b"):
        jacobian_spectrum(LinearSystem(np.eye(2)), x)


def test_non_model_raises():
    with pytest.raises(ValueError, match="model"):
        jacobian_spectrum(np.eye(2), [0.0, 0.0])
