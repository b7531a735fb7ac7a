"""Davydov, Proskurnikov & Bullo (2022), Sec. V: every certificate against brute force, against an
independent route (closed form vs LP, Jacobians vs the one-sided Lipschitz constant, the weak-pairing
definition), against simulation, and against the paper's own examples."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import LeakyTanh
from rnnlab import Activation, FiringRateModel, FiringRateRNN, Hopfield, RateRNN, simulate
from rnnlab.certificates import certify, registered
from rnnlab.certificates import davydov
from rnnlab.certificates.davydov import (
    absolute_contraction,
    as_hopfield,
    connective_contraction,
    diagonal_lure_certificate,
    firing_rate_certificate,
    firing_rate_osl,
    hopfield_certificate,
    hopfield_m_hurwitz_certificate,
    hopfield_osl,
    lure_certificate,
    multivariable_lure_certificate,
    multivariable_lure_majorant,
    persidskii_certificate,
    persidskii_network_certificate,
    pruned,
    slope_vertices,
    total_contraction,
    without_edges,
)
from rnnlab.lognorms import lognorm, metzler_majorant, optimal_weights, spectral_abscissa
from rnnlab.models.lure import DiagonalLure, Lure, MultivariableLure, Persidskii

seeds = st.integers(0, 2**32 - 1)
small = st.integers(2, 5)
LP_TOL = 1e-7  # optimal_weights bisects to 1e-9 relative; its eps = 1e-9 floor costs a little more
A_STAR = np.array([[1.0, 1.0], [-1.0, 1.0]])  # Example 9
A_LDS = np.array([[-1.0, -1.0], [2.0, -1.0]])  # Example 3(i)
A_HURWITZ = np.array([[1.0, 1.0], [-4.0, -3.0]])  # Example 3(iii)



def slope_corners(d_min, d_max, n):
    return [np.array(d) for d in itertools.product([d_min, d_max], repeat=n)]


def random_arrays(seed, n, scale=0.7):
    rng = np.random.default_rng(seed)
    A = rng.normal(0.0, scale / np.sqrt(n), size=(n, n))
    C = rng.uniform(0.5, 2.0, n)
    d_min = rng.choice([0.0, rng.uniform(0.0, 0.5)])
    return rng, A, C, d_min, d_min + rng.uniform(0.2, 1.5)


# ---------------------------------------------------------------------------------------------------
# Theorem 16 (Hopfield, l1) and Theorem 18 (firing rate, l-inf)


@given(seeds, small)
def test_thm16_18_two_slope_vertices_give_the_worst_of_all_2n(seed, n):
    # Theorem 16(i) / 18(i) with Lemma 6: the Jacobians -[C] + A[d] (Hopfield) and -[C] + [d]A (firing
    # rate) over all 2^n slope corners have their worst weighted log norm at d = d_min 1 or d_max 1.
    rng, A, C, d_min, d_max = random_arrays(seed, n, scale=2.0)
    eta = rng.uniform(0.1, 3.0, n)
    corners = slope_corners(d_min, d_max, n)
    worst_l1 = max(lognorm(-np.diag(C) + A * d, 1, eta=eta) for d in corners)
    worst_inf = max(lognorm(-np.diag(C) + d[:, None] * A, np.inf, eta=eta) for d in corners)
    assert hopfield_osl(A, C, d_min, d_max, eta) == pytest.approx(worst_l1, abs=1e-12)
    assert firing_rate_osl(A, C, d_min, d_max, eta) == pytest.approx(worst_inf, abs=1e-12)


@settings(max_examples=20)
@given(seeds, small, st.sampled_from(["iii", "iv"]), st.sampled_from([1, np.inf]))
def test_thm16_18_closed_forms_equal_the_lp_optimum(seed, n, case, p):
    # The requirement: the Perron closed forms (iii), (iv) equal the LP of (ii).
    rng, A, C, d_min, d_max = random_arrays(seed, n, scale=2.0)
    if case == "iii":
        C = np.full(n, C[0])
    else:
        d_min = 0.0
    build = hopfield_certificate if p == 1 else firing_rate_certificate
    closed, lp = build(A, C, d_min, d_max, method="closed_form"), build(A, C, d_min, d_max, method="lp")
    assert closed.applies and closed.details["case"] == f"({case})"
    assert closed.details["method"] == f"closed form ({case})" and lp.details["method"] == "LP"
    assert build(A, C, d_min, d_max).details["method"] == f"closed form ({case})"  # what "auto" picks
    assert closed.rate == pytest.approx(-closed.details["closed_form"], abs=1e-10)
    assert lp.rate == pytest.approx(closed.rate, abs=LP_TOL)
    assert lp.details["lower"] <= closed.details["osL"] + 1e-9  # the LP's proven lower bound
    # The closed forms printed in Eqs. 16-17 / 19-20.
    Mz = metzler_majorant(A)
    alpha = spectral_abscissa(Mz)
    expect = (-C[0] + max(d_min * alpha, d_max * alpha) if case == "iii"
              else max(np.max(-C), spectral_abscissa(-np.diag(C) + d_max * Mz)))
    assert closed.details["osL"] == pytest.approx(expect, abs=1e-10)


@settings(max_examples=20)
@given(seeds, small, st.sampled_from([1, np.inf]))
def test_thm16_18_lp_policy_iteration_and_all_corners_agree(seed, n, p):
    # With C varying and d_min > 0 no closed form applies. Three routes to min_eta osL: the LP of
    # 16(ii) / 18(ii); policy iteration; and brute force max_d alpha([J(d)]_Mzr) over all 2^n slope
    # corners (each a lower bound by Theorem 8(iii)). No random weight beats them.
    rng, A, C, _, d_max = random_arrays(seed, n, scale=2.0)
    d_min, d_max = 0.3, 0.3 + d_max
    build, osl = ((hopfield_certificate, hopfield_osl) if p == 1
                  else (firing_rate_certificate, firing_rate_osl))
    cert, lp = build(A, C, d_min, d_max), build(A, C, d_min, d_max, method="lp")
    assert cert.details["method"] == "policy iteration" and cert.details["closed_form"] is None
    assert lp.details["method"] == "LP"
    best = cert.details["osL"]
    def corner_alpha(d):  # Hopfield: -[C] + A [d]; firing rate: -[C] + [d] A
        return spectral_abscissa(metzler_majorant(-np.diag(C) + (A * d if p == 1 else d[:, None] * A)))

    corner_alphas = [corner_alpha(d) for d in slope_corners(d_min, d_max, n)]
    assert best == pytest.approx(max(corner_alphas), abs=1e-10)
    assert best == pytest.approx(cert.details["policy_value"], abs=1e-10)
    assert lp.details["osL"] == pytest.approx(best, abs=LP_TOL) and lp.details["lower"] <= best + 1e-9
    assert corner_alpha(cert.details["corner"]) == pytest.approx(best)  # the worst corner
    for _ in range(20):
        eta = rng.uniform(0.05, 2.0, n)
        assert osl(A, C, d_min, d_max, eta) >= best - 1e-10
        eta = cert.metric * np.exp(rng.normal(0.0, 0.05, n))  # near the optimum
        assert osl(A, C, d_min, d_max, eta) >= best - 1e-10
    assert best == pytest.approx(osl(A, C, d_min, d_max, cert.metric), abs=1e-12)


def test_policy_iteration_on_a_large_network_matches_the_closed_form():
    # n = 200 takes the ARPACK path; with C = c I and d_min > 0 both routes apply (case (iii)).
    # benchmarks/bench_lp_weights.py times n = 1000 against the LP.
    rng = np.random.default_rng(3)
    n = 200
    A = rng.normal(0.0, 0.3 / n, (n, n)) * (rng.random((n, n)) < 0.5)
    for build in (hopfield_certificate, firing_rate_certificate):
        policy = build(A, 1.0, 0.2, 1.0, method="policy")
        closed = build(A, 1.0, 0.2, 1.0, method="closed_form")
        assert policy.holds and policy.details["n_iter"] <= 5
        assert policy.rate == pytest.approx(closed.rate, abs=1e-10)
        np.testing.assert_allclose(policy.metric, closed.metric, rtol=1e-8)


def test_thm16_closed_form_is_refused_where_it_does_not_exist():
    A, C = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1.0, 2.0])
    cert = hopfield_certificate(A, C, 0.2, 1.0, method="closed_form")
    assert not cert.applies and not cert.holds and "closed form" in cert.note
    assert hopfield_certificate(A, C, 0.2, 1.0).details["method"] == "policy iteration"
    cert = hopfield_certificate(A, C, 0.0, 1.0, method="policy")  # corners with d = 0 are reducible
    assert not cert.applies and "d_min > 0" in cert.note


def test_remark17_reducible_majorant_uses_the_lp_and_reaches_the_infimum():
    # Triangular A: [A]_Mzr is reducible, no Perron weights; the infimum is still
    # -c + max(d_min alpha, d_max alpha) (Lemma 1(i)), approached by the LP with eta >= eps.
    A = np.array([[0.5, 2.0, 0.0], [0.0, -0.5, 3.0], [0.0, 0.0, 0.2]])
    cert = hopfield_certificate(A, C=1.0, d_min=0.0, d_max=1.0)
    assert cert.details["method"] == "LP" and "Remark 17" in cert.note
    assert cert.details["osL"] == pytest.approx(-1.0 + 0.5, abs=1e-6)
    assert cert.holds


# Slope arguments z where phi' = d_max and where phi' = d_min (up to e^-60).
Z_AT_D_MAX = {"tanh": 0.0, "relu": 0.0, "sigmoid": 0.0, "softplus": 60.0, "linear": 0.0}
Z_AT_D_MIN = {"tanh": 60.0, "relu": -60.0, "sigmoid": -60.0, "softplus": -60.0, "linear": 0.0}


@pytest.mark.parametrize("phi", list(Z_AT_D_MAX))
def test_osl_bounds_every_jacobian_and_is_attained_at_the_worst_slope_vertex(rng, phi):
    # Theorem 15: osL = ess sup_x mu(Df(x)). Sampled Jacobians stay below the certified osL, and the
    # states whose slopes sit at d_max 1 or at d_min 1 attain it.
    n = 4
    act = Activation(phi, gain=1.3)
    A, C, u = rng.normal(0.0, 1.0, (n, n)), rng.uniform(0.5, 2.0, n), rng.normal(size=n)
    z = np.stack([np.full(n, Z_AT_D_MAX[phi]), np.full(n, Z_AT_D_MIN[phi])]) / act.gain  # (2, n)
    cases = [
        (Hopfield(A, C, u, act), hopfield_certificate(A, C, act.d_min, act.d_max), z),  # slopes at x
        (FiringRateModel(A, C, u, act), firing_rate_certificate(A, C, act.d_min, act.d_max),
         np.linalg.solve(A, (z - u).T).T),  # slopes at A x + u
    ]
    for model, cert, x_vertex in cases:
        p = 1 if cert.norm == "l1" else np.inf
        osl = cert.details["osL"]
        x = rng.normal(0.0, 3.0, (500, n))
        assert np.max(lognorm(model.jacobian(0.0, x), p, eta=cert.metric)) <= osl + 1e-12
        at_vertices = lognorm(model.jacobian(0.0, x_vertex), p, eta=cert.metric)
        assert np.max(at_vertices) == pytest.approx(osl, abs=1e-10)


@given(seeds, small)
def test_osl_is_the_weak_pairing_definition_eq13(seed, n):
    # Definition 14 / Eq. 13 with the weak pairings of Davydov et al. (TAC 2022): for l1,
    # [[a, b]] = |b|_1 sign(b)^T a; for l-inf, [[a, b]] = max over i in argmax |b_i| of b_i a_i;
    # weighted norms transport both through [eta]. Every pair of states obeys the certified osL.
    rng, A, C, d_min, d_max = random_arrays(seed, n, scale=2.0)
    phi = Activation("tanh", gain=d_max)
    x, y = rng.normal(0.0, 2.0, (2, 200, n))
    for model, cert in ((Hopfield(A, C, 0.3, phi), hopfield_certificate(A, C, 0.0, d_max)),
                        (FiringRateModel(A, C, 0.3, phi), firing_rate_certificate(A, C, 0.0, d_max))):
        a = cert.metric * (model.vector_field(0.0, x) - model.vector_field(0.0, y))
        b = cert.metric * (x - y)
        if cert.norm == "l1":
            pairing = np.abs(b).sum(-1) * np.sum(np.sign(b) * a, axis=-1)
        else:
            i = np.argmax(np.abs(b), axis=-1)
            pairing = np.take_along_axis(b * a, i[:, None], -1)[:, 0]
        assert np.all(pairing <= cert.details["osL"] * cert.distance(x - y) ** 2 + 1e-10)


def test_thm18_singular_a_still_certifies_but_not_exactly():
    # Decision: invertibility of A only makes Theorem 18(i) exact; the bound (Eq. 5) holds for every A.
    A = np.array([[0.4, 0.4, 0.0], [0.2, 0.2, 0.0], [0.3, -0.1, 0.1]])  # rank 2
    cert = firing_rate_certificate(A, C=1.0, d_min=0.0, d_max=1.0)
    assert cert.applies and cert.holds and not cert.details["exact"] and "singular" in cert.note
    corners = slope_corners(0.0, 1.0, 3)
    worst = max(lognorm(-np.eye(3) + d[:, None] * A, np.inf, eta=cert.metric) for d in corners)
    assert worst <= -cert.rate + 1e-12
    assert firing_rate_certificate(A + np.eye(3), C=2.0).details["exact"]


# ---------------------------------------------------------------------------------------------------
# The paper's examples


def test_example9_l1_weights_cannot_beat_the_metzler_majorant():
    # Example 9: alpha(A_*) = 1 < 2 = alpha([A_*]_Mzr); mu_2(A_*) = 1, mu_2([A_*]_Mzr) = 2.
    assert sorted(np.linalg.eigvals(A_STAR), key=np.imag) == pytest.approx([1 - 1j, 1 + 1j])
    assert sorted(np.linalg.eigvals(metzler_majorant(A_STAR)).real) == pytest.approx([0.0, 2.0])
    assert lognorm(A_STAR, 2) == pytest.approx(1.0)
    assert lognorm(metzler_majorant(A_STAR), 2) == pytest.approx(2.0)
    # Theorem 8(iii): the best l1 / l-inf weights give alpha([A_*]_Mzr) = 2, not alpha(A_*) = 1.
    for p in (1, np.inf):
        assert optimal_weights(A_STAR, p).value == pytest.approx(2.0, abs=1e-8)
    # In a Hopfield network x' = -3x + A_* Phi(x): Theorem 16(iii) gives osL = -3 + max(0, 2) = -1,
    # by the LP too, while the linear network x' = (-3I + A_*) x has mu_2 = -2 (l2 is sharper here).
    for method in ("closed_form", "lp"):
        cert = hopfield_certificate(A_STAR, C=3.0, d_min=0.0, d_max=1.0, method=method)
        assert cert.holds and cert.rate == pytest.approx(1.0, abs=LP_TOL)
    assert lognorm(-3 * np.eye(2) + A_STAR, 2) == pytest.approx(-2.0)
    assert not hopfield_certificate(A_STAR, C=1.5).holds  # -1.5 + 2 > 0


def test_example3_lds_but_not_m_hurwitz_gets_no_persidskii_certificate():
    # Example 3(i): mu_2(A) = -0.5, so A is LDS, but alpha([A]_Mzr) = sqrt(2) - 1 > 0: Theorem 19(i)
    # fails, with margin -d_max alpha (Theorem 16(iii) with c = 0).
    cert = persidskii_certificate(A_LDS, 0.5, 1.5)
    assert not cert.holds and not cert.details["m_hurwitz"]
    assert cert.details["alpha"] == pytest.approx(np.sqrt(2) - 1)
    assert cert.rate == pytest.approx(-1.5 * (np.sqrt(2) - 1))
    assert lognorm(A_LDS, 2) == pytest.approx(-0.5)


def test_example3_hurwitz_but_not_totally_hurwitz_must_not_be_totally_contracting():
    # Example 3(iii): A is Hurwitz (alpha = -1) but a_11 = 1 > 0. The linear network x' = A x is
    # contracting in some norm, yet pruning neuron 2 leaves x_1' = x_1. A diagonally weighted
    # certificate would certify every pruned subnetwork (total contraction), so it must refuse.
    assert spectral_abscissa(A_HURWITZ) == pytest.approx(-1.0)
    model = Hopfield(A_HURWITZ, C=0.0, phi="linear")
    cert = total_contraction(model)
    assert not cert.holds
    sub = pruned(model, [0])
    np.testing.assert_allclose(sub.jacobian(0.0, np.zeros(1)), [[1.0]])


# ---------------------------------------------------------------------------------------------------
# Theorems 19-21: M-Hurwitz conditions


@given(seeds, small)
def test_thm19i_rate_is_d_min_times_alpha(seed, n):
    rng = np.random.default_rng(seed)
    A = -np.diag(rng.uniform(1.0, 3.0, n)) + rng.normal(0.0, 0.5 / np.sqrt(n), (n, n))
    d_min, d_max = rng.uniform(0.1, 1.0), rng.uniform(1.0, 2.0)
    cert = persidskii_certificate(A, d_min, d_max)
    alpha = spectral_abscissa(metzler_majorant(A))
    assert cert.details["m_hurwitz"] == (alpha < 0) and cert.holds == (alpha < 0)
    if alpha < 0:
        assert cert.rate == pytest.approx(d_min * abs(alpha), abs=1e-10)
    corners = slope_corners(d_min, d_max, n)  # Jacobians A [d]
    worst = max(lognorm(A * d, 1, eta=cert.metric) for d in corners)
    assert worst == pytest.approx(cert.details["osL"], abs=1e-12)
    assert cert.rate == pytest.approx(hopfield_certificate(A, 0.0, d_min, d_max).rate, abs=1e-10)


@given(seeds, small)
def test_thm19ii_is_thm16iv_and_holds_iff_m_hurwitz(seed, n):
    rng, A, C, _, d_max = random_arrays(seed, n, scale=2.0)
    cert = hopfield_m_hurwitz_certificate(A, C, 0.0, d_max)
    M = -np.diag(C) + d_max * metzler_majorant(A)
    assert cert.holds == (spectral_abscissa(M) < 0)
    assert cert.details["osL"] == pytest.approx(cert.details["closed_form"], abs=1e-10)
    closed = hopfield_certificate(A, C, 0.0, d_max, method="closed_form")
    assert cert.rate == pytest.approx(closed.rate, abs=1e-10)
    assert not hopfield_m_hurwitz_certificate(A, C, 0.1, d_max).applies
    assert not hopfield_m_hurwitz_certificate(A, np.r_[0.0, C[1:]], 0.0, d_max).applies


@settings(max_examples=15)
@given(seeds, st.integers(2, 4))
def test_thm20_rate_is_exact_over_the_whole_polytope(seed, n):
    # x' = A x - [C] Phi(x): osL = alpha([A]_Mzr - d_min C), checked against all 2^n corners and
    # against the LP run on all 2^n corners at once (the optimum over every diagonal weight).
    rng = np.random.default_rng(seed)
    A, C = rng.normal(0.0, 1.0, (n, n)), rng.uniform(0.0, 2.0, n)
    d_min, d_max = rng.uniform(0.0, 1.0), rng.uniform(1.0, 2.0)
    cert = diagonal_lure_certificate(A, C, d_min, d_max)
    alpha = spectral_abscissa(metzler_majorant(A) - d_min * np.diag(C))
    assert cert.details["osL"] == pytest.approx(alpha, abs=1e-10)
    corners = np.stack([A - np.diag(C * d) for d in slope_corners(d_min, d_max, n)])
    assert np.max(lognorm(corners, 1, eta=cert.metric)) == pytest.approx(cert.details["osL"], abs=1e-12)
    assert optimal_weights(corners, 1).value == pytest.approx(cert.details["osL"], abs=LP_TOL)


@settings(max_examples=15)
@given(seeds, st.integers(2, 3), st.sampled_from([1, np.inf]))
def test_thm21_rate_is_exact_over_all_edge_slopes(seed, n, p):
    # x_i' = sum_j a_ij phi_ij(x_j): the Jacobian A o D over all 2^(n^2) corners of D.
    rng = np.random.default_rng(seed)
    A = rng.normal(0.0, 1.0, (n, n)) - np.diag(rng.uniform(0.0, 2.0, n))
    d_min, d_max = rng.uniform(0.1, 1.0), rng.uniform(1.0, 2.0)
    cert = persidskii_network_certificate(A, d_min, d_max, p=p)
    corners = np.stack([A * np.reshape(D, (n, n)) for D in itertools.product([d_min, d_max], repeat=n * n)])
    assert np.max(lognorm(corners, p, eta=cert.metric)) == pytest.approx(cert.details["osL"], abs=1e-12)
    if np.all(np.diag(A) <= 0):  # then W = [B]_Mzr and the rate is the printed -alpha([B]_Mzr)
        assert cert.rate == pytest.approx(-cert.details["alpha"], abs=1e-10)
    if n == 2:  # optimal over all diagonal weights: the LP on every corner agrees
        assert optimal_weights(corners, p).value == pytest.approx(cert.details["osL"], abs=LP_TOL)


def test_thm21_23_linf_norm_is_the_reciprocal_of_the_perron_vector():
    # Decision on the printed |.|_{inf,[v_B]}^{-1}: the norm is |[v_B]^-1 x|_inf (metric 1/v_B).
    # The literal reading |[v_B] x|_inf does not certify: here its log norm is positive.
    A = np.array([[-1.0, 3.0], [0.05, -1.0]])
    cert = persidskii_network_certificate(A, 1.0, 1.0, p=np.inf)  # linear: the Jacobian is A
    _, vecs = np.linalg.eig(metzler_majorant(A))
    v = np.abs(vecs[:, np.argmax(np.linalg.eigvals(metzler_majorant(A)).real)])
    np.testing.assert_allclose(cert.metric, (1 / v) / np.max(1 / v), rtol=1e-10)
    assert cert.holds and lognorm(A, np.inf, eta=cert.metric) < 0
    assert lognorm(A, np.inf, eta=v) > 0
    F_cert = multivariable_lure_certificate(A, np.zeros((2, 1)), np.zeros((1, 2)), 0.0, 1.0, p=np.inf)
    np.testing.assert_allclose(F_cert.metric, cert.metric, rtol=1e-10)


# ---------------------------------------------------------------------------------------------------
# Theorems 22-23: Lur'e systems


@settings(max_examples=20)
@given(seeds, small, st.sampled_from([1, np.inf]))
def test_thm22_lp_is_exact_on_the_slope_segment(seed, n, p):
    rng = np.random.default_rng(seed)
    A = -np.diag(rng.uniform(0.5, 2.0, n)) + rng.normal(0.0, 0.5, (n, n))
    v, w = rng.normal(size=n), rng.normal(size=n)
    d_min, d_max = rng.uniform(-0.5, 0.5), rng.uniform(0.5, 2.0)
    cert = lure_certificate(A, v, w, d_min, d_max, p=p)
    d = np.linspace(d_min, d_max, 41)
    mus = lognorm(A + d[:, None, None] * np.outer(v, w), p, eta=cert.metric)
    assert np.max(mus) == pytest.approx(cert.details["osL"], abs=1e-12)  # attained at an end
    for _ in range(10):  # no other weight beats the LP of Eq. 21 / 22
        eta = rng.uniform(0.05, 2.0, n)
        assert np.max(lognorm(cert.details["vertices"], p, eta=eta)) >= cert.details["osL"] - LP_TOL


@given(seeds, small, st.integers(1, 3), st.sampled_from([1, np.inf]))
def test_thm23_majorant_bounds_every_jacobian(seed, n, m, p):
    rng = np.random.default_rng(seed)
    A = -np.diag(rng.uniform(1.0, 3.0, n)) + rng.normal(0.0, 0.5, (n, n))
    B, C = rng.normal(0.0, 0.7, (n, m)), rng.normal(0.0, 0.7, (m, n))
    d_min, d_max = rng.uniform(0.0, 0.5), rng.uniform(0.5, 1.5)
    F = multivariable_lure_majorant(A, B, C, d_min, d_max)
    # The printed formula, entry by entry.
    pos = lambda z: max(z, 0.0)  # noqa: E731
    neg = lambda z: min(z, 0.0)  # noqa: E731
    for i, j in itertools.product(range(n), repeat=2):
        terms = [B[i, k] * C[k, j] for k in range(m)]
        up = d_max * sum(map(pos, terms)) + d_min * sum(map(neg, terms))
        down = -d_min * sum(map(pos, terms)) - d_max * sum(map(neg, terms))
        assert F[i, j] == pytest.approx(A[i, i] + up if i == j else abs(A[i, j]) + max(up, down), abs=1e-12)
    cert = multivariable_lure_certificate(A, B, C, d_min, d_max, p=p)
    assert cert.rate == pytest.approx(-spectral_abscissa(F), abs=1e-10)
    for d in slope_corners(d_min, d_max, m):
        J = A + B @ np.diag(d) @ C
        assert np.all(metzler_majorant(J) <= F + 1e-12)
        assert lognorm(J, p, eta=cert.metric) <= cert.details["osL"] + 1e-12


# ---------------------------------------------------------------------------------------------------
# Section V-D: absolute, connective, total contraction, by brute force


def test_absolute_contraction_holds_for_every_slope_corner_and_activation(rng):
    n = 4
    A, C = rng.normal(0.0, 0.5, (n, n)), rng.uniform(1.0, 2.0, n)
    model = Hopfield(A, C, phi="tanh")
    cert = absolute_contraction(model, d_min=0.0, d_max=1.0)
    assert cert.holds and "absolute" in cert.criterion
    # Every per-neuron choice of slopes, i.e. of activations, in [0, 1]: 2^n corners plus interior points.
    slopes = slope_corners(0.0, 1.0, n) + list(rng.uniform(0.0, 1.0, (50, n)))
    assert max(lognorm(-np.diag(C) + A * d, 1, eta=cert.metric) for d in slopes) <= -cert.rate + 1e-12
    # The certificate sees only the slope bounds: relu and tanh agree, a steeper class costs rate.
    assert absolute_contraction(model.replace(phi="relu")).rate == pytest.approx(cert.rate, abs=1e-12)
    assert absolute_contraction(model, d_max=2.0).rate < cert.rate


NETWORKS = [Hopfield, FiringRateModel, RateRNN, FiringRateRNN]


def _network(cls, A, rng, u=0.0):
    n = len(A)
    if cls in (Hopfield, FiringRateModel):
        return cls(A, C=rng.uniform(0.8, 1.5, n), u=u)
    if cls is RateRNN:
        return cls(A, u=u, tau=rng.uniform(0.5, 1.5, n))
    return cls(A, b=u, tau=rng.uniform(0.5, 1.5, n))


def _corner_jacobians(model, d_min=0.0, d_max=1.0):
    """The Jacobians at all 2^n slope corners, built from the model's own parameters."""
    if isinstance(model, (Hopfield, FiringRateModel)):
        A, C = model.A, model.C
    else:
        A, C = model.W / model.tau[:, None], 1.0 / model.tau
    rows = isinstance(model, (FiringRateModel, FiringRateRNN))  # [d] A, else A [d]
    return np.stack([-np.diag(C) + (d[:, None] * A if rows else A * d)
                     for d in slope_corners(d_min, d_max, model.n)])


