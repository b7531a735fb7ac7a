"""Activations: exact derivatives, the slope bounds of Davydov et al. (2022, Eq. 15), and bad input."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rnnlab import ACTIVATIONS, Activation, get_activation

xs = st.floats(-20.0, 20.0, allow_nan=False)
gains = st.floats(0.1, 5.0)
thresholds = st.floats(-3.0, 3.0)
names = st.sampled_from(ACTIVATIONS)

H = 1e-6  # central-difference step


@given(name=names, x=xs, gain=gains, threshold=thresholds)
def test_derivative_equals_central_difference(name, x, gain, threshold):
    phi = Activation(name, gain=gain, threshold=threshold)
    # Stay clear of the ReLU kink, where the two one-sided slopes differ.
    assume(name != "relu" or abs(gain * (x - threshold)) > 10 * gain * H)
    fd = (phi(x + H) - phi(x - H)) / (2 * H)
    assert float(phi.derivative(x)) == pytest.approx(fd, abs=1e-6 * max(1.0, gain**2))


@given(name=names, x=st.floats(-1e4, 1e4, allow_nan=False), gain=gains, threshold=thresholds)
def test_derivative_within_slope_bounds(name, x, gain, threshold):
    phi = Activation(name, gain=gain, threshold=threshold)
    d = float(phi.derivative(x))
    assert phi.d_min <= d <= phi.d_max
    assert phi.g == phi.d_max


@given(name=names, a=xs, b=xs, gain=gains, threshold=thresholds)
def test_secant_slopes_within_bounds(name, a, b, gain, threshold):
    # Davydov et al. (2022), Eq. 15: d_min <= (phi(a) - phi(b)) / (a - b) <= d_max.
    assume(abs(a - b) > 1e-3)
    phi = Activation(name, gain=gain, threshold=threshold)
    slope = float((phi(a) - phi(b)) / (a - b))
    slack = 1e-9 * (1 + abs(float(phi(a))) + abs(float(phi(b)))) / abs(a - b)
    assert phi.d_min - slack <= slope <= phi.d_max + slack


def test_slope_bounds_are_attained(activation_name):
    # The bounds are tight: the supremum is the slope at the steepest point, times the gain.
    phi = Activation(activation_name, gain=1.7, threshold=0.3)
    steepest = {"tanh": 0.3, "relu": 5.0, "sigmoid": 0.3, "softplus": 50.0, "linear": 0.0}
    assert float(phi.derivative(steepest[activation_name])) == pytest.approx(phi.d_max, rel=1e-12)
    assert phi.d_max == pytest.approx(1.7 * {"sigmoid": 0.25}.get(activation_name, 1.0))


@given(x=xs, threshold=st.floats(0.0, 3.0), gain=gains)
def test_threshold_relu_is_shifted_relu(x, threshold, gain):
    phi = get_activation("threshold_relu", threshold=threshold)
    assert float(phi(x)) == max(0.0, x - threshold)
    scaled = Activation("relu", gain=gain, threshold=threshold)
    assert float(scaled(x)) == pytest.approx(gain * max(0.0, x - threshold), rel=1e-12, abs=1e-300)


def test_relu_derivative_at_kink_is_right_derivative():
    phi = Activation("relu", gain=2.0, threshold=1.0)
    right, left = (phi(1.0 + H) - phi(1.0)) / H, (phi(1.0) - phi(1.0 - H)) / H
    assert float(right) == pytest.approx(2.0) and float(left) == 0.0
    assert float(phi.derivative(1.0)) == pytest.approx(right)
    assert float(phi.derivative(1.0 - H)) == 0.0


@given(x=xs)
def test_closed_forms(x):
    assert float(Activation("tanh")(x)) == pytest.approx(np.tanh(x), abs=1e-15)
    assert float(Activation("sigmoid")(x)) == pytest.approx(1 / (1 + np.exp(-x)), rel=1e-12, abs=1e-300)
    assert float(Activation("softplus")(x)) == pytest.approx(np.log1p(np.exp(x)), rel=1e-12, abs=0)
    linear = Activation("linear", gain=3.0, threshold=1.0)
    assert float(linear(x)) == pytest.approx(3.0 * (x - 1.0), abs=1e-12)


def test_sigmoid_and_softplus_do_not_overflow_for_large_input():
    x = np.array([-1e4, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is the right answer
        s, ds = Activation("sigmoid")(x), Activation("sigmoid").derivative(x)
        sp, dsp = Activation("softplus")(x), Activation("softplus").derivative(x)
    np.testing.assert_array_equal(s, [0.0, 1.0])
    np.testing.assert_array_equal(ds, [0.0, 0.0])
    np.testing.assert_allclose(sp, [0.0, 1e4], atol=1e-300)
    np.testing.assert_array_equal(dsp, [0.0, 1.0])


@pytest.mark.parametrize("x", [-40.0, -300.0, 40.0])
def test_sigmoid_keeps_relative_precision_in_the_tails(x):
    phi = Activation("sigmoid")
    exact = 1.0 / (1.0 + np.exp(-x))  # no overflow for these x
    assert float(phi(x)) == pytest.approx(exact, rel=1e-12, abs=0)
    slope = np.exp(-abs(x)) / (1.0 + np.exp(-abs(x))) ** 2  # symmetric in x
    assert float(phi.derivative(x)) == pytest.approx(slope, rel=1e-12, abs=0)


def test_elementwise_on_arrays(activation_name, rng):
    phi = Activation(activation_name, gain=1.3, threshold=-0.2)
    x = rng.normal(size=(3, 4, 5))
    y, d = phi(x), phi.derivative(x)
    assert y.shape == d.shape == x.shape
    np.testing.assert_array_equal(y[1, 2], [float(phi(v)) for v in x[1, 2]])
    np.testing.assert_array_equal(d[2, 3], [float(phi.derivative(v)) for v in x[2, 3]])


def test_gain_scales_bounds_and_derivative(activation_name, rng):
    base, scaled = Activation(activation_name), Activation(activation_name, gain=2.5)
    x = rng.normal(size=7)
    np.testing.assert_allclose(scaled(x), base(2.5 * x), rtol=1e-14)
    np.testing.assert_allclose(scaled.derivative(x), 2.5 * base.derivative(2.5 * x), rtol=1e-14)
    assert (scaled.d_min, scaled.d_max) == pytest.approx((2.5 * base.d_min, 2.5 * base.d_max))


def test_get_activation_passes_activations_through():
    phi = Activation("tanh", gain=2.0)
    assert get_activation(phi) is phi
    assert get_activation("sigmoid", gain=3.0) == Activation("sigmoid", gain=3.0)


def test_activation_is_frozen():
    from dataclasses import FrozenInstanceError

    phi = Activation("tanh")
    with pytest.raises(FrozenInstanceError):
        phi.gain = 2.0


@pytest.mark.parametrize("bad", ["tahn", "ReLU", ""])
def test_unknown_name_raises(bad):
    with pytest.raises(ValueError, match="name"):
        Activation(bad)
    with pytest.raises(ValueError, match="phi"):
        get_activation(bad)


def test_bad_phi_type_raises():
    with pytest.raises(ValueError, match="phi"):
        get_activation(np.tanh)
    with pytest.raises(ValueError, match="phi"):
        get_activation(Activation("tanh"), gain=2.0)


@pytest.mark.parametrize("gain", [0.0, -1.0, np.nan, np.inf])
def test_non_positive_gain_raises(gain):
    with pytest.raises(ValueError, match="gain"):
        Activation("tanh", gain=gain)
    with pytest.raises(ValueError, match="gain"):
        get_activation("relu", gain=gain)


@pytest.mark.parametrize("threshold", [np.nan, np.inf])
def test_non_finite_threshold_raises(threshold):
    with pytest.raises(ValueError, match="threshold"):
        Activation("relu", threshold=threshold)
