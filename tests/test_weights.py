"""Random weight matrices: their statistics, reproducibility, and bad input."""

import numpy as np
import pytest

from rnnlab import gaussian_weights, sparse_weights


@pytest.mark.parametrize("n, g", [(50, 0.5), (300, 1.5), (1000, 1.0)])
def test_gaussian_weights_have_variance_g2_over_n(n, g):
    W = gaussian_weights(n, g, rng=7)
    assert W.shape == (n, n)
    m, var = n * n, g**2 / n
    # With m samples, mean ~ N(0, var / m) and sample variance ~ N(var, 2 var^2 / (m - 1)): 5 sigma.
    assert abs(W.mean()) < 5 * np.sqrt(var / m)
    assert abs(W.var(ddof=1) - var) < 5 * var * np.sqrt(2 / (m - 1))
    # Gaussian, not just the right variance: the fourth moment is 3 var^2 (std of the estimate ~ sqrt(96/m)).
    assert abs(np.mean(W**4) / var**2 - 3.0) < 5 * np.sqrt(96 / m)


def test_gaussian_weights_follow_the_circular_law():
    # The eigenvalues of N(0, g^2/n) weights fill the disk of radius g; at n = 400 the edge is within ~10 %.
    g = 1.5
    lam = np.linalg.eigvals(gaussian_weights(400, g, rng=11))
    assert np.abs(lam).max() == pytest.approx(g, rel=0.1)
    # Uniform on the disk: a fraction r^2 of the eigenvalues lies within radius r g.
    assert np.mean(np.abs(lam) < 0.5 * g) == pytest.approx(0.25, abs=0.05)


def test_gaussian_weights_are_reproducible():
    np.testing.assert_array_equal(gaussian_weights(20, 1.2, rng=3), gaussian_weights(20, 1.2, rng=3))
    np.testing.assert_array_equal(
        gaussian_weights(20, rng=np.random.default_rng(3)), gaussian_weights(20, rng=3)
    )
    assert not np.array_equal(gaussian_weights(20, rng=3), gaussian_weights(20, rng=4))


def test_gaussian_weights_scale_with_g():
    np.testing.assert_allclose(gaussian_weights(30, 2.0, rng=5), 2.0 * gaussian_weights(30, 1.0, rng=5))
    np.testing.assert_array_equal(gaussian_weights(30, 0.0, rng=5), np.zeros((30, 30)))


@pytest.mark.parametrize("n, density, magnitude", [(40, 0.1, 0.5), (100, 0.3, 2.0), (10, 1.0, 1.0)])
def test_sparse_weights_density_and_magnitude(n, density, magnitude):
    W = sparse_weights(n, density, magnitude, rng=1)
    assert W.shape == (n, n)
    assert np.count_nonzero(W) == round(density * n * n)
    assert np.abs(W).max() <= magnitude
    # Entries are uniform on [-magnitude, magnitude]: mean |w| is magnitude / 2 (std magnitude / sqrt(12)).
    k = np.count_nonzero(W)
    nz = W[W != 0]
    assert abs(np.abs(nz).mean() - magnitude / 2) < 5 * magnitude / np.sqrt(12 * k)
    assert abs(nz.mean()) < 5 * magnitude / np.sqrt(3 * k)


def test_sparse_weights_zero_diagonal():
    W = sparse_weights(30, 0.5, 1.0, rng=2, zero_diagonal=True)
    np.testing.assert_array_equal(np.diag(W), np.zeros(30))
    same = sparse_weights(30, 0.5, 1.0, rng=2)
    # Only the diagonal is changed.
    off = ~np.eye(30, dtype=bool)
    np.testing.assert_array_equal(W[off], same[off])
    assert np.count_nonzero(np.diag(same)) > 0


def test_sparse_weights_are_reproducible():
    np.testing.assert_array_equal(sparse_weights(25, 0.2, 1.0, rng=9), sparse_weights(25, 0.2, 1.0, rng=9))
    assert not np.array_equal(sparse_weights(25, 0.2, 1.0, rng=9), sparse_weights(25, 0.2, 1.0, rng=10))


def test_sparse_weights_edge_densities():
    np.testing.assert_array_equal(sparse_weights(5, 0.0, 1.0, rng=0), np.zeros((5, 5)))
    assert np.count_nonzero(sparse_weights(5, 1.0, 1.0, rng=0)) == 25


@pytest.mark.parametrize("n", [0, -3, 2.5, "4", None])
def test_bad_n_raises(n):
    with pytest.raises(ValueError, match=r"\bn\b"):
        gaussian_weights(n)
    with pytest.raises(ValueError, match=r"\bn\b"):
        sparse_weights(n, 0.5, 1.0)


@pytest.mark.parametrize("g", [-0.1, np.nan, np.inf])
def test_bad_gain_raises(g):
    with pytest.raises(ValueError, match=r"\bg\b"):
        gaussian_weights(10, g)


@pytest.mark.parametrize("density", [-0.1, 1.5, np.nan])
def test_bad_density_raises(density):
    with pytest.raises(ValueError, match="density"):
        sparse_weights(10, density, 1.0)


@pytest.mark.parametrize("magnitude", [-1.0, np.nan, np.inf])
def test_bad_magnitude_raises(magnitude):
    with pytest.raises(ValueError, match="magnitude"):
        sparse_weights(10, 0.5, magnitude)