@pytest.mark.parametrize("cls", NETWORKS)
def test_connective_contraction_under_every_edge_removal_of_a_3x3(cls):
    # All 2^6 sets of removed edges: the same weights certify each network at the same rate (so its
    # own optimal rate can only be larger), checked on all 8 slope corners; alpha of the majorants falls.
    rng = np.random.default_rng(7)
    model = _network(cls, rng.normal(0.0, 0.6, (3, 3)), rng)
    cert = connective_contraction(model)
    assert cert.holds and "connective" in cert.criterion
    p = 1 if cert.norm == "l1" else np.inf
    edges = [(i, j) for i in range(3) for j in range(3) if i != j]
    for k in range(len(edges) + 1):
        for removed in itertools.combinations(edges, k):
            J = _corner_jacobians(without_edges(model, removed))
            assert np.max(lognorm(J, p, eta=cert.metric)) <= -cert.rate + 1e-12
            assert np.max(spectral_abscissa(metzler_majorant(J))) <= cert.details["alpha_majorant"] + 1e-12
    everything = without_edges(model, edges)  # no edges left: each neuron decays on its own
    assert absolute_contraction(everything).rate >= cert.rate


@pytest.mark.parametrize("cls", NETWORKS)
def test_total_contraction_for_every_principal_subnetwork_of_a_4x4(cls):
    # All 15 subnetworks: the weights eta[I] certify each (all 2^|I| corners), its own optimal
    # certificate has an equal or larger rate (Lemma 10, Corollary 11).
    rng = np.random.default_rng(11)
    model = _network(cls, rng.normal(0.0, 0.3, (4, 4)), rng, u=lambda t: np.sin(t) * np.arange(4.0))
    cert = total_contraction(model)
    assert cert.holds and "total" in cert.criterion
    p = 1 if cert.norm == "l1" else np.inf
    for k in range(1, 5):
        for keep in itertools.combinations(range(4), k):
            sub = pruned(model, keep)
            assert sub.n == k
            mus = lognorm(_corner_jacobians(sub), p, eta=cert.metric[list(keep)])
            assert np.max(mus) <= -cert.rate + 1e-12
            assert absolute_contraction(sub).rate >= cert.rate - LP_TOL
    # The subnetwork is the network restricted to the kept neurons when the others sit at 0 = phi(0).
    if cls in (Hopfield, RateRNN):
        sub, x = pruned(model, [0, 2]), np.array([0.3, 0.0, -0.7, 0.0])
        np.testing.assert_allclose(sub.vector_field(1.0, x[[0, 2]]), model.vector_field(1.0, x)[[0, 2]])


