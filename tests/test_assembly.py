"""Networks of networks (Kozachkov et al. 2022, Sec. 2, A1.2, A3.1): the model and its certificate."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

import rnnlab.certificates.assembly  # noqa: F401  (registers the criterion)
from rnnlab import Hopfield, RateRNN, certify, simulate
from rnnlab.certificates.assembly import assembly_certificate, module_certificate, skew_residual
from rnnlab.certificates.kozachkov import observed_contraction_rate, theorem1
from rnnlab.models.assembly import Assembly, Hierarchical, block_mask, feedback_coupling

seeds = st.integers(0, 2**32 - 1)


def _random_spd(rng, n):
    A = rng.normal(size=(n, n))
    return A @ A.T + 0.1 * np.eye(n)


def _contracting_rnn(rng, n, tau=1.0):
    """A small-weight rate RNN with a random input: Theorem 1 certifies it."""
    return RateRNN(rng.normal(0.0, 0.3 / np.sqrt(n), (n, n)), u=rng.normal(0.0, 0.5, n), tau=tau)


def _random_assembly(seed, make_model, depth=0):
    rng = np.random.default_rng(seed)
    p = int(rng.integers(2, 4))
    modules = []
    for k in range(p):
        n = int(rng.integers(1, 5))
        cls = (RateRNN, Hopfield)[int(rng.integers(2))]
        modules.append(make_model(cls, int(rng.integers(2**31)), n))
    if depth == 0 and rng.random() < 0.5:
        modules[-1] = _random_assembly(int(rng.integers(2**31)), make_model, depth=1)
    sizes = [m.n for m in modules]
    G = rng.normal(size=(sizes[1], sizes[0]))
    hierarchy = [
        Hierarchical.linear(1, 0, G),
        Hierarchical(p - 1, 0, lambda x: np.tanh(x @ G[:1].T).repeat(sizes[-1], axis=-1),
                     lambda x: (G[:1] / np.cosh(x @ G[:1].T)[..., None] ** 2).repeat(sizes[-1], axis=-2)),
    ]
    return Assembly(modules, L=rng.normal(size=(sum(sizes), sum(sizes))), hierarchy=hierarchy)


def _certified_pair(seed, scale=2.0, taus=(1.0, 2.0), sizes=(3, 2)):
    rng = np.random.default_rng(seed)
    modules = [_contracting_rnn(rng, n, tau) for n, tau in zip(sizes, taus)]
    B = scale * rng.normal(size=(sum(sizes), sum(sizes)))
    return modules, B, rng


def _assert_metric_contracts(model, cert, x):
    """``M J(x) + J(x)^T M <= -2 rate M`` at every state of ``x``: the certificate, checked pointwise."""
    M = cert.metric
    root_inv = np.linalg.inv(scipy.linalg.sqrtm(M).real)
    J = model.jacobian(0.0, x)
    A = root_inv @ (M @ J + np.swapaxes(J, -1, -2) @ M) @ root_inv
    assert np.all(np.linalg.eigvalsh(0.5 * (A + np.swapaxes(A, -1, -2)))[..., -1] <= -2 * cert.rate * (1 - 1e-7))


# --- the model ---------------------------------------------------------------------------------------


@given(seed=seeds)
def test_jacobian_equals_finite_difference(make_model, fd_jac, seed):
    model = _random_assembly(seed, make_model)
    x = np.random.default_rng(seed).normal(size=model.n)
    J = model.jacobian(0.3, x)
    np.testing.assert_allclose(J, fd_jac(lambda z: model.vector_field(0.3, z), x), rtol=1e-5, atol=1e-6)


def test_batched_vector_field_and_jacobian_equal_single_evaluations(make_model):
    model = _random_assembly(7, make_model)
    x = np.random.default_rng(7).normal(size=(4, 2, model.n))
    f, J = model.vector_field(0.0, x), model.jacobian(0.0, x)
    for idx in np.ndindex(4, 2):
        np.testing.assert_allclose(f[idx], model.vector_field(0.0, x[idx]))
        np.testing.assert_allclose(J[idx], model.jacobian(0.0, x[idx]))


def test_uncoupled_assembly_is_the_modules_side_by_side(rng):
    modules = [_contracting_rnn(rng, 2, tau=3.0), _contracting_rnn(rng, 3)]
    model = Assembly(modules)
    x = rng.normal(size=5)
    np.testing.assert_allclose(model.vector_field(0.0, x),
                               np.concatenate([modules[0].vector_field(0.0, x[:2]), modules[1].vector_field(0.0, x[2:])]))
    np.testing.assert_allclose(model.jacobian(0.0, x),
                               scipy.linalg.block_diag(modules[0].jacobian(0.0, x[:2]), modules[1].jacobian(0.0, x[2:])))


def test_coupling_adds_to_dxdt_whatever_the_module_tau(rng):
    # Eq. 2 with one tau is tau x' = ... + L_paper x: the same system as L = L_paper / tau here.
    W1, W2, tau = rng.normal(size=(2, 2)), rng.normal(size=(1, 1)), 2.5
    L_paper = rng.normal(size=(3, 3))
    one = RateRNN(scipy.linalg.block_diag(W1, W2), tau=tau)
    model = Assembly([RateRNN(W1, tau=tau), RateRNN(W2, tau=tau)], L=L_paper / tau)
    x = rng.normal(size=3)
    np.testing.assert_allclose(model.vector_field(0.0, x), one.vector_field(0.0, x) + L_paper @ x / tau)


# --- Eq. 3 and the masks -----------------------------------------------------------------------------


@given(seed=seeds, sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_feedback_coupling_is_skew_in_the_metric(seed, sizes):
    rng = np.random.default_rng(seed)
    metrics = [_random_spd(rng, n) for n in sizes]
    B = rng.normal(size=(sum(sizes), sum(sizes)))
    L = feedback_coupling(B, metrics)
    M = scipy.linalg.block_diag(*metrics)
    scale = np.linalg.norm(M, 2) * np.linalg.norm(B, 2) * np.linalg.cond(M)
    np.testing.assert_allclose(M @ L + L.T @ M, 0.0, atol=1e-12 * scale)
    assert skew_residual(M, B) > 1e-3  # B itself is not


def test_identity_metrics_give_the_classic_negative_feedback(rng):
    B = rng.normal(size=(4, 4))
    L = feedback_coupling(B, [np.eye(2), np.eye(2)])
    np.testing.assert_allclose(L, B - B.T)  # L_ij = -L_ji^T (Sec. 2.1)


def test_block_mask_zeros_the_right_blocks():
    mask = block_mask([1, 2, 1])
    expect = np.array([[0, 1, 1, 1], [1, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 0]], dtype=bool)
    np.testing.assert_array_equal(mask, expect)
    np.testing.assert_array_equal(block_mask([1, 2, 1], lower_triangular=True), np.tril(expect))
    np.testing.assert_array_equal(block_mask([2, 1], off_diagonal=False), np.ones((3, 3), dtype=bool))
    np.testing.assert_array_equal(block_mask([2, 1], off_diagonal=False, lower_triangular=True),
                                  [[1, 1, 0], [1, 1, 0], [1, 1, 1]])


def test_masked_coupling_joins_only_different_modules(rng):
    sizes, metrics = (2, 3), [_random_spd(rng, 2), _random_spd(rng, 3)]
    L = feedback_coupling(rng.normal(size=(5, 5)), metrics, mask=block_mask(sizes))
    assert not np.any(L[:2, :2]) and not np.any(L[2:, 2:])
    assert np.all(L[:2, 2:] != 0) and np.all(L[2:, :2] != 0)


# --- the certificate ---------------------------------------------------------------------------------


@given(seed=seeds)
def test_certified_rate_is_the_slowest_module_and_the_metric_contracts(seed):
    modules, B, rng = _certified_pair(seed)
    model = Assembly.from_certified_modules(modules, B, mask=block_mask([3, 2]), certifier=theorem1)
    cert = assembly_certificate(model)
    assert cert.holds
    assert cert.rate == pytest.approx(min(theorem1(m).rate for m in modules), rel=1e-12)
    np.testing.assert_allclose(cert.metric, scipy.linalg.block_diag(*(theorem1(m).metric for m in modules)))
    _assert_metric_contracts(model, cert, rng.normal(0.0, 3.0, size=(50, model.n)))


def test_simulated_pairs_contract_at_least_at_the_certified_rate():
    modules, B, rng = _certified_pair(3)
    model = Assembly.from_certified_modules(modules, B, mask=block_mask([3, 2]))
    (cert,) = certify(model)
    assert cert.holds and cert.rate > 0
    observed = observed_contraction_rate(model, cert, rng.normal(0.0, 2.0, (6, 2, model.n)),
                                         np.linspace(0.0, 8.0, 41), dt=0.05)
    assert observed >= cert.rate * (1 - 1e-6)


def test_certify_reuses_the_metrics_l_was_built_from():
    modules, B, _ = _certified_pair(5)
    model = Assembly.from_certified_modules(modules, B)
    assert [c.criterion for c in model.module_certificates] == [module_certificate(m).criterion for m in modules]
    assert certify(model)[0].details["skew_residual"] < 1e-12


def test_an_assembly_of_assemblies_certifies():
    rng = np.random.default_rng(11)
    inner = [Assembly.from_certified_modules([_contracting_rnn(rng, 2), _contracting_rnn(rng, 1, tau=0.5)],
                                             3.0 * rng.normal(size=(3, 3)), mask=block_mask([2, 1]),
                                             certifier=theorem1) for _ in range(2)]
    outer = Assembly.from_certified_modules(inner, 3.0 * rng.normal(size=(6, 6)), mask=block_mask([3, 3]))
    cert = assembly_certificate(outer)
    assert cert.holds
    assert cert.rate == pytest.approx(min(assembly_certificate(a).rate for a in inner))
    _assert_metric_contracts(outer, cert, rng.normal(0.0, 3.0, size=(50, 6)))
    observed = observed_contraction_rate(outer, cert, rng.normal(0.0, 2.0, (4, 2, 6)), np.linspace(0, 6, 31), dt=0.05)
    assert observed >= cert.rate * (1 - 1e-6)


@pytest.mark.parametrize("nonlinear", [False, True])
def test_hierarchy_keeps_contraction_at_the_claimed_fraction(nonlinear):
    rng = np.random.default_rng(2)
    modules = [_contracting_rnn(rng, 2), _contracting_rnn(rng, 2, tau=0.5), _contracting_rnn(rng, 1)]
    G = 5.0 * rng.normal(size=(2, 2))
    if nonlinear:
        link = Hierarchical(1, 0, lambda x: np.tanh(x @ G.T), lambda x: G / np.cosh(x @ G.T)[..., None] ** 2,
                            gain=np.linalg.norm(G, 2))
    else:
        link = Hierarchical.linear(1, 0, G)
    model = Assembly(modules, hierarchy=[link, Hierarchical.linear(2, 1, 4.0 * rng.normal(size=(1, 2)))])
    cert = assembly_certificate(model, rate_fraction=0.8)
    slowest = min(module_certificate(m).rate for m in modules)
    assert cert.holds and 0.8 * slowest <= cert.rate <= slowest
    assert cert.details["weights"][0] == 1 and np.all(np.diff(cert.details["weights"]) < 0)
    _assert_metric_contracts(model, cert, rng.normal(0.0, 3.0, size=(100, model.n)))
    observed = observed_contraction_rate(model, cert, rng.normal(0.0, 2.0, (4, 2, 5)), np.linspace(0, 6, 31), dt=0.05)
    assert observed >= cert.rate * (1 - 1e-6)


def test_backward_or_unbounded_hierarchy_is_not_certified(rng):
    modules = [_contracting_rnn(rng, 2), _contracting_rnn(rng, 1)]
    backward = Assembly(modules, hierarchy=[Hierarchical.linear(0, 1, np.ones((2, 1)))])
    cert = assembly_certificate(backward)
    assert not cert.holds and "earlier to later" in cert.note
    unbounded = Assembly(modules, hierarchy=[Hierarchical(1, 0, lambda x: x[..., :1] ** 2,
                                                          lambda x: np.stack([2 * x[..., :1], 0 * x[..., :1]], -1))])
    assert not assembly_certificate(unbounded).holds


def test_feedback_mixed_with_hierarchy_asks_for_nesting(rng):
    modules, B, _ = _certified_pair(4)
    fed_back = Assembly.from_certified_modules(modules, B, mask=block_mask([3, 2]), certifier=theorem1)
    model = fed_back.replace(hierarchy=[Hierarchical.linear(1, 0, np.ones((2, 3)))])
    cert = assembly_certificate(model)
    assert not cert.holds and "inner Assembly" in cert.note
    nested = Assembly([fed_back, _contracting_rnn(rng, 2)], hierarchy=[Hierarchical.linear(1, 0, np.ones((2, 5)))])
    assert assembly_certificate(nested).holds


# --- the control experiment: L = B ------------------------------------------------------------------


def test_unconstrained_coupling_loses_contraction():
    modules, B, rng = _certified_pair(3)
    B = B * block_mask([3, 2])
    constrained = Assembly.from_certified_modules(modules, B)
    control = Assembly(modules, L=B)
    assert assembly_certificate(constrained).holds
    cert = assembly_certificate(control)
    assert not cert.holds and "not negative feedback" in cert.note
    # phi is bounded, so far out the dynamics are linear, x' ~ (-T^-1 + B) x: an unstable matrix
    leak = -np.diag(np.concatenate([np.full(m.n, 1.0 / m.tau[0]) for m in modules]))
    assert np.max(np.linalg.eigvals(leak + B).real) > 0.1
    x0 = rng.normal(0.0, 2.0, (6, 2, 5))
    t = np.linspace(0.0, 8.0, 41)
    d = np.linalg.norm(np.diff(simulate(control, x0, t, on_divergence="ignore").x[-1], axis=-2), axis=-1)
    assert np.all(d > 10 * np.linalg.norm(np.diff(x0, axis=-2), axis=-1))  # pairs diverge
    d_ok = np.linalg.norm(np.diff(simulate(constrained, x0, t).x[-1], axis=-2), axis=-1)
    assert np.all(d_ok < 0.5 * np.linalg.norm(np.diff(x0, axis=-2), axis=-1))


# --- bad input --------------------------------------------------------------------------------------


def test_bad_input_names_the_argument(rng):
    m = _contracting_rnn(rng, 2)
    with pytest.raises(ValueError, match="modules"):
        Assembly([])
    with pytest.raises(TypeError, match=r"modules\[1\]"):
        Assembly([m, "not a model"])
    with pytest.raises(ValueError, match="L must"):
        Assembly([m, m], L=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="L must be finite"):
        Assembly([m], L=np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="hierarchy"):
        Assembly([m, m], hierarchy=[Hierarchical.linear(1, 0, np.ones((3, 2)))])
    with pytest.raises(ValueError, match="only 2 modules"):
        Assembly([m, m], hierarchy=[Hierarchical.linear(2, 0, np.ones((2, 2)))])
    with pytest.raises(ValueError, match="i and j"):
        Hierarchical.linear(1, 1, np.ones((2, 2)))
    with pytest.raises(ValueError, match="gain"):
        Hierarchical(1, 0, np.tanh, np.tanh, gain=-1.0)
    with pytest.raises(ValueError, match=r"metrics\[1\]"):
        feedback_coupling(np.zeros((3, 3)), [np.eye(2), -np.eye(1)])
    with pytest.raises(ValueError, match="B must"):
        feedback_coupling(np.zeros((2, 2)), [np.eye(2), np.eye(1)])
    with pytest.raises(ValueError, match="mask"):
        feedback_coupling(np.zeros((2, 2)), [np.eye(2)], mask=np.ones((3, 3)))
    with pytest.raises(ValueError, match="sizes"):
        block_mask([2, 0])
    with pytest.raises(ValueError, match=r"modules\[0\]"):
        Assembly.from_certified_modules([RateRNN(3 * np.eye(2))], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="rate_fraction"):
        assembly_certificate(Assembly([m]), rate_fraction=1.5)
