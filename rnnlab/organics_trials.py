"""Random-parameter stability trials of ORGaNICs with arbitrary ``W_r`` (Rawat et al. 2024, Sec. 5, Fig. 4).

Sec. 5 conjectures that an asymptotically stable fixed point always exists when ``|z| <= 1`` and the
largest singular value of ``W_r`` is 1, reports stability in 100% of random trials at 1 and at 2, and
a breakdown at 3. :func:`stability_trials` repeats the experiment: for each bound ``s`` it draws
random circuits of ``n`` E and ``n`` I neurons (Fig. 4: ``n = 10``) with ``|W_r|_2 = s``, simulates
each from a random state (Fig. 4: "the true solution found by simulation starting with random
initialization"), and calls a trial stable when the trajectory settles on a fixed point whose
Jacobian is Hurwitz. It also records the error of Algorithms 1 and 2 after each iteration against
the simulated fixed point (Fig. 4a).

The ranges of the draws (:data:`TRIAL_RANGES`)
----------------------------------------------
The paper states only ``n = 10``, ``|z| < 1`` and ``|W_r|_2 = 1`` (Fig. 4 caption; Sec. 5 for 2 and
3); it gives no distribution for the other parameters. We draw every positive parameter (``b``,
``b0``, ``sigma``, each entry of ``W``) uniformly on ``(0, 1)``, the scale of the paper's own
examples (Figs. 1-3: ``b = 0.5``, ``b0`` 0.5 or 1, ``sigma`` 0.1 or 1, ``w = 1``), and the time
constants ``tau_y``, ``tau_a`` uniformly on ``(0.1, 1)``: only their ratios matter (time rescales),
and ratios up to 10 cover Fig. 3's (1, 5 and 1/5). ``z`` has a uniform direction and a norm uniform on
``(0, 1)``; ``W_r = s G / |G|_2`` with ``G`` standard Gaussian. Wider draws (``W`` up to 2, ``sigma``
from 0.05, as an earlier attempt used) put many circuits in a regime the conjecture is not about;
the ranges are a parameter, so such studies remain possible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import as_real_array, check_work, positive_int, positive_number

from .conservatism import wilson_interval
from .models.organics import ORGaNICs
from .organics_steady import iterate_fixed_point

__all__ = ["TRIAL_RANGES", "random_organics", "StabilityTrials", "stability_trials"]

#: Uniform ranges of the random parameters of :func:`random_organics` (see the module notes).
TRIAL_RANGES = {"b": (0.0, 1.0), "b0": (0.0, 1.0), "sigma": (0.0, 1.0), "W": (0.0, 1.0),
                "tau_y": (0.1, 1.0), "tau_a": (0.1, 1.0)}

OUTCOMES = ("stable", "unstable", "unsettled", "diverged")


def _check_ranges(ranges):
    ranges = dict(TRIAL_RANGES if ranges is None else ranges)
    if set(ranges) != set(TRIAL_RANGES):
        raise ValueError(f"ranges must name exactly {sorted(TRIAL_RANGES)}, got {sorted(ranges)}")
    for name, (lo, hi) in ranges.items():
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 <= lo < hi):
            raise ValueError(f"ranges[{name!r}] must be (low, high) with 0 <= low < high, got {(lo, hi)!r}")
    return ranges


def random_organics(n: int, rng=None, *, max_singular_value: float = 1.0, z_norm_max: float = 1.0,
                    ranges=None) -> ORGaNICs:
    """One random circuit of the trials: ``|W_r|_2 = max_singular_value``, ``|z| <= z_norm_max``.

    Parameters
    ----------
    n : int
        E neurons (and as many I neurons).
    rng : int or numpy.random.Generator, optional
    max_singular_value : float
        ``|W_r|_2``, positive.
    z_norm_max : float
        ``|z|`` is uniform on ``(0, z_norm_max)``.
    ranges : dict, optional
        Uniform ranges of ``b, b0, sigma, W, tau_y, tau_a``; default :data:`TRIAL_RANGES`.

    Examples
    --------
    >>> m = random_organics(10, 0, max_singular_value=2.0)
    >>> round(float(np.linalg.norm(m.W_r, 2)), 12), bool(np.linalg.norm(m.z) <= 1)
    (2.0, True)
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not (np.isfinite(max_singular_value) and max_singular_value > 0):
        raise ValueError(f"max_singular_value must be positive, got {max_singular_value!r}")
    if not (np.isfinite(z_norm_max) and z_norm_max > 0):
        raise ValueError(f"z_norm_max must be positive, got {z_norm_max!r}")
    ranges = _check_ranges(ranges)
    rng = np.random.default_rng(rng)
    G = rng.normal(size=(n, n))
    z = rng.normal(size=n)
    z *= rng.uniform(0.0, z_norm_max) / np.linalg.norm(z)

    def draw(name, shape=n):
        lo, hi = ranges[name]
        return lo + (hi - lo) * (1.0 - rng.random(shape))  # on (lo, hi]: never the excluded 0

    return ORGaNICs(W=draw("W", (n, n)), z=z, b=draw("b"), b0=draw("b0"), sigma=draw("sigma"),
                    tau_y=draw("tau_y"), tau_a=draw("tau_a"),
                    W_r=max_singular_value * G / np.linalg.norm(G, 2))