# ---------------------------------------------------------------------------------------------------
# Registration, and the certificates against simulation


def _act(rng, leaky=False):
    if leaky:
        return LeakyTanh(rng.uniform(0.5, 0.8), rng.uniform(0.1, 0.5))
    return Activation(["tanh", "relu", "sigmoid", "softplus"][rng.integers(4)], gain=rng.uniform(0.5, 1.5),
                      threshold=rng.normal(0.0, 0.5))


def _input(rng, n):
    u0, u1 = rng.normal(0.0, 0.5, (2, n))
    return (lambda t: u0 + u1 * np.sin(2 * t)) if rng.random() < 0.5 else u0


def _stable(rng, n, off=0.5):
    return -np.diag(rng.uniform(1.0, 2.5, n)) + rng.normal(0.0, off / np.sqrt(n), (n, n))


def _weights(r, n, g=0.7):
    return r.normal(0.0, g / np.sqrt(n), (n, n))


BUILDERS = {  # (rng, n) -> a random model, most of them certified (see the test below)
    "Hopfield": lambda r, n: Hopfield(_weights(r, n), r.uniform(0.5, 2.0, n), _input(r, n), _act(r)),
    "Hopfield C=0": lambda r, n: Hopfield(_stable(r, n), 0.0, _input(r, n),
                                          Activation("linear", gain=r.uniform(0.3, 1))),
    "RateRNN": lambda r, n: RateRNN(_weights(r, n), _input(r, n), r.uniform(0.5, 2.0, n), _act(r)),
    "FiringRateModel": lambda r, n: FiringRateModel(_weights(r, n), r.uniform(0.5, 2.0, n), _input(r, n),
                                                    _act(r)),
    "FiringRateRNN": lambda r, n: FiringRateRNN(_weights(r, n), _input(r, n), r.uniform(0.5, 2.0, n),
                                                _act(r)),
    "Lure": lambda r, n: Lure(_stable(r, n), r.normal(0, 0.7, n), r.normal(0, 0.7, n), _input(r, n),
                              _act(r, True)),
    "MultivariableLure": lambda r, n: MultivariableLure(_stable(r, n), r.normal(0, 0.5, (n, 2)),
                                                        r.normal(0, 0.5, (2, n)), _input(r, n),
                                                        _act(r, True)),
    "DiagonalLure": lambda r, n: DiagonalLure(_stable(r, n, 1.5), r.uniform(0.0, 2.0, n), _input(r, n),
                                              _act(r, True)),
    "Persidskii": lambda r, n: Persidskii(_stable(r, n), _input(r, n),
                                          [[_act(r, True) for _ in range(n)] for _ in range(n)]),
    "Persidskii uniform": lambda r, n: Persidskii(_stable(r, n), _input(r, n), _act(r, True)),
}
EXPECTED = {
    "Hopfield": {"Davydov Thm 16", "Davydov Thm 19(ii)"},
    "Hopfield C=0": {"Davydov Thm 16", "Davydov Thm 19(i)"},
    "RateRNN": {"Davydov Thm 16"},
    "FiringRateModel": {"Davydov Thm 18"},
    "FiringRateRNN": {"Davydov Thm 18"},
    "Lure": {"Davydov Thm 22 (l1)", "Davydov Thm 22 (linf)"},
    "MultivariableLure": {"Davydov Thm 23 (l1)", "Davydov Thm 23 (linf)"},
    "DiagonalLure": {"Davydov Thm 20"},
    "Persidskii": {"Davydov Thm 21 (l1)", "Davydov Thm 21 (linf)", "Davydov Thm 19(i)"},
    "Persidskii uniform": {"Davydov Thm 21 (l1)", "Davydov Thm 21 (linf)", "Davydov Thm 19(i)"},
}


