"""The trained networks of issue 6 (rnnlab.train.nets): torch against the numpy models they hand over,
the certificates of the constrained nets before and after training steps, the parameterisations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlab.certificates  # noqa: F401  (registers the criteria)
from rnnlab import certify
from rnnlab.certificates.assembly import skew_residual
from rnnlab.certificates.kozachkov import theorem1
from rnnlab.lognorms import spectral_abscissa
from rnnlab.models.organics import iterate_fixed_point
from rnnlab.train.nets import (
    NETS,
    LSTMSystem,
    StabilityMonitor,
    build_net,
    combo_margin,
    sample_theorem1_module,
)

SMALL = {
    "sparse_combo": dict(n_modules=3, module_size=6, density=0.3, pre_scale=2.0, post_scale=0.9, coupling_std=0.5),
    "svd_combo": dict(n_modules=3, module_size=4, coupling_std=0.5),
    "organics": dict(hidden_size=4),
    "organics_static": dict(hidden_size=5, seq_len=7),
    "lstm": dict(hidden_size=5),
    "rnn": dict(hidden_size=5),
}
RECURRENT = ("sparse_combo", "svd_combo", "organics", "lstm", "rnn")


def small(name, **extra):
    return build_net(name, input_size=2, output_size=3, **{**SMALL[name], **extra})


def _probe(seed, batch=3, T=7):
    return torch.rand(batch, T, 2, generator=torch.Generator().manual_seed(seed))


def _certificate_holds(net) -> bool:
    best = certify(net.to_rnnlab()).best
    return best is not None and best.holds


def _train_steps(net, steps=5, lr=1.0, seed=0):
    """Adam with a large learning rate on a random classification batch."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(8, 7, 2, generator=gen)
    target = torch.randint(0, 3, (8,), generator=gen)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), target).backward()
        opt.step()


def test_registry_names():
    assert set(NETS) == {"sparse_combo", "svd_combo", "organics", "organics_static", "lstm", "rnn"}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_shapes_and_gradients(name):
    net = small(name)
    x = _probe(0)
    logits = net(x)
    assert logits.shape == (3, 3) and logits.dtype == torch.float32
    logits.sum().backward()
    grads = {k: p.grad for k, p in net.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values()), grads.keys()
    # every trained parameter gets a signal (B's masked entries are zero, the others not)
    assert all(g.abs().sum() > 0 for g in grads.values())


