"""How conservative is each contraction criterion? The fraction of random networks it certifies.

:func:`conservatism_study` draws ``n_samples`` random weight matrices ``W`` per parameter value, from
one of the samplers of :mod:`rnnlab.weights`, and records which criteria certify the rate RNN
``x' = -x + W phi(x)`` (Kozachkov et al. 2022, Eq. 1):

* ``parameter="g"``: Gaussian weights ``W_ij ~ N(0, g^2 / n)`` (:func:`rnnlab.gaussian_weights`);
* ``parameter="density"`` or ``"magnitude"``: the Sparse Combo Net initialisation, a fraction
  ``density`` of entries uniform in ``[-magnitude, magnitude]``, diagonal zeroed
  (:func:`rnnlab.sparse_weights`, Kozachkov et al. 2022, A4.1.1 and A4.2.1).

Beside the criteria it records a necessary condition, ``alpha(-I + d_max W) < 0``: every criterion
here certifies contraction for all slopes in ``[d_min, d_max]``, so the vertex ``D = d_max I`` must be
Hurwitz (for ``tanh`` this is the linear stability of the origin). The gap between a criterion's curve
and this one bounds how much it leaves uncertified.

Counts are binomial, so each fraction comes with its standard error ``sqrt(f (1 - f) / N)`` and a
Wilson score interval, which stays inside ``[0, 1]`` and is honest near ``f = 0``, where Theorem 1's
acceptance rates live (the paper tunes the Sparse Combo Net to about 1%, A4.2.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import Activation
from .certificates import davydov, registered
from .lognorms import spectral_abscissa
from .models import RateRNN
from .weights import gaussian_weights, sparse_weights

__all__ = ["CRITERIA", "NECESSARY", "ConservatismStudy", "conservatism_study", "wilson_interval"]

PARAMETERS = ("g", "density", "magnitude")
NECESSARY = "necessary: alpha(-I + g W) < 0"


def _davydov_16(model):
    # Theorem 16 (l1) on the Hopfield form of the rate RNN: A = W, C = 1 (tau = 1 in a study).
    return davydov.hopfield_certificate(model.W, 1.0, model.phi.d_min, model.phi.d_max)


def _davydov_18(model):
    # Theorem 18 (l-inf) on the firing-rate form y' = -y + phi(W y) with the same W and slopes.
    return davydov.firing_rate_certificate(model.W, 1.0, model.phi.d_min, model.phi.d_max)


#: The criteria of a study by name, each ``fn(model) -> Certificate`` on a :class:`~rnnlab.RateRNN`.
#: Theorem 2 needs a symmetric ``W`` (random ones never are: it applies to none); Theorem 7's LMI
#: search has ``2^n`` vertex constraints and is skipped above ``n = 5`` (counted as not applicable).
#: The Kozachkov entries are read from the one registry (:func:`rnnlab.certificates.registered`); the
#: two Davydov entries are the study's own (tau = 1, the firing-rate twin), not certify's rows.
_FROM_REGISTRY = {c.name: c.fn for c in registered(RateRNN)}
CRITERIA = {
    "Kozachkov Thm 1": _FROM_REGISTRY["Kozachkov Thm 1"],
    "Kozachkov Thm 2": _FROM_REGISTRY["Kozachkov Thm 2"],
    "Kozachkov Thm 5": _FROM_REGISTRY["Kozachkov Thm 5"],
    "Davydov Thm 16 (l1)": _davydov_16,
    "Davydov Thm 18 (linf, firing-rate form)": _davydov_18,
    "Kozachkov Thm 7 (common metric)": _FROM_REGISTRY["Kozachkov Thm 7 (common metric)"],
}
_MAX_N_THM7 = 5


def wilson_interval(k, N, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval ``(lo, hi)`` of a binomial fraction ``k / N`` (``z = 1.96``: 95%)."""
    k, N = np.asarray(k, dtype=float), np.asarray(N, dtype=float)
    f = k / N
    centre = (f + z**2 / (2 * N)) / (1 + z**2 / N)
    half = z / (1 + z**2 / N) * np.sqrt(f * (1 - f) / N + z**2 / (4 * N**2))
    # The interval contains f; at k = 0 or k = N the two sides agree only up to rounding, so pin them.
    return np.clip(np.minimum(centre - half, f), 0.0, 1.0), np.clip(np.maximum(centre + half, f), 0.0, 1.0)


