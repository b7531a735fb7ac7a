"""Mean-field theory of a reservoir trained to one fixed point (Rivkind & Barak 2017, Eqs. 8-15).

A reservoir ``x' = -x + W phi(x) + w_FB z`` with ``W_ij ~ N(0, g^2/N)`` and ``w_FB`` i.i.d. is
trained (least-squares readout) to a fixed point with output ``z = A``. As ``N -> infinity`` the
open-loop fixed point is ``x_i = w_i A + sigma y_i`` with ``y_i ~ N(0, 1)`` and ``sigma^2`` from
Eq. 8; the linearised open loop ``-I + W R'`` has its spectrum in the disk of radius ``rho``,
``rho^2 = g^2 <phi'^2>``, centred at -1; and closing the loop moves exactly one eigenvalue, to
``lambda_out = -(1 - A beta_0 - beta_1)`` (Eq. 14).

Conventions, taken from the paper and checked in ``tests/test_meanfield.py``:

* ``G_OL(omega) = A beta_0 / (1 - beta_1 + i omega)`` (Eq. 13) is the readout's response to a unit
  perturbation of the clamped drive ``f``, without extra normalisation, so it is the exact
  finite-N ``w_out^T R' (i omega I + I - W R')^-1 w_FB`` in the limit (see
  :func:`rnnlab.readout.open_loop_gain`).
* The closed loop is ``G_CL = G_OL / (1 - G_OL)`` (Eq. 7): positive feedback. Its poles solve
  ``G_OL = 1``, so the Nyquist critical point is ``1 + 0i``. The paper's text and Fig. 1 mention a
  cross at ``0 + 1i``; with Eq. 7 as written, and with Eq. 14 (the pole of Eq. 7 for Eq. 13), the
  point ``0 + 1i`` is not where the loop goes unstable, so we read it as ``1 + 0i`` (real part 1,
  imaginary part 0) and use that. Checked on finite networks: at every closed-loop outlier of Eq. 4,
  ``G_OL = 1`` (``tests/test_meanfield_targets.py::test_critical_point_is_one_not_i_on_a_finite_network``).
* For one target the closed loop is stable iff ``lambda_out < 0`` iff ``G_OL(0) < 1`` provided
  ``1 - beta_1 > 0`` (the open-loop pole is stable). Since ``beta_1 = g^2 <phi'^2 + phi phi''>``
  (Stein's lemma), ``beta_1 <= rho^2 < 1`` for tanh (``phi phi'' <= 0``) and ``beta_1 = rho^2`` for
  the thresholded ReLU, so under fading memory the DC test of the paper holds.

Several targets (Eqs. 16-18, whose coefficients the paper leaves to an unavailable supplement) are in
:mod:`rnnlab.meanfield_targets`, derived there. The paper does not state the law of ``w_FB``;
``feedback="uniform"`` (``U(-1, 1)``) reproduces its Fig. 1D (an unstable pair at ``g = 1``), the
Gaussian law does not (the pair sits at ``Re = -0.024``), so the notebook uses the uniform law.

The paper's ``w_out = A (r^T r)^-2 r`` is a typo for ``A (r^T r)^-1 r``, as its second form
``N^-1 g^2 sigma^-2 A r`` shows (``<r^2> = sigma^2 / g^2`` by Eq. 8).

Averages over ``y ~ N(0, 1)`` and ``w`` use tensor Gauss quadrature: Gauss-Hermite
(:func:`numpy.polynomial.hermite_e.hermegauss`) for Gaussian laws, Gauss-Legendre for ``U(-1, 1)``.
For the ReLU the ``y`` integral is split at the kink (see :func:`gauss_average`), so both
converge exponentially in the number of nodes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .checks import as_real_array, check_choice, positive_number, real_number
import scipy.optimize
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss

from .activations import Activation, get_activation

__all__ = [
    "FrequencyResponse",
    "GainCurves",
    "MeanField",
    "Variance",
    "default_frequencies",
    "gain_curves",
    "gauss_average",
    "mean_field",
    "self_consistent_variance",
]

FEEDBACK_DISTRIBUTIONS = ("gaussian", "uniform")
N_NODES = 121  # per dimension; 121^2 evaluations of phi cost well under a millisecond


def quadrature_nodes(distribution: str, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and probability weights (summing to 1) of a quadrature for the law ``distribution``."""
    if distribution not in FEEDBACK_DISTRIBUTIONS:
        raise ValueError(f"feedback must be one of {FEEDBACK_DISTRIBUTIONS}, got {distribution!r}")
    return _cached_nodes(distribution, int(n_nodes))


