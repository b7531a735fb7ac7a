"""The course: every exercise's reference solution agrees with rnnlab's own implementation, every
notebook's exercise stubs raise until completed, and (slow) a fresh ``.[lab]`` install runs notebook 01."""

import importlib
import json
import os
import pathlib
import subprocess
import sys
import venv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import rnnlab
from rnnlab.certificates.kozachkov import theorem1
from rnnlab.certificates.organics import quadratic_eigenvalues
from rnnlab.models.assembly import feedback_coupling

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
nb01, nb02, nb03, nb04, nb05, nb06 = (importlib.import_module(f"solutions.nb0{k}") for k in range(1, 7))

finite = st.floats(-3.0, 3.0, allow_nan=False)
square = st.integers(1, 5).flatmap(lambda n: arrays(float, (n, n), elements=finite))


@pytest.mark.parametrize("method, step", [("euler", nb01.euler_step), ("rk4", nb01.rk4_step)])
def test_steps_reproduce_simulate(method, step):
    rnn = rnnlab.RateRNN([[2.0, 0.5], [0.5, 1.0]])
    t = np.linspace(0.0, 5.0, 51)
    x = [np.array([[1.0, -1.5], [-0.3, 0.4]])]
    for t0, t1 in zip(t[:-1], t[1:]):
        x.append(step(rnn.vector_field, t0, x[-1], t1 - t0))
    reference = rnnlab.simulate(rnn, x[0], t, method=method, dt=0.1).x
    np.testing.assert_allclose(np.array(x), reference, atol=1e-12)


def test_rk4_is_fourth_order_on_a_linear_system():
    A = np.array([[-1.0, 2.0], [-2.0, -0.5]])
    exact = __import__("scipy.linalg").linalg.expm(A) @ [1.0, 0.0]
    errors = []
    for n in (20, 40):
        x = np.array([1.0, 0.0])
        for k in range(n):
            x = nb01.rk4_step(lambda t, x: A @ x, k / n, x, 1.0 / n)
        errors.append(np.abs(x - exact).max())
    assert 14 < errors[0] / errors[1] < 18  # 2^4


@settings(max_examples=200, deadline=None)
@given(arrays(float, st.integers(1, 4), elements=finite), arrays(float, st.integers(1, 4), elements=finite))
def test_classification_agrees_with_rnnlab(re, im):
    lam = re[: len(im)] + 1j * im[: len(re)]
    lam = np.concatenate([lam, np.conj(lam)])
    assert nb01.classify_fixed_point(lam) == rnnlab.classify(lam)


@settings(max_examples=100, deadline=None)
@given(square, st.data())
def test_weighted_linf_lognorm_agrees_with_rnnlab(A, data):
    eta = data.draw(arrays(float, len(A), elements=st.floats(0.1, 10.0)))
    reference = float(rnnlab.lognorm(A, np.inf, eta=eta))
    assert nb02.weighted_linf_lognorm(A, eta) == pytest.approx(reference, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(square, st.floats(0.1, 2.0))
def test_theorem1_check_agrees_with_rnnlab(W, g):
    model = rnnlab.RateRNN(W, phi=rnnlab.Activation("tanh", gain=g))
    cert = theorem1(model)
    if abs(cert.details["alpha"]) > 1e-9:  # leave the boundary alpha = 0 to round-off
        assert nb02.theorem1_holds(W, g) == (cert.details["alpha"] < 0)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_negative_feedback_agrees_with_rnnlab_and_is_skew(seed):
    rng = np.random.default_rng(seed)
    metrics = []
    for n in (2, 3):
        Q = rng.normal(size=(n, n))
        metrics.append(Q @ Q.T + n * np.eye(n))
    M = np.block([[metrics[0], np.zeros((2, 3))], [np.zeros((3, 2)), metrics[1]]])
    B = rng.normal(size=(5, 5))
    L = nb03.negative_feedback(B, M)
    np.testing.assert_allclose(L, feedback_coupling(B, metrics), atol=1e-10)
    assert nb03.metric_asymmetry(L, M) < 1e-9 * np.abs(M @ B).max()
    assert nb03.metric_asymmetry(B, M) == pytest.approx(np.abs(M @ B + B.T @ M).max())


@pytest.mark.parametrize("z", [[1.0, -0.5, 0.2], [0.3, 0.0, 2.0]])
def test_organics_steady_state_agrees_with_rnnlab(z):
    W = np.array([[0.5, 0.2, 0.1], [0.3, 0.5, 0.0], [0.1, 0.1, 0.9]])
    circuit = rnnlab.ORGaNICs(W=W, z=z, b=[1.0, 0.5, 2.0], b0=0.7, sigma=0.3)
    mine = nb04.organics_steady_state(z, W, 0.3, b=[1.0, 0.5, 2.0], b0=0.7)
    np.testing.assert_allclose(mine, circuit.fixed_point(), rtol=1e-12)
    np.testing.assert_allclose(circuit.vector_field(0.0, mine), 0.0, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(square, st.data())
def test_quadratic_roots_agree_with_rnnlab(B, data):
    K = data.draw(arrays(float, B.shape, elements=finite))
    np.testing.assert_allclose(np.sort_complex(nb04.quadratic_roots(B, K)),
                               np.sort_complex(quadratic_eigenvalues(B, K)), atol=1e-8)


@pytest.mark.parametrize("g, phi", [(1.5, "tanh"), (0.5, "tanh"), (1.1, "relu")])
def test_outlier_agrees_with_mean_field(g, phi):
    for A in (0.5, 1.0):
        mf = rnnlab.mean_field(g, A, phi=phi)
        assert nb05.outlier(A, mf.beta0, mf.beta1) == pytest.approx(mf.lambda_out, rel=1e-12)
        assert nb05.outlier(A, mf.beta0, mf.beta1) == pytest.approx(mf.lambda_out_integral, abs=1e-6)


def test_outside_bulk_matches_the_finite_network():
    # Rivkind & Barak Fig. 1B (g = 0.5): the outlier leaves the bulk and the trained net shows it there.
    mf = rnnlab.mean_field(0.5, 1.0)
    assert nb05.outside_bulk(mf.lambda_out, mf.rho)
    tr = rnnlab.train_readout(rnnlab.Reservoir.random(400, 0.5, rng=1), [1.0])
    ev = np.linalg.eigvals(tr.jacobian())
    assert ev[np.argmax(ev.real)].real == pytest.approx(mf.lambda_out, abs=0.05)


def test_nb06_solutions():
    J = np.array([[-1.0, 3.0], [0.0, -2.0]])
    assert nb06.spectral_abscissa(J) == pytest.approx(float(rnnlab.spectral_abscissa(J)))
    # the bound is the solution of d' = -rate d
    t = np.linspace(0.0, 2.0, 5)
    np.testing.assert_allclose(nb06.contraction_bound(2.0, 0.5, t), 2.0 * np.exp(-0.5 * t))


def _exercise_stubs(path):
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"
            and "raise NotImplementedError" in "".join(c["source"])]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("0[1-6]*.ipynb")), ids=lambda p: p.stem)
