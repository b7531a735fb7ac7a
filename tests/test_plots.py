"""rnnlab.plots: every plot draws exactly the data of the result object it is given."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

import rnnlab  # noqa: E402
from rnnlab import plots  # noqa: E402
from rnnlab.fixed_points import KINDS  # noqa: E402

# Two neurons with self-excitation 2 and no coupling: x = 2 tanh(x) has three roots per neuron,
# so nine fixed points: four stable nodes, four saddles and one unstable node at the origin.
W_BISTABLE = [[2.0, 0.0], [0.0, 2.0]]



@pytest.fixture(scope="module")
def pp():
    return rnnlab.phase_portrait(rnnlab.RateRNN(W_BISTABLE), (-3, 3), (-3, 3), n_trajectories=3)


@pytest.fixture(scope="module")
def traj():
    x0 = [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.5]]
    return rnnlab.simulate(rnnlab.RateRNN([[0.5, -2.0], [2.0, 0.5]]), x0, np.linspace(0, 10, 101))


def kind_points(ax):
    """{kind: (K, 2) points} of the fixed-point marker lines of an axes."""
    return {
        line.get_label(): np.c_[line.get_xdata(), line.get_ydata()]
        for line in ax.lines
        if line.get_label() in plots.KIND_STYLES
    }


def plot_calls(pp, traj):
    return [
        lambda ax: plots.phase_portrait(pp, ax),
        lambda ax: plots.trajectories(traj, ax),
        lambda ax: plots.spectrum(pp.fixed_points, ax),
        lambda ax: plots.fixed_points(pp.fixed_points, ax),
    ]


def test_the_example_has_nine_fixed_points_of_three_kinds(pp):
    assert Counter(pp.fixed_points.kinds) == {"stable node": 4, "saddle": 4, "unstable node": 1}


def test_plots_draw_on_the_given_axes_and_return_it(pp, traj):
    for call in plot_calls(pp, traj):
        _, ax = plt.subplots()
        n_figures = len(plt.get_fignums())
        assert call(ax) is ax
        assert len(plt.get_fignums()) == n_figures


def test_plots_make_one_new_axes_without_ax(pp, traj):
    for call in plot_calls(pp, traj):
        n_figures = len(plt.get_fignums())
        ax = call(None)
        assert isinstance(ax, matplotlib.axes.Axes)
        assert len(plt.get_fignums()) == n_figures + 1
        assert ax.figure.number == plt.get_fignums()[-1]


def test_plots_never_show(pp, traj, monkeypatch):
    def show(*args, **kwargs):
        raise AssertionError("a plot function called plt.show()")

    monkeypatch.setattr(plt, "show", show)
    for call in plot_calls(pp, traj):
        call(None)


def test_kind_styles_cover_every_kind_with_distinct_markers():
    assert set(plots.KIND_STYLES) == set(KINDS)
    looks = {(s["marker"], s["color"], s["markerfacecolor"]) for s in plots.KIND_STYLES.values()}
    assert len(looks) == len(KINDS)


@pytest.mark.parametrize("draw", ["fixed_points", "phase_portrait"])
def test_one_marker_per_fixed_point_by_kind(pp, draw):
    fps = pp.fixed_points
    ax = plots.fixed_points(fps) if draw == "fixed_points" else plots.phase_portrait(pp)
    drawn = kind_points(ax)
    assert {kind: len(points) for kind, points in drawn.items()} == Counter(fps.kinds)
    for kind, points in drawn.items():
        mine = np.array([k == kind for k in fps.kinds])
        np.testing.assert_array_equal(points, fps.x[mine])
        line = next(line for line in ax.lines if line.get_label() == kind)
        assert line.get_marker() == plots.KIND_STYLES[kind]["marker"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(Counter(fps.kinds)) <= set(legend)


def test_fixed_points_in_a_plane_of_a_larger_state():
    fps = rnnlab.find_fixed_points(rnnlab.RateRNN(np.diag([2.0, 0.5, 2.0])), rng=1)
    ax = plots.fixed_points(fps, dims=(0, 2))
    points = np.concatenate(list(kind_points(ax).values()))
    np.testing.assert_array_equal(np.sort(points, axis=0), np.sort(fps.x[:, [0, 2]], axis=0))
    assert ax.get_ylabel() == "$x_{3}$"


def test_nullcline_artists_match_the_data(pp):
    ax = plots.phase_portrait(pp)
    by_label = {c.get_label(): c for c in ax.collections if isinstance(c, LineCollection)}
    for name, style in plots.NULLCLINE_STYLES.items():
        segments = by_label[style["label"]].get_segments()
        assert len(segments) == len(pp.nullclines[name]) > 0
        for drawn, line in zip(segments, pp.nullclines[name]):
            np.testing.assert_allclose(drawn, line)
    # Along the x nullcline dx1/dt vanishes: the data really are nullclines.
    model = rnnlab.RateRNN(W_BISTABLE)
    on_line = np.concatenate(pp.nullclines["x"])
    assert np.max(np.abs(model.vector_field(0.0, on_line)[:, 0])) < 1e-2


def test_quiver_arrows_point_along_the_field(pp):
    ax = plots.phase_portrait(pp)
    (quiver,) = [c for c in ax.collections if isinstance(c, Quiver)]
    speed = np.hypot(pp.U, pp.V).ravel()
    np.testing.assert_allclose(np.hypot(quiver.U, quiver.V)[speed > 0], 1.0)
    np.testing.assert_allclose(quiver.U * speed, pp.U.ravel(), atol=1e-12)
    np.testing.assert_allclose(quiver.V * speed, pp.V.ravel(), atol=1e-12)


def test_field_options(pp):
    stream = plots.phase_portrait(pp, field="stream", trajectories=False)
    assert not [c for c in stream.collections if isinstance(c, Quiver)]
    assert len(stream.collections) > 2  # the streamlines besides the two nullclines
    bare = plots.phase_portrait(pp, field=None, nullclines=False, trajectories=False)
    assert not bare.collections
    with pytest.raises(ValueError, match="field"):
        plots.phase_portrait(pp, field="arrows")


def test_portrait_trajectories_are_the_simulated_ones(pp):
    ax = plots.phase_portrait(pp, field=None, nullclines=False)
    (lines,) = ax.collections
    x = pp.trajectories.x.reshape(len(pp.trajectories.t), -1, 2)
    assert len(lines.get_segments()) == x.shape[1] == 9
    np.testing.assert_allclose(lines.get_segments()[4], x[:, 4])
    assert ax.get_xlim() == pp.xlim


def test_trajectories_in_the_plane(traj):
    ax = plots.trajectories(traj)
    (lines,) = ax.collections
    for b, segment in enumerate(lines.get_segments()):
        np.testing.assert_allclose(segment, traj.x[:, b])
    assert ax.get_xlabel() == "$x_{1}$"


def test_trajectories_as_time_series(traj):
    ax = plots.trajectories(traj, dims=(1,))
    (lines,) = ax.collections
    assert len(lines.get_segments()) == 3
    np.testing.assert_allclose(lines.get_segments()[2], np.c_[traj.t, traj.x[:, 2, 1]])
    ax = plots.trajectories(traj, dims=(0, 1), time=True)
    assert [c.get_label() for c in ax.collections] == ["$x_{1}$", "$x_{2}$"]


def test_diverged_trajectories_stop_and_are_marked():
    growing = rnnlab.LinearSystem([[1.0, 0.0], [0.0, 0.5]])
    x0 = [[1.0, 1.0], [-1.0, 2.0], [0.0, 0.0]]
    traj = rnnlab.simulate(growing, x0, np.linspace(0, 10, 101), bound=100.0, on_divergence="ignore")
    assert traj.n_diverged == 2
    ax = plots.trajectories(traj)
    for segment in ax.collections[0].get_segments():
        assert np.all(np.isfinite(segment))
    (crosses,) = [line for line in ax.lines if line.get_label().startswith("diverged")]
    assert len(crosses.get_xdata()) == 2
    assert np.all(np.abs(np.c_[crosses.get_xdata(), crosses.get_ydata()]).max(axis=1) <= 100.0)


def test_trajectory_dims_are_checked(traj):
    with pytest.raises(ValueError, match="dims"):
        plots.trajectories(traj, dims=(0, 2))
    with pytest.raises(ValueError, match="two dims"):
        plots.trajectories(traj, dims=(0, 1, 1), time=False)


def test_spectrum_of_fixed_points_marks_each_eigenvalue_by_kind(pp):
    fps = pp.fixed_points
    ax = plots.spectrum(fps)
    drawn = kind_points(ax)
    for kind, points in drawn.items():
        lam = fps.eigenvalues[[k == kind for k in fps.kinds]].ravel()
        np.testing.assert_allclose(np.sort_complex(points[:, 0] + 1j * points[:, 1]), np.sort_complex(lam))
    assert sum(len(p) for p in drawn.values()) == fps.eigenvalues.size
    # The stable kinds lie left of the boundary Re = 0, and the window shows the boundary.
    assert np.all(drawn["stable node"][:, 0] < 0) and np.any(drawn["saddle"][:, 0] > 0)
    lo, hi = ax.get_xlim()
    assert lo < 0 < hi
    assert any(np.allclose(line.get_xdata(), 0.0) for line in ax.lines if line.get_linestyle() == "--")


def test_spectrum_of_a_spectrum_and_of_an_array():
    model = rnnlab.RateRNN([[0.5, -2.0], [2.0, 0.5]])
    spec = rnnlab.jacobian_spectrum(model, [0.0, 0.0])
    ax = plots.spectrum(spec)
    (line,) = [line for line in ax.lines if line.get_label() == "eigenvalues"]
    np.testing.assert_allclose(line.get_xdata() + 1j * line.get_ydata(), spec.eigenvalues)
    np.testing.assert_allclose(spec.eigenvalues, -0.5 + 2j * np.array([1, -1]))  # -1 + 0.5 +- 2i
    ax = plots.spectrum([1.0 + 1.0j, 1.0 - 1.0j, -3.0])
    lo, hi = ax.get_xlim()
    assert lo < -3.0 and hi > 1.0
    with pytest.raises(ValueError, match="eigenvalues"):
        plots.spectrum(["a", "b"])


def test_wrong_result_objects_are_refused(pp, traj):
    with pytest.raises(ValueError, match="pp must be a PhasePortrait"):
        plots.phase_portrait(pp.fixed_points)
    with pytest.raises(ValueError, match="traj must be a Trajectory"):
        plots.trajectories(pp)
    with pytest.raises(ValueError, match="fps must be a FixedPoints"):
        plots.fixed_points(traj)


def test_diverged_trajectories_are_marked_in_time_too():
    growing = rnnlab.LinearSystem([[1.0, 0.0], [0.0, 0.5]])
    traj = rnnlab.simulate(growing, [[1.0, 1.0], [0.0, 0.0]], np.linspace(0, 10, 101), method="rk4",
                           bound=100.0, on_divergence="ignore")
    ax = plots.trajectories(traj, dims=(0, 1), time=True)
    (crosses,) = [line for line in ax.lines if line.get_label() == "diverged (1)"]
    # one cross per coordinate of the one stopped trajectory, at its stop time
    np.testing.assert_allclose(crosses.get_xdata(), [traj.t_diverged[0] - 0.1] * 2)


@given(re=st.lists(st.floats(-50, 50), min_size=1, max_size=6), im=st.floats(0, 50))
def test_eigenvalue_window_holds_the_spectrum_with_edges_on_a_ladder(re, im):
    """The spectrum axes' window: every eigenvalue inside with room to spare, the imaginary axis in
    view, edges at m * 10**k (m in 1, 1.5, 2, 3, 4, 5, 7) and at most 1.5 times the tight window's."""
    from rnnlab.plots.artists import LADDER as _LADDER, eigenvalue_limits as _eigenvalue_limits

    lam = np.array(re) + 1j * im
    (x0, x1), (y0, y1) = _eigenvalue_limits(lam)
    lo, hi = min(min(re), -1.0), max(max(re), 0.5)
    pad = 0.12 * (hi - lo)
    assert x0 <= lo - pad and x1 >= hi + pad and x0 < 0 < x1
    assert y0 == -y1 and y1 >= 1.2 * im
    for edge, tight in ((-x0, pad - lo), (x1, hi + pad)):
        assert edge <= 1.5 * tight * (1 + 1e-9)
        mantissa = edge / 10.0 ** np.floor(np.log10(edge))
        assert np.isclose(mantissa, _LADDER, rtol=1e-9).any()


