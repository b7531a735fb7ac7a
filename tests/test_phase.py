"""Phase portraits: the vector field on the grid, nullclines, fixed points in the window, trajectories."""

import numpy as np
import pytest

from rnnlab import Activation, FiringRateRNN, LinearSystem, RateRNN, Trajectory, phase_portrait, simulate

A_FOCUS = np.array([[-1.0, 2.0], [-2.0, -1.0]])
# A tanh network with curved nullclines: x' = -x + W tanh(x) + u.
W_CURVED = np.array([[2.0, -1.0], [1.5, 0.5]])
U_CURVED = np.array([0.2, -0.1])


def _spacing(pp, n_nullcline):
    return max(np.ptp(pp.xlim), np.ptp(pp.ylim)) / (n_nullcline - 1)


def test_vector_field_on_the_grid():
    pp = phase_portrait(LinearSystem(A_FOCUS), xlim=(-1.0, 3.0), ylim=(-2.0, 0.5), n_grid=11)
    np.testing.assert_allclose(pp.x, np.linspace(-1.0, 3.0, 11))
    np.testing.assert_allclose(pp.y, np.linspace(-2.0, 0.5, 11))
    assert pp.U.shape == pp.V.shape == (11, 11)
    X, Y = np.meshgrid(pp.x, pp.y)  # X[j, i] = x[i], Y[j, i] = y[j]
    np.testing.assert_allclose(pp.U, A_FOCUS[0, 0] * X + A_FOCUS[0, 1] * Y, atol=1e-14)
    np.testing.assert_allclose(pp.V, A_FOCUS[1, 0] * X + A_FOCUS[1, 1] * Y, atol=1e-14)
    # A point picked by hand: U[j, i] is dx/dt at (x[i], y[j]).
    np.testing.assert_allclose([pp.U[2, 7], pp.V[2, 7]], A_FOCUS @ [pp.x[7], pp.y[2]], atol=1e-14)
    assert (pp.xlim, pp.ylim) == ((-1.0, 3.0), (-2.0, 0.5))


def test_linear_nullclines_are_exact_lines():
    # Linear interpolation of a linear function is exact: the x-nullcline is -x + 2y = 0, the
    # y-nullcline -2x - y = 0, each crossing the whole window.
    pp = phase_portrait(LinearSystem(A_FOCUS), n_nullcline=51)
    for i, name in enumerate(("x", "y")):
        points = np.concatenate(pp.nullclines[name])
        assert points.shape[1] == 2 and len(points) >= 10
        np.testing.assert_allclose(points @ A_FOCUS[i], 0.0, atol=1e-12)
        assert np.all((points >= -2.0 - 1e-12) & (points <= 2.0 + 1e-12))
        # The line spans the window: from one edge of the box to the opposite one.
        assert np.ptp(points[:, 0]) + 1e-9 >= 2.0 and np.ptp(points[:, 1]) + 1e-9 >= 2.0


def test_curved_nullclines_are_zeros_up_to_interpolation_error():
    model = RateRNN(W_CURVED, u=U_CURVED)
    n_nullcline = 101
    pp = phase_portrait(model, xlim=(-3.0, 3.0), ylim=(-3.0, 3.0), n_nullcline=n_nullcline)
    h = _spacing(pp, n_nullcline)
    # |f_i| along a grid edge is at most h^2 / 8 max|f_i''|; |f_i''| <= max_j |W_ij| * 0.77 (tanh'').
    for i, name in enumerate(("x", "y")):
        points = np.concatenate(pp.nullclines[name])
        f = model.vector_field(0.0, points)
        assert np.abs(f[:, i]).max() <= h**2 / 8 * 0.77 * np.abs(W_CURVED[i]).sum() + 1e-12
        # ...and they are not nullclines of the other coordinate.
        assert np.abs(f[:, 1 - i]).max() > 0.1


def test_fixed_points_lie_on_both_nullclines_and_inside_the_window():
    model = RateRNN(2 * np.eye(2))
    full = phase_portrait(model)
    assert len(full.fixed_points) == 9
    assert full.fixed_points.kinds.count("stable node") == 4
    # Cropping the window to x > 0.5 keeps exactly the three points with x = x*.
    right = phase_portrait(model, xlim=(0.5, 3.0), ylim=(-3.0, 3.0))
    fps = right.fixed_points
    assert len(fps) == 3
    assert np.all(fps.x[:, 0] >= 0.5)
    np.testing.assert_allclose(fps.x[:, 0], 1.9150080481, atol=1e-9)
    np.testing.assert_allclose(fps.x[:, 1], [-1.9150080481, 0.0, 1.9150080481], atol=1e-9)
    assert fps.kinds == ("stable node", "saddle", "stable node")
    assert len(fps.eigenvalues) == len(fps.residual) == 3
    for fp in fps:
        assert np.max(np.abs(model.vector_field(0.0, fp.x))) < 1e-10