@pytest.fixture(scope="session", params=list(BUILDERS))
def kind(request):
    return request.param


def _davydov(certs):
    return [c for c in certs if c.criterion.startswith("Davydov")]


def _davydov_only(model):
    """What ``certify(model)`` gives from this paper's criteria alone: the property tests below would
    otherwise also run the other papers' criteria (LMIs) on every example."""
    names = [c.name for c in registered(type(model)) if c.fn.__module__ == davydov.__name__]
    return list(certify(model, criteria=names))


def test_certify_lists_the_davydov_criteria(kind):
    certs = _davydov(certify(BUILDERS[kind](np.random.default_rng(0), 3)))
    assert {c.criterion for c in certs} == EXPECTED[kind]
    assert all(c.applies for c in certs) == (kind != "Persidskii")  # 19(i) needs one phi for all edges


@settings(max_examples=5)
@given(seed=seeds)
def test_absolute_contraction_is_the_best_certificate_of_the_class(kind, seed):
    # With the model's own slope bounds, absolute_contraction returns the best registered certificate
    # (Theorem 16 is optimal among the Hopfield ones, so Theorem 19 cannot beat it).
    model = BUILDERS[kind](np.random.default_rng(seed), 3)
    rates = [c.rate for c in _davydov_only(model) if c.applies]
    cert = absolute_contraction(model)
    assert cert.rate == pytest.approx(max(rates), abs=LP_TOL) and cert.holds == (max(rates) > 0)
    assert "absolute" in cert.criterion and "Sec. V-D" in cert.reference
    assert absolute_contraction(model, d_max=cert.details["d_max"] + 1.0).rate <= cert.rate + LP_TOL


