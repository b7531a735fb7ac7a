"""Constant l2 metrics: Lyapunov equation and diagonal metrics of Hurwitz Metzler matrices."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlab.lognorms import lognorm, spectral_abscissa
from rnnlab.metrics import lyapunov_metric, metzler_diagonal_metric

seeds = st.integers(0, 2**32 - 1)


@given(seeds, st.integers(1, 6))
def test_lyapunov_metric_solves_the_equation_and_certifies_the_rate(seed, n):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    A -= (spectral_abscissa(A) + 0.5) * np.eye(n)  # Hurwitz with alpha = -0.5
    M = lyapunov_metric(A)
    assert np.allclose(A.T @ M + M @ A, -np.eye(n), atol=1e-8 * (1 + np.abs(M).max()))
    assert np.linalg.eigvalsh(M).min() > 0
    # In its metric A contracts, at a rate no faster than its slowest mode.
    rate = lognorm(A, 2, P=M)
    assert rate < 0
    assert spectral_abscissa(A) <= rate + 1e-9


@given(seeds, st.integers(1, 6), st.floats(0.0, 1.0))
def test_metzler_diagonal_metric_is_a_diagonal_lyapunov_function(seed, n, density):
    rng = np.random.default_rng(seed)
    M = np.abs(rng.normal(size=(n, n))) * (rng.uniform(size=(n, n)) < density)  # possibly reducible
    np.fill_diagonal(M, 0.0)
    M -= (spectral_abscissa(M) + 0.3) * np.eye(n)
    p = metzler_diagonal_metric(M)
    assert np.all(p > 0)
    assert np.linalg.eigvalsh(np.diag(p) @ M + M.T @ np.diag(p)).max() < 0


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: lyapunov_metric([[1.0, 0.0], [0.0, -1.0]]), "Hurwitz"),
        (lambda: lyapunov_metric(-np.eye(2), Q=-np.eye(2)), "Q"),
        (lambda: metzler_diagonal_metric([[-1.0, -1.0], [0.0, -1.0]]), "Metzler"),
        (lambda: metzler_diagonal_metric([[1.0, 0.0], [0.0, -1.0]]), "Hurwitz"),
    ],
)
def test_bad_input_is_named(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@given(seeds, st.integers(2, 5))
def test_lemma2_inclusions_with_lds(seed, n):
    # Davydov Lemma 2: MH => LDS => TH (=> H); an LDS metric certifies x' = A x in its norm.
    from rnnlab.lognorms import is_m_hurwitz, is_totally_hurwitz
    from rnnlab.metrics import lds_metric

    A = np.random.default_rng(seed).normal(size=(n, n)) - 1.2 * np.eye(n)
    res = lds_metric(A)
    if is_m_hurwitz(A):
        assert res.lds
    if res.lds:
        assert is_totally_hurwitz(A)
        assert np.all(res.p > 0)
        assert np.linalg.eigvalsh(np.diag(res.p) @ A + A.T @ np.diag(res.p)).max() < 0
        assert res.rate == pytest.approx(-lognorm(A, 2, P=np.diag(res.p)))


def test_lds_examples():
    from rnnlab.metrics import lds_metric

    assert lds_metric([[-1.0, -1.0], [2.0, -1.0]]).lds  # Example 3(i): LDS but not MH
    assert not lds_metric([[1.0, 1.0], [-4.0, -3.0]]).lds  # Example 3(iii): Hurwitz, not TH, so not LDS
