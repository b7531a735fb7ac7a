"""The Lur'e and Persidskii models of Davydov et al. (2022), Sec. V-C: equations, exact Jacobians, checks."""

from dataclasses import FrozenInstanceError

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import LeakyTanh
from rnnlab import Activation, Hopfield, Model, simulate
from rnnlab.models.lure import DiagonalLure, Lure, MultivariableLure, Persidskii

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 5)
LURE_CLASSES = (Lure, MultivariableLure, DiagonalLure, Persidskii)



def make_lure_model(cls, seed, n, *, time_varying=False):
    """A model of ``cls`` with Gaussian parameters and mixed nonlinearities, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    u0, u1 = rng.normal(0.0, 0.5, size=(2, n))
    u = (lambda t: u0 + u1 * np.sin(t)) if time_varying else u0
    acts = [Activation("tanh", gain=rng.uniform(0.5, 2.0), threshold=rng.normal()), "sigmoid", "softplus",
            LeakyTanh(rng.uniform(0.1, 1.0), rng.uniform(0.1, 1.0))]
    phi = acts[rng.integers(len(acts))]
    if cls is Lure:
        return Lure(A, rng.normal(size=n), rng.normal(size=n), u=u, phi=phi)
    if cls is MultivariableLure:
        m = int(rng.integers(1, 4))
        return MultivariableLure(A, rng.normal(size=(n, m)), rng.normal(size=(m, n)), u=u, phi=phi)
    if cls is DiagonalLure:
        return DiagonalLure(A, C=rng.uniform(0.0, 2.0, n), u=u, phi=phi)
    grid = [[acts[k] for k in row] for row in rng.integers(len(acts), size=(n, n))]
    return Persidskii(A, u=u, phi=grid)


def fd_jacobian(f, x, h=1e-6):
    n = len(x)
    return np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(n)], axis=-1)


@pytest.fixture(scope="session", params=LURE_CLASSES, ids=lambda c: c.__name__)
def lure_class(request):
    return request.param


# ---------------------------------------------------------------------------------------------------
# The equations and their Jacobians


@given(seed=seeds, n=sizes, t=st.floats(-5, 5))
def test_jacobian_equals_finite_difference(lure_class, seed, n, t):
    model = make_lure_model(lure_class, seed, n, time_varying=True)
    x = np.random.default_rng(seed + 1).normal(0.0, 2.0, size=n)
    J = model.jacobian(t, x)
    assert J.shape == (n, n)
    fd = fd_jacobian(lambda z: model.vector_field(t, z), x)
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-6 * (1 + np.abs(J).max()))


@given(seed=seeds, n=sizes, t=st.floats(-5, 5))
def test_batches_equal_single_evaluations(lure_class, seed, n, t):
    model = make_lure_model(lure_class, seed, n, time_varying=True)
    x = np.random.default_rng(seed + 1).normal(0.0, 2.0, size=(3, 2, n))
    f, J = model.vector_field(t, x), model.jacobian(t, x)
    assert f.shape == (3, 2, n) and J.shape == (3, 2, n, n)
    for i in np.ndindex(3, 2):
        np.testing.assert_allclose(f[i], model.vector_field(t, x[i]), rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(J[i], model.jacobian(t, x[i]), rtol=1e-14, atol=1e-14)


def test_vector_fields_are_the_papers_equations(rng):
    n, m = 4, 2
    A, x, u = rng.normal(size=(n, n)), rng.normal(size=n), rng.normal(size=n)
    v, w, B, Cout = rng.normal(size=n), rng.normal(size=n), rng.normal(size=(n, m)), rng.normal(size=(m, n))
    c = rng.uniform(0, 2, n)
    th = np.tanh
    np.testing.assert_allclose(Lure(A, v, w, u=u).vector_field(0.0, x), A @ x + v * th(w @ x) + u, rtol=1e-13)
    np.testing.assert_allclose(
        MultivariableLure(A, B, Cout, u=u).vector_field(0.0, x), A @ x + B @ th(Cout @ x) + u, rtol=1e-13)
    np.testing.assert_allclose(DiagonalLure(A, c, u=u).vector_field(0.0, x), A @ x - c * th(x) + u,
                               rtol=1e-13)
    # Theorem 21: x_i' = sum_j a_ij phi_ij(x_j), one nonlinearity per edge, written as the plain double sum.
    names = [["tanh", "sigmoid", "softplus", "linear"][(i + 2 * j) % 4] for i in range(n) for j in range(n)]
    grid = [names[i * n:(i + 1) * n] for i in range(n)]
    model = Persidskii(A, u=u, phi=grid)
    expect = [sum(A[i, j] * Activation(grid[i][j])(x[j]) for j in range(n)) + u[i] for i in range(n)]
    np.testing.assert_allclose(model.vector_field(0.0, x), expect, rtol=1e-13)


@given(seed=seeds, n=sizes)
def test_special_cases_agree(seed, n):
    rng = np.random.default_rng(seed)
    A, v, w, u = rng.normal(size=(n, n)), rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    c = rng.uniform(0, 2, n)
    x = rng.normal(0.0, 2.0, size=(5, n))
    pairs = [
        # Lur'e is the multivariable system with m = 1.
        (Lure(A, v, w, u=u), MultivariableLure(A, v[:, None], w[None, :], u=u)),
        # Theorem 20's system is the multivariable one with B = -[C] and output matrix I.
        (DiagonalLure(A, c, u=u), MultivariableLure(A, -np.diag(c), np.eye(n), u=u)),
        # One nonlinearity for all edges: x' = A Phi(x), the leak-free Hopfield network (Theorem 19(i)).
        (Persidskii(A, u=u), Hopfield(A, C=0.0, u=u)),
        (Persidskii(A, u=u, phi=[["tanh"] * n] * n), Hopfield(A, C=0.0, u=u)),
    ]
    for a, b in pairs:
        np.testing.assert_allclose(a.vector_field(0.0, x), b.vector_field(0.0, x), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a.jacobian(0.0, x), b.jacobian(0.0, x), rtol=1e-12, atol=1e-12)


def test_models_follow_the_protocol_and_simulate(lure_class):
    model = make_lure_model(lure_class, 3, 3)
    assert isinstance(model, Model) and model.n == 3
    traj = simulate(model, np.zeros((2, 3)), np.linspace(0.0, 0.1, 3), dt=0.01)
    assert traj.x.shape == (3, 2, 3) and not traj.any_diverged


def test_persidskii_slope_bounds_and_uniformity():
    grid = [[LeakyTanh(0.2, 1.0), "linear"], ["sigmoid", LeakyTanh(0.5, 0.5)]]
    model = Persidskii(np.eye(2), phi=grid)
    assert not model.uniform
    assert model.slope_bounds == (0.0, 1.2)  # sigmoid's 0 and 0.2 + 1.0
    assert Persidskii(np.eye(2), phi=LeakyTanh(0.3, 0.4)).slope_bounds == (0.3, 0.7)
    assert Persidskii(np.eye(2)).uniform


def test_models_are_frozen_and_copy_their_arrays(lure_class):
    model = make_lure_model(lure_class, 0, 2)
    with pytest.raises(FrozenInstanceError):
        model.A = np.eye(2)
    with pytest.raises(ValueError):
        model.A[0, 0] = 1.0
    A = np.eye(2)
    assert Lure(A, [1.0, 0.0], [0.0, 1.0]).A is not A


# ---------------------------------------------------------------------------------------------------
# Bad input names the argument


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: Lure(np.ones((2, 3)), [1, 1], [1, 1]), "A"),
        (lambda: Lure(np.eye(2), [1, 1, 1], [1, 1]), "v"),
        (lambda: Lure(np.eye(2), [1, 1], [[1, 1]]), "w"),
        (lambda: Lure(np.eye(2), [1, np.nan], [1, 1]), "v"),
        (lambda: Lure(np.eye(2), [1, 1], [1, 1], u=[1, 2, 3]), "u"),
        (lambda: Lure(np.eye(2), [1, 1], [1, 1], phi="tahn"), "phi"),
        (lambda: Lure(np.eye(2), [1, 1], [1, 1], phi=np.sin), "phi"),
        (lambda: MultivariableLure(np.eye(2), np.ones((3, 1)), np.ones((1, 2))), "B"),
        (lambda: MultivariableLure(np.eye(2), np.ones((2, 1)), np.ones((2, 2))), "C"),
        (lambda: MultivariableLure(np.eye(2), np.ones(2), np.ones((1, 2))), "B"),
        (lambda: DiagonalLure(np.eye(2), C=[1.0, -1.0]), "C"),
        (lambda: DiagonalLure(np.eye(2), C=[1.0, 1.0, 1.0]), "C"),
        (lambda: Persidskii(np.eye(2), phi=[["tanh", "tanh"]]), "phi"),
        (lambda: Persidskii(np.eye(2), phi=[["tanh", "tanh"], ["tanh", "cosh"]]), r"phi\[1\]\[1\]"),
        (lambda: Persidskii(np.eye(2), phi=LeakyTanh(1.0, -2.0)), "phi"),
    ],
)
def test_bad_input_raises_naming_it(make, name):
    with pytest.raises(ValueError, match=rf"\b{name}"):
        make()