def test_rate_rnn_is_certified_through_its_hopfield_form(rng):
    rnn = RateRNN(rng.normal(0, 0.5, (3, 3)), u=lambda t: np.cos(t) * np.ones(3), tau=[0.5, 1.0, 2.0])
    hop = as_hopfield(rnn)
    x = rng.normal(size=(5, 3))
    np.testing.assert_allclose(hop.vector_field(0.7, x), rnn.vector_field(0.7, x), rtol=1e-13)
    np.testing.assert_allclose(hop.jacobian(0.7, x), rnn.jacobian(0.7, x), rtol=1e-13)
    (cert,) = _davydov(certify(rnn))
    assert cert.rate == pytest.approx(hopfield_certificate(hop.A, hop.C, 0.0, 1.0).rate, abs=1e-12)
    assert "1/tau" in cert.note


@settings(max_examples=8)
@given(seed=seeds, n=small)
def test_osl_bounds_sampled_jacobians_for_every_model(kind, seed, n):
    # Theorem 15: a certified osL is >= ess sup_x mu(Df(x)); check it on sampled states.
    rng = np.random.default_rng(seed)
    model = BUILDERS[kind](rng, n)
    x, t = rng.normal(0.0, 3.0, (200, n)), rng.uniform(0.0, 5.0)
    for cert in _davydov_only(model):
        if cert.applies:
            mus = lognorm(model.jacobian(t, x), 1 if cert.norm == "l1" else np.inf, eta=cert.metric)
            assert np.max(mus) <= cert.details["osL"] + 1e-10


