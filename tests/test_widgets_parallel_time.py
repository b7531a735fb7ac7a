"""rnnlab.widgets.parallel_time_explorer: the iterates drawn are parallel_evaluate's, the artists move in
place, the certified Jacobi bound holds on what is shown, and a run out of budget says so."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
ipywidgets = pytest.importorskip("ipywidgets")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rnnlab import RateRNN, parallel_dichotomy, parallel_evaluate  # noqa: E402
from rnnlab.parallel_time import sequential_evaluate  # noqa: E402
from rnnlab.widgets import parallel_time_explorer  # noqa: E402

SMALL = dict(n=8, T=60, seed=3)


@pytest.fixture
def explorer():
    ex = parallel_time_explorer(g=0.3, **SMALL)
    yield ex
    ex.close()


def _artists(ex):
    return list(ex.fig.axes[0].lines) + list(ex.fig.axes[1].lines)


def _net(seed, n, g):
    rng = np.random.default_rng(seed)
    W0 = rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, n))
    return RateRNN(g * W0), rng.normal(0.0, 1.0, size=n)


@pytest.mark.parametrize("event", [dict(method="jacobi"), dict(g=1.2), dict(dt=0.3, method="quasi-newton")])
def test_events_move_the_same_artists_to_parallel_evaluate(explorer, event):
    before, figures = _artists(explorer), plt.get_fignums()
    explorer.update(**event)
    v = explorer.values
    view = explorer.result
    model, x0 = _net(SMALL["seed"], SMALL["n"], v["g"])
    ref = parallel_evaluate(model, x0, SMALL["T"], v["dt"], method=v["method"], tol=1e-8)
    assert view.result.iterations == ref.iterations and np.array_equal(view.result.x, ref.x)
    assert np.allclose(view.exact, sequential_evaluate(model, x0, SMALL["T"], v["dt"]))
    # the last iterate drawn is the result, unit 0, and the dashed line the sequential trajectory
    drawn = [line for line in explorer.fig.axes[0].lines[:-1] if len(line.get_xdata())]
    assert np.array_equal(drawn[-1].get_ydata(), view.result.x[:, 0])
    assert np.array_equal(explorer.fig.axes[0].lines[-1].get_ydata(), view.exact[:, 0])
    assert _artists(explorer) == before and all(a is b for a, b in zip(_artists(explorer), before))
    assert plt.get_fignums() == figures and len(explorer.latencies) == 1


@pytest.mark.parametrize("g, dt", [(0.3, 0.1), (0.2, 0.2), (0.15, 0.05)])
def test_jacobi_errors_obey_the_certified_bound(explorer, g, dt):
    """Two routes: the sweeps measured against the sequential trajectory, and L^k e_0 of the certificate."""
    explorer.update(g=g, dt=dt, method="jacobi")
    view = explorer.result
    assert view.certificate is not None and view.bound.factor < 1
    assert np.all(view.errors <= view.bound_errors() * (1 + 1e-9) + 1e-12)
    assert view.errors[min(SMALL["T"], view.result.iterations)] < view.errors[0]


@pytest.mark.parametrize("transient", [0, 30])
def test_lyapunov_and_rate_match_the_dichotomy(transient):
    """Same seed, same draws, same transient: the explorer at g is the dichotomy's column g."""
    d = parallel_dichotomy([0.3], n=SMALL["n"], T=SMALL["T"], dt=0.1, methods=("newton",), rng=SMALL["seed"],
                           tol=1e-8, transient=transient)
    ex = parallel_time_explorer(g=0.3, transient=transient, **SMALL)
    view = ex.result
    ex.close()
    assert view.lyapunov == pytest.approx(d.lyapunov[0], rel=1e-12)
    assert view.certificate.rate == pytest.approx(d.rate[0], rel=1e-12)
    assert view.result.iterations == d.iterations["newton"][0]


def test_out_of_budget_is_reported():
    ex = parallel_time_explorer(g=2.0, method="jacobi", max_iter=5, **SMALL)
    try:
        assert not ex.result.result.converged and ex.result.result.status == "max_iter"
        assert "not converged" in ex.outputs["summary"].value
    finally:
        ex.close()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="method must"):
        parallel_time_explorer(method="gauss-seidel", **SMALL)
    with pytest.raises(ValueError, match="lines must"):
        parallel_time_explorer(lines=0, **SMALL)
    with pytest.raises(ValueError, match="transient must"):
        parallel_time_explorer(transient=-1, **SMALL)
