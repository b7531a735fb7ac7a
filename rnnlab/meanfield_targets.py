"""Mean field of a reservoir trained to several fixed points (Rivkind & Barak 2017, Eqs. 16-18).

The paper states the form of the cross terms ``G_nm`` (Eq. 18) and leaves their coefficients to a
supplement we do not have. This module derives them with the paper's own tools (the Gaussian
decomposition of Eqs. 9-10 and ``<Wa, Wb> = g^2 <a, b>``) and checks them against finite-N networks
in ``tests/test_meanfield_targets.py``.

Derivation
----------
Targets ``A_1..A_M``; fixed points ``x_m = w A_m + u_m`` with ``w = w_FB`` and random parts
``u_m = W r_m``, ``r_m = phi(x_m)``. The ``u_m`` are jointly Gaussian, independent of ``w``, with
covariance ``C_km = <u_k, u_m> = g^2 <r_k, r_m>``:

    (a) ``C_km = g^2 E[phi(w A_k + u_k) phi(w A_m + u_m)]``   (``C_mm = sigma_m^2``, Eq. 8).

For ``k != m`` this is a scalar fixed-point equation in ``C_km`` given the variances. The slope of
its right side is ``g^2 E[phi'_k phi'_m] <= rho_k rho_m < 1`` (Price's theorem, Cauchy-Schwarz), so
under fading memory its root is unique; Newton's method finds it.

Readout (Eq. 16): ``w_out = N^-1 sum_m k_m r_m`` with ``w_out^T r_j = A_j``, so

    (b) ``k = Q^+ A``, ``Q_km = <r_k, r_m> = C_km / g^2`` (pseudo-inverse: the minimum-norm readout
    when rates are collinear, e.g. tanh with targets ``-A`` and ``A``).

Linear response at fixed point ``n`` (Eq. 5, ``s = i omega``): ``(1 + s) X = W R'_n X + w``.
Write ``X = X^0 + X^1`` with ``X^0 = w / (1 + s)`` and ``X^1 = W R'_n X / (1 + s)``, and split
``X^1 = sum_j alpha_j u_j + X_perp`` with ``X_perp`` orthogonal to every ``u_j``. As in the paper,
``X_perp`` is Gaussian and uncorrelated with, hence independent of, ``(w, u_1..u_M)``. Define
``G_nk(s) = <r_k, R'_n X>`` (the cross terms of Eq. 17). Then

    (c) ``(1 + s) <u_k, X^1> = <W r_k, W R'_n X> = g^2 G_nk``, i.e. ``G_n = (1 + s) Q alpha``;
    (d) ``G_nk = <r_k R'_n, X^0> + sum_j alpha_j <r_k R'_n, u_j> + 0 = a_k / (1 + s) + (B alpha)_k``

with ``a_k = E[w phi(x_k) phi'(x_n)]`` and ``B_kj = E[phi(x_k) phi'(x_n) u_j]``. Eliminating
``alpha``: ``G_n(s) = ((1 + s) I - B Q^-1)^-1 a``. Stein's lemma on the Gaussian ``u`` gives
``B_kj = d_k C_kj + f_k C_nj`` with ``d_k = E[phi'(x_k) phi'(x_n)]`` and
``f_k = E[phi(x_k) phi''(x_n)]``, i.e. ``B Q^-1 = g^2 (D + f e_n^T)``. So, with the M x M matrix

    (e) ``H = -I + g^2 (diag(d) + f e_n^T)``,

    ``G_n(s) = (s I - H)^-1 a`` and ``G_n^OL(s) = k^T (s I - H)^-1 a`` (Eq. 17).

``H`` is diagonal but for column ``n``, so its eigenvalues are its diagonal: solving row ``n`` then
row ``k`` gives Eq. 18,

    ``G_nn(s) = a_n / (s - p_nn)``,  ``p_nn = -(1 - beta_1(A_n))``  (``g^2 (d_n + f_n) = beta_1``),
    ``G_nk(s) = K_nk (s - z_nk) / ((s - p_nk)(s - p_nn))``  for ``k != n``, with
    ``K_nk = a_k``,  ``p_nk = -(1 - g^2 E[phi'(x_k) phi'(x_n)])``,
    ``z_nk = p_nn - g^2 f_k a_n / a_k``.

For one target ``G_00 = a_0 / (s + 1 - beta_1)`` and ``k_0 = A g^2 / sigma^2``, which is Eq. 13.
``|p_nk + 1| <= rho_k rho_n < rho_n``: every pole lies inside the open-loop disk, as it must for the
limit of functions analytic outside it.

Closed loop. The feedback is rank one (one readout ``z``), so the loop around fixed point ``n`` is
the M x M system ``xi' = H xi + a f``, ``z = k^T xi``. Its return difference is the M x M matrix
``I - L(s)`` with ``L(s) = (s I - H)^-1 a k^T``; by Sylvester's identity
``det(I - L(s)) = 1 - G_n^OL(s)``, so the generalised Nyquist criterion on ``L`` and the scalar
Nyquist criterion on ``G_n^OL`` around ``1 + 0i`` are the same test, and the closed-loop poles
(the outliers of Eq. 4) are the eigenvalues of ``H + a k^T``, the zeros of ``1 - G_n^OL``. Those
with ``|lambda + 1| > rho_n`` are visible as outliers of the finite-N spectrum; those inside the
disk are hidden in the bulk.

``f_k`` is not integrated as written (``phi''`` is a delta for the ReLU): ``f_k = (b_k - d_k C_kn) / C_nn``
with ``b_k = B_kn = E[phi(x_k) phi'(x_n) u_n]``, Stein's lemma read backwards.

Quadrature. The average over ``(w, u_k, u_n)`` uses ``u_n = sigma_n y_1``,
``u_k = (C_kn / sigma_n) y_1 + s_kn y_2`` with ``y`` standard normal: a tensor rule over ``w`` (the
feedback law) and Gauss-Hermite ``y_1, y_2``, or, for the ReLU, ``y_1`` and ``y_2`` split at the
kinks ``x_n = theta`` and ``x_k = theta`` into Gauss-Legendre panels (as in
:func:`rnnlab.meanfield.gauss_average`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from .activations import Activation, get_activation
from .meanfield import (
    GAUSS_TAIL,
    FrequencyResponse,
    check_mean_field_args,
    relu_kink,
    legendre_nodes,
    quadrature_nodes,
    N_NODES,
    default_frequencies,
    mean_field,
)

__all__ = ["LocalGain", "TargetsMeanField", "mean_field_targets", "PAIR_NODES"]

PAIR_NODES = 32  # per dimension of the (w, y1, y2) rule of the cross terms


def _pair_grid(A_k, A_n, c_kk, c_kn, c_nn, feedback, n_nodes, kink):
    """Nodes ``w, u_k, u_n`` and probability weights of the 3-d rule, flattened."""
    w, pw = quadrature_nodes(feedback, n_nodes)
    s_n = np.sqrt(c_nn)
    slope = c_kn / s_n
    s_k = np.sqrt(max(c_kk - slope**2, 0.0))
    if kink is None:
        y, py = quadrature_nodes("gaussian", n_nodes)
        W, Y1, Y2 = np.meshgrid(w, y, y, indexing="ij")
        P = pw[:, None, None] * py[None, :, None] * py[None, None, :]
        return P.ravel(), W.ravel(), (slope * Y1 + s_k * Y2).ravel(), (s_n * Y1).ravel()
    t, pt = legendre_nodes(n_nodes)
    L = GAUSS_TAIL

    def panels(*cuts):  # cuts of shape (...,) -> nodes and Gaussian-weighted weights, (..., n_panels n)
        edges = [np.full_like(cuts[0], -L), *np.sort(np.clip(cuts, -L, L), axis=0), np.full_like(cuts[0], L)]
        ys, ps = [], []
        for a, b in zip(edges[:-1], edges[1:]):
            a, b = a[..., None], b[..., None]
            y = (a + b) / 2 + (b - a) / 2 * t
            ys.append(y)
            ps.append((b - a) / 2 * pt * np.exp(-(y**2) / 2) / np.sqrt(2 * np.pi))
        return np.concatenate(ys, -1), np.concatenate(ps, -1)

    # y1 is split at the kink of x_n and where x_k crosses its kink at y2 = 0: when the fixed points
    # are nearly collinear (s_k small) x_k bends there, within a width s_k.
    kink_k = (kink - w * A_k) / slope if slope != 0 else np.full_like(w, L)
    Y1, P1 = panels((kink - w * A_n) / s_n, kink_k)  # (n_w, 3n)
    base = w[:, None] * A_k + slope * Y1  # x_k without its y2 part
    cut2 = (kink - base) / s_k if s_k > 0 else np.zeros_like(base)
    Y2, P2 = panels(cut2)  # (n_w, 3n, 2n)
    P = pw[:, None, None] * P1[:, :, None] * P2
    W = np.broadcast_to(w[:, None, None], P.shape)
    U_k = slope * Y1[:, :, None] + s_k * Y2
    U_n = np.broadcast_to(s_n * Y1[:, :, None], P.shape)
    return P.ravel(), W.ravel(), U_k.ravel(), U_n.ravel()


def _avg(P, values) -> float:
    # A plain sum, not P @ values: a threaded BLAS dot on a busy CPU costs 1000x more.
    return float(np.sum(P * values))


@dataclass(frozen=True)
class _Pair:
    """Averages over one pair ``(k, n)`` of fixed points at the self-consistent ``C_kn``."""

    c: float  # C_kn
    d: float  # E[phi'_k phi'_n]
    a_kn: float  # E[w phi_k phi'_n]
    a_nk: float  # E[w phi_n phi'_k]
    b_kn: float  # E[phi_k phi'_n u_n]
    b_nk: float  # E[phi_n phi'_k u_k]
    iterations: int
    residual: float


def _solve_pair(g, A_k, A_n, c_kk, c_nn, phi, feedback, n_nodes, c0=0.0, tol=1e-13, newton_steps=8) -> _Pair:
    """Newton from ``c0``, then Brent if needed, on ``F(c) = g^2 E[phi_k phi_n](c) - c`` (step (a)).

    ``F' = g^2 d - 1 < 0`` under fading memory, so ``F`` has one root in ``[-bound, bound]``
    (``bound = sigma_k sigma_n``). Newton converges in a few steps for smooth ``phi``. For the ReLU
    near collinear fixed points the rule's panels move with ``c`` and its ``F`` is smooth only to the
    quadrature error; Newton then cycles, and Brent's method on the bracket that Newton's evaluations
    narrowed finds the sign change instead.
    """
    kink = relu_kink(phi)
    bound = np.sqrt(c_kk * c_nn)
    scale = max(1.0, bound)
    lo, hi = -bound, bound
    calls = [0]

    def evaluate(c):
        calls[0] += 1
        P, w, u_k, u_n = _pair_grid(A_k, A_n, c_kk, c, c_nn, feedback, n_nodes, kink)
        x_k, x_n = w * A_k + u_k, w * A_n + u_n
        r_k, r_n, dr_k, dr_n = phi(x_k), phi(x_n), phi.derivative(x_k), phi.derivative(x_n)
        return g**2 * _avg(P, r_k * r_n) - c, _avg(P, dr_k * dr_n), (P, w, u_k, u_n, r_k, r_n, dr_k, dr_n)

    c = float(np.clip(c0, -bound, bound))
    for _ in range(newton_steps):
        F, d, nodes = evaluate(c)
        lo, hi = (c, hi) if F > 0 else (lo, c)
        if abs(F) <= tol * scale or g**2 * d >= 1:
            break
        c = float(np.clip(c - F / (g**2 * d - 1.0), -bound, bound))
    if abs(F) > tol * scale:
        F_lo, F_hi = evaluate(lo)[0], evaluate(hi)[0]
        edge = 1e-7 * scale  # a root on the edge: collinear fixed points (tanh with targets -A and A)
        if abs(F_lo) <= edge or abs(F_hi) <= edge:
            c = lo if abs(F_lo) <= abs(F_hi) else hi
        elif F_lo > 0 > F_hi:
            c = scipy.optimize.brentq(lambda c: evaluate(c)[0], lo, hi, xtol=1e-10 * scale)
        else:
            raise ValueError(
                f"the covariance of the fixed points for A = {A_k} and {A_n} has no solution (g = {g}): "
                "fading memory (rho < 1) may fail"
            )
        F, d, nodes = evaluate(c)
    P, w, u_k, u_n, r_k, r_n, dr_k, dr_n = nodes
    it = calls[0]
    return _Pair(
        c, d,
        _avg(P, w * r_k * dr_n), _avg(P, w * r_n * dr_k),
        _avg(P, r_k * dr_n * u_n), _avg(P, r_n * dr_k * u_k),
        it, abs(F),
    )


@dataclass(frozen=True, eq=False)
class LocalGain:
    """The mean-field loop around one trained fixed point ``n`` (derivation steps (c)-(e)).

    ``G_n(s) = (s I - H)^-1 a`` are the cross terms ``G_nk`` (Eq. 18), ``G_OL(s) = k^T G_n(s)``
    (Eq. 17); the closed-loop outliers are the eigenvalues of ``H + a k^T``.

    Attributes
    ----------
    n : int
        Which fixed point.
    A : float
        Its target ``A_n``.
    rho : float
        Radius of the open-loop disk at ``x_n`` (centred at -1).
    H : ndarray, shape (M, M)
        ``-I + g^2 (diag(d) + f e_n^T)``.
    a : ndarray, shape (M,)
        ``a_k = E[w phi(x_k) phi'(x_n)]`` (the ``K_nk`` of Eq. 18).
    k : ndarray, shape (M,)
        Readout coefficients of Eq. 16.
    """

    n: int
    A: float
    rho: float
    H: np.ndarray
    a: np.ndarray
    k: np.ndarray

    @property
    def poles(self) -> np.ndarray:
        """``p_nk``, shape (M,): the diagonal of ``H`` (its eigenvalues); ``p_nn = -(1 - beta_1)``."""
        return np.diag(self.H).copy()

    @property
    def K(self) -> np.ndarray:
        """Gains ``K_nk = a_k`` of Eq. 18, shape (M,)."""
        return self.a.copy()

    @property
    def zeros(self) -> np.ndarray:
        """Zeros ``z_nk = p_nn - g^2 f_k a_n / a_k`` of Eq. 18, shape (M,); NaN at ``k = n`` (no zero)."""
        n = self.n
        z = self.H[n, n] - self.H[:, n] * self.a[n] / self.a  # H[k, n] = g^2 f_k for k != n
        z[n] = np.nan
        return z

    def gains(self, s) -> np.ndarray:
        """The cross terms ``G_nk(s) = ((s I - H)^-1 a)_k``, shape ``s.shape + (M,)``, complex."""
        s = np.asarray(s, dtype=complex)
        p = self.poles
        n = self.n
        G_nn = self.a[n] / (s - p[n])
        # Row k of (sI - H) G = a: (s - p_k) G_k - H[k, n] G_n = a_k.
        G = (self.a + self.H[:, n] * G_nn[..., None]) / (s[..., None] - p)
        G[..., n] = G_nn
        return G

    def open_loop_gain(self, s) -> np.ndarray:
        """``G_OL(s) = sum_k k_k G_nk(s)`` (Eq. 17), shape of ``s``, complex; ``s = i omega`` for
        the frequency response."""
        return self.gains(s) @ self.k

    def frequency_response(self, omega=None) -> FrequencyResponse:
        """Eq. 17 on ``s = i omega`` (default :func:`~rnnlab.meanfield.default_frequencies`)."""
        omega = default_frequencies() if omega is None else np.asarray(omega, dtype=float)
        return FrequencyResponse(omega, self.open_loop_gain(1j * omega))

    def loop_matrix(self, s) -> np.ndarray:
        """The M x M loop ``L(s) = (s I - H)^-1 a k^T``; ``det(I - L(s)) = 1 - G_OL(s)``."""
        return np.outer(self.gains(s), self.k)

    @property
    def closed_loop_matrix(self) -> np.ndarray:
        """``H + a k^T``, shape (M, M): the output's M-th order ODE ``xi' = (H + a k^T) xi``."""
        return self.H + np.outer(self.a, self.k)

    @property
    def closed_loop_poles(self) -> np.ndarray:
        """The M closed-loop poles, zeros of ``1 - G_OL`` (Eq. 7), sorted by decreasing real part."""
        ev = np.linalg.eigvals(self.closed_loop_matrix)
        return ev[np.argsort(-ev.real, kind="stable")]

    @property
    def outliers(self) -> np.ndarray:
        """The closed-loop poles outside the disk ``|lambda + 1| <= rho``: the finite-N outliers."""
        p = self.closed_loop_poles
        return p[np.abs(p + 1.0) > self.rho]

    @property
    def stable(self) -> bool:
        """Fading memory (``rho < 1``) and every closed-loop pole in the left half plane."""
        return bool(self.rho < 1 and np.all(self.closed_loop_poles.real < 0))

    def closed_loop_gain(self, omega) -> np.ndarray:
        """``G_CL = G_OL / (1 - G_OL)`` (Eq. 7) on ``s = i omega``."""
        G = self.open_loop_gain(1j * np.asarray(omega, dtype=float))
        return G / (1.0 - G)

    def impulse_response(self, t) -> np.ndarray:
        """Output ``z(t) - A_n`` after a unit delta in the feedback drive, ``k^T e^{(H + a k^T) t} a``:
        the inverse Laplace transform of ``G_CL``. Shape of ``t``."""
        t = np.asarray(t, dtype=float)
        lam, V = np.linalg.eig(self.closed_loop_matrix)
        left = self.k @ V  # (M,)
        right = np.linalg.solve(V, self.a.astype(complex))
        return np.real(np.exp(np.multiply.outer(t, lam)) @ (left * right))

    def transfer_function(self):
        """``G_OL`` as a python-control transfer function (``control.TransferFunction``), for Bode
        plots and margins. Its feedback loop is positive: ``control.feedback(G, 1, sign=1)`` is
        ``G_CL`` (Eq. 7). Imports ``control`` here, not at ``import rnnlab``."""
        import control

        return control.ss2tf(control.ss(self.H, self.a[:, None], self.k[None, :], 0.0))


@dataclass(frozen=True, eq=False)
class TargetsMeanField:
    """Mean field of a reservoir of gain ``g`` trained to the targets ``A_1..A_M``.

    Attributes
    ----------
    g : float
    targets : ndarray, shape (M,)
    phi : Activation
    feedback : str
    C : ndarray, shape (M, M)
        Covariance ``<u_k, u_m>`` of the random parts of the fixed points (step (a)).
    k : ndarray, shape (M,)
        Readout coefficients (Eq. 16, step (b)).
    rho : ndarray, shape (M,)
        Open-loop disk radius at each fixed point.
    local : tuple of LocalGain
        The loop around each fixed point.
    iterations : int
        Evaluations of the pair rule over all pairs (Newton and, where needed, Brent).
    """

    g: float
    targets: np.ndarray
    phi: Activation
    feedback: str
    C: np.ndarray
    k: np.ndarray
    rho: np.ndarray
    local: tuple
    iterations: int

    @property
    def Q(self) -> np.ndarray:
        """Rate overlaps ``<r_k, r_m> = C / g^2``."""
        return self.C / self.g**2

    @property
    def stable(self) -> np.ndarray:
        """Which trained fixed points are stable, shape (M,)."""
        return np.array([loc.stable for loc in self.local])


def mean_field_targets(
    g: float,
    targets,
    *,
    phi: str | Activation = "tanh",
    feedback: str = "gaussian",
    n_nodes: int = PAIR_NODES,
    diagonal_nodes: int = N_NODES,
    guess: TargetsMeanField | None = None,
) -> TargetsMeanField:
    """Mean field of a reservoir trained to several fixed points (Rivkind & Barak 2017, Eqs. 16-18;
    the coefficients derived in this module's docstring).

    Parameters
    ----------
    g : float
        Positive gain, ``W_ij ~ N(0, g^2 / N)``.
    targets : array_like, shape (M,)
        Finite output levels.
    phi : str or Activation
    feedback : {"gaussian", "uniform"}
    n_nodes : int
        Quadrature nodes per dimension of the 3-d rule of the cross terms.
    diagonal_nodes : int
        Nodes per dimension of :func:`~rnnlab.meanfield.mean_field`, which gives the diagonal terms.
    guess : TargetsMeanField, optional
        A nearby solution with as many targets: Newton starts from its covariances (an explorer
        passes its previous result; a slider step then takes one or two Newton steps, not four).

    Examples
    --------
    Fig. 1D (``g = 1``, targets 0.5, 1, 1.5): an unstable complex pair around ``A_1``, with ``w_FB``
    uniform on ``[-1, 1]``. The paper does not state the law of ``w_FB``; with Gaussian ``w_FB`` the
    same pair sits just left of the imaginary axis (``Re = -0.024``), so we take the uniform law to
    be the paper's.

    >>> mf = mean_field_targets(1.0, [0.5, 1.0, 1.5], feedback="uniform")
    >>> p = mf.local[0].closed_loop_poles
    >>> bool(p[0].real > 0 and abs(p[0].imag) > 0.1), mf.stable.tolist()
    (True, [False, False, True])
    """
    A = np.atleast_1d(np.asarray(targets, dtype=float))
    if A.ndim != 1 or A.size == 0:
        raise ValueError(f"targets must be a non-empty 1-d array of output levels, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"targets must be finite, got {targets!r}")
    g, _, phi = check_mean_field_args(g, 0.0, phi, n_nodes)
    M = A.size
    single = [mean_field(g, a, phi=phi, feedback=feedback, n_nodes=diagonal_nodes) for a in A]
    C0 = guess.C if guess is not None and guess.C.shape == (M, M) else np.zeros((M, M))
    s2 = np.array([mf.sigma2 for mf in single])
    rho = np.array([mf.rho for mf in single])
    C = np.diag(s2)
    d = np.diag(rho**2 / g**2)  # d[k, n] = E[phi'_k phi'_n]
    a = np.diag([mf.beta0 * mf.sigma2 / g**2 for mf in single])  # a[k, n] = E[w phi_k phi'_n]
    b = np.diag([mf.beta1 * mf.sigma2 / g**2 for mf in single])  # b[k, n] = E[phi_k phi'_n u_n]
    iterations = 0
    for n in range(M):
        for kk in range(n):
            pair = _solve_pair(g, A[kk], A[n], s2[kk], s2[n], phi, feedback, n_nodes, c0=C0[kk, n])
            C[kk, n] = C[n, kk] = pair.c
            d[kk, n] = d[n, kk] = pair.d
            a[kk, n], a[n, kk] = pair.a_kn, pair.a_nk
            b[kk, n], b[n, kk] = pair.b_kn, pair.b_nk
            iterations += pair.iterations
    k = np.linalg.pinv(C / g**2, rcond=1e-10) @ A  # Eq. 16 with minimum norm, step (b)
    local = []
    for n in range(M):
        f = (b[:, n] - d[:, n] * C[:, n]) / C[n, n]  # E[phi_k phi''_n] by Stein's lemma
        H = -np.eye(M) + g**2 * np.diag(d[:, n])
        H[:, n] += g**2 * f
        local.append(LocalGain(n, float(A[n]), float(rho[n]), H, a[:, n].copy(), k))
    return TargetsMeanField(g, A, phi, feedback, C, k, rho, tuple(local), iterations)