def _stacked_field(x, P):
    """Eq. 14 for K circuits at once: ``x`` of shape (K, 2 n), parameters stacked as (K, n) and (K, n, n)."""
    n = x.shape[-1] // 2
    y, a = x[:, :n], x[:, n:]
    a_pos = np.maximum(a, 0.0)
    dy = (-y + P["bz"] + (1.0 - np.sqrt(a_pos)) * np.einsum("kij,kj->ki", P["W_r"], y)) / P["tau_y"]
    da = (-a + P["c"] + np.einsum("kij,kj->ki", P["W"], y**2 * a_pos)) / P["tau_a"]
    return np.concatenate([dy, da], axis=-1)


def _settle(models, x0, t_settle: float, bound: float = 1e6):
    """RK4 on all circuits at once, step ``min tau / 10``, for ``t_settle`` times the largest tau."""
    P = {
        "bz": np.stack([m.b * m.z for m in models]), "c": np.stack([m.b0**2 * m.sigma**2 for m in models]),
        "W_r": np.stack([m.W_r for m in models]), "W": np.stack([m.W for m in models]),
        "tau_y": np.stack([m.tau_y for m in models]), "tau_a": np.stack([m.tau_a for m in models]),
    }
    taus = np.concatenate([P["tau_y"], P["tau_a"]], axis=-1)
    h = taus.min() / 10.0
    steps = int(np.ceil(t_settle * taus.max() / h))
    x = x0.copy()
    alive = np.ones(len(x), dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            k1 = _stacked_field(x, P)
            k2 = _stacked_field(x + 0.5 * h * k1, P)
            k3 = _stacked_field(x + 0.5 * h * k2, P)
            k4 = _stacked_field(x + h * k3, P)
            x = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
            bad = ~np.all(np.isfinite(x), axis=-1) | (np.max(np.abs(x), axis=-1) > bound)
            if bad.any():
                alive &= ~bad
                x[bad] = 0.0  # frozen at a harmless state; flagged as diverged
        residual = np.max(np.abs(_stacked_field(x, P)), axis=-1)
    return x, residual, alive


@dataclass(frozen=True, eq=False)
class StabilityTrials:
    """The result of :func:`stability_trials`.

    Attributes
    ----------
    max_singular_values : ndarray, shape (S,)
        The bounds ``s = |W_r|_2`` tried.
    outcomes : ndarray of str, shape (S, N)
        ``"stable"`` (settled on a fixed point with a Hurwitz Jacobian), ``"unstable"`` (settled on a
        fixed point that is not), ``"unsettled"`` (still moving: ``max |f| > tol``), ``"diverged"``.
    spectral_abscissa : ndarray, shape (S, N)
        Largest real part of the Jacobian's eigenvalues at the settled state (nan if none).
    residuals : ndarray, shape (S, N)
        ``max |f|`` at the end of each simulation.
    iteration_errors : ndarray, shape (2, S, N, K + 1)
        ``|x_k - x_sim|_2`` of Algorithm 1 (``[0]``) and Algorithm 2 (``[1]``) after ``k`` iterations,
        against the simulated fixed point (nan where none settled): Fig. 4a.
    algorithm_agrees : ndarray of bool, shape (2, S, N)
        Whether Algorithm 1 (``[0]``) and Algorithm 2 (``[1]``), run to convergence (``tol = 1e-10``,
        200 iterations), converged to the simulated fixed point (within ``1e-6``); False where the
        simulation did not settle. App. G: "this iteration scheme works only for recurrent weight
        matrices with a maximum singular value of 1".
    n_neurons : int
    ranges : dict
        The uniform ranges of the draws.
    seed : object
        The ``rng`` argument, for the record.
    """

    max_singular_values: np.ndarray
    outcomes: np.ndarray
    spectral_abscissa: np.ndarray
    residuals: np.ndarray
    iteration_errors: np.ndarray
    algorithm_agrees: np.ndarray
    n_neurons: int
    ranges: dict
    seed: object

    @property
    def n_trials(self) -> int:
        """Random circuits per bound, ``N``."""
        return self.outcomes.shape[1]

    @property
    def counts(self) -> np.ndarray:
        """Stable trials per bound, shape (S,)."""
        return np.sum(self.outcomes == "stable", axis=1)

    @property
    def fractions(self) -> np.ndarray:
        """Fraction of stable trials per bound, shape (S,)."""
        return self.counts / self.n_trials

    def interval(self, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
        """Wilson score interval of each fraction (``z = 1.96``: 95%)."""
        return wilson_interval(self.counts, self.n_trials, z)

    def table(self) -> list[dict]:
        """One row per bound: ``s``, stable count, fraction, 95% interval and the other outcomes."""
        lo, hi = self.interval()
        rows = []
        for i, s in enumerate(self.max_singular_values):
            row = {"max_singular_value": float(s), "stable": int(self.counts[i]), "trials": self.n_trials,
                   "fraction": float(self.fractions[i]), "ci95": (float(lo[i]), float(hi[i]))}
            row |= {k: int(np.sum(self.outcomes[i] == k)) for k in OUTCOMES[1:]}
            row |= {"algorithm1_agrees": int(self.algorithm_agrees[0, i].sum()),
                    "algorithm2_agrees": int(self.algorithm_agrees[1, i].sum())}
            rows.append(row)
        return rows


def stability_trials(n_neurons: int = 10, max_singular_values=(1.0, 2.0, 3.0), n_trials: int = 100, *,
                     rng=None, t_settle: float = 100.0, tol: float = 1e-6, iterations: int = 10,
                     ranges=None, max_work: float = 1e9) -> StabilityTrials:
    """Random-parameter stability trials of Sec. 5 (Fig. 4), with Algorithms 1-2's errors (Fig. 4a).

    Parameters
    ----------
    n_neurons : int
        E neurons per circuit (Fig. 4: 10).
    max_singular_values : sequence of float
        The bounds ``|W_r|_2`` (Sec. 5: 1, 2, 3).
    n_trials : int
        Random circuits per bound.
    rng : int or numpy.random.Generator, optional
    t_settle : float
        Simulated time, in units of each batch's largest time constant.
    tol : float
        A trajectory has settled when ``max |f| <= tol`` at the end.
    iterations : int
        Iterations of Algorithms 1 and 2 whose errors are recorded.
    ranges : dict, optional
        Uniform ranges of the draws; default :data:`TRIAL_RANGES`.
    max_work : float
        Refuse (``ValueError`` saying how long it would take) when ``n_trials * len(max_singular_values)
        * n_neurons * t_settle`` exceeds this, before any model is drawn.

    Returns
    -------
    StabilityTrials

    Examples
    --------
    >>> trials = stability_trials(4, (1.0,), 3, rng=0, t_settle=40.0)
    >>> trials.counts.tolist(), trials.table()[0]["trials"]
    ([3], 3)
    """
    n_neurons = positive_int("n_neurons", n_neurons)
    n_trials = positive_int("n_trials", n_trials)
    t_settle = positive_number("t_settle", t_settle)
    bounds = as_real_array("max_singular_values", max_singular_values).ravel()
    if bounds.size == 0 or not np.all(np.isfinite(bounds)) or np.any(bounds <= 0):
        raise ValueError(f"max_singular_values must be positive numbers, got {max_singular_values!r}")
    tol = positive_number("tol", tol)
    if not isinstance(iterations, (int, np.integer)) or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
    # Refuse before drawing a single model: n_trials = 10**30 or t_settle = 1e300 would never finish.
    # The throughput is a rough figure for one core (neuron-time-units settled per second).
    check_work(f"n_trials * len(max_singular_values) * n_neurons * t_settle = "
               f"{float(n_trials) * bounds.size * n_neurons * t_settle:.3g}",
               float(n_trials) * bounds.size * n_neurons * t_settle, max_work, per_second=1e6,
               hint="lower n_trials or t_settle, or raise max_work")
    ranges = _check_ranges(ranges)
    seed, gen = rng, np.random.default_rng(rng)
    n = n_neurons
    models = [random_organics(n, gen, max_singular_value=s, ranges=ranges)
              for s in bounds for _ in range(n_trials)]
    K = len(models)
    x0 = np.concatenate([gen.uniform(-1.0, 1.0, (K, n)), gen.uniform(0.0, 1.0, (K, n))], axis=-1)  # (K, 2 n)
    x, residual, alive = _settle(models, x0, t_settle)

    S, N = bounds.size, n_trials
    outcomes = np.empty(S * N, dtype=object)
    abscissa = np.full(S * N, np.nan)
    errors = np.full((2, S * N, iterations + 1), np.nan)
    agrees = np.zeros((2, S * N), dtype=bool)
    for k, model in enumerate(models):
        if not alive[k]:
            outcomes[k] = "diverged"
            continue
        if residual[k] > tol:
            outcomes[k] = "unsettled"
            continue
        abscissa[k] = np.max(np.linalg.eigvals(model.jacobian(0.0, x[k])).real)
        outcomes[k] = "stable" if abscissa[k] < 0 else "unstable"
        for j, init in enumerate(("algorithm1", "algorithm2")):
            it = iterate_fixed_point(model, tol=1e-300, max_iter=iterations, init=init).iterates
            e = np.linalg.norm(it - x[k], axis=-1)
            errors[j, k, : len(e)] = e
            errors[j, k, len(e):] = e[-1]
            full = iterate_fixed_point(model, tol=1e-10, max_iter=200, init=init)
            agrees[j, k] = full.converged and bool(np.max(np.abs(full.x - x[k])) < 1e-6)
    return StabilityTrials(
        max_singular_values=bounds, outcomes=outcomes.reshape(S, N).astype(str),
        spectral_abscissa=abscissa.reshape(S, N), residuals=residual.reshape(S, N),
        iteration_errors=errors.reshape(2, S, N, iterations + 1), algorithm_agrees=agrees.reshape(2, S, N),
        n_neurons=n, ranges=ranges, seed=seed,
    )
