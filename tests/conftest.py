"""Shared constants and fixtures of the test suite.

The hypothesis profile ``"ci"`` is loaded by default (``HYPOTHESIS_PROFILE=dev`` runs more examples).
Random models come from :func:`random_model`, a pure function of ``(cls, seed, n)``, so a failing
hypothesis example names the exact model that failed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.optimize
from hypothesis import settings

from rnnlab import ACTIVATIONS, Activation, FiringRateModel, FiringRateRNN, Hopfield, LinearSystem, RateRNN

settings.register_profile("ci", max_examples=40, deadline=None)
settings.register_profile("dev", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ALL_ACTIVATIONS = ACTIVATIONS
# Activations without kinks: a central finite difference converges to their derivative everywhere.
SMOOTH_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "relu")
MODEL_CLASSES = (LinearSystem, RateRNN, FiringRateRNN, Hopfield, FiringRateModel)
SEED = 20240611


def random_model(cls, seed: int, n: int, *, phi: str | None = None, time_varying: bool = False):
    """A model of class ``cls`` with random parameters drawn from ``seed``.

    Weights are Gaussian with gain 1.5, time constants and leaks per neuron, the activation (a
    smooth one unless ``phi`` is given) has a random gain and threshold, and the input is a random
    constant vector, or ``u(t) = u0 + u1 sin(t)`` when ``time_varying``.
    """
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, 1.5 / np.sqrt(n), size=(n, n))
    u0, u1 = rng.normal(0.0, 0.5, size=(2, n))
    u = (lambda t: u0 + u1 * np.sin(t)) if time_varying else u0
    name = phi if phi is not None else SMOOTH_ACTIVATIONS[rng.integers(len(SMOOTH_ACTIVATIONS))]
    act = Activation(name, gain=rng.uniform(0.5, 2.0), threshold=rng.normal(0.0, 0.5))
    tau = rng.uniform(0.5, 2.0, size=n)
    C = rng.uniform(0.0, 2.0, size=n)
    if cls is LinearSystem:
        return LinearSystem(W, u=u)
    if cls is RateRNN:
        return RateRNN(W, u=u, tau=tau, phi=act)
    if cls is FiringRateRNN:
        return FiringRateRNN(W, b=u, tau=tau, phi=act)
    if cls in (Hopfield, FiringRateModel):
        return cls(W, C=C, u=u, phi=act)
    raise ValueError(f"cls must be a model class of the zoo, got {cls!r}")


def fd_jacobian(f, x, h: float = 1e-6) -> np.ndarray:
    """Central finite-difference Jacobian of ``f`` at one state ``x`` of shape ``(n,)``."""
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    J = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        J[:, j] = (f(x + e) - f(x - e)) / (2 * h)
    return J


def assert_same_eigenvalues(a, b, atol: float = 1e-9) -> None:
    """``a`` and ``b`` hold the same multiset of complex numbers (matched by optimal assignment)."""
    a, b = np.asarray(a, dtype=complex).ravel(), np.asarray(b, dtype=complex).ravel()
    assert a.shape == b.shape
    rows, cols = scipy.optimize.linear_sum_assignment(np.abs(a[:, None] - b[None, :]))
    np.testing.assert_allclose(a[rows], b[cols], atol=atol, rtol=0)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test leaves open; matplotlib is not imported by tests that never load it."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded generator for each test; nothing is ever seeded globally."""
    return np.random.default_rng(SEED)


@pytest.fixture(scope="session", params=ALL_ACTIVATIONS)
def activation_name(request) -> str:
    return request.param


@pytest.fixture(scope="session", params=SMOOTH_ACTIVATIONS)
def smooth_activation_name(request) -> str:
    return request.param


@pytest.fixture(scope="session", params=MODEL_CLASSES, ids=lambda cls: cls.__name__)
def model_class(request):
    return request.param


@pytest.fixture(scope="session")
def make_model():
    """The factory :func:`random_model` (session-scoped, so it combines with hypothesis)."""
    return random_model


@pytest.fixture(scope="session")
def fd_jac():
    """The finite-difference Jacobian :func:`fd_jacobian`."""
    return fd_jacobian


@pytest.fixture(scope="session")
def same_eigenvalues():
    """The multiset comparison :func:`assert_same_eigenvalues`."""
    return assert_same_eigenvalues


@dataclass(frozen=True)
class LeakyTanh:
    """``phi(x) = a x + b tanh(x)``: a saturation with slopes in ``[a, a + b]``, so ``d_min = a > 0``.

    A slope-restricted nonlinearity that is not an :class:`rnnlab.Activation` (every built-in one has
    ``d_min = 0``), for the criteria of Davydov et al. (2022) that need ``d_min > 0``.
    """

    a: float = 0.5
    b: float = 1.0

    def __call__(self, x):
        return self.a * np.asarray(x) + self.b * np.tanh(x)

    def derivative(self, x):
        return self.a + self.b / np.cosh(x) ** 2

    @property
    def d_min(self):
        return self.a

    @property
    def d_max(self):
        return self.a + self.b
