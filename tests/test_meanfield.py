"""Tests of the trained reservoir and its mean field (Rivkind & Barak 2017)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.activations import Activation
from rnnlab.meanfield import FrequencyResponse, gauss_average, mean_field, self_consistent_variance
from rnnlab.models.reservoir import OpenLoopReservoir, Reservoir, feedback_weights
from rnnlab.readout import (
    frequency_response,
    open_loop_fixed_points,
    open_loop_gain,
    readout_weights,
    train_readout,
)

RELU = Activation("relu", threshold=0.1)  # Fig. 1C of the paper
SEED = 20170301


def _fd_jacobian(f, x, h=1e-6):
    cols = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)]
    return np.array(cols).T


# --- the reservoir (Eqs. 1-4, 16) -------------------------------------------------------------


@pytest.mark.parametrize("phi", ["tanh", "sigmoid", "softplus"])
def test_jacobians_match_finite_differences(phi):
    rng = np.random.default_rng(SEED)
    net = Reservoir.random(12, 1.3, rng=rng, phi=phi, w_out=rng.normal(size=12))
    ol = net.open_loop(0.7)
    x = rng.normal(size=12)
    for model in (net, ol):
        J = model.jacobian(0.0, x)
        assert np.allclose(J, _fd_jacobian(lambda y: model.vector_field(0.0, y), x), atol=1e-7)
    # Batches (..., n) give (..., n, n).
    X = rng.normal(size=(3, 12))
    assert np.allclose(net.jacobian(0.0, X)[1], net.jacobian(0.0, X[1]))
    assert net.vector_field(0.0, X).shape == (3, 12)


def test_closed_loop_is_open_loop_with_readout_fed_back():
    rng = np.random.default_rng(SEED)
    net = Reservoir.random(20, 0.9, rng=rng, w_out=rng.normal(size=20) / 20, u=0.3)
    x = rng.normal(size=20)
    z = net.output(x)
    assert np.allclose(net.vector_field(0.0, x), net.open_loop(z).vector_field(0.0, x))
    # Eq. 4: the closed-loop Jacobian is the open-loop one plus the rank-one loop w_FB w_out^T R'.
    d = net.phi.derivative(x)
    assert np.allclose(net.jacobian(0, x) - net.open_loop().jacobian(0, x), np.outer(net.w_fb, net.w_out * d))


@pytest.mark.parametrize("phi", ["tanh", RELU])
def test_training_makes_targets_closed_loop_fixed_points(phi):
    net = Reservoir.random(300, 0.8, rng=SEED, phi=phi)
    targets = [0.5, 1.0, 1.5]
    tr = train_readout(net, targets)
    fps = tr.fixed_points
    assert np.all(fps.residual < 1e-10)
    # Eq. 3 and the readout (Eq. 16) reproduce every target, so each x_m is a closed-loop fixed point.
    assert np.allclose(fps.x, fps.r @ net.W.T + np.outer(targets, net.w_fb), atol=1e-9)
    assert np.allclose(tr.reservoir.output(fps.x), targets, atol=1e-9)
    assert np.max(np.abs(tr.reservoir.vector_field(0.0, fps.x))) < 1e-8


def test_readout_is_minimum_norm_least_squares():
    rng = np.random.default_rng(SEED)
    R, A = rng.normal(size=(3, 40)), rng.normal(size=3)
    w = readout_weights(R, A)
    assert np.allclose(w, np.linalg.lstsq(R, A, rcond=None)[0])
    # One target: w_out = A r / (r^T r), the paper's readout for Eq. 13.
    assert np.allclose(readout_weights(R[:1], A[:1]), A[0] * R[0] / (R[0] @ R[0]))
    # The ridge readout solves the normal equations (R^T R + ridge I) w = R^T A.
    w_ridge = readout_weights(R, A, ridge=0.5)
    assert np.allclose((R.T @ R + 0.5 * np.eye(40)) @ w_ridge, R.T @ A)


def test_finite_n_gain_is_the_determinant_lemma():
    # det(sI - J_CL) = det(sI - J_OL) (1 - G_OL(s)): G_OL is scaled so that the critical point is 1.
    tr = train_readout(Reservoir.random(30, 0.7, rng=SEED), [1.0])
    s = 0.3 + 0.2j
    I = np.eye(30)
    lhs = np.linalg.det(s * I - tr.jacobian())
    rhs = np.linalg.det(s * I - tr.open_loop_jacobian()) * (1 - open_loop_gain(tr, s))
    assert np.isclose(lhs, rhs, rtol=1e-9)


# --- mean field: quadrature against scipy.integrate.quad (Eqs. 8, 11) ----------------------------


def _quad_gaussian_feedback(g, A, phi, sigma2):
    """Independent route for w ~ N(0, 1): x' = w A + sigma y is N(0, A^2 + sigma^2), so every average
    is one quad, and by Gaussian regression E[w h(x')] = A E[x' h] / s2 and
    E[sigma y h] = sigma^2 E[x' h] / s2."""
    s2 = A**2 + sigma2
    pts = [phi.threshold] if phi.name == "relu" else None

    def E(h):
        dens = scipy.stats.norm(scale=np.sqrt(s2)).pdf
        lim = 14 * np.sqrt(s2)
        quad = scipy.integrate.quad
        return quad(lambda x: h(x) * dens(x), -lim, lim, points=pts, limit=200, epsabs=1e-13)[0]

    eq8 = g**2 * E(lambda x: phi(x) ** 2)
    xpp = E(lambda x: x * phi(x) * phi.derivative(x))
    beta0 = g**2 / sigma2 * A / s2 * xpp
    beta1 = g**2 / sigma2 * sigma2 / s2 * xpp
    return eq8, beta0, beta1


@pytest.mark.parametrize(
    "g, A, phi", [(0.5, 1.0, "tanh"), (1.5, 1.0, "tanh"), (1.1, 1.0, RELU), (0.7, 0.4, RELU)]
)
def test_quadrature_matches_scipy_quad(g, A, phi):
    mf = mean_field(g, A, phi=phi)
    eq8, beta0, beta1 = _quad_gaussian_feedback(g, A, mf.phi, mf.sigma2)
    assert mf.sigma2 > 0
    assert eq8 == pytest.approx(mf.sigma2, rel=1e-10)
    assert mf.beta0 == pytest.approx(beta0, rel=1e-9)
    assert mf.beta1 == pytest.approx(beta1, rel=1e-9)
    assert mf.residual < 1e-12


def test_uniform_feedback_matches_dblquad():
    g, A = 1.2, 0.8
    mf = mean_field(g, A, feedback="uniform")
    sigma = np.sqrt(mf.sigma2)
    val = scipy.integrate.dblquad(
        lambda y, w: np.tanh(w * A + sigma * y) ** 2 * scipy.stats.norm.pdf(y) / 2,
        -1,
        1,
        -12,
        12,
        epsabs=1e-13,
    )[0]
    assert g**2 * val == pytest.approx(mf.sigma2, rel=1e-9)


def test_zero_target_needs_chaos_for_a_random_part():
    # A = 0: sigma^2 > 0 only beyond the chaotic transition g > 1 (tanh), Sompolinsky et al. (1988).
    assert self_consistent_variance(1.5, 0.0).sigma2 > 0.5
    with pytest.raises(ValueError, match="no positive solution"):
        self_consistent_variance(0.8, 0.0)


# --- mean field: Eq. 14 vs Eq. 15, sign laws, DC gain ----------------------------------------------

G = st.floats(0.1, 3.0)
AMP = st.floats(0.05, 3.0)


@settings(max_examples=25)
@given(g=G, A=AMP, sign=st.sampled_from([-1.0, 1.0]))
def test_tanh_outlier_is_always_stable(g, A, sign):
    mf = mean_field(g, sign * A, phi="tanh", n_nodes=61)
    # Eq. 14 (through sigma^2 and the betas) and Eq. 15 (one integral) agree ...
    assert mf.lambda_out == pytest.approx(mf.lambda_out_integral, abs=1e-10)
    # ... and the integrand phi (phi - x phi') of Eq. 15 is non-negative for tanh: lambda < 0.
    assert mf.lambda_out < 0
    # Stein's lemma: beta_1 = g^2 <phi'^2 + phi phi''> <= rho^2, as phi phi'' <= 0 for tanh.
    assert mf.beta1 <= mf.rho**2 + 1e-12


@settings(max_examples=25)
@given(g=st.floats(0.1, 1.35), A=st.floats(0.1, 3.0))
def test_thresholded_relu_outlier_is_always_unstable(g, A):
    mf = mean_field(g, A, phi=RELU, n_nodes=61)
    assert mf.lambda_out == pytest.approx(mf.lambda_out_integral, abs=1e-10)
    assert mf.lambda_out > 0
    # phi phi'' = 0 almost everywhere for the ReLU, so beta_1 = rho^2 exactly.
    assert mf.beta1 == pytest.approx(mf.rho**2, rel=1e-9)


@settings(max_examples=25)
@given(g=st.floats(0.1, 1.35), A=AMP, phi=st.sampled_from(["tanh", RELU, "sigmoid", "softplus"]))
def test_dc_gain_below_one_iff_stable(g, A, phi):
    # With G_CL = G_OL / (1 - G_OL) (Eq. 7) and G_OL = A beta_0 / (1 - beta_1 + i omega) (Eq. 13),
    # lambda_out < 0 <=> G_OL(0) < 1 whenever the open-loop pole 1 - beta_1 is stable.
    mf = mean_field(g, A, phi=phi, n_nodes=61)
    if mf.rho < 1 and mf.phi.name in ("tanh", "relu"):
        assert 1 - mf.beta1 > 0
    if 1 - mf.beta1 > 0 and abs(mf.lambda_out) > 1e-9:
        assert (mf.open_loop_gain(0.0).real < 1) == (mf.lambda_out < 0)
    # The closed-loop gain has its pole at lambda_out: G_OL(s = lambda_out) = 1.
    assert mf.A * mf.beta0 / (1 - mf.beta1 + mf.lambda_out) == pytest.approx(1.0, rel=1e-12)


def test_time_constants():
    mf = mean_field(1.5, 1.0)
    assert mf.tau_out == pytest.approx(-1 / mf.lambda_out)
    assert mf.tau_net == pytest.approx(1 / (1 - mf.rho))
    # Fig. 1A (g = 1.5, tanh): internal activity slower than the output, tau_net > tau_out.
    assert mf.tau_net > mf.tau_out > 0
    # Fig. 1B (g = 0.5): the opposite.
    mf_b = mean_field(0.5, 1.0)
    assert mf_b.tau_out > mf_b.tau_net > 0
    # Fig. 1C (thresholded ReLU, g = 1.1): fading memory holds but the outlier is unstable.
    mf_c = mean_field(1.1, 1.0, phi=RELU)
    assert mf_c.rho < 1 and mf_c.tau_out < 0 and not mf_c.stable


def test_gauss_average_integrates_moments_exactly():
    # <w^2> = 1, <y^2> = 1, <x'^2> = A^2 + sigma^2 for either feedback law up to its variance.
    assert gauss_average(lambda w, y, x: x**2, 2.0, 0.5) == pytest.approx(4.25, rel=1e-13)
    w2 = gauss_average(lambda w, y, x: w**2, 1.0, 1.0, feedback="uniform")
    assert w2 == pytest.approx(1 / 3, rel=1e-13)
    relu2 = gauss_average(lambda w, y, x: np.maximum(x, 0) ** 2, 0.0, 1.0, kink=0.0)
    assert relu2 == pytest.approx(0.5, rel=1e-13)


# --- mean field against finite-N realisations -------------------------------------------------------

# Self-averaging sums over N neurons fluctuate by O(N^-1/2). Measured over seeds (Gaussian w_FB, A = 1):
# |lambda_N - lambda_out| <= 0.7 / sqrt(N), the relative error of G_OL(i omega) <= 4.7 / sqrt(N) (larger
# for the ReLU, whose open-loop pole 1 - beta_1 = 0.43 sits nearer the imaginary axis), and
# |rho_N - rho| <= 0.5 / sqrt(N) for rho_N^2 = g^2 <phi'(x_i)^2> over the network's neurons. The bounds
# are about twice those. Eight seeds at N = 100 and four at N = 400 estimate the RMS error well enough to
# see it shrink (expected ratio 2).
SIZES = {100: range(8), 400: range(4)}
OMEGA = np.array([0.0, 0.3, 1.0, 3.0])


def _finite_n_outlier(tr, mf):
    # The closed-loop outlier is the real root of G_OL(s) = 1 (determinant lemma), right of the disk.
    lo, hi = mf.lambda_out - 0.08, mf.lambda_out + 0.5
    return scipy.optimize.brentq(lambda s: open_loop_gain(tr, s).real - 1, lo, hi, xtol=1e-8)


@pytest.mark.parametrize("g, phi", [(0.5, "tanh"), (1.1, RELU)])
def test_mean_field_matches_finite_n(g, phi):
    A = 1.0
    mf = mean_field(g, A, phi=phi)
    G_mf = mf.open_loop_gain(OMEGA)
    rms = {}
    for N, seeds in SIZES.items():
        err = {"lambda": [], "G": [], "rho": []}
        for seed in seeds:
            tr = train_readout(Reservoir.random(N, g, rng=seed, phi=phi), [A])
            err["lambda"].append(_finite_n_outlier(tr, mf) - mf.lambda_out)
            # The exact G_OL(i omega) tends to Eq. 13 as the other N - 1 poles cancel.
            G_err = np.abs(open_loop_gain(tr, 1j * OMEGA, method="direct") - G_mf) / np.abs(G_mf)
            err["G"].append(np.max(G_err))
            d = tr.reservoir.phi.derivative(tr.fixed_points.x[0])
            err["rho"].append(g * np.sqrt(np.mean(d**2)) - mf.rho)
        assert np.max(np.abs(err["lambda"])) < 1.5 / np.sqrt(N)
        assert np.max(err["G"]) < 10 / np.sqrt(N)
        assert np.max(np.abs(err["rho"])) < 1.0 / np.sqrt(N)
        rms[N] = {key: np.sqrt(np.mean(np.square(e))) for key, e in err.items()}
    for key in rms[100]:
        assert rms[400][key] < rms[100][key] / 1.4, (key, rms)


@pytest.mark.parametrize("g, phi", [(0.5, "tanh"), (1.1, RELU)])
def test_spectral_radius_and_outlier_eigenvalue_at_n_500(g, phi):
    A, N = 1.0, 500
    mf = mean_field(g, A, phi=phi)
    tr = train_readout(Reservoir.random(N, g, rng=SEED, phi=phi), [A])
    # The open-loop disk: max |lambda + 1| over the spectrum of -I + W R'. The largest modulus of a
    # random matrix overshoots the circular-law radius by about sqrt(log N / (4 N)) ~ 0.05 rho at N = 500.
    # The ReLU's R' is zero on about half the neurons, and its edge fluctuates more (measured 0.064).
    rho_n = np.max(np.abs(np.linalg.eigvals(tr.open_loop_jacobian()) + 1))
    assert abs(rho_n - mf.rho) < (0.06 if phi == "tanh" else 0.1)
    # Exactly one eigenvalue of Eq. 4 leaves the disk, at lambda_out.
    ev = np.linalg.eigvals(tr.jacobian())
    outside = ev[np.abs(ev + 1) > rho_n + 0.02]
    assert outside.size == 1
    assert abs(outside[0] - mf.lambda_out) < 2 / np.sqrt(N)


# --- frequency responses and the Nyquist count ------------------------------------------------------


@pytest.mark.parametrize("N", [60, 300])
def test_gain_on_many_frequencies_matches_direct_solves(N):
    tr = train_readout(Reservoir.random(N, 0.9, rng=SEED), [0.5, 1.2])
    s = np.concatenate([1j * np.geomspace(1e-3, 1e3, 40), [0.0, 2.0 + 1.0j, 0.3]])
    direct = open_loop_gain(tr, s, m=1, method="direct")  # one LU solve each
    assert np.allclose(open_loop_gain(tr, s, m=1, method="modal"), direct, rtol=1e-9, atol=1e-13)
    assert np.allclose(open_loop_gain(tr, s, m=1), direct, rtol=1e-9, atol=1e-13)  # auto: modal here
    # The modal route checks itself against a direct solve and falls back when the eigenvectors are
    # too ill-conditioned: a Jordan-like open loop (defective J) still gives the direct answer.
    from rnnlab.readout import _resolvent_sums

    J = -np.eye(8) + np.diag(np.ones(7), 1)
    b, C = np.arange(8.0), np.ones((1, 8))
    modal, direct = (_resolvent_sums(J, b, C, s[:30], method) for method in ("modal", "direct"))
    np.testing.assert_allclose(modal, direct)


def test_collinear_rates_still_train():
    # tanh is odd: targets -1 and 1 give rates -r and r, and R R^T is singular.
    tr = train_readout(Reservoir.random(50, 0.5, rng=SEED), [-1.0, 0.4, 1.0])
    assert np.allclose(tr.output_error, 0.0, atol=1e-9)


def test_mean_field_nyquist_count():
    # M = 1: G_OL traces a circle through 0 and G_OL(0) clockwise; it encircles 1 iff G_OL(0) > 1.
    for g, phi in [(0.5, "tanh"), (1.5, "tanh"), (1.1, RELU)]:
        mf = mean_field(g, 1.0, phi=phi)
        fr = mf.frequency_response()
        assert fr.tail < 1e-3 and fr.max_angle_step < 0.5
        assert fr.encirclements == int(mf.lambda_out > 0)


@pytest.mark.parametrize(
    "g, phi, targets, m, n_unstable",
    [
        (0.5, "tanh", [1.0], 0, 0),
        (1.1, RELU, [1.0], 0, 1),  # Fig. 1C: one real unstable pole
        (1.0, "tanh", [0.5, 1.0, 1.5], 0, 2),  # Fig. 1D: an unstable complex pair around A_1
    ],
)
def test_finite_n_nyquist_count_is_the_number_of_unstable_eigenvalues(g, phi, targets, m, n_unstable):
    # The open loop is stable (rho < 1), so by the Nyquist criterion the clockwise encirclements of
    # 1 + 0i equal the closed-loop eigenvalues of Eq. 4 in the right half plane.
    tr = train_readout(Reservoir.random(200, g, rng=0, phi=phi), targets)
    assert np.max(np.real(np.linalg.eigvals(tr.open_loop_jacobian(m)))) < 0
    ev = np.linalg.eigvals(tr.jacobian(m))
    assert np.sum(ev.real > 0) == n_unstable
    fr = frequency_response(tr, m=m)
    assert fr.tail < 1e-3 and fr.max_angle_step < 0.5
    assert fr.encirclements == n_unstable


def test_frequency_response_checks_its_grid():
    with pytest.raises(ValueError, match="omega must"):
        FrequencyResponse(np.array([0.0, -1.0]), np.zeros(2))
    with pytest.raises(ValueError, match="G must"):
        FrequencyResponse(np.array([0.0, 1.0]), np.zeros(3))


# --- bad input -----------------------------------------------------------------------------------


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="g must"):
        Reservoir.random(10, 0.0, rng=0)
    with pytest.raises(ValueError, match="g must"):
        mean_field(-1.0, 1.0)
    with pytest.raises(ValueError, match="N must"):
        Reservoir.random(1, 1.0, rng=0)
    with pytest.raises(ValueError, match="N must"):
        feedback_weights(1)
    with pytest.raises(ValueError, match="A must"):
        mean_field(1.0, np.nan)
    net = Reservoir.random(10, 0.5, rng=0)
    with pytest.raises(ValueError, match="targets must"):
        train_readout(net, [1.0, np.inf])
    with pytest.raises(ValueError, match="targets must"):
        open_loop_fixed_points(net, [])
    with pytest.raises(ValueError, match="feedback must"):
        mean_field(1.0, 1.0, feedback="cauchy")
    with pytest.raises(ValueError, match="w_fb must"):
        OpenLoopReservoir(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match="ridge must"):
        readout_weights(np.ones((1, 3)), [1.0], ridge=-1.0)
    with pytest.raises(ValueError, match="g = 3.0 is too large"):
        mean_field(3.0, 1.0, phi="relu")


def test_gain_curves_are_pointwise_mean_fields_and_keep_the_sign_laws():
    from rnnlab import plots
    from rnnlab.meanfield import gain_curves

    gs = np.linspace(0.2, 1.3, 6)
    tanh = gain_curves(gs, 1.0, phi="tanh")
    relu = gain_curves(gs, 1.0, phi=Activation("relu", threshold=0.1))
    for curves in (tanh, relu):
        for k in (0, 3, 5):
            mf = mean_field(gs[k], 1.0, phi=curves.phi)
            assert curves.lambda_out[k] == pytest.approx(mf.lambda_out)
            assert curves.rho[k] == pytest.approx(mf.rho)
        np.testing.assert_allclose(curves.tau_net, 1.0 / (1.0 - curves.rho))
    # Eq. 15's sign law: origin-centred sigmoid always stable, thresholded ReLU always unstable.
    assert np.all(tanh.lambda_out < 0) and np.all(relu.lambda_out > 0)
    ax = plots.gain_curves(tanh)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), tanh.lambda_out)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), tanh.rho - 1)


def test_gain_curves_flag_points_without_a_solution_and_reject_bad_gains():
    from rnnlab.meanfield import gain_curves

    curves = gain_curves([0.5, 3.0], 1.0, phi=Activation("relu", threshold=0.1))  # g = 3: no finite sigma^2
    assert curves.solved.tolist() == [True, False]
    assert np.isnan(curves.lambda_out[1]) and "too large" in curves.notes[1]
    assert not curves.stable[1]
    with pytest.raises(ValueError, match="g"):
        gain_curves([0.5, -1.0])
