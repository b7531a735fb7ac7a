"""The contraction certificates of Kozachkov, Ennis & Slotine (2022), Theorems 1-7.

Each theorem's metric is checked against the inequality its proof establishes, against the exact
vertex rate of a constant metric, against simulated pairs of trajectories, and against the paper's
own examples and counterexamples.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab import Activation, FiringRateRNN, RateRNN, simulate, sparse_weights
from rnnlab.certificates import certify
from rnnlab.certificates.kozachkov import (
    common_metric,
    constant_metric_rate,
    observed_contraction_rate,
    theorem1,
    theorem2,
    theorem3,
    theorem3_factors,
    theorem3_weights,
    theorem4,
    theorem5,
    theorem6,
    theorem6_c,
    theorem7,
)
from rnnlab.lognorms import lognorm, spectral_abscissa

seeds = st.integers(0, 2**32 - 1)
KOZACHKOV = ("Kozachkov Thm 1", "Kozachkov Thm 2", "Kozachkov Thm 3", "Kozachkov Thm 4", "Kozachkov Thm 5",
             "Kozachkov Thm 7 (common metric)")
# Theorems 1-5: the certificates that need no optimisation over the vertices (Theorem 7 is slower).
FAST_THEOREMS = (theorem1, theorem2, theorem3, theorem4, theorem5)


def rate_in_metric(W, D, M):
    """``-mu_{2,M}(-I + W D)`` for a stack of diagonals ``D`` of shape ``(K, n)``."""
    A = W[None] * D[:, None, :] - np.eye(len(W))
    return -lognorm(A, 2, P=M)


def box_samples(rng, n, g, k=64, high=None):
    """The vertices of ``[0, g]^n`` and ``k`` random points of ``[0, high or g]^n``: ``(2^n + k, n)``."""
    vertices = np.array(np.meshgrid(*[[0.0, g]] * n)).reshape(n, -1).T
    return np.concatenate([vertices, rng.uniform(0.0, g if high is None else high, size=(k, n))])


def random_weights(kind, rng, n, g):
    """Weights with the structure one of the theorems needs."""
    if kind == "small":
        return rng.normal(0.0, 0.5 / (g * np.sqrt(n)), size=(n, n))
    if kind == "symmetric":
        A = rng.normal(size=(n, n))
        W = A + A.T
        return W * rng.uniform(-1.0, 0.9) / (g * np.abs(np.linalg.eigvalsh(W)).max())
    if kind == "theorem3":
        B = rng.normal(size=(n, n))
        return theorem3_weights(rng.uniform(0.2, 3.0, n), B @ B.T + 0.1 * np.eye(n), rng.uniform(0.2, 3.0, n))
    if kind == "triangular":
        W = np.tril(rng.normal(size=(n, n)), -1) + np.diag(rng.uniform(-1.0, 0.9 / g, n))
        return W if rng.uniform() < 0.5 else W.T
    raise ValueError(kind)


kinds = st.sampled_from(["small", "symmetric", "theorem3", "triangular"])


def random_rnn(kind, seed, n, phi_name, cls=RateRNN):
    rng = np.random.default_rng(seed)
    phi = Activation(phi_name, gain=rng.uniform(0.5, 2.0), threshold=rng.normal(0.0, 0.3))
    W = random_weights(kind, rng, n, phi.d_max)
    u0, u1 = rng.normal(0.0, 0.5, size=(2, n))
    tau = rng.uniform(0.5, 2.0)
    if cls is RateRNN:
        return RateRNN(W, u=lambda t: u0 + u1 * np.sin(t), tau=tau, phi=phi)
    return FiringRateRNN(W, b=lambda t: u0 + u1 * np.sin(t), tau=tau, phi=phi)


# -------------------------------------------------------------------------------------------------
# every theorem: the metric it returns has at least the rate it claims


@given(kinds, seeds, st.integers(1, 5), st.sampled_from(["tanh", "relu"]))
def test_each_holding_metric_has_its_rate_at_every_vertex(kind, seed, n, phi_name):
    # The exact rate of a constant metric is attained at a vertex of the slope box (convexity);
    # every theorem's rate is a bound on it, so it can only be smaller.
    model = random_rnn(kind, seed, n, phi_name)
    g, tau = model.phi.d_max, model.tau[0]
    holding = [cert for cert in (f(model) for f in FAST_THEOREMS) if cert.holds]
    assert holding or kind == "small"  # the structured kinds are built so that their theorem holds
    for cert in holding:
        exact = constant_metric_rate(model.W, g, cert.metric)
        assert cert.rate * tau <= exact + 1e-9 * (1 + exact), cert.criterion
        assert np.allclose(cert.metric, cert.metric.T) and np.linalg.eigvalsh(cert.metric)[0] > 0


@settings(max_examples=25)
@given(kinds, seeds, st.integers(2, 5), st.sampled_from(["tanh", "relu"]))
def test_simulated_pairs_never_approach_slower_than_certified(kind, seed, n, phi_name):
    model = random_rnn(kind, seed, n, phi_name)
    rng = np.random.default_rng(seed)
    x0 = rng.normal(0.0, 2.0, size=(6, n))
    offsets = rng.normal(size=(6, n)) * 10.0 ** rng.uniform(-3, 0, (6, 1))  # pairs 1e-3 to 1 apart
    x0 = np.stack([x0, x0 + offsets], axis=1)  # (6, 2, n)
    t = np.linspace(0.0, 3.0 * model.tau[0], 61)
    for cert in (f(model) for f in FAST_THEOREMS):
        if cert.holds:
            observed = observed_contraction_rate(model, cert, x0, t, dt=0.005 * model.tau[0])
            assert observed >= cert.rate - 1e-3 / model.tau[0], cert.criterion


@settings(max_examples=10)
@given(kinds, seeds, st.integers(2, 4))
def test_a_common_metric_exists_whenever_a_theorem_holds(kind, seed, n):
    # Theorem 7's LMI is the exact test for a constant metric: every constant-metric theorem passes it.
    model = random_rnn(kind, seed, n, "tanh")
    certs = [cert for cert in (f(model) for f in FAST_THEOREMS) if cert.holds]
    if certs:
        best = max(cert.rate * model.tau[0] for cert in certs)
        found = common_metric(model.W, model.phi.d_max, eps=0.5 * best)
        assert found.feasible and found.rate >= 0.5 * best * (1 - 1e-6)


@given(kinds, seeds, st.integers(1, 4), st.sampled_from(["tanh", "relu"]))
def test_firing_rate_twin_is_certified_at_the_same_rate_in_its_own_metric(kind, seed, n, phi_name):
    # y' = (-I + D W) y / tau: the metric comes from RateRNN(W^T), inverted; it must contract the
    # y-Jacobian at every sampled D, at the rate of the x-certificate.
    x_model = random_rnn(kind, seed, n, phi_name)
    y_model = random_rnn(kind, seed, n, phi_name, cls=FiringRateRNN)
    rng = np.random.default_rng(seed)
    D = box_samples(rng, n, x_model.phi.d_max)
    A = D[:, :, None] * y_model.W[None] - np.eye(n)  # (K, n, n): -I + D W
    for f in FAST_THEOREMS:
        cx, cy = f(x_model), f(y_model)
        assert (cx.applies, cx.holds) == (cy.applies, cy.holds)
        if cx.holds:
            assert cy.rate == pytest.approx(cx.rate, rel=1e-4)
            assert np.all(-lognorm(A, 2, P=cy.metric) >= cy.rate * y_model.tau[0] - 1e-8)
            assert cy.details["form"].startswith("firing-rate")
            if f is theorem2:  # symmetric W: the paper's y-metric gamma^2 R R, the inverse of x's
                assert np.allclose(cy.metric @ cx.metric, np.eye(n), atol=1e-8 * np.linalg.cond(cx.metric))
                assert np.allclose(cy.metric, cx.details["metric_y"])


def test_firing_rate_pairs_contract_in_the_y_metric():
    rng = np.random.default_rng(3)
    W = theorem3_weights(rng.uniform(0.5, 2, 3), np.diag([1.0, 2.0, 0.5]) + 0.3, rng.uniform(0.5, 2, 3))
    model = FiringRateRNN(W, b=lambda t: np.sin(t) * np.ones(3), tau=0.5, phi="relu")
    cert = theorem3(model)
    assert cert.holds and cert.rate == pytest.approx(2.0)
    x0 = rng.normal(size=(4, 2, 3))
    assert observed_contraction_rate(model, cert, x0, np.linspace(0, 2, 41), dt=0.002) >= cert.rate - 1e-3


def test_certify_lists_every_theorem_for_both_forms():
    W = [[0.1, 0.2], [0.2, -0.3]]
    for model in (RateRNN(W), FiringRateRNN(W)):
        names = [cert.criterion for cert in certify(model)]
        assert all(name in names for name in KOZACHKOV)


def test_every_public_name_is_documented():
    from rnnlab.certificates import kozachkov

    assert [name for name in kozachkov.__all__ if not (getattr(kozachkov, name).__doc__ or "").strip()] == []


def test_one_tau_per_network_is_required():
    model = RateRNN([[0.1, 0.2], [0.2, -0.3]], tau=[1.0, 2.0])
    for f in FAST_THEOREMS + (theorem7,):
        cert = f(model)
        assert not cert.applies and "tau" in cert.note
    with pytest.raises(ValueError, match="tau"):
        theorem6(model, np.linspace(0, 1, 5), np.zeros((5, 2)))


# -------------------------------------------------------------------------------------------------
# Theorem 1


def test_theorem1_is_tight_for_an_excitatory_linear_network():
    # For W >= 0 and slope 1, |W| = W: the Perron metric is optimal and the linear network decays
    # along its Perron vector at exactly -alpha(W - I) / tau, which the simulation must reproduce.
    rng = np.random.default_rng(0)
    W = rng.uniform(0.0, 0.3, size=(4, 4))
    np.fill_diagonal(W, 0.0)
    model = RateRNN(W, u=0.3, tau=2.0, phi="linear")
    cert = theorem1(model)
    alpha = float(spectral_abscissa(W - np.eye(4)))
    assert cert.holds and cert.rate == pytest.approx(-alpha / 2.0, rel=1e-9)
    lam, V = np.linalg.eig(W)
    v = np.abs(V[:, np.argmax(lam.real)].real)
    x0 = np.stack([np.zeros(4), v])[None]
    observed = observed_contraction_rate(model, cert, x0, np.linspace(0, 4, 41), dt=0.01)
    assert observed == pytest.approx(cert.rate, rel=1e-6)


def test_theorem1_zeroes_non_positive_self_weights():
    W = np.array([[-5.0, 0.5], [0.5, -5.0]])
    cert = theorem1(RateRNN(W))
    assert cert.holds and cert.rate == pytest.approx(0.5)  # g|W|' - I = [[-1, .5], [.5, -1]]
    assert spectral_abscissa(np.abs(W) - np.eye(2)) > 0  # without the rule it would fail
    cert = theorem1(RateRNN(W + 10.0 * np.eye(2)))  # positive self weights count
    assert not cert.holds and cert.rate == pytest.approx(-4.5)


def test_theorem1_counterexample_of_the_proof():
    # Kozachkov A3.2: W - I is contracting in the identity, but D = diag(0, 1) gives (WD)_sym - I
    # the eigenvalue 1/4, so the identity is no metric for the nonlinear network.
    W = np.array([[-9.0, 2.5], [2.5, 0.0]])
    assert np.linalg.eigvalsh(0.5 * (W + W.T) - np.eye(2)).max() < 0
    WD = W @ np.diag([0.0, 1.0])
    sym = 0.5 * (WD + WD.T) - np.eye(2)
    assert np.allclose(sym, [[-1.0, 1.25], [1.25, -1.0]])
    assert np.linalg.eigvalsh(sym).max() == pytest.approx(0.25)
    assert constant_metric_rate(W, 1.0, np.eye(2)) == pytest.approx(-0.25)
    assert not theorem1(RateRNN(W)).holds


# -------------------------------------------------------------------------------------------------
# Theorem 2


@given(seeds, st.integers(1, 5), st.sampled_from(["tanh", "relu", "sigmoid"]), st.floats(0.05, 1.0))
def test_theorem2_metric_satisfies_the_proofs_inequality(seed, n, phi_name, share):
    rng = np.random.default_rng(seed)
    phi = Activation(phi_name, gain=rng.uniform(0.5, 2.0))
    g = phi.d_max
    A = rng.normal(size=(n, n))
    W = (A + A.T) * rng.uniform(-1.0, 0.95) / (g * np.abs(np.linalg.eigvalsh(A + A.T)).max())
    best = 1.0 - g * np.linalg.eigvalsh(W)[-1]
    lam = share * min(best, 0.999)
    tau = rng.uniform(0.5, 2.0)
    cert = theorem2(RateRNN(W, tau=tau, phi=phi), lam=lam)
    assert cert.holds and cert.rate == pytest.approx(lam / tau)
    R, gamma, My = cert.details["R"], cert.details["gamma"], cert.details["metric_y"]
    # the proof's construction: W = R - gamma^2 R R, M = gamma^2 R R, gamma^2 = g / (2 (2 - beta))
    assert np.allclose(R, R.T) and np.allclose(W, R - gamma**2 * R @ R, atol=1e-9)
    assert np.allclose(My, gamma**2 * R @ R) and gamma**2 == pytest.approx(g / (2 * (2 - 2 * lam)))
    assert np.allclose(cert.metric @ My, np.eye(n), atol=1e-8 * np.linalg.cond(My))
    # Eq. 6 with beta = 2 lam in y: My (-I + D W) + (..)^T My <= -2 lam My; vertices have phi' = 0
    D = box_samples(rng, n, g)
    Ay = D[:, :, None] * W[None] - np.eye(n)
    assert np.all(-lognorm(Ay, 2, P=My) >= lam - 1e-9)
    assert np.all(rate_in_metric(W, D, cert.metric) >= lam - 1e-9)  # and in x with M^-1


def test_theorem2_default_rate_is_tight_for_the_linear_network():
    W = np.array([[0.3, 0.2, 0.0], [0.2, -0.5, 0.1], [0.0, 0.1, 0.2]])
    model = RateRNN(W, tau=0.5, phi="linear")
    cert = theorem2(model)
    w, V = np.linalg.eigh(W)
    assert cert.rate == pytest.approx((1 - w[-1]) / 0.5)
    x0 = np.stack([np.zeros(3), V[:, -1]])[None]
    observed = observed_contraction_rate(model, cert, x0, np.linspace(0, 2, 41), dt=0.005)
    assert observed == pytest.approx(cert.rate, rel=1e-6)


def test_theorem2_needs_symmetry_and_gw_below_i():
    assert not theorem2(RateRNN([[0.0, 1.0], [0.0, 0.0]])).applies
    cert = theorem2(RateRNN([[1.5, 0.0], [0.0, 0.0]], tau=2.0))
    assert cert.applies and not cert.holds and cert.rate == pytest.approx(-0.25)
    cert = theorem2(RateRNN(-np.eye(2)))  # lambda_max <= 0: the rate stops at 0.99, short of 1
    assert cert.holds and cert.rate == pytest.approx(0.99)
    with pytest.raises(ValueError, match="lam"):
        theorem2(RateRNN([[0.5, 0.0], [0.0, 0.0]]), lam=0.6)


# -------------------------------------------------------------------------------------------------
# Theorem 3


@st.composite
def theorem3_factor_draws(draw):
    seed, n = draw(seeds), draw(st.integers(1, 6))
    rng = np.random.default_rng(seed)
    mask = np.triu(rng.uniform(size=(n, n)) < draw(st.floats(0.0, 1.0)), 1)
    off = rng.normal(size=(n, n)) * mask
    off = off + off.T
    q = off + np.diag(np.abs(off).sum(axis=1) + rng.uniform(0.1, 1.0, n))  # sparse, diagonally dominant
    return 10.0 ** rng.uniform(-1, 1, n), q, 10.0 ** rng.uniform(-1, 1, n), rng


@given(theorem3_factor_draws(), st.sampled_from(["tanh", "relu", "sigmoid"]))
def test_theorem3_recognises_every_constructed_weight_matrix(factors, phi_name):
    p1, q, p2, rng = factors
    n = len(q)
    W = theorem3_weights(p1, q, p2)
    tau = rng.uniform(0.5, 2.0)
    cert = theorem3(RateRNN(W, tau=tau, phi=phi_name))
    assert cert.holds and cert.rate == pytest.approx(1.0 / tau, rel=1e-6)
    f1, Q, f2 = theorem3_factors(W)
    assert np.allclose(-f1[:, None] * Q * f2[None, :], W, rtol=1e-9, atol=1e-12 * np.abs(W).max())
    # the metric is (P1 Q P1)^-1 up to one scale per connected component; here the ratio is constant
    # on each component, so M (P1 Q P1) is block-wise a multiple of I
    ratio = cert.metric @ (p1[:, None] * q * p1[None, :])
    assert np.allclose(ratio, np.diag(np.diagonal(ratio)), atol=1e-7 * np.abs(ratio).max())
    # the proof: M W D = -P1^-1 P2 D <= 0 for every D >= 0, however large, so V' <= -2V
    D = box_samples(rng, n, 1.0, high=10.0)
    assert np.all(rate_in_metric(W, D, cert.metric) >= 1.0 - 1e-6)


def test_theorem3_recognises_only_its_own_form():
    Q = np.array([[2.0, 1.0, 0.5], [1.0, 2.0, 1.0], [0.5, 1.0, 2.0]])
    W = theorem3_weights([1.0, 2.0, 0.5], Q, [0.5, 1.0, 3.0])
    assert theorem3(RateRNN(W)).holds
    sign_flip = W.copy()
    sign_flip[0, 1] *= -1
    assert not theorem3(RateRNN(sign_flip)).applies
    cycle = W.copy()
    cycle[0, 1] *= 1.5  # pattern and signs kept, the ratio product around 0-1-2 broken
    cert = theorem3(RateRNN(cycle))
    assert not cert.applies and "cycle" in cert.note
    pattern = W.copy()
    pattern[0, 2] = 0.0
    assert not theorem3(RateRNN(pattern)).applies
    cert = theorem3(RateRNN(-W))  # symmetrisable but positive definite
    assert cert.applies and not cert.holds
    with pytest.raises(ValueError, match="positive definite"):
        theorem3_factors(-W)


@pytest.mark.parametrize(
    "args, word",
    [
        (([1.0, -1.0], np.eye(2), [1.0, 1.0]), "p1"),
        (([1.0, 1.0], np.eye(2), [[1.0, 0.5], [0.0, 1.0]]), "p2"),
        (([1.0, 1.0], [[1.0, 0.5], [0.0, 1.0]], [1.0, 1.0]), "q must be symmetric"),
        (([1.0, 1.0], [[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0]), "q must be positive definite"),
        (([1.0, 1.0], np.eye(3), [1.0, 1.0]), "p1"),
    ],
)
def test_theorem3_weights_names_the_bad_argument(args, word):
    with pytest.raises(ValueError, match=word):
        theorem3_weights(*args)


# -------------------------------------------------------------------------------------------------
# Theorem 4


@given(seeds, st.integers(1, 6), st.booleans(), st.floats(0.1, 0.9))
def test_theorem4_bound_reaches_its_fraction_and_holds_at_the_vertices(seed, n, upper, fraction):
    rng = np.random.default_rng(seed)
    g = rng.uniform(0.5, 2.0)
    W = np.tril(rng.normal(0.0, 3.0, size=(n, n)), -1) + np.diag(rng.uniform(-2.0, 0.95 / g, n))
    W = W.T if upper else W
    model = RateRNN(W, tau=1.5, phi=Activation("tanh", gain=g))
    cert = theorem4(model, fraction=fraction)
    limit = 1.0 - g * max(W.diagonal().max(), 0.0)
    assert cert.holds and cert.details["limit"] == pytest.approx(limit)
    assert fraction * limit * (1 - 1e-12) <= cert.rate * 1.5 <= limit * (1 + 1e-12)
    eps = cert.details["eps"]
    assert np.log2(eps) == int(np.log2(eps))  # a power of two
    gamma2 = np.diagonal(cert.metric)
    order = np.arange(n)[::-1] if np.any(np.triu(W, 1)) else np.arange(n)  # upper: reversed
    assert np.allclose(gamma2[order], eps ** (2.0 * np.arange(n)))
    # the proof's bound is below the metric's exact rate
    assert cert.rate * 1.5 <= constant_metric_rate(W, g, cert.metric) + 1e-12


def test_theorem4_worked_example_and_failures():
    cert = theorem4(RateRNN([[0.5, 0.0], [3.0, 0.0]]))
    assert cert.details["eps"] == 1 / 16 and cert.rate == 1 - 0.5 - 3 / 16  # exact: powers of two
    assert not theorem4(RateRNN([[0.0, 1.0], [1.0, 0.0]])).applies
    cert = theorem4(RateRNN([[1.2, 0.0], [3.0, 0.0]]))
    assert cert.applies and not cert.holds and cert.rate == pytest.approx(-0.2)
    cert = theorem4(RateRNN([[-4.0, 0.0], [1.0, -2.0]]))  # negative diagonal: the limit is 1, not 5
    assert cert.details["limit"] == 1.0 and cert.rate <= 1.0


# -------------------------------------------------------------------------------------------------
# Theorem 5


@given(seeds, st.integers(1, 6))
def test_theorem5_with_identity_is_the_max_singular_value_condition(seed, n):
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, n))
    tau = rng.uniform(0.5, 2.0)
    cert = theorem5(RateRNN(W, tau=tau, phi="relu"), P=np.eye(n))
    sigma = np.linalg.svd(W, compute_uv=False)[0]
    assert cert.rate == pytest.approx((1 - sigma) / tau)
    assert cert.holds == (sigma < 1)
    best = theorem5(RateRNN(W, tau=tau, phi="relu"))
    # no diagonal scaling beats the spectral radius; the best one beats P = I
    assert max(abs(np.linalg.eigvals(W))) - 1e-9 <= best.details["scaled_norm"] <= sigma + 1e-12
    P = np.diag(best.metric)
    gap = W.T @ np.diag(P) @ W - best.details["scaled_norm"] ** 2 * np.diag(P)  # W^T P W <= c^2 P
    assert np.linalg.eigvalsh(gap).max() <= 1e-9


@settings(max_examples=8)
@given(seeds, st.integers(2, 5), st.sampled_from([-1, 1]))
def test_theorem5_scipy_and_lmi_routes_agree_near_the_boundary(seed, n, side):
    # Scale W so that the best scaled norm is 1 -+ 1%: both routes must decide the same way.
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, n))
    opt = theorem5(RateRNN(W), method="lmi", tol=1e-8).details["scaled_norm"]
    W = W * (1.0 + 0.01 * side) / opt
    scipy_cert = theorem5(RateRNN(W), method="scipy")
    lmi_cert = theorem5(RateRNN(W), method="lmi")
    assert scipy_cert.holds == lmi_cert.holds == (side < 0)
    assert scipy_cert.details["scaled_norm"] == pytest.approx(lmi_cert.details["scaled_norm"], rel=1e-4)


def test_theorem5_optimal_scaling_of_a_two_neuron_example():
    cert = theorem5(RateRNN([[0.0, 3.0], [0.1, 0.0]], phi=Activation("tanh", gain=0.5)))
    assert cert.details["scaled_norm"] == pytest.approx(np.sqrt(0.3), rel=1e-6)
    assert cert.rate == pytest.approx(1 - 0.5 * np.sqrt(0.3), rel=1e-6)


# -------------------------------------------------------------------------------------------------
# Theorem 6


ROTATION = RateRNN([[0.0, -3.0], [3.0, 0.0]])  # c = 3 >= 2: no constant metric (Theorem 7)


def test_theorem6_holds_along_small_trajectories_of_the_rotation_network():
    t = np.linspace(0.0, 5.0, 501)
    traj = simulate(ROTATION, [[0.2, 0.0], [0.0, -0.3], [0.4, 0.1]], t, dt=0.005)
    res = theorem6(ROTATION, t, traj.x)
    assert res.c == pytest.approx(2.0) and res.holds and res.rate == res.beta / 2 > 0
    assert res.beta_t.shape == (501, 3)
    # a large swing saturates tanh: (log D)' outruns c D / g and the slope condition fails
    big = simulate(ROTATION, [2.0, 0.0], t, dt=0.005)
    assert not theorem6(ROTATION, t, big.x).holds
    # ReLU has phi' = 0: V = dx^T P D dx is no metric
    relu = ROTATION.replace(phi="relu")
    assert not theorem6(relu, t, simulate(relu, [-1.0, -1.0], t, dt=0.005).x).holds


def test_theorem6_lyapunov_function_decays_at_beta():
    # V = dx^T P D(x) dx along an infinitesimally close pair decays at least like exp(-beta t).
    t = np.linspace(0.0, 5.0, 1001)
    x0 = np.array([0.3, 0.1])
    traj = simulate(ROTATION, np.stack([x0, x0 + [1e-7, -5e-8]]), t, dt=0.005)
    res = theorem6(ROTATION, t, traj.x[:, 0])
    dx = traj.x[:, 1] - traj.x[:, 0]
    V = np.sum(dx**2 * ROTATION.phi.derivative(traj.x[:, 0]), axis=-1)
    assert res.holds
    assert np.all(V <= V[0] * np.exp(-res.beta * t) * (1 + 1e-4))


def test_theorem6_differencing_matches_the_analytic_slope_derivative():
    t = np.linspace(0.0, 3.0, 3001)
    x = simulate(ROTATION, [0.5, 0.0], t, dt=0.001).x
    res = theorem6(ROTATION, t, x)
    # tanh: (log phi'(x))' = -2 tanh(x) x'
    x_dot = ROTATION.vector_field(0.0, x)
    D = ROTATION.phi.derivative(x)
    exact = np.min(res.c * D + 2 * np.tanh(x) * x_dot, axis=-1)
    assert np.allclose(res.beta_t[1:-1], exact[1:-1], atol=1e-5)


def test_theorem6_proof_form_is_invariant_under_rescaling_the_activation():
    # W -> W / k with tanh of gain k, in the states x / k, is the same network (g W is unchanged, D is
    # k times larger): the proof's D^2 slope condition gives the same beta, the statement's D form not.
    k = 2.5
    twin = RateRNN(ROTATION.W / k, phi=Activation("tanh", gain=k))
    t = np.linspace(0.0, 5.0, 501)
    x = simulate(ROTATION, [0.5, 0.0], t, dt=0.005).x
    a, b = theorem6(ROTATION, t, x), theorem6(twin, t, x / k)
    assert a.c == pytest.approx(b.c) and a.beta == pytest.approx(b.beta, rel=1e-9)

    def statement_beta(model, x):
        D = model.phi.derivative(x)
        return np.min(a.c / model.phi.d_max - np.gradient(D, t, axis=0) / D)

    assert statement_beta(ROTATION, x) != pytest.approx(statement_beta(twin, x / k), rel=1e-2)


def test_theorem6_c_is_minus_twice_the_weighted_lognorm():
    rng = np.random.default_rng(1)
    W, p = rng.normal(size=(3, 3)), rng.uniform(0.5, 2.0, 3)
    model = RateRNN(W, phi="sigmoid")
    c = theorem6_c(model, p)
    X = np.diag(p) @ (0.25 * W - np.eye(3))
    # the largest c with P (gW - I) + (gW - I)^T P <= -c P
    top = np.linalg.eigvalsh((X + X.T) / np.sqrt(p)[:, None] / np.sqrt(p)[None, :]).max()
    assert c == pytest.approx(-top)
    assert theorem6_c(model) == pytest.approx(-2 * lognorm(0.25 * W - np.eye(3), 2))


@pytest.mark.parametrize(
    "kwargs, word",
    [({"P": [1.0, -1.0]}, "P"), ({"P": [[1.0, 0.2], [0.2, 1.0]]}, "P"), ({"c": -1.0}, "c"),
     ({"c": 5.0}, "c")],
)
def test_theorem6_names_bad_arguments(kwargs, word):
    t = np.linspace(0, 1, 11)
    with pytest.raises(ValueError, match=word):
        theorem6(ROTATION, t, np.zeros((11, 2)), **kwargs)


# -------------------------------------------------------------------------------------------------
# Theorem 7


def rotation(c):
    return np.array([[0.0, -c], [c, 0.0]])


@pytest.mark.parametrize("c, feasible", [(1.0, True), (1.9, True), (2.0, False), (3.0, False)])
def test_theorem7_no_common_metric_once_c_reaches_two(c, feasible):
    W = rotation(c)
    assert np.linalg.eigvalsh(0.5 * (W + W.T) - np.eye(2)).max() < 0  # g W_sym - I < 0 always
    # the identity's rate is 1 - c/2, the best there is: eps = 0.01 sits 5x inside it at c = 1.9
    res = common_metric(W, 1.0, eps=0.01)
    assert res.feasible is feasible and res.n_vertices == 4
    if feasible:
        assert res.rate >= 0.01 * (1 - 1e-6)
        assert constant_metric_rate(W, 1.0, res.M) == pytest.approx(res.rate)
    else:
        assert res.M is None and "infeasible" in res.status


def test_theorem7_proofs_matrices():
    # A3.8 with c = 2: (M W D1)_sym - M and (M W D2)_sym - M for M = [[a, m], [m, b]]
    rng = np.random.default_rng(0)
    W = rotation(2.0)
    for a, b, m in rng.normal(size=(5, 3)):
        M = np.array([[a, m], [m, b]])
        for D, expected in [
            (np.diag([1.0, 0.0]), [[2 * m - a, b - m], [b - m, -b]]),
            (np.diag([0.0, 1.0]), [[-a, -(a + m)], [-(a + m), -2 * m - b]]),
        ]:
            X = M @ W @ D
            assert np.allclose(0.5 * (X + X.T) - M, expected)


def test_theorem7_criterion_finds_the_best_constant_rate():
    cert = theorem7(RateRNN(rotation(1.0), tau=2.0))
    assert cert.holds and 0.5 * (1 - 1e-2) <= cert.rate * 2.0 <= 0.5 + 1e-9
    assert not theorem7(RateRNN(rotation(3.0))).holds
    assert not theorem7(RateRNN(np.zeros((6, 6)))).applies  # above max_n


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: common_metric(rotation(1.0), 1.0, eps=0.0), "eps"),
        (lambda: common_metric(rotation(1.0), -1.0), "g"),
        (lambda: common_metric(rotation(1.0), 1.0, d_min=2.0), "d_min"),
        (lambda: common_metric(np.zeros((11, 11)), 1.0), "max_n"),
        (lambda: constant_metric_rate(rotation(1.0), 1.0, -np.eye(2)), "M must"),
        (lambda: theorem5(ROTATION, method="newton"), "method"),
        (lambda: theorem5(ROTATION, P=[1.0, 0.0]), "P"),
        (lambda: theorem4(ROTATION, fraction=1.5), "fraction"),
        (lambda: theorem2(ROTATION, rtol=-1.0), "rtol"),
        (lambda: theorem6_c(ROTATION, P=np.ones(3)), "P"),
        (lambda: observed_contraction_rate(ROTATION, theorem1(ROTATION), np.zeros((2, 2)), [0, 1]),
         "x0_pairs"),
    ],
)
def test_bad_arguments_are_named(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@given(st.integers(0, 2**32 - 1), st.integers(2, 6))
def test_theorem1_perron_and_lmi_routes_agree(seed, n):
    # Theorem 1's diagonal metric from the Perron vectors and from the LDS LMI (cvxpy): the same
    # verdict, and each metric verifies the theorem's inequality exactly.
    W = sparse_weights(n, 0.5, 0.6, rng=seed, zero_diagonal=True)
    model = RateRNN(W, tau=1.5)
    perron, lmi = theorem1(model), theorem1(model, method="lmi")
    M = np.abs(W) - np.eye(n)
    if perron.holds:
        assert lmi.holds
        for cert in (perron, lmi):
            assert np.linalg.eigvalsh(cert.metric @ M + M.T @ cert.metric).max() < 0
        # No diagonal metric beats -alpha(M) (Davydov Lemma 1 with p = 2: the infimum is alpha(M)).
        best = -spectral_abscissa(M) / 1.5
        assert lmi.rate <= best + 1e-9 and perron.rate <= best + 1e-9
    else:
        assert not lmi.holds