@pytest.mark.parametrize("name", RECURRENT)
def test_forward_equals_reference_loop(name):
    """The fast forward (precomputed drives, fused updates) is the plain loop of ``step``."""
    net = small(name)
    x = _probe(1, T=25)
    torch.testing.assert_close(net(x), net.forward_reference(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", RECURRENT)
@given(seed=st.integers(0, 2**31 - 1))
@settings(max_examples=5)
def test_euler_step_equals_numpy_model(name, seed):
    """One step of the torch net is one Euler step of length dt of the numpy model to_rnnlab() returns,
    and autograd's Jacobian of the torch vector field is the model's exact Jacobian."""
    net = small(name, seed=seed % 1000)
    rng = np.random.default_rng(seed)
    s = rng.uniform(-1, 1, 2)
    model = net.to_rnnlab(inputs=s)
    h = net.states(_probe(seed % 100))[:, -1]  # states the net actually visits
    d = net.drive(torch.as_tensor(s, dtype=torch.float32)[None, None].expand(h.shape[0], 1, 2))[:, 0]
    h64 = h.double().numpy()
    step = net.step(h, d).detach().double().numpy()
    np.testing.assert_allclose(step, h64 + net.dt * model.vector_field(0.0, h64), rtol=1e-4, atol=2e-5)
    J = net.jacobian(h, d).detach().double().numpy()
    np.testing.assert_allclose(J, model.jacobian(0.0, h64), rtol=1e-4, atol=1e-4)


def test_combo_to_rnnlab_with_time_varying_input():
    net = small("sparse_combo")
    model = net.to_rnnlab(inputs=lambda t: np.array([np.sin(t), 1.0]))
    const = net.to_rnnlab(inputs=[np.sin(0.7), 1.0])
    x = np.random.default_rng(0).normal(size=net.n)
    np.testing.assert_allclose(model.vector_field(0.7, x), const.vector_field(0.0, x), rtol=1e-12)


@pytest.mark.parametrize("name", ["sparse_combo", "svd_combo"])
def test_constrained_certificate_holds_before_and_after_training(name):
    net = small(name)
    margin0 = net.certificate_margin()
    assert margin0 > 0 and _certificate_holds(net)
    _train_steps(net, lr=1.0)
    model = net.to_rnnlab()
    cert = certify(model).best
    assert cert is not None and cert.holds
    # the certified rate is the margin: the slowest module's, the coupling skew in the metric
    assert cert.rate == pytest.approx(net.certificate_margin(), rel=1e-9)
    assert skew_residual(cert.metric, model.L) < 1e-12
    if name == "sparse_combo":  # fixed modules: training moved only B, the rate stays
        assert net.certificate_margin() == pytest.approx(margin0, rel=1e-9)


@pytest.mark.parametrize("name", ["sparse_combo", "svd_combo"])
def test_unconstrained_control_fails_the_certificate(name):
    """``L = B`` free (Sec. 4.2.3, A5.2): after training with a large rate its coupling is no longer
    negative feedback, the certificate fails and the margin is negative."""
    net = small(name, constrained=False, coupling_std=1.0)
    _train_steps(net, lr=1.0)
    assert not _certificate_holds(net)
    assert net.certificate_margin() < 0
    assert net.mask.all()  # the control trains every entry of B


def test_combo_margin_is_a_contraction_rate_bound():
    """The margin is at most the slowest vertex rate of J = blockdiag(-I + W_i D_i) + L in M."""
    net = small("svd_combo", constrained=False, coupling_std=0.3)
    model = net.to_rnnlab()
    margin = net.certificate_margin()
    m = net._metric64()
    rng = np.random.default_rng(0)
    for _ in range(50):
        x = rng.normal(size=net.n) * 3
        J = model.jacobian(0.0, x)
        A = m[:, None] * J
        worst = np.linalg.eigvalsh(0.5 * (A + A.T) / np.sqrt(m)[:, None] / np.sqrt(m)[None, :])[-1]
        assert -worst >= margin - 1e-9


def test_combo_margin_values():
    assert combo_margin([0.5, 0.2], [1.0, 4.0], [[0.0, -12.0], [3.0, 0.0]]) == pytest.approx(0.2)
    assert combo_margin([0.5, 0.2], [1.0, 1.0], [[0.0, 0.0], [2.0, 0.0]]) == pytest.approx(-0.8)


@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 12), density=st.floats(0.1, 0.6),
       c=st.floats(0.5, 3.0), post=st.floats(0.05, 1.0))
@settings(max_examples=25)
def test_rejection_sampler_returns_theorem1_modules(seed, n, density, c, post):
    # scale ~ c / (expected non-zeros per row): acceptance between most and a few percent
    pre = c / max(1.0, n * density)
    W, tries = sample_theorem1_module(n, density, pre, post, rng=seed, max_tries=5_000)
    assert tries >= 1
    assert np.all(np.diagonal(W) == 0)
    assert np.abs(W).max() <= pre * post + 1e-12
    assert spectral_abscissa(np.abs(W) - np.eye(n)) < 0
    from rnnlab import RateRNN

    assert theorem1(RateRNN(W, phi="relu")).holds


def test_rejection_sampler_rejects_and_reports():
    # dense and large: |W| - I is essentially never Hurwitz
    with pytest.raises(RuntimeError, match="passed Theorem 1"):
        sample_theorem1_module(10, 1.0, 10.0, rng=0, max_tries=20)
    # moderate settings need more than one draw: the sampler does reject
    _, tries = sample_theorem1_module(16, 0.4, 0.4, rng=1)
    assert tries > 1


def test_sparse_defaults_are_the_papers():
    net = build_net("sparse_combo", input_size=1, output_size=10, n_modules=2)
    W = net.W.numpy()
    assert W.shape == (2, 32, 32)
    assert np.abs(W).max() <= 6.0 and np.abs(W).max() > 3.0  # entries in [-6, 6] (30 x 0.2)
    assert net.density == 0.033 and net.dt == 0.1
    assert not any(p is net.W for p in net.parameters())  # modules fixed (buffers)


def test_sparse_paper_modules_are_feedforward_chains():
    """A4.3.2: the sparsest modules have ``lambda_max(|W|) < 0.1``; at 3.3% density and pre-scale 30,
    Theorem 1 keeps (nearly) acyclic graphs, so ``|W|`` is (nearly) nilpotent, with links up to 6."""
    net = build_net("sparse_combo", input_size=1, output_size=10, n_modules=4)
    for W in net.W.double().numpy():
        assert np.abs(np.linalg.eigvals(np.abs(W))).max() < 0.1
        assert 0.02 < np.count_nonzero(W) / W.size < 0.04  # density 3.3%, diagonal zeroed


