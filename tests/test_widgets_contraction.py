"""rnnlab.widgets.contraction_explorer: verdicts are certify()'s, updated in place, and fast criteria only."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
ipywidgets = pytest.importorskip("ipywidgets")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import rnnlab  # noqa: E402
from rnnlab import Activation, RateRNN, plots  # noqa: E402
from rnnlab.certificates import kozachkov  # noqa: E402
from rnnlab.explorers import fast_criteria
from rnnlab.widgets import contraction_explorer  # noqa: E402

SMALL = dict(n_grid=9, n_nullcline=41, n_starts=3)



def _rows(certs):
    return {c.criterion: (c.applies, c.holds, c.rate) for c in certs}


def test_fast_criteria_are_certify_without_theorem7():
    model = RateRNN([[0.2, 0.4], [-0.3, 0.1]])
    full = _rows(rnnlab.certify(model))
    fast = _rows(fn(model) for fn in fast_criteria(RateRNN))
    assert set(full) - set(fast) == {"Kozachkov Thm 7 (common metric)"}
    for name, row in fast.items():
        assert row == pytest.approx(full[name], nan_ok=True)


@pytest.mark.parametrize("event", [dict(w12=2.0), dict(g=0.3), dict(phi="sigmoid"), dict(w11=-1.0, w21=0.0)])
def test_events_move_artists_and_table_to_certify_of_the_new_model(event):
    ex = contraction_explorer(**SMALL)
    quiver, ball, table = ex.fig.axes[0].collections[0], ex.fig.axes[0].lines[-1], ex.outputs["table"]
    before, figures = table.value, plt.get_fignums()
    ex.update(**event)
    v = ex.values
    model = RateRNN([[v["w11"], v["w12"]], [v["w21"], v["w22"]]], phi=Activation(v["phi"], gain=v["g"]))
    certs = ex.result[1]
    expected = {k: r for k, r in _rows(rnnlab.certify(model)).items() if "Thm 7" not in k}
    assert _rows(certs).keys() == expected.keys()
    for name, row in _rows(certs).items():
        assert row == pytest.approx(expected[name], nan_ok=True)
        assert name in table.value
    assert table.value != before and table.value == ex.outputs["table"].value
    assert ex.fig.axes[0].collections[0] is quiver and ex.fig.axes[0].lines[-1] is ball
    best = certs.best
    if best is None:
        assert len(ball.get_xdata()) == 0 and "no criterion certifies" in table.value
    else:
        assert np.allclose(best.distance(ball.get_xydata()), best.distance(ball.get_xydata())[0])
        assert f"{best.rate:.3f}" in table.value
    assert plt.get_fignums() == figures and len(ex.latencies) == 1


def test_many_events_create_no_figures_and_theorem7_can_be_added():
    ex = contraction_explorer(criteria=fast_criteria() + (kozachkov.theorem7,), **SMALL)
    figures, n_lines = plt.get_fignums(), len(ex.fig.axes[0].lines)
    for value in np.linspace(-1.0, 1.0, 5):
        ex.controls["w21"].value = value
    assert plt.get_fignums() == figures and len(ex.fig.axes[0].lines) == n_lines
    assert "Kozachkov Thm 7 (common metric)" in ex.outputs["table"].value and len(ex.latencies) == 5
    ex.close()


def test_bad_input():
    with pytest.raises(ValueError, match="W"):
        contraction_explorer(W=np.eye(3))
    with pytest.raises(TypeError, match="criteria must be callable"):
        contraction_explorer(criteria=[1])