def test_each_notebook_has_two_exercises_that_raise_until_done_and_a_solution(path):
    stubs = _exercise_stubs(path)
    assert len(stubs) >= 2
    cells = json.loads(path.read_text())["cells"]
    loaders = ["".join(c["source"]) for c in cells if "solution" in c["metadata"].get("tags", [])]
    assert loaders and all(s.startswith("# REFERENCE SOLUTION") for s in loaders)
    for stub in stubs:
        namespace = {}
        exec(stub, namespace)  # noqa: S102 - the notebook's own stub
        name = next(k for k, v in namespace.items() if callable(v) and not k.startswith("__"))
        with pytest.raises(NotImplementedError):
            namespace[name](*([np.eye(2)] * namespace[name].__code__.co_argcount))
        assert any(name in s for s in loaders), f"{name} has no reference solution loaded"


@pytest.mark.slow
def test_a_fresh_lab_install_runs_notebook_01(tmp_path):
    """``pip install ".[lab]"`` into a new venv (the machine's pip configuration and indexes), no torch."""
    venv.create(tmp_path / "venv", with_pip=True)
    py = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", f"{ROOT}[lab]"], check=True, timeout=1200)
    probe = "import importlib.util as u; print(u.find_spec('torch') is None)"
    probed = subprocess.run([str(py), "-c", probe], check=True, capture_output=True, text=True)
    assert probed.stdout.strip() == "True"
    work = tmp_path / "notebooks"
    work.mkdir()
    (work / "01.ipynb").write_bytes((NOTEBOOKS / "01_dynamics_and_phase_portraits.ipynb").read_bytes())
    (work / "solutions").symlink_to(NOTEBOOKS / "solutions")
    env = {**os.environ, "RNNLAB_SMOKE": "1", "MPLBACKEND": "Agg"}
    env.pop("PYTHONPATH", None)
    subprocess.run([str(tmp_path / "venv" / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                    "--output", "run.ipynb", "01.ipynb"], cwd=work, env=env, check=True, timeout=600)


def test_findability_of_the_finite_n_route():
    # rnnlab.frequency_response and the method on TrainedReservoir are the same finite-N gain.
    tr = rnnlab.train_readout(rnnlab.Reservoir.random(60, 1.5, rng=0), [1.0])
    omega = np.linspace(0.0, 2.0, 11)
    assert isinstance(tr, rnnlab.TrainedReservoir)
    np.testing.assert_allclose(tr.frequency_response(omega).G, rnnlab.frequency_response(tr, omega).G)
    assert "Returns" in rnnlab.train_readout.__doc__


def test_figure_labels_a_student_needs():
    import matplotlib

    matplotlib.use("Agg")
    from rnnlab import plots

    mf = rnnlab.mean_field(0.5, 1.0)
    ax = plots.nyquist(mf.frequency_response(np.linspace(0.0, 50.0, 200)))
    assert any("omega < 0" in t.get_text() for t in ax.get_legend().get_texts())
    ax = plots.circuit_portrait(rnnlab.organics_circuit.circuit_portrait(rnnlab.circuit_2d(1.0, 0.5, 0.5),
                                                                          (-0.2, 1.6), (0.0, 1.2), n_grid=8))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert r"$\dot y = 0$" in texts and r"$\dot a = 0$" in texts and not any("x_1" in t for t in texts)