def test_window_without_fixed_points():
    pp = phase_portrait(LinearSystem(A_FOCUS), xlim=(1.0, 2.0), ylim=(1.0, 2.0))
    assert len(pp.fixed_points) == 0 and pp.fixed_points.x.shape == (0, 2)


def test_max_iter_zero_skips_the_search_and_keeps_the_field():
    model = RateRNN(2 * np.eye(2))
    skipped, full = phase_portrait(model, max_iter=0), phase_portrait(model)
    assert len(skipped.fixed_points) == 0 and skipped.fixed_points.x.shape == (0, 2)
    np.testing.assert_array_equal(skipped.U, full.U)
    with pytest.raises(ValueError, match="max_iter must be an integer >= 0"):
        phase_portrait(model, max_iter=-1)


def test_trajectories_are_optional_and_shaped():
    model = LinearSystem(A_FOCUS)
    assert phase_portrait(model).trajectories is None
    pp = phase_portrait(model, n_trajectories=3, t_max=2.0)
    traj = pp.trajectories
    assert isinstance(traj, Trajectory)
    assert traj.x.shape == (201, 9, 2)
    np.testing.assert_allclose(traj.t, np.linspace(0.0, 2.0, 201))
    starts = np.stack(np.meshgrid(np.linspace(-2, 2, 3), np.linspace(-2, 2, 3)), -1).reshape(-1, 2)
    np.testing.assert_allclose(traj.x[0], starts)
    np.testing.assert_allclose(traj.x, simulate(model, starts, traj.t).x, atol=1e-14)
    # A stable focus: every trajectory spirals in at rate e^{-t}.
    np.testing.assert_array_less(np.linalg.norm(traj.final, axis=-1), np.exp(-2.0) * 2 * np.sqrt(2) + 1e-6)


def test_time_varying_input_is_frozen_at_t():
    model = FiringRateRNN(np.zeros((2, 2)), b=lambda t: np.array([t, -t]), phi="linear")
    # y' = -y + b(t): at t = 0.5 the field is -y + (0.5, -0.5), with its fixed point there.
    pp = phase_portrait(model, t=0.5, n_grid=5)
    X, Y = np.meshgrid(pp.x, pp.y)
    np.testing.assert_allclose(pp.U, -X + 0.5, atol=1e-14)
    np.testing.assert_allclose(pp.V, -Y - 0.5, atol=1e-14)
    np.testing.assert_allclose(pp.fixed_points.x, [[0.5, -0.5]], atol=1e-12)


@pytest.mark.parametrize("n", [1, 3])
def test_model_of_wrong_dimension_raises(n):
    with pytest.raises(ValueError, match="model"):
        phase_portrait(LinearSystem(-np.eye(n)))


@pytest.mark.parametrize("lim", [(1.0, -1.0), (0.0, 0.0), (0.0, np.nan), (0.0, 1.0, 2.0), (1.0,)])
def test_bad_limits_raise(lim):
    with pytest.raises(ValueError, match="xlim"):
        phase_portrait(LinearSystem(A_FOCUS), xlim=lim)
    with pytest.raises(ValueError, match="ylim"):
        phase_portrait(LinearSystem(A_FOCUS), ylim=lim)


@pytest.mark.parametrize(
    "name, value",
    [("n_grid", 1), ("n_grid", 2.5), ("n_nullcline", 1), ("n_starts", 0), ("n_trajectories", -1),
     ("n_trajectories", 1.5), ("t_max", -1.0), ("t_max", np.nan)],
)
def test_bad_counts_raise(name, value):
    kwargs = {name: value}
    if name == "t_max":
        kwargs["n_trajectories"] = 2
    with pytest.raises(ValueError, match=name):
        phase_portrait(LinearSystem(A_FOCUS), **kwargs)


def test_non_model_raises():
    with pytest.raises(ValueError, match="model"):
        phase_portrait(A_FOCUS)


def test_nullcline_crossings_catch_a_fixed_point_between_grid_starts():
    # With tanh gain 1.5 the unstable node at the origin has a small basin for Newton; an even grid
    # of starts (none at the centre) used to miss it. Starting from nullcline crossings finds it.
    model = RateRNN([[2.0, 0.5], [0.5, 1.0]], phi=Activation("tanh", gain=1.5))
    pp = phase_portrait(model, xlim=(-3, 3), ylim=(-3, 3), n_starts=8)
    assert pp.fixed_points.kinds == ("stable node", "saddle", "unstable node", "saddle", "stable node")
    assert np.max(np.abs(pp.fixed_points.x[2])) < 1e-9