@dataclass(frozen=True, eq=False)
class ConservatismStudy:
    """The result of :func:`conservatism_study`.

    Attributes
    ----------
    parameter : {"g", "density", "magnitude"}
        The swept parameter.
    values : ndarray, shape (P,)
        Its values.
    criteria : tuple of str, length C
        Criterion names; row ``c`` of every array below.
    counts : ndarray of int, shape (C, P)
        Samples certified by each criterion at each value.
    applies : ndarray of int, shape (C, P)
        Samples on which the criterion applied (Theorem 2 needs a symmetric ``W``).
    necessary : ndarray of int, shape (P,)
        Samples with ``alpha(-I + d_max W) < 0``, a necessary condition for every criterion.
    n_samples : int
        Samples per value ``N``.
    n : int
        Network size.
    seed : int or None
        The seed of the one generator all samples were drawn from (None if a Generator was given).
    settings : dict
        The fixed parameters: the sampler, ``g`` or ``density`` and ``magnitude``, ``phi``.
    """

    parameter: str
    values: np.ndarray
    criteria: tuple
    counts: np.ndarray
    applies: np.ndarray
    necessary: np.ndarray
    n_samples: int
    n: int
    seed: int | None
    settings: dict = field(default_factory=dict)

    @property
    def fractions(self) -> np.ndarray:
        """Fraction certified, ``counts / n_samples``, shape (C, P)."""
        return self.counts / self.n_samples

    @property
    def stderr(self) -> np.ndarray:
        """Binomial standard error ``sqrt(f (1 - f) / N)`` of :attr:`fractions`, shape (C, P)."""
        f = self.fractions
        return np.sqrt(f * (1 - f) / self.n_samples)

    def interval(self, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
        """Wilson interval of :attr:`fractions`, ``(lo, hi)`` each of shape (C, P)."""
        return wilson_interval(self.counts, self.n_samples, z)

    @property
    def necessary_fraction(self) -> np.ndarray:
        """Fraction satisfying the necessary condition, shape (P,)."""
        return self.necessary / self.n_samples

    def fraction(self, criterion: str) -> np.ndarray:
        """The fractions of one criterion, shape (P,)."""
        return self.fractions[self.criteria.index(criterion)]

    def table(self) -> list[dict]:
        """One row per parameter value: the fraction certified by each criterion and the necessary one."""
        return [
            {self.parameter: float(v), **{c: float(f) for c, f in zip(self.criteria, self.fractions[:, k])},
             NECESSARY: float(self.necessary_fraction[k])}
            for k, v in enumerate(self.values)
        ]


def _sampler(parameter: str, n: int, g: float, density: float, magnitude: float, rng):
    if parameter == "g":
        return lambda value: gaussian_weights(n, value, rng=rng)
    if parameter == "density":
        return lambda value: sparse_weights(n, value, magnitude, rng=rng, zero_diagonal=True)
    return lambda value: sparse_weights(n, density, value, rng=rng, zero_diagonal=True)


def conservatism_study(
    parameter: str,
    values,
    *,
    n: int = 16,
    n_samples: int = 200,
    g: float = 1.0,
    density: float = 0.4,
    magnitude: float = 0.4,
    phi: str = "tanh",
    criteria=None,
    rng=None,
) -> ConservatismStudy:
    """Fraction of random rate RNNs ``x' = -x + W phi(x)`` that each contraction criterion certifies.

    Parameters
    ----------
    parameter : {"g", "density", "magnitude"}
        ``"g"`` sweeps the gain of Gaussian weights; ``"density"`` and ``"magnitude"`` sweep the
        Sparse Combo Net initialisation (diagonal zeroed), the other held at its keyword value.
    values : array_like, shape (P,)
        Values of ``parameter``.
    n : int
        Network size.
    n_samples : int
        Matrices per value ``N``.
    g, density, magnitude : float
        The fixed parameters of the samplers.
    phi : str
        Activation (gain 1): its slope bound is the ``g`` of Kozachkov's theorems.
    criteria : sequence of str, optional
        Keys of :data:`CRITERIA` (default: all; Theorem 7 only when ``n <= 5``).
    rng : int or numpy.random.Generator, optional
        Every matrix is drawn from this one generator, value after value.

    Returns
    -------
    ConservatismStudy

    Examples
    --------
    >>> s = conservatism_study("g", [0.2, 8.0], n=4, n_samples=20, criteria=["Kozachkov Thm 1"], rng=0)
    >>> s.fractions.tolist(), s.necessary_fraction.tolist()
    ([[1.0, 0.0]], [1.0, 0.1])
    """
    if parameter not in PARAMETERS:
        raise ValueError(f"parameter must be one of {PARAMETERS}, got {parameter!r}")
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be a non-empty 1-D array of finite numbers, got {values!r}")
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if criteria is None:
        criteria = [c for c in CRITERIA if n <= _MAX_N_THM7 or not c.startswith("Kozachkov Thm 7")]
    unknown = [c for c in criteria if c not in CRITERIA]
    if unknown:
        raise ValueError(f"criteria must be keys of rnnlab.conservatism.CRITERIA, got unknown {unknown}")
    criteria = tuple(criteria)
    seed = int(rng) if isinstance(rng, (int, np.integer)) else None
    generator = np.random.default_rng(rng)
    draw = _sampler(parameter, n, g, density, magnitude, generator)
    activation = Activation(phi)
    counts = np.zeros((len(criteria), values.size), dtype=int)
    applies = np.zeros_like(counts)
    necessary = np.zeros(values.size, dtype=int)
    for k, value in enumerate(values):
        for _ in range(n_samples):
            W = draw(value)  # (n, n)
            necessary[k] += spectral_abscissa(-np.eye(n) + activation.d_max * W) < 0
            model = RateRNN(W, phi=activation)
            for c, name in enumerate(criteria):
                if name.startswith("Kozachkov Thm 7") and n > _MAX_N_THM7:
                    continue
                cert = CRITERIA[name](model)
                applies[c, k] += cert.applies
                counts[c, k] += cert.holds
    sampler = "gaussian_weights" if parameter == "g" else "sparse_weights(zero_diagonal=True)"
    fixed = {"g": g} if parameter == "g" else {"density": density, "magnitude": magnitude}
    fixed.pop(parameter, None)
    return ConservatismStudy(parameter, values, criteria, counts, applies, necessary, int(n_samples), int(n),
                             seed, {"sampler": sampler, **fixed, "phi": phi})
