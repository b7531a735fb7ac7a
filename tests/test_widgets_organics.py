"""rnnlab.widgets.organics: the explorers show what the library computes, updated in place."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
ipywidgets = pytest.importorskip("ipywidgets")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rnnlab.organics_steady import contrast_response, ring_population  # noqa: E402
from rnnlab.organics_circuit import circuit_2d, circuit_fixed_points  # noqa: E402
from rnnlab.widgets import circuit_explorer, normalization_explorer  # noqa: E402

SMALL = dict(n_grid=7, n_nullcline=31)



def _marked(ax):
    """Every fixed-point marker in ``ax``, as (kind, x, y)."""
    return sorted((line.get_label(), *p) for line in ax.lines for p in line.get_xydata()
                  if line.get_linestyle() == "None")


@pytest.mark.parametrize("event", [{"w_r": 0.5}, {"z": -1.0}, {"b0": 1.0, "sigma": 1.0},
                                   {"w_r": 1.0, "tau_a": 8.0}])
def test_circuit_events_redraw_the_fixed_points_of_both_models(event):
    ex = circuit_explorer(**SMALL)
    quivers = [ax.collections[0] for ax in ex.fig.axes]
    figures = plt.get_fignums()
    ex.update(**event)
    v = ex.values
    for ax, rectified in zip(ex.fig.axes, (False, True)):
        fps = circuit_fixed_points(circuit_2d(v["w_r"], v["b0"], v["sigma"], v["b"], v["w"], v["z"],
                                              v["tau_y"], v["tau_a"], rectified=rectified))
        inside = (np.abs(fps.x[:, 0]) <= 1.5) & (fps.x[:, 1] <= 1.5)
        expected = sorted((k, *x) for k, x, keep in zip(fps.kinds, fps.x, inside) if keep)
        got = _marked(ax)
        assert [g[0] for g in got] == [e[0] for e in expected]
        np.testing.assert_allclose([g[1:] for g in got], [e[1:] for e in expected])
    key = ex.widget.children[0].children[1].value
    assert "Thm 5." in key and all(k in key for cp in ex.result for k in cp.fixed_points.kinds)
    assert [ax.collections[0] for ax in ex.fig.axes] == quivers and plt.get_fignums() == figures
    assert len(ex.latencies) == 1


def test_energy_shading_only_where_app_h_defines_it():
    ex = circuit_explorer(**SMALL)
    main_image, rect_image = (ax.images[0] for ax in ex.fig.axes)
    assert not main_image.get_visible() and not rect_image.get_visible()  # w_r = 2: no energy
    ex.update(w_r=1.0)
    assert main_image.get_visible() and not rect_image.get_visible()
    cp = ex.result[0]
    np.testing.assert_allclose(main_image.get_array(), np.log10(cp.energy + 1e-12))
    assert ex.fig.axes[0].images[0] is main_image


def test_normalization_events_show_the_steady_state():
    ex = normalization_explorer(n=16)
    ax_tuning, ax_curve = ex.fig.axes
    lines = [*ax_tuning.lines, *ax_curve.lines]
    figures = plt.get_fignums()
    for event in (dict(pool_width=10.0), dict(sigma=1.0, stimulus=45.0), dict(contrast=10.0)):
        ex.update(**event)
        v = ex.values
        model = ring_population(16, np.radians(v["stimulus"]), contrast=v["contrast"],
                                tuning_width=np.radians(v["tuning_width"]),
                                pool_width=np.radians(v["pool_width"]), sigma=v["sigma"])
        rates = np.maximum(model.fixed_point()[:16], 0) ** 2
        drive, pool, shown = (line.get_ydata() for line in ax_tuning.lines)
        np.testing.assert_allclose(shown, rates / rates.max())
        np.testing.assert_allclose(drive, model.z / model.z.max())
        peak = int(np.argmax(model.z))
        np.testing.assert_allclose(pool, model.W[peak] / model.W[peak].max())
        unit = model.replace(z=model.z / v["contrast"])
        curve = contrast_response(unit, np.geomspace(1e-2, 1e2, 25)).y_plus[:, peak]
        np.testing.assert_allclose(ax_curve.lines[0].get_ydata(), curve / curve[-1])
        np.testing.assert_allclose(ax_curve.lines[1].get_xydata(), [[v["contrast"], rates[peak] / curve[-1]]])
        assert f"{rates.max():.4g}" in ex.widget.children[0].children[1].value
    assert [*ax_tuning.lines, *ax_curve.lines] == lines and plt.get_fignums() == figures
    # a wider pool normalizes more: the peak response falls as the pool widens
    ex.update(pool_width=20.0)
    narrow = ex.result[1].max()
    ex.update(pool_width=300.0)
    assert ex.result[1].max() < narrow
    ex.close()


def test_bad_input():
    with pytest.raises(ValueError, match="w_r"):
        circuit_explorer(w_r=-1.0)
    with pytest.raises(ValueError, match="sigma"):
        normalization_explorer(sigma=0.0)