def test_sparse_metric_is_forced_ill_conditioned():
    """For a link ``x_j -> x_i`` of weight ``a`` a diagonal Theorem 1 metric needs ``m_j / m_i > a^2 / 4``
    (the 2 x 2 minor of ``P(|W| - I) + (|W| - I)^T P``), so the paper's chains of links up to 6 force
    ill-conditioned metrics: the reason for the coupling's parameterisation (module docstring)."""
    net = build_net("sparse_combo", input_size=1, output_size=10, n_modules=4)
    m = net._metric64()
    W = net.W.double().numpy()
    for k, s in enumerate(net._slices()):
        mk = m[s]
        i, j = np.nonzero(W[k])
        assert np.all(mk[j] / mk[i] > W[k][i, j] ** 2 / 4)
    assert m.max() / m.min() > 1e4


def test_sparse_coupling_entries_are_bounded_by_the_parameter():
    """``L_ij = (B~_ij - B~_ji) min(m_i, m_j) / m_i`` (module docstring): ``M L`` skew, the larger entry
    of each pair ``(L_ij, L_ji)`` equals the parameter difference and the other is smaller by the metric
    ratio, so ``max |L| <= 2 max |B~|`` whatever the metric's condition number."""
    net = build_net("sparse_combo", input_size=1, output_size=10, n_modules=3, coupling_std=0.1)
    m = net._metric64()
    assert m.max() / m.min() > 1e4  # the old scaling sqrt(m_j / m_i) would have put 100 x B~ in L
    L, Bt = net.coupling64(), (net.B * net.mask).double().detach().numpy()
    S = Bt - Bt.T
    ML = m[:, None] * L
    np.testing.assert_allclose(ML, -ML.T, atol=1e-15)
    np.testing.assert_allclose(np.maximum(np.abs(L), np.abs(L.T)), np.abs(S), rtol=1e-12, atol=0)
    assert np.abs(L).max() <= 2 * np.abs(Bt).max()
    np.testing.assert_allclose(net.coupling().double().detach().numpy(), L, rtol=1e-5, atol=1e-7)


def test_sparse_one_adam_step_moves_the_coupling_by_at_most_the_learning_rate():
    """The failure this parameterisation fixes: from ``B~ = 0``, one Adam step (each entry moves by at
    most ``lr``) must not put entries much larger than ``lr`` into ``L`` (with ``B~ = M^1/2 B M^-1/2``
    it put ``lr sqrt(m_j / m_i)``, up to 1e3 after a few steps, into the paper's 16 x 32 net)."""
    net = build_net("sparse_combo", input_size=1, output_size=10, n_modules=3)
    lr = 1e-3
    opt = torch.optim.Adam([net.B], lr=lr)
    x = torch.rand(8, 30, 1, generator=torch.Generator().manual_seed(0))
    torch.nn.functional.cross_entropy(net(x), torch.arange(8) % 10).backward()
    opt.step()
    assert 0 < np.abs(net.coupling64()).max() <= 2 * lr * (1 + 1e-6)