@settings(max_examples=8)
@given(seed=seeds, n=small)
def test_trajectories_contract_at_least_at_the_certified_rate(kind, seed, n):
    # Two trajectories, same input: in the certified norm their distance decays at least as
    # exp(-rate t) over every output interval (RK4, dt = 0.01; tolerance for its O(dt^4) error).
    rng = np.random.default_rng(seed)
    model = BUILDERS[kind](rng, n)
    certs = [c for c in _davydov_only(model) if c.holds]
    if not certs:
        return
    t = np.linspace(0.0, 4.0, 41)
    traj = simulate(model, rng.normal(0.0, 2.0, (2, n)), t, dt=0.01)
    for cert in certs:
        D = cert.distance(traj.x[:, 0] - traj.x[:, 1])
        keep = D[:-1] > 1e-8 * D[0]
        observed = -np.log(D[1:][keep] / D[:-1][keep]) / np.diff(t)[keep]
        assert observed.min() >= cert.rate - 1e-6


def test_builders_give_certificates_that_hold_often():
    # The simulation test above must not pass vacuously: most drawn models are certified.
    rng = np.random.default_rng(0)
    for kind_, build in BUILDERS.items():
        held = sum(any(c.holds for c in _davydov_only(build(rng, 3))) for _ in range(10))
        assert held >= 5, kind_


