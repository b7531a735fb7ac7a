"""Log norms and matrix classes against their definitions and Davydov et al. (2022), Sec. II-III."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlab.lognorms import (
    is_hurwitz,
    is_m_hurwitz,
    is_quasidominant,
    is_totally_hurwitz,
    lognorm,
    metzler_majorant,
    optimal_weights,
    perron_weights,
    spectral_abscissa,
)

P_VALUES = [1, 2, np.inf]
seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 6)


def random_matrix(seed, n, shift=0.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n)) + shift * np.eye(n)


def induced_norm(A, p):
    return np.linalg.norm(A, ord=2 if p == 2 else p)


@given(seeds, sizes, st.sampled_from(P_VALUES))
def test_lognorm_is_the_limit_of_eq3(seed, n, p):
    # Eq. 3 with a one-sided difference: (|I + hA| - 1)/h -> mu(A), error O(h).
    A = random_matrix(seed, n)
    h = 1e-7
    fd = (induced_norm(np.eye(n) + h * A, p) - 1) / h
    assert lognorm(A, p) == pytest.approx(fd, abs=1e-5 * (1 + np.abs(A).sum()))


@given(seeds, sizes, st.sampled_from(P_VALUES))
def test_weighted_lognorm_is_mu_of_the_similar_matrix(seed, n, p):
    rng = np.random.default_rng(seed)
    A, eta = rng.normal(size=(n, n)), rng.uniform(0.1, 3.0, n)
    assert lognorm(A, p, eta=eta) == pytest.approx(lognorm(np.diag(eta) @ A @ np.diag(1 / eta), p))
    if p == 2:  # a diagonal metric P = [eta]^2 is the same norm
        assert lognorm(A, 2, P=np.diag(eta**2)) == pytest.approx(lognorm(A, 2, eta=eta))


@given(seeds, sizes)
def test_l1_weighted_lognorm_is_the_column_characterisation(seed, n):
    # Davydov Sec. II-A: mu_{1,[eta]}(A) = min{b : [A]_Mzr^T eta <= b eta}; the paper's first printed
    # expression (a row sum) is a typo, see lognorm's Notes.
    rng = np.random.default_rng(seed)
    A, eta = rng.normal(size=(n, n)), rng.uniform(0.1, 3.0, n)
    b = np.max(metzler_majorant(A).T @ eta / eta)
    assert lognorm(A, 1, eta=eta) == pytest.approx(b)
    b_inf = np.max(metzler_majorant(A) @ eta / eta)  # mu_{inf,[eta]^-1}
    assert lognorm(A, np.inf, eta=1 / eta) == pytest.approx(b_inf)


@given(seeds, sizes, st.sampled_from(P_VALUES))
def test_lognorm_bounds_the_spectral_abscissa_and_is_subadditive(seed, n, p):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(2, n, n))
    tol = 1e-9 * (1 + np.abs(A).sum() + np.abs(B).sum())
    assert spectral_abscissa(A) <= lognorm(A, p) + tol
    assert lognorm(A + B, p) <= lognorm(A, p) + lognorm(B, p) + tol
    assert lognorm(2.5 * A, p) == pytest.approx(2.5 * lognorm(A, p), abs=tol)
    assert lognorm(A + 3 * np.eye(n), p) == pytest.approx(lognorm(A, p) + 3, abs=tol)


def test_metric_lognorm_matches_the_lmi_characterisation():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 4))
    L = rng.normal(size=(4, 4))
    P = L @ L.T + 0.5 * np.eye(4)
    b = lognorm(A, 2, P=P)
    # A^T P + P A - 2 b P is negative semidefinite with a zero eigenvalue.
    S = A.T @ P + P @ A - 2 * b * P
    assert np.linalg.eigvalsh(S).max() == pytest.approx(0.0, abs=1e-9)


def test_davydov_example3():
    A = np.array([[-1.0, -1.0], [2.0, -1.0]])
    assert lognorm(A, 2) == pytest.approx(-0.5)
    assert spectral_abscissa(metzler_majorant(A)) == pytest.approx(np.sqrt(2) - 1)
    assert not is_m_hurwitz(A)
    B = np.array([[1.0, 1.0], [-4.0, -3.0]])
    assert spectral_abscissa(B) == pytest.approx(-1.0)
    assert is_hurwitz(B) and not is_totally_hurwitz(B)


@given(seeds, st.integers(2, 5))
def test_lemma2_inclusions_mh_implies_th_implies_h(seed, n):
    A = random_matrix(seed, n, shift=-1.5)
    if is_m_hurwitz(A):
        assert is_totally_hurwitz(A)
    if is_totally_hurwitz(A):
        assert is_hurwitz(A)


def test_quasidominance_is_minus_a_m_hurwitz():
    A = np.array([[3.0, -1.0], [2.0, 4.0]])  # diagonally dominant rows
    assert is_quasidominant(A)
    assert not is_quasidominant(-A)


@given(seeds, sizes, st.sampled_from(P_VALUES))
def test_perron_weights_attain_the_spectral_abscissa_lemma1(seed, n, p):
    rng = np.random.default_rng(seed)
    M = np.abs(rng.normal(size=(n, n))) + 0.05  # irreducible Metzler (positive off-diagonal)
    np.fill_diagonal(M, rng.normal(size=n))
    assert lognorm(M, p, eta=perron_weights(M, p)) == pytest.approx(spectral_abscissa(M), abs=1e-8)


@given(seeds, sizes, st.sampled_from([1, np.inf]))
def test_lp_optimum_equals_alpha_of_metzler_majorant(seed, n, p):
    # Theorem 4 with Lemma 1: inf_eta mu_{p,[eta]}(A) = alpha([A]_Mzr) (irreducible majorant).
    A = random_matrix(seed, n, shift=-1.0)
    res = optimal_weights(A, p)
    assert res.status == "optimal"
    assert res.value == pytest.approx(spectral_abscissa(metzler_majorant(A)), abs=1e-6)
    assert lognorm(A, p, eta=res.eta) == pytest.approx(res.value)


@pytest.mark.parametrize("seed", range(5))
def test_lemma6_two_vertices_give_the_worst_case_and_cor7_minimax(seed):
    # max over the 2^n vertices of [c] + A[d] equals the max over Lemma 6's two vertices, Eqs. 6 and 7.
    rng = np.random.default_rng(seed)
    n, d_min, d_max = 4, 0.2, 1.5
    A, c = rng.normal(size=(n, n)), rng.normal(size=n) - 2
    eta = rng.uniform(0.2, 2.0, n)
    corners = [np.diag(c) + A @ np.diag(d) for d in itertools.product([d_min, d_max], repeat=n)]
    worst1 = max(lognorm(M, 1, eta=eta) for M in corners)
    eq6 = max(lognorm(np.diag(c) + d * A, 1, eta=eta) for d in (d_min, d_max))
    assert worst1 == pytest.approx(eq6)
    worst_inf = max(lognorm(M, np.inf, eta=eta) for M in corners)
    v1 = np.diag(c) + d_max * A
    v2 = v1 - (d_max - d_min) * np.diag(np.diag(A))
    assert worst_inf == pytest.approx(max(lognorm(v1, np.inf, eta=eta), lognorm(v2, np.inf, eta=eta)))
    # Corollary 7: optimal weights for the two vertices are optimal for the whole polytope.
    res = optimal_weights(np.stack([np.diag(c) + d_min * A, np.diag(c) + d_max * A]), p=1)
    assert max(lognorm(M, 1, eta=res.eta) for M in corners) == pytest.approx(res.value, abs=1e-7)


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: lognorm(np.ones((2, 3))), "A"),
        (lambda: lognorm([[np.nan, 0], [0, 1]]), "A"),
        (lambda: lognorm(np.eye(2), p=3), "p"),
        (lambda: lognorm(np.eye(2), 1, eta=[1.0, -1.0]), "eta"),
        (lambda: lognorm(np.eye(2), 2, P=[[1.0, 2.0], [2.0, 1.0]]), "P"),
        (lambda: perron_weights([[0.0, -1.0], [1.0, 0.0]]), "Metzler"),
        (lambda: optimal_weights(np.eye(2), p=2), "p"),
        (lambda: is_totally_hurwitz(-np.eye(20)), "max_n"),
    ],
)
def test_bad_input_names_the_argument(call, word):
    with pytest.raises(ValueError, match=word):
        call()