@pytest.mark.parametrize("dt", [0.1, 1.0])
def test_sparse_states_at_init_obey_theorem1_comparison_bound(dt):
    """At initialisation (``L = 0``) every module is ``x <- (1 - dt) x + dt (W relu(x) + u)``; with
    ``|relu(x)| <= |x|`` the positive comparison system of Theorem 1 gives, for ``dt <= 1`` and
    ``x_0 = 0``, ``|x_k| <= (I - |W|)^-1 u_bar`` entrywise, ``u_bar = |W_in| max|s| + |b_in|``. The
    paper's modules (chains of links up to 6) have ``|(I - |W|)^-1|`` in the hundreds to thousands:
    states of a few hundred at initialisation are the modules' gain, not a fault of the loop."""
    with torch.random.fork_rng():  # the input layer's default init draws from torch's global generator
        torch.manual_seed(0)
        net = build_net("sparse_combo", input_size=1, output_size=10, n_modules=4, dt=dt)
    with torch.no_grad():  # PyTorch's default input bias (uniform in [-1, 1]), the drive before b_in = 0
        net.input_layer.bias.uniform_(-1.0, 1.0, generator=torch.Generator().manual_seed(0))
    x = torch.rand(16, 300, 1, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        states = net.states(x).abs().amax(dim=(0, 1)).double().numpy()  # (N,)
    W = net.W.double().numpy()
    u_bar = (net.input_layer.weight.abs().sum(1) + net.input_layer.bias.abs()).double().detach().numpy()
    gains = [np.linalg.inv(np.eye(net.module_size) - np.abs(Wk)) for Wk in W]
    bound = np.concatenate([G @ u_bar[s] for G, s in zip(gains, net._slices())])
    assert np.all(states <= bound * (1 + 1e-4) + 1e-5)
    assert max(np.abs(G).sum(1).max() for G in gains) > 100  # the gain the bound names
    assert states.max() > 50  # and the states do reach that scale


def test_combo_blank_input_leaves_the_net_at_rest():
    """``b_in = 0`` at initialisation (module docstring): ``u = W_in s``, so ``s = 0`` keeps ``x = 0``,
    the equilibrium of Eq. 2 with ``u = 0``; the bias is still a trained parameter."""
    for name in ("sparse_combo", "svd_combo"):
        net = small(name)
        assert torch.all(net.input_layer.bias == 0) and net.input_layer.bias.requires_grad
        with torch.no_grad():
            assert torch.all(net.states(torch.zeros(2, 9, 2)) == 0)


@given(seed=st.integers(0, 2**31 - 1))
@settings(max_examples=10)
def test_svd_parameterisation(seed):
    net = small("svd_combo", seed=seed % 10_000)
    with torch.no_grad():
        net.s.mul_(20.0)  # push the sigmoid to saturation: Sigma must stay below sigma_max / g
        phi, U, Sigma, V = net.factors()
        eye = torch.eye(net.module_size).expand_as(U)
        torch.testing.assert_close(U @ U.transpose(-1, -2), eye, atol=1e-5, rtol=0)
        torch.testing.assert_close(V @ V.transpose(-1, -2), eye, atol=1e-5, rtol=0)
        assert (Sigma >= 0).all() and (Sigma < 1.0).all()
        W = net.module_weights()
        # Eq. 19: Phi W Phi^-1 = U Sigma V^T, whose singular values are Sigma
        core = W * (phi[:, :, None] / phi[:, None, :])
        sv = torch.linalg.svdvals(core)
        torch.testing.assert_close(sv, Sigma.sort(dim=-1, descending=True).values, atol=1e-5, rtol=1e-5)
    rates = net.module_rates()
    Sigma64 = net.sigma_max * torch.sigmoid(net.s.detach().double())
    np.testing.assert_allclose(rates, 1.0 - Sigma64.max(dim=1).values.numpy(), rtol=1e-12)
    assert np.all(rates >= 1.0 - net.sigma_max - 1e-12)


def test_organics_static_fixed_point():
    """Algorithm 1 in torch reaches a zero of Eq. 133, the one numpy's Algorithm 1 finds."""
    net = small("organics_static", max_iter=50, tol=1e-6)
    with torch.no_grad():  # a W_r other than I, so the iteration has work to do
        gen = torch.Generator().manual_seed(0)
        net.R.add_(0.3 * torch.randn(net.hidden_size, net.hidden_size, generator=gen))
    x = _probe(2)
    y, a, k, residual = net.fixed_point(x)
    assert k >= 1 and residual < 1e-5
    assert torch.linalg.matrix_norm(net.W_r, ord=2).item() == pytest.approx(1.0, rel=1e-5)
    for i in range(x.shape[0]):
        model = net.to_rnnlab(x[i].numpy())
        state = torch.cat([y[i], a[i]]).detach().double().numpy()
        assert np.abs(model.vector_field(0.0, state)).max() < 1e-4
        ref = iterate_fixed_point(model, tol=1e-12)
        assert ref.converged
        np.testing.assert_allclose(state, ref.x, rtol=1e-4, atol=1e-5)


def test_organics_time_constants_follow_appendix_I2():
    net = small("organics", dt=2.0)
    model = net.to_rnnlab()
    # p = 0 at initialisation: dt / tau = scale * 1/2
    np.testing.assert_allclose(2.0 / model.tau_y, 0.025)
    np.testing.assert_allclose(2.0 / model.tau_a, 0.005)
    np.testing.assert_allclose(2.0 / model.tau_b, 0.05)
    fixed = small("organics", learn_tau=False)
    assert "p" not in dict(fixed.named_parameters())


def test_lstm_system_jacobian_matches_finite_differences():
    rng = np.random.default_rng(0)
    m = LSTMSystem(rng.normal(size=(12, 3)), b=rng.normal(size=12))
    x = rng.normal(size=6)
    eps = 1e-6
    fd = np.stack([(m.vector_field(0, x + eps * e) - m.vector_field(0, x - eps * e)) / (2 * eps)
                   for e in np.eye(6)], axis=1)
    np.testing.assert_allclose(m.jacobian(0, x), fd, atol=1e-8)


def test_rnn_to_rnnlab_is_certified_by_the_analysis_side():
    net = small("rnn")
    model = net.to_rnnlab()
    W = net.rnn.weight_hh_l0.detach().double().numpy()
    absW = np.abs(W)
    np.fill_diagonal(absW, np.maximum(np.diagonal(W), 0.0))  # Theorem 1's |W|' (g = 1 for tanh)
    assert theorem1(model).holds == (spectral_abscissa(absW - np.eye(5)) < 0)
    with torch.no_grad():
        net.rnn.weight_hh_l0.mul_(0.1)
    assert theorem1(net.to_rnnlab()).holds


@pytest.mark.parametrize("name", sorted(SMALL))
def test_monitor(name):
    net = small(name)
    out = StabilityMonitor(_probe(3), n_trajectories=2, n_points=3)(net)
    assert all(np.isfinite(v) for v in out.values())
    # the mean of equal values may round up by an ulp
    assert out["max_real_jacobian"] >= out["mean_real_jacobian"] - 1e-12 * abs(out["mean_real_jacobian"])
    assert ("certificate_margin" in out) == (name in ("sparse_combo", "svd_combo"))
    if name in ("sparse_combo", "svd_combo"):
        # contraction at rate c bounds every eigenvalue's real part by -c
        assert out["max_real_jacobian"] <= -out["certificate_margin"] + 1e-9


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: build_net("gru", input_size=1, output_size=2), ValueError, "name must be one of"),
        (lambda: build_net("rnn", input_size=1, output_size=2, bogus=1), TypeError, "bogus"),
        (lambda: build_net("rnn", input_size=0, output_size=2), ValueError, "input_size"),
        (lambda: small("sparse_combo", density=1.5), ValueError, "density"),
        (lambda: small("sparse_combo", post_scale=2.0), ValueError, "post_scale"),
        (lambda: small("svd_combo", dt=0.0), ValueError, "dt"),
        (lambda: small("svd_combo", sigma_max=1.0), ValueError, "sigma_max"),
        (lambda: small("svd_combo", constrained="no"), TypeError, "constrained"),
        (lambda: small("rnn")(torch.zeros(2, 3)), ValueError, "shape"),
        (lambda: small("lstm")(np.zeros((2, 3, 2))), TypeError, "torch.Tensor"),
        (lambda: small("organics_static")(torch.zeros(2, 3, 2)), ValueError, "seq_len"),
        (lambda: small("sparse_combo").to_rnnlab(inputs=[1.0]), ValueError, "inputs"),
        (lambda: StabilityMonitor(torch.zeros(2, 3, 1), n_trajectories=5), ValueError, "n_trajectories"),
    ],
)
def test_bad_options_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_sparse_state_dict_carries_modules_and_metric():
    """A checkpoint restores the fixed modules and their metric, so the certificate is that net's."""
    a, b = small("sparse_combo", seed=1), small("sparse_combo", seed=2)
    assert not torch.equal(a.W, b.W)
    b.load_state_dict(a.state_dict())
    assert torch.equal(a.W, b.W) and torch.equal(a.P64, b.P64)
    assert b.certificate_margin() == a.certificate_margin()
    x = _probe(4)
    torch.testing.assert_close(a(x), b(x))
    with torch.no_grad():  # the metric as another machine's LAPACK computes it: accepted
        b.P64.mul_(1 + 1e-9 * torch.linspace(-1, 1, b.P64.numel(), dtype=torch.float64))
    assert b.certificate_margin() == pytest.approx(a.certificate_margin(), rel=1e-9)
    with torch.no_grad():  # modules of one net with the metric of another: refused
        b.W.copy_(small("sparse_combo", seed=3).W)
    with pytest.raises(RuntimeError, match="P64"):
        b.certificate_margin()