# ---------------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: hopfield_certificate(np.eye(2), 1.0, 1.0, 0.5), "d_min"),
        (lambda: hopfield_certificate(np.eye(2), 1.0, -0.1, 0.5), "d_min"),
        (lambda: hopfield_certificate(np.eye(2), 1.0, 0.0, np.inf), "d_max"),
        (lambda: hopfield_certificate(np.ones((2, 3))), r"\bA\b"),
        (lambda: hopfield_certificate(np.eye(2), C=[1.0, 2.0, 3.0]), r"\bC\b"),
        (lambda: hopfield_certificate(np.eye(2), C=-1.0), r"\bC\b"),
        (lambda: hopfield_certificate(np.eye(2), method="simplex"), "method"),
        (lambda: firing_rate_certificate(np.eye(2), 1.0, 2.0, 1.0), "d_min"),
        (lambda: hopfield_osl(np.eye(2), 1.0, 0.0, 1.0, [1.0, 0.0]), "eta"),
        (lambda: firing_rate_osl(np.eye(2), 1.0, 0.0, 1.0, [1.0, 1.0, 1.0]), "eta"),
        (lambda: lure_certificate(np.eye(2), [1.0, 1.0], [1.0], 0.0, 1.0), r"\bw\b"),
        (lambda: lure_certificate(np.eye(2), [1.0, 1.0], [1.0, 1.0], 0.0, 1.0, p=2), r"\bp\b"),
        (lambda: multivariable_lure_majorant(np.eye(2), np.ones((2, 2)), np.ones((3, 2)), 0, 1), r"\bC\b"),
        (lambda: persidskii_network_certificate(np.eye(2), 0.5, 0.1), "d_min"),
        (lambda: diagonal_lure_certificate(np.eye(2), [1.0, -1.0], 0.0, 1.0), r"\bC\b"),
        (lambda: pruned(Hopfield(np.eye(3)), []), "keep"),
        (lambda: pruned(Hopfield(np.eye(3)), [0, 0]), "keep"),
        (lambda: pruned(Hopfield(np.eye(3)), [3]), "keep"),
        (lambda: without_edges(Hopfield(np.eye(3)), [(1, 1)]), "edges"),
        (lambda: without_edges(Hopfield(np.eye(3)), [(0, 1, 2)]), "edges"),
        (lambda: connective_contraction(Lure(np.eye(2), [1.0, 0.0], [0.0, 1.0])), "model"),
    ],
)
def test_bad_input_raises_naming_it(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_failing_certificates_are_results_not_exceptions():
    cert = hopfield_certificate(np.array([[0.0, 5.0], [5.0, 0.0]]), C=1.0)
    assert cert.applies and not cert.holds and cert.rate < 0  # the margin -osL
    cert = lure_certificate(np.eye(2), [1.0, 0.0], [0.0, 1.0], 0.0, 1.0)  # unstable: no weights work
    assert cert.applies and not cert.holds and cert.details["status"] == "optimal"
    cert = certify(Hopfield(np.eye(2), C=[0.0, 1.0]))
    assert [c.applies for c in _davydov(cert)] == [True, False]  # Theorem 19 needs C = 0 or C > 0