def test_eigenvalue_window_stays_put_for_small_moves():
    """A blitted explorer redraws the spectrum axes only when the window changes: small moves of
    the eigenvalues inside a step of the ladder leave it as it was."""
    from rnnlab.plots.artists import eigenvalue_limits as _eigenvalue_limits

    windows = {_eigenvalue_limits(np.array([0.2 + d, -1.3 - d]) + 1.1j) for d in np.linspace(0, 0.05, 11)}
    assert len(windows) == 1


@given(start=st.lists(st.floats(-20, 20), min_size=1, max_size=4), im=st.floats(0, 20),
       moves=st.lists(st.floats(-3, 3), min_size=1, max_size=20))
def test_a_live_spectrum_window_always_holds_the_spectrum_and_is_never_too_loose(start, im, moves):
    """Along any walk of the eigenvalues, the window kept by the hysteresis holds them as a fresh
    window would, is at most 2.25 (1.5 squared) times the tight window, and keeps its edges on the
    ladder."""
    from rnnlab.plots.artists import LADDER as _LADDER, tight_eigenvalue_edges as _tight_eigenvalue_edges
    from rnnlab.explorers.figure import eigenvalue_window as _eigenvalue_window

    window = None
    for move in [0.0, *moves]:
        lam = np.array(start) + move + 1j * im
        window = _eigenvalue_window(lam, window)
        (x0, x1), (y0, y1) = window
        assert y0 == -y1
        for edge, tight in zip((-x0, x1, y1), _tight_eigenvalue_edges(lam)):
            assert tight <= edge <= 2.25 * tight * (1 + 1e-9)
            mantissa = edge / 10.0 ** np.floor(np.log10(edge))
            assert np.isclose(mantissa, _LADDER, rtol=1e-9).any()


