"""Transients after a delta-like kick (Rivkind & Barak 2017, Fig. 1 middle) and state-dependent frequency
selectivity (Fig. 2): finite-N networks against the mean field."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from rnnlab.meanfield import mean_field
from rnnlab.meanfield_targets import mean_field_targets
from rnnlab.models.reservoir import Reservoir
from rnnlab.readout import impulse_response, open_loop_gain, train_readout
from rnnlab.simulate import simulate

T = np.linspace(0.0, 12.0, 121)


@pytest.fixture(scope="module")
def fig1b():
    # Fig. 1B: tanh, g = 0.5, A = 1: the output settles with tau_out > tau_net.
    return train_readout(Reservoir.random(400, 0.5, rng=5), [1.0]), mean_field(0.5, 1.0)


def test_impulse_response_is_the_linearised_flow(fig1b):
    tr, _ = fig1b
    resp = impulse_response(tr, T[:5], neurons=[0, 7, 9])
    J = tr.jacobian()
    for i, t in enumerate(T[:5]):
        dx = scipy.linalg.expm(J * t) @ tr.reservoir.w_fb
        np.testing.assert_allclose(resp.x[i], dx[[0, 7, 9]], atol=1e-9)
        d = tr.reservoir.phi.derivative(tr.fixed_points.x[0])
        assert resp.z[i] == pytest.approx((tr.reservoir.w_out * d) @ dx, abs=1e-9)


def test_small_kick_of_the_nonlinear_network_follows_the_linear_response():
    tr = train_readout(Reservoir.random(60, 0.5, rng=5), [1.0])
    eps = 1e-4
    x0 = tr.fixed_points.x[0] + eps * tr.reservoir.w_fb
    traj = simulate(tr.reservoir, x0, T[:41])
    z = (tr.reservoir.output(traj.x) - 1.0) / eps
    np.testing.assert_allclose(z, impulse_response(tr, T[:41]).z, atol=5e-3)


def test_output_decays_with_tau_out_as_the_mean_field_predicts(fig1b):
    tr, mf = fig1b
    resp = impulse_response(tr, T, neurons=10, rng=0)
    # The output is G_CL's impulse response A beta_0 e^{lambda_out t}, within O(N^-1/2).
    pred = mf.impulse_response(T)
    assert np.max(np.abs(resp.z - pred)) < 2.0 / np.sqrt(400) * abs(pred[0])
    # Late decay rate = lambda_out (the bulk modes cancel in the output).
    late = T > 6
    slope = np.polyfit(T[late], np.log(np.abs(resp.z[late])), 1)[0]
    assert slope == pytest.approx(mf.lambda_out, abs=0.04)
    assert resp.x.shape == (T.size, 10) and np.unique(resp.neurons).size == 10


def test_fig2_transient_and_selectivity_around_each_fixed_point():
    # Fig. 2 (g = 0.9): at A_1 = 0.5 a damped oscillation (the resonance), at A_3 = 1.5 a monotone
    # decay; the finite network shows both, and its |G_CL(i omega)| peaks where the mean field's does.
    # Gaussian w_FB: with the uniform law the pair at A_1 is at Re = -0.005, so close to the axis that
    # finite-N fluctuations (~0.03 at N = 600) decide its stability; Gaussian puts it at -0.064.
    targets = [0.5, 1.0, 1.5]
    mf = mean_field_targets(0.9, targets)
    tr = train_readout(Reservoir.random(400, 0.9, rng=4), targets)
    t = np.linspace(0.0, 40.0, 401)
    low = impulse_response(tr, t, m=0, neurons=3, rng=0).z
    high = impulse_response(tr, t, m=2, neurons=3, rng=0).z
    assert np.sum(np.diff(np.sign(low)) != 0) >= 2  # oscillates
    assert np.all(np.diff(np.sign(high[high != 0])) == 0)  # no sign change
    for z, loc in ((low, mf.local[0]), (high, mf.local[2])):
        pred = loc.impulse_response(t)
        assert np.max(np.abs(z - pred)) < 0.25 * np.max(np.abs(pred))
    omega = np.linspace(0.0, 1.0, 51)
    G = open_loop_gain(tr, 1j * omega, 0)
    peak_n = omega[np.argmax(np.abs(G / (1 - G)))]
    peak_mf = omega[np.argmax(np.abs(mf.local[0].closed_loop_gain(omega)))]
    assert 0.1 < peak_mf < 0.5 and abs(peak_n - peak_mf) < 0.05


def test_impulse_response_checks_its_input(fig1b):
    tr, _ = fig1b
    with pytest.raises(ValueError, match="t must"):
        impulse_response(tr, [-1.0, 0.0])
    with pytest.raises(ValueError, match="m must"):
        impulse_response(tr, T, m=2)