@functools.lru_cache(maxsize=64)
def _cached_nodes(distribution: str, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    # The Golub-Welsch eigenproblem behind hermegauss costs more than the sums it serves: once per size.
    if distribution == "gaussian":
        x, w = hermegauss(n_nodes)
        x, w = x, w / np.sqrt(2 * np.pi)
    else:
        x, w = leggauss(n_nodes)
        w = w / 2
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


@functools.lru_cache(maxsize=64)
def legendre_nodes(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes ``t`` and weights on ``[-1, 1]`` (read-only, cached per size)."""
    t, w = leggauss(n_nodes)
    t.setflags(write=False)
    w.setflags(write=False)
    return t, w


def gauss_average(
    h,
    A: float,
    sigma: float,
    *,
    feedback: str = "gaussian",
    n_nodes: int = N_NODES,
    kink: float | None = None,
) -> float:
    """``int Dw int Dy h(w, y, x')`` with ``x' = w A + sigma y``, ``y ~ N(0, 1)``, ``w ~ feedback``.

    Parameters
    ----------
    h : callable ``h(w, y, x)`` on arrays
    A, sigma : float
    feedback : {"gaussian", "uniform"}
        Law of the feedback weights: ``N(0, 1)`` or ``U(-1, 1)``.
    n_nodes : int
        Quadrature nodes per dimension.
    kink : float, optional
        A point ``x' = kink`` where ``h`` is not smooth (the threshold of a ReLU). The ``y`` integral
        is then split there, each side by Gauss-Legendre on ``[-12, 12]`` (Gaussian tails beyond are
        below 1e-31), which keeps exponential convergence where Gauss-Hermite across the kink would
        converge only algebraically.
    """
    w, pw = quadrature_nodes(feedback, n_nodes)
    if kink is None or sigma == 0:
        y, py = quadrature_nodes("gaussian", n_nodes)
        W, Y = np.meshgrid(w, y, indexing="ij")
        # Sums, not BLAS matrix products: a threaded gemv on a busy CPU costs 1000x more than the sum.
        return float(np.sum(pw[:, None] * h(W, Y, W * A + sigma * Y) * py[None, :]))
    t, pt = legendre_nodes(n_nodes)
    L = GAUSS_TAIL
    y_kink = np.clip((kink - w * A) / sigma, -L, L)[:, None]  # (n_w, 1)
    total = np.zeros_like(w)
    for a, b in ((-L, y_kink), (y_kink, L)):
        Y = (a + b) / 2 + (b - a) / 2 * t[None, :]  # (n_w, n_t)
        P = (b - a) / 2 * pt[None, :] * np.exp(-(Y**2) / 2) / np.sqrt(2 * np.pi)
        W = np.broadcast_to(w[:, None], Y.shape)
        total += np.sum(h(W, Y, W * A + sigma * Y) * P, axis=1)
    return float(np.sum(pw * total))


#: Where the split Gaussian integrals of a ReLU are cut: ``|y| <= GAUSS_TAIL`` standard deviations
#: (the Gaussian mass beyond is below 1e-31). Shared with :mod:`rnnlab.meanfield_targets`.
GAUSS_TAIL = 12.0


def relu_kink(phi: Activation) -> float | None:
    """The input where ``phi`` has a kink (a ReLU's threshold), where quadrature splits; None if smooth."""
    return phi.threshold if phi.name == "relu" else None


def default_frequencies(n: int = 800, lo: float = 1e-3, hi: float = 1e4) -> np.ndarray:
    """``omega = 0`` followed by ``n`` log-spaced frequencies in ``[lo, hi]``, shape ``(n + 1,)``."""
    return np.concatenate([[0.0], np.geomspace(lo, hi, n)])


@dataclass(frozen=True, eq=False)
class FrequencyResponse:
    """An open-loop frequency response ``G(i omega)`` for ``omega >= 0``, and its Nyquist count.

    The loop is closed with positive feedback, ``G_CL = G / (1 - G)`` (Rivkind & Barak 2017, Eq. 7),
    so the critical point is ``1 + 0i``. For a real system ``G(-i omega) = conj G(i omega)``, which
    gives the curve for ``omega`` from ``-inf`` to ``+inf``.

    Attributes
    ----------
    omega : ndarray, shape (K,)
        Non-negative, increasing frequencies (rad per unit time).
    G : ndarray of complex, shape (K,)
        ``G(i omega)``.
    """

    omega: np.ndarray
    G: np.ndarray

    def __post_init__(self):
        omega = np.asarray(self.omega, dtype=float)
        G = np.asarray(self.G, dtype=complex)
        if omega.ndim != 1 or omega.size < 2 or np.any(omega < 0) or np.any(np.diff(omega) <= 0):
            raise ValueError("omega must be a 1-d increasing array of at least 2 non-negative frequencies")
        if G.shape != omega.shape or not np.all(np.isfinite(G)):
            raise ValueError(f"G must be finite with the shape of omega {omega.shape}, got shape {G.shape}")
        object.__setattr__(self, "omega", omega)
        object.__setattr__(self, "G", G)

    def _closed_curve(self) -> np.ndarray:
        # omega from +inf down to 0 on the conjugate branch, then 0 up to +inf.
        return np.concatenate([np.conj(self.G[::-1]), self.G[1:] if self.omega[0] == 0 else self.G])

    @property
    def encirclements(self) -> int:
        """Clockwise encirclements of ``1 + 0i`` by the curve ``omega: -inf -> +inf``.

        With a stable open loop this is the number of closed-loop poles in the right half plane
        (Nyquist criterion): 0 means the trained fixed point is stable. Trust it when
        :attr:`tail` is small and :attr:`max_angle_step` well below ``pi``.
        """
        angle = np.unwrap(np.angle(self._closed_curve() - 1.0))
        return int(np.rint(-(angle[-1] - angle[0]) / (2 * np.pi)))

    @property
    def tail(self) -> float:
        """``|G|`` at the largest frequency: the curve closes through 0 only if this is small."""
        return float(abs(self.G[-1]))

    @property
    def max_angle_step(self) -> float:
        """Largest change of ``arg(G - 1)`` between neighbouring frequencies (radians)."""
        return float(np.max(np.abs(np.diff(np.unwrap(np.angle(self._closed_curve() - 1.0))))))


@dataclass(frozen=True)
class Variance:
    """The self-consistent variance of Eq. 8 with its root solve's diagnostics.

    Attributes
    ----------
    sigma2 : float
        ``sigma^2 = g^2 <phi^2(w A + sigma y)>``.
    iterations : int
        Brent iterations.
    residual : float
        ``|g^2 <phi^2> - sigma^2|`` at the solution.
    converged : bool
    """

    sigma2: float
    iterations: int
    residual: float
    converged: bool


def check_mean_field_args(g, A, phi, n_nodes) -> tuple[float, float, Activation]:
    """Check the arguments every mean-field solver takes; return ``g``, ``A`` and ``phi`` as an Activation."""
    g, A = positive_number("g", g), real_number("A", A)
    # g^2 and A^2 enter Eqs. 8 and 11: beyond 1e150 they overflow a float (OverflowError in Python).
    if g > 1e150 or abs(A) > 1e150:
        raise ValueError(f"g and A must be at most 1e150 in size (g^2 overflows), got g = {g!r}, A = {A!r}")
    if not isinstance(n_nodes, (int, np.integer)) or n_nodes < 2:
        raise ValueError(f"n_nodes must be an integer >= 2, got {n_nodes!r}")
    return g, A, get_activation(phi)


def self_consistent_variance(
    g: float,
    A: float,
    *,
    phi: str | Activation = "tanh",
    feedback: str = "gaussian",
    n_nodes: int = N_NODES,
    xtol: float = 1e-14,
) -> Variance:
    """Solve Eq. 8, ``sigma^2 = g^2 int Dw int Dy phi^2(w A + sigma y)``, for ``sigma^2 > 0``.

    A Brent root solve of ``F(s) = g^2 <phi^2(w A + sqrt(s) y)> - s`` on ``[s_lo, s_hi]``: ``s_hi``
    doubles from 1 until ``F < 0``, ``s_lo = 0`` when ``F(0) > 0`` (any ``A != 0``); when ``F(0) = 0``
    (``A = 0`` and ``phi(0) = 0``) the non-trivial root is bracketed from ``s = 1e-12`` up.

    Raises ``ValueError`` if no positive solution exists (e.g. tanh with ``A = 0`` and ``g <= 1``,
    where the fixed point is ``x = 0``) or if ``sigma^2`` grows without bound (an unbounded ``phi``
    with ``g`` too large).

    Examples
    --------
    >>> v = self_consistent_variance(0.5, 1.0)
    >>> round(v.sigma2, 6), v.converged
    (0.103041, True)
    """
    g, A, phi = check_mean_field_args(g, A, phi, n_nodes)

    def F(s):
        sq = gauss_average(
            lambda w, y, x: phi(x) ** 2, A, np.sqrt(s), feedback=feedback, n_nodes=n_nodes, kink=relu_kink(phi)
        )
        return g**2 * sq - s

    hi = 1.0
    while F(hi) >= 0:
        hi *= 2
        if hi > 1e12:
            raise ValueError(f"g = {g} is too large for {phi}: sigma^2 of Eq. 8 has no finite solution")
    lo = 0.0
    if F(lo) <= 0:
        grid = np.geomspace(1e-12, hi, 60)
        positive = [s for s in grid if F(s) > 0]
        if not positive:
            raise ValueError(
                f"Eq. 8 has no positive solution for g = {g}, A = {A} and {phi}: "
                "the fixed point has no random part"
            )
        lo = positive[-1]
    s, info = scipy.optimize.brentq(F, lo, hi, xtol=xtol, rtol=4 * np.finfo(float).eps, full_output=True)
    return Variance(float(s), int(info.iterations), abs(F(s)), bool(info.converged))


@dataclass(frozen=True)
class MeanField:
    """Mean-field quantities of a reservoir trained to the output level ``A`` (one target).

    Attributes
    ----------
    g, A : float
        Gain of ``W`` and the target.
    phi : Activation
    feedback : str
        Law of ``w_FB``.
    sigma2 : float
        Variance of the random part of the fixed point (Eq. 8).
    rho : float
        Spectral radius of ``W R'``: ``rho^2 = g^2 <phi'^2>``.
    beta0, beta1 : float
        Eq. 11.
    lambda_out : float
        The closed-loop outlier ``-(1 - A beta0 - beta1)`` (Eq. 14).
    lambda_out_integral : float
        The same from the single integral of Eq. 15; equal to ``lambda_out`` up to quadrature error.
    iterations : int
        Root-solve iterations for ``sigma2``.
    residual : float
        Residual of Eq. 8 at ``sigma2``.
    """

    g: float
    A: float
    phi: Activation
    feedback: str
    sigma2: float
    rho: float
    beta0: float
    beta1: float
    lambda_out: float
    lambda_out_integral: float
    iterations: int
    residual: float

    @property
    def tau_out(self) -> float:
        """Settling time of the output, ``-1 / lambda_out`` (negative when unstable)."""
        return -1.0 / self.lambda_out

    @property
    def tau_net(self) -> float:
        """Time constant of the internal activity, ``1 / (1 - rho)``; diverges at the edge of chaos."""
        return 1.0 / (1.0 - self.rho)

    @property
    def stable(self) -> bool:
        """The trained fixed point is stable: ``lambda_out < 0`` and ``rho < 1`` (fading memory)."""
        return self.lambda_out < 0 and self.rho < 1

    def open_loop_gain(self, omega) -> np.ndarray:
        """``G_OL(omega) = A beta_0 / (1 - beta_1 + i omega)`` (Eq. 13), complex, shape of ``omega``."""
        omega = np.asarray(omega, dtype=float)
        return self.A * self.beta0 / (1.0 - self.beta1 + 1j * omega)

    def frequency_response(self, omega=None) -> FrequencyResponse:
        """Eq. 13 on ``omega`` (default :func:`default_frequencies`) as a :class:`FrequencyResponse`."""
        omega = default_frequencies() if omega is None else np.asarray(omega, dtype=float)
        return FrequencyResponse(omega, self.open_loop_gain(omega))

    def closed_loop_gain(self, omega) -> np.ndarray:
        """``G_CL = G_OL / (1 - G_OL)`` (Eq. 7); its one pole is ``lambda_out``."""
        G = self.open_loop_gain(omega)
        return G / (1.0 - G)

    def impulse_response(self, t) -> np.ndarray:
        """Output ``z(t) - A`` after a unit delta in the feedback drive: ``A beta_0 e^{lambda_out t}``, the
        inverse Laplace transform of ``G_CL = A beta_0 / (s - lambda_out)``. Shape of ``t``."""
        return self.A * self.beta0 * np.exp(self.lambda_out * np.asarray(t, dtype=float))

    def transfer_function(self):
        """Eq. 13 as a python-control transfer function ``A beta_0 / (s + 1 - beta_1)``, for Bode plots
        and margins. The loop is positive feedback, so ``control.feedback(G, 1, sign=1)`` is
        ``G_CL`` (Eq. 7). Imports ``control`` here, not at ``import rnnlab``."""
        import control

        return control.tf([self.A * self.beta0], [1.0, 1.0 - self.beta1])


def mean_field(
    g: float,
    A: float,
    *,
    phi: str | Activation = "tanh",
    feedback: str = "gaussian",
    n_nodes: int = N_NODES,
) -> MeanField:
    """Mean field of a reservoir of gain ``g`` trained to one fixed point ``z = A``
    (Rivkind & Barak 2017, Eqs. 8, 11, 13-15).

    Parameters
    ----------
    g : float
        Positive gain, ``W_ij ~ N(0, g^2 / N)``.
    A : float
        Target output level.
    phi : str or Activation
    feedback : {"gaussian", "uniform"}
        Law of ``w_FB``: ``N(0, 1)`` or ``U(-1, 1)`` (as in :func:`rnnlab.models.reservoir.feedback_weights`).
    n_nodes : int
        Quadrature nodes per dimension.

    Examples
    --------
    >>> mf = mean_field(0.5, 1.0)
    >>> mf.lambda_out < 0 < mf.rho < 1, round(mf.lambda_out, 4) == round(mf.lambda_out_integral, 4)
    (True, True)
    """
    var = self_consistent_variance(g, A, phi=phi, feedback=feedback, n_nodes=n_nodes)
    g, A, phi = check_mean_field_args(g, A, phi, n_nodes)
    s2 = var.sigma2
    sigma = np.sqrt(s2)

    def avg(h):
        return gauss_average(h, A, sigma, feedback=feedback, n_nodes=n_nodes, kink=relu_kink(phi))

    rho = g * np.sqrt(avg(lambda w, y, x: phi.derivative(x) ** 2))
    beta0 = g**2 / s2 * avg(lambda w, y, x: phi(x) * phi.derivative(x) * w)  # Eq. 11, xi_0 = w
    beta1 = g**2 / s2 * avg(lambda w, y, x: phi(x) * phi.derivative(x) * sigma * y)  # xi_1 = sigma y
    lam = -(1.0 - A * beta0 - beta1)  # Eq. 14
    lam15 = -g**2 / s2 * avg(lambda w, y, x: phi(x) * (phi(x) - x * phi.derivative(x)))  # Eq. 15
    return MeanField(
        g, A, phi, feedback, s2, float(rho), beta0, beta1, lam, lam15, var.iterations, var.residual
    )


@dataclass(frozen=True, eq=False)
class GainCurves:
    """Mean-field quantities over a sweep of ``g`` and ``A`` (Rivkind & Barak 2017, Eqs. 8, 14).

    Attributes
    ----------
    g, A : ndarray, shape (K,)
        The sweep, broadcast to one shape.
    phi : Activation
    lambda_out, rho : ndarray, shape (K,)
        The outlier pole (Eq. 14) and the bulk radius; NaN where Eq. 8 has no solution.
    solved : ndarray of bool, shape (K,)
        Where Eq. 8 has a solution.
    notes : tuple of str
        Why each unsolved point has none (empty string where solved).
    """

    g: np.ndarray
    A: np.ndarray
    phi: Activation
    lambda_out: np.ndarray
    rho: np.ndarray
    solved: np.ndarray
    notes: tuple

    @property
    def tau_out(self) -> np.ndarray:
        """``-1 / lambda_out``: settling time of the output (negative where unstable)."""
        return -1.0 / self.lambda_out

    @property
    def tau_net(self) -> np.ndarray:
        """``1 / (1 - rho)``: time constant of the internal activity."""
        return 1.0 / (1.0 - self.rho)

    @property
    def stable(self) -> np.ndarray:
        """``lambda_out < 0`` and ``rho < 1`` (False where unsolved)."""
        lam, rho = np.nan_to_num(self.lambda_out, nan=1.0), np.nan_to_num(self.rho, nan=1.0)
        return self.solved & (lam < 0) & (rho < 1)


def gain_curves(g, A=1.0, *, phi: str | Activation = "tanh", feedback: str = "gaussian") -> GainCurves:
    """:func:`mean_field` over a sweep of gains ``g`` and targets ``A`` (broadcast together).

    A point where the self-consistency (Eq. 8) has no solution (e.g. a ReLU with ``g`` too large) is
    NaN, flagged in ``solved`` and explained in ``notes``; bad arguments still raise.

    Examples
    --------
    >>> curves = gain_curves(np.linspace(0.2, 1.4, 4), 1.0, phi="tanh")
    >>> bool(np.all(curves.lambda_out < 0))          # origin-centred sigmoid: always stable (Eq. 15)
    True
    """
    check_choice("feedback", feedback, FEEDBACK_DISTRIBUTIONS)  # before the loop turns errors into notes
    g, A = np.broadcast_arrays(np.atleast_1d(as_real_array("g", g)), as_real_array("A", A))
    if g.ndim != 1:
        raise ValueError(f"g and A must broadcast to one dimension, got shape {g.shape}")
    for k in range(g.size):  # bad input raises here, before the sweep
        check_mean_field_args(g[k], A[k], phi, N_NODES)
    phi = get_activation(phi)
    lam, rho, notes = np.full(g.size, np.nan), np.full(g.size, np.nan), []
    for k in range(g.size):
        try:
            mf = mean_field(g[k], A[k], phi=phi, feedback=feedback)
        except ValueError as err:  # Eq. 8 has no solution at this point
            notes.append(str(err))
            continue
        lam[k], rho[k] = mf.lambda_out, mf.rho
        notes.append("")
    return GainCurves(g.copy(), A.copy(), phi, lam, rho, ~np.isnan(lam), tuple(notes))