def test_a_live_spectrum_window_ignores_a_nudge_back_and_forth_across_a_step():
    """An eigenvalue nudged right then left across a step of the ladder (a slider moved one step
    each way, as a user does) changes the window once, not at every event; a fresh window each time
    would change it at every crossing."""
    from rnnlab.plots.artists import eigenvalue_limits as _eigenvalue_limits
    from rnnlab.explorers.figure import eigenvalue_window as _eigenvalue_window

    # The right edge is 0.12 * span past the largest real part; it crosses the 1.5 step of the
    # ladder as that part goes from 1.2 to 1.27.
    walk = [np.array([1.2 + d, -1.0]) for d in (0.0, 0.07, 0.0, 0.07, 0.0, 0.07, 0.0)]
    fresh = [_eigenvalue_limits(lam) for lam in walk]
    kept, window = [], None
    for lam in walk:
        window = _eigenvalue_window(lam, window)
        kept.append(window)
    changes = lambda ws: sum(a != b for a, b in zip(ws, ws[1:]))  # noqa: E731
    assert changes(fresh) == 6
    assert changes(kept) == 1


def test_a_live_spectrum_window_is_replaced_once_far_too_loose():
    """Eigenvalues that shrink to a third of their spread get a fresh, tighter window."""
    from rnnlab.plots.artists import eigenvalue_limits as _eigenvalue_limits
    from rnnlab.explorers.figure import eigenvalue_window as _eigenvalue_window

    wide = _eigenvalue_window(np.array([6.0, -9.0]))
    narrow = np.array([2.0, -3.0])
    assert _eigenvalue_window(narrow, wide) == _eigenvalue_limits(narrow) != wide
