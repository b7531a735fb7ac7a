"""rnnlab.widgets.mean_field_explorer: the mean field on every event, the finite-N network only on
release of N or on the button, artists moved in place, and the data shown are rnnlab's."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
ipywidgets = pytest.importorskip("ipywidgets")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rnnlab.meanfield_targets import mean_field_targets  # noqa: E402
from rnnlab.models.reservoir import Reservoir  # noqa: E402
from rnnlab.readout import frequency_response, train_readout  # noqa: E402
from rnnlab.widgets import mean_field_explorer  # noqa: E402
from rnnlab.explorers.meanfield import PHIS  # noqa: E402

SMALL = dict(N=60, n_omega=120)



@pytest.fixture
def explorer():
    ex = mean_field_explorer(**SMALL)
    yield ex
    ex.close()


def _lines(ex):
    return list(ex.fig.axes[0].lines) + list(ex.fig.axes[1].lines)


def test_controls_update_live_except_n_and_the_target_list(explorer):
    c = explorer.controls
    assert c["g"].continuous_update and c["A"].continuous_update
    assert not c["N"].continuous_update and not c["others"].continuous_update


EVENTS = [dict(g=0.6), dict(A=1.0), dict(others="1.5"), dict(phi="relu, threshold 0.1")]


@pytest.mark.parametrize("event", EVENTS)
def test_events_move_the_same_artists_to_the_mean_field(explorer, event):
    before, figures = _lines(explorer), plt.get_fignums()
    finite_before = explorer.result.finite
    explorer.update(**event)
    v = explorer.values
    targets = [v["A"], *[float(t) for t in v["others"].split(",") if t.strip()]]
    loc = mean_field_targets(v["g"], targets, phi=PHIS[v["phi"]], n_nodes=20, diagonal_nodes=41).local[0]
    res = explorer.result
    np.testing.assert_allclose(res.local.closed_loop_poles, loc.closed_loop_poles, atol=1e-9)
    mf_line, mirror = explorer.fig.axes[0].lines[:2]
    shown = mf_line.get_xdata() + 1j * mf_line.get_ydata()
    np.testing.assert_allclose(shown, loc.open_loop_gain(1j * res.response.omega),
                               rtol=1e-8)
    np.testing.assert_allclose(mirror.get_ydata(), -mf_line.get_ydata())
    disk, poles = explorer.fig.axes[1].lines[1:3]
    np.testing.assert_allclose(np.hypot(disk.get_xdata() + 1, disk.get_ydata()), loc.rho)
    np.testing.assert_allclose(poles.get_xdata(), loc.closed_loop_poles.real)
    assert (">stable</b>" if loc.stable else ">unstable</b>") in explorer.outputs["verdict"].value
    # Nothing new was made, and the finite-N network was not recomputed: it is stale and faded.
    assert _lines(explorer) == before and all(a is b for a, b in zip(_lines(explorer), before))
    assert plt.get_fignums() == figures and len(explorer.latencies) == 1
    assert res.finite is finite_before and not res.finite_current and "stale" in explorer.outputs["verdict"].value
    assert explorer.fig.axes[0].lines[2].get_alpha() == 0.25


def test_releasing_n_or_pressing_the_button_recomputes_the_finite_network(explorer):
    explorer.update(g=0.7)
    assert not explorer.result.finite_current
    explorer.buttons["finite"].click()
    assert explorer.result.finite_current and "current" in explorer.outputs["verdict"].value
    explorer.controls["N"].value = 80  # one event, as on release
    res = explorer.result
    assert res.finite_current and res.finite[0][3] == 80
    # The overlay is an independently built network of the same settings.
    v = explorer.values
    tr = train_readout(Reservoir.random(80, v["g"], rng=0), res.targets)
    fr = frequency_response(tr, res.response.omega)
    fin = explorer.fig.axes[0].lines[2]
    np.testing.assert_allclose(fin.get_xdata() + 1j * fin.get_ydata(), fr.G, rtol=1e-8, atol=1e-12)
    ev = np.linalg.eigvals(tr.jacobian(0))
    assert np.sort(explorer.fig.axes[1].lines[0].get_xdata()) == pytest.approx(np.sort(ev.real))
    assert fin.get_alpha() == 1.0


def test_no_solution_is_reported_not_raised(explorer):
    explorer.update(phi="relu, threshold 0.1", g=1.6, A=2.0)  # Eq. 8 diverges for this ReLU
    assert explorer.result.local is None and "no mean-field solution" in explorer.outputs["verdict"].value
    assert len(explorer.fig.axes[0].lines[0].get_xdata()) == 0


def test_bad_input():
    with pytest.raises(ValueError, match="phi"):
        mean_field_explorer(phi="sigmoid")
    with pytest.raises(ValueError, match="other targets"):
        mean_field_explorer(others="a, b")
