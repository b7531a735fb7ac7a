"""Mean field of a reservoir trained to several targets (Rivkind & Barak 2017, Eqs. 16-18), derived in
rnnlab/meanfield_targets.py, against its own identities, the one-target theory and finite-N networks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
import scipy.stats
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rnnlab.activations import Activation
from rnnlab.meanfield import mean_field
from rnnlab.meanfield_targets import mean_field_targets
from rnnlab.models.reservoir import Reservoir
from rnnlab.readout import (
    cross_gains,
    frequency_response,
    open_loop_gain,
    readout_coefficients,
    train_readout,
)

RELU = Activation("relu", threshold=0.1)
FIG2 = dict(g=0.9, targets=[0.5, 1.0, 1.5])  # Fig. 2: settings of Fig. 1D with g = 0.9
S = np.array([0.0, 0.3j, 1.0j, 0.2 + 2.0j])


@pytest.fixture(scope="module")
def fig2():
    return mean_field_targets(FIG2["g"], FIG2["targets"])


@pytest.fixture(scope="module")
def relu2():
    return mean_field_targets(0.7, [0.5, 1.0], phi=RELU)


# --- identities of the derivation --------------------------------------------------------------------


@settings(max_examples=15)
@given(g=st.floats(0.2, 1.3), A=st.floats(0.1, 2.5), phi=st.sampled_from(["tanh", RELU]),
       feedback=st.sampled_from(["gaussian", "uniform"]))
@example(g=1.0, A=0.1, phi=RELU, feedback="uniform")   # no trained fixed point: both routes refuse
def test_one_target_is_eq_13_and_14(g, A, phi, feedback):
    """One target through Eq. 13-18 is the single-target theory of Eq. 13 and 14. Where the latter has
    no fixed point with a random part (uniform feedback w A within the ReLU's threshold leaves every
    unit silent, so no readout reaches A), both refuse with the same error."""
    try:
        mf = mean_field(g, A, phi=phi, feedback=feedback)
    except ValueError as error:
        assert "no positive solution" in str(error)
        with pytest.raises(ValueError, match="no positive solution"):
            mean_field_targets(g, [A], phi=phi, feedback=feedback)
        return
    loc = mean_field_targets(g, [A], phi=phi, feedback=feedback).local[0]
    omega = np.array([0.0, 0.4, 3.0])
    np.testing.assert_allclose(loc.open_loop_gain(1j * omega), mf.open_loop_gain(omega), rtol=1e-10)
    assert loc.closed_loop_poles[0] == pytest.approx(mf.lambda_out, abs=1e-10)
    assert loc.poles[0] == pytest.approx(-(1 - mf.beta1), abs=1e-12)


@pytest.mark.parametrize("which", ["fig2", "relu2"])
def test_cross_terms_have_the_form_of_eq_18(which, request):
    mf = request.getfixturevalue(which)
    for loc in mf.local:
        n, p = loc.n, loc.poles
        G = loc.gains(S)
        for k in range(mf.targets.size):
            if k == n:
                expected = loc.K[n] / (S - p[n])
            else:
                expected = loc.K[k] * (S - loc.zeros[k]) / ((S - p[k]) * (S - p[n]))
            np.testing.assert_allclose(G[:, k], expected, rtol=1e-10)
        # H is diagonal but for column n, so its eigenvalues are its diagonal entries ...
        eig = np.sort_complex(np.linalg.eigvals(loc.H))
        np.testing.assert_allclose(eig, np.sort_complex(p + 0j), atol=1e-12)
        # ... and G_n(s) solves (sI - H) G = a.
        np.testing.assert_allclose((S[0] * np.eye(p.size) - loc.H) @ G[0], loc.a, atol=1e-12)
        # Every pole lies in the open-loop disk: |p_nk + 1| <= rho_k rho_n (Cauchy-Schwarz).
        assert np.all(np.abs(p + 1) <= mf.rho * mf.rho[n] + 1e-12)


def test_closed_loop_poles_are_zeros_of_one_minus_g_and_of_the_return_difference(fig2):
    for loc in fig2.local:
        for lam in loc.closed_loop_poles:
            assert abs(1 - loc.open_loop_gain(lam)) < 1e-9
            assert abs(np.linalg.det(np.eye(3) - loc.loop_matrix(lam))) < 1e-9
        # Sylvester: det(I - L(s)) = 1 - G_OL(s) anywhere.
        s = 0.3 + 0.7j
        assert np.linalg.det(np.eye(3) - loc.loop_matrix(s)) == pytest.approx(1 - loc.open_loop_gain(s))
        # The output's M-th order ODE: the impulse response is the inverse Laplace transform of G_CL.
        t = np.linspace(0, 60, 6001)
        h = loc.impulse_response(t)
        for s in (0.5, 1.0 + 0.5j):
            laplace = scipy.integrate.trapezoid(h * np.exp(-s * t), t)
            G = loc.open_loop_gain(s)
            assert laplace == pytest.approx(G / (1 - G), abs=2e-4)


def test_pair_covariance_is_self_consistent_against_dblquad(fig2):
    # Independent route for Gaussian w_FB: (x_k, x_n) is bivariate normal with covariance
    # A A^T + C, so C_kn = g^2 E[tanh(x_k) tanh(x_n)] is one 2-d integral.
    g, A, C = FIG2["g"], np.array(FIG2["targets"]), fig2.C
    k, n = 0, 2
    cov = np.outer(A, A)[np.ix_([k, n], [k, n])] + C[np.ix_([k, n], [k, n])]
    dens = scipy.stats.multivariate_normal(cov=cov).pdf
    lim = 7 * np.sqrt(cov.max())
    val = scipy.integrate.dblquad(
        lambda b, a: np.tanh(a) * np.tanh(b) * dens([a, b]), -lim, lim, -lim, lim, epsabs=1e-9
    )[0]
    assert g**2 * val == pytest.approx(C[k, n], rel=1e-6)
    assert np.all(np.linalg.eigvalsh(C) > -1e-12) and np.allclose(C, C.T)


@pytest.mark.parametrize("phi", ["tanh", RELU])
def test_quadrature_converges(phi):
    coarse = mean_field_targets(0.7, [0.5, 1.0], phi=phi, n_nodes=40)
    fine = mean_field_targets(0.7, [0.5, 1.0], phi=phi, n_nodes=64)
    np.testing.assert_allclose(coarse.C, fine.C, atol=1e-7)
    for a, b in zip(coarse.local, fine.local):
        np.testing.assert_allclose(a.closed_loop_poles, b.closed_loop_poles, atol=1e-5)


def test_collinear_rates():
    # tanh is odd: targets -A and A give rates -r and r, Q is singular and the readout is the
    # minimum-norm one; both fixed points then have the one-target outlier.
    sym = mean_field_targets(0.6, [-1.0, 1.0])
    lam = mean_field(0.6, 1.0).lambda_out
    assert np.allclose(sym.C[0, 1], -sym.C[0, 0], rtol=1e-8)
    for loc in sym.local:
        assert loc.closed_loop_poles[0] == pytest.approx(lam, abs=1e-7)


# --- the paper's figures --------------------------------------------------------------------------


def test_fig2_is_bistable_with_a_resonance_at_the_lower_target(fig2):
    # Fig. 2: stable at A_1 = 0.5 and A_3 = 1.5, unstable at A_2 = 1.0; frequency selectivity at A_1
    # (a stable complex pair, resonance in the paper's range 0.1 - 0.5) and none at A_3.
    assert fig2.stable.tolist() == [True, False, True]
    low, high = fig2.local[0], fig2.local[2]
    assert abs(low.outliers[0].imag) > 0.1 and np.all(np.isreal(high.outliers))
    omega = np.linspace(0.0, 2.0, 2001)
    G_low, G_high = np.abs(low.closed_loop_gain(omega)), np.abs(high.closed_loop_gain(omega))
    peak = omega[np.argmax(G_low)]
    assert 0.1 < peak < 0.5 and G_low.max() > 2 * G_low[0]
    assert np.argmax(G_high) == 0 and np.all(np.diff(G_high) <= 1e-12)


# --- against finite-N networks ---------------------------------------------------------------------

# Self-averaging sums fluctuate by O(N^-1/2); the bounds are about twice the largest error measured
# over seeds (benchmarks/results/meanfield.md has the numbers up to N = 2000). The RMS error over
# seeds must shrink from N = 100 to N = 500 (expected ratio sqrt(5) ~ 2.2).
SIZES = {100: range(6), 500: range(3)}
S_N = np.array([0.0, 0.3j, 1.0j])


def _finite_n_errors(mf, N, seed, phi):
    tr = train_readout(Reservoir.random(N, mf.g, rng=seed, phi=phi), mf.targets)
    R, k = tr.fixed_points.r, readout_coefficients(tr)
    err = {"C": [np.max(np.abs(mf.g**2 * R @ R.T / N - mf.C))], "G": [], "G_OL": [], "outlier": []}
    for loc in mf.local:
        G_N = cross_gains(tr, S_N, loc.n, method="direct")
        G_mf = loc.gains(S_N)
        err["G"].append(np.max(np.abs(G_N - G_mf)) / np.max(np.abs(G_mf)))
        err["G_OL"].append(np.max(np.abs(G_N @ k - loc.open_loop_gain(S_N))))  # Eq. 17 at finite N
        # Outliers well outside the disk: the nearby root of 1 - G_OL(s) (determinant lemma).
        for p in loc.outliers[(loc.outliers.imag >= 0) & (np.abs(loc.outliers + 1) > loc.rho + 0.1)]:
            root = scipy.optimize.newton(lambda s: open_loop_gain(tr, s, loc.n) - 1, p, x1=p + 0.01,
                                         tol=1e-10)
            err["outlier"].append(abs(root - p))
    return err


# Largest error x sqrt(N) measured, N = 100 and 500: tanh C 0.78, G 2.3, G_OL 1.9, outlier 1.6;
# ReLU C 1.4, G 5.1, G_OL 0.8, outlier 0.22 (its G_nk converge more slowly).
BOUNDS = {
    "tanh": {"C": 1.5, "G": 4.0, "G_OL": 4.0, "outlier": 3.0},
    "relu": {"C": 2.5, "G": 9.0, "G_OL": 1.5, "outlier": 0.5},
}


@pytest.mark.parametrize("which, phi", [("fig2", "tanh"), ("relu2", RELU)])
def test_mean_field_matches_finite_n_for_several_targets(which, phi, request):
    mf = request.getfixturevalue(which)
    rms = {}
    for N, seeds in SIZES.items():
        err = {"C": [], "G": [], "G_OL": [], "outlier": []}
        for seed in seeds:
            for key, e in _finite_n_errors(mf, N, seed, phi).items():
                err[key] += e
        for key, bound in BOUNDS[mf.phi.name].items():
            assert np.max(err[key]) < bound / np.sqrt(N), (key, N, np.max(err[key]))
        rms[N] = {key: np.sqrt(np.mean(np.square(e))) for key, e in err.items()}
    for key in ("C", "G", "G_OL"):
        assert rms[500][key] < rms[100][key] / 1.4, (key, rms)


def test_finite_n_gain_is_cross_gains_times_readout_coefficients():
    tr = train_readout(Reservoir.random(80, 0.9, rng=1), FIG2["targets"])  # Eq. 17 at finite N
    G = cross_gains(tr, S, 1) @ readout_coefficients(tr)
    np.testing.assert_allclose(G, open_loop_gain(tr, S, 1), rtol=1e-9)


def test_finite_n_nyquist_count_matches_mean_field_closed_loop_poles(fig2):
    # Generalised Nyquist for the rank-one loop: encirclements of 1 + 0i by G_OL (mean field and
    # finite N) = closed-loop poles in the right half plane = eigenvalues of Eq. 4 there.
    tr = train_readout(Reservoir.random(200, FIG2["g"], rng=3), FIG2["targets"])
    for loc in fig2.local:
        unstable = int(np.sum(loc.closed_loop_poles.real > 0))
        assert loc.frequency_response().encirclements == unstable
        assert frequency_response(tr, m=loc.n).encirclements == unstable
        assert np.sum(np.linalg.eigvals(tr.jacobian(loc.n)).real > 0) == unstable


def test_bad_input():
    with pytest.raises(ValueError, match="targets must be finite"):
        mean_field_targets(0.9, [0.5, np.nan])
    with pytest.raises(ValueError, match="targets must"):
        mean_field_targets(0.9, [])
    with pytest.raises(ValueError, match="g must"):
        mean_field_targets(0.0, [1.0])
    tr = train_readout(Reservoir.random(20, 0.5, rng=0), [1.0])
    with pytest.raises(ValueError, match="m must"):
        cross_gains(tr, 0.0, m=1)
    with pytest.raises(ValueError, match="method must"):
        open_loop_gain(tr, np.zeros(30), method="qr")


# --- the critical point and python-control -----------------------------------------------------------


def test_critical_point_is_one_not_i_on_a_finite_network():
    # Eq. 7, G_CL = G_OL / (1 - G_OL), puts the closed-loop poles where G_OL = 1. The paper's text
    # marks 0 + 1i; on a finite network every eigenvalue of Eq. 4 outside the open-loop spectrum is a
    # zero of 1 - G_OL (the determinant lemma), and G_OL there is 1, not i.
    tr = train_readout(Reservoir.random(120, 1.0, rng=2), [0.5, 1.0, 1.5])
    for m in range(3):
        cl = np.linalg.eigvals(tr.jacobian(m))
        ol = np.linalg.eigvals(tr.open_loop_jacobian(m))
        rho = np.max(np.abs(ol + 1))
        outliers = cl[np.abs(cl + 1) > rho + 0.05]
        assert outliers.size >= 1
        G = open_loop_gain(tr, outliers, m)
        np.testing.assert_allclose(G, 1.0, atol=1e-8)
        assert np.all(np.abs(G - 1j) > 1.0)


@pytest.mark.parametrize("g, phi", [(0.5, "tanh"), (1.1, RELU)])
def test_control_transfer_function_is_eq_13(g, phi):
    import control

    mf = mean_field(g, 1.0, phi=phi)
    omega = np.array([0.01, 0.3, 1.0, 10.0])
    resp = control.frequency_response(mf.transfer_function(), omega)
    np.testing.assert_allclose(resp.complex, mf.open_loop_gain(omega), rtol=1e-12)
    # Positive feedback closes the loop of Eq. 7; its pole is lambda_out.
    cl = control.feedback(mf.transfer_function(), 1, sign=1)
    assert control.poles(cl)[0].real == pytest.approx(mf.lambda_out, abs=1e-10)
    # The DC gain is G_OL(0) = A beta_0 / (1 - beta_1), below 1 iff stable (M = 1).
    assert (control.dcgain(mf.transfer_function()) < 1) == mf.stable


def test_control_transfer_function_of_several_targets_is_eq_17(fig2):
    import control

    omega = np.array([0.0, 0.2, 0.5, 3.0])
    for loc in fig2.local:
        tf = loc.transfer_function()
        G = control.frequency_response(tf, omega).complex
        np.testing.assert_allclose(G, loc.open_loop_gain(1j * omega),
                                   rtol=1e-9, atol=1e-12)
        poles = control.poles(control.feedback(tf, 1, sign=1))
        np.testing.assert_allclose(np.sort_complex(poles), np.sort_complex(loc.closed_loop_poles), atol=1e-8)


def test_control_is_imported_only_when_asked_for():
    import subprocess
    import sys

    code = "import sys, rnnlab, rnnlab.meanfield_targets; print('control' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
