"""Contraction certificates of Kozachkov, Ennis & Slotine (2022), Section 3 and appendix A3.

The rate RNN ``tau x' = -x + W phi(x) + u(t)`` (Eq. 1) has the Jacobian ``J = (-I + W D) / tau``
with ``D = diag(phi'(x))``. Every theorem assumes ``0 <= phi' <= g`` with ``g = phi.d_max`` and one
time constant ``tau`` shared by all neurons, and certifies, for every ``D`` in the box ``[0, g]^n``,

    M (-I + W D) + (-I + W D)^T M <= -2 lam M,

a constant metric ``M`` in which any two trajectories approach at the rate ``lam / tau`` (1/time).
The paper writes its theorems for ``tau = 1``; each :class:`Certificate` here divides by ``tau``.

Coordinates. The certificates are for the model they are given. The firing-rate twin
``tau y' = -y + phi(W y + b)`` (appendix A1.1) has the Jacobian ``(-I + D W) / tau``, which is the
transpose of the rate Jacobian ``(-I + W^T D) / tau`` of the network with weights ``W^T``, for the same
``D``. Multiplying ``M A + A^T M <= -2 lam M`` by ``M^-1`` on both sides gives
``M^-1 A^T + A M^-1 <= -2 lam M^-1``, so a :class:`FiringRateRNN` with weights ``W`` contracts at rate
``lam`` in ``M^-1`` whenever ``RateRNN(W^T)`` does in ``M``. Every hypothesis of Theorems 1-5 is
unchanged by ``W -> W^T`` (``W^T = -P2 Q P1`` for Theorem 3; the optimal ``P`` of Theorem 5 inverts),
so each criterion certifies both forms with the same rate: for a :class:`FiringRateRNN` it certifies
``RateRNN(W^T)`` and returns the inverse metric (``details["form"]`` says so). Unlike pulling the
metric back through ``x = W y + b`` (``M_y = W^T M_x W``) this needs no inverse of ``W``. For a
symmetric ``W`` (Theorem 2) it is the same as transposing the Jacobian, and ``M_y = M_x^-1``.

Because ``D -> mu_{2,M}(-I + W D)`` is convex (the largest eigenvalue of an affine function of ``D``),
its maximum over the box sits at one of the ``2^n`` vertices: :func:`constant_metric_rate` computes the
exact rate of any constant metric that way, and :func:`common_metric` (Theorem 7) searches for one.

Typos in the paper, and what we implement (each function's Notes say more):

* Theorem 4's proof says ``W_ij = 0 if i <= j`` for lower triangular ``W``; it is ``i < j``. Its rate
  ``1 - g max_i W_ii`` exceeds 1 for a negative diagonal, but ``D = 0`` caps every rate at 1; the
  limit is ``1 - g max_i max(W_ii, 0)`` (:func:`theorem4`).
* Theorem 6 states ``D' - c g^-1 D <= -beta D``; its proof needs ``D' - c g^-1 D^2 <= -beta D``, and
  its first condition with ``P`` on the left, ``P (gW - I) + (gW - I)^T P <= -c P``; the statement's
  ``(gW - I) P + P (gW^T - I)`` is the same condition for ``P^-1``. It says "contracting in metric
  ``D`` with rate ``beta``": the metric is ``P D(x)``, and ``V' <= -beta V`` makes distances decay at
  ``beta / 2`` (:func:`theorem6`).
* Theorem 2's Schur-complement step needs ``phi' > 0``; completing the square shows ``phi' >= 0`` is
  enough (:func:`theorem2`).
* The proofs of Theorems 1 and 3 drop a factor 2 or a transpose in intermediate lines
  (``|W| P`` for ``|W|^T P``; ``V' = -2V + dx^T M W D dx`` for ``... + 2 dx^T M W D dx``); the
  conclusions stand.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.special

from ..checks import as_square_matrix
from ..lognorms import lognorm, spectral_abscissa
from ..metrics import lds_metric, lmi_solver, metzler_diagonal_metric, solve_quietly
from ..models.base import check_state
from ..models.rnn import FiringRateRNN, RateRNN
from ..simulate import simulate
from .registry import Certificate, criterion

__all__ = [
    "theorem1",
    "theorem2",
    "theorem3",
    "theorem3_weights",
    "theorem3_factors",
    "theorem4",
    "theorem5",
    "theorem6",
    "theorem6_c",
    "SlopeCondition",
    "theorem7",
    "common_metric",
    "CommonMetric",
    "constant_metric_rate",
    "observed_contraction_rate",
]

PAPER = "Kozachkov et al. (2022)"
# Theorem 2's metric exists for every rate below 1 - g lambda_max(W), but for lambda_max(W) <= 0 its
# gamma grows without bound as the rate approaches 1; the default rate stops short of 1 by this much.
_THM2_RATE_CAP = 0.99


# ---------------------------------------------------------------------------------------------------
# shared helpers


def _tau(model) -> float | None:
    """The one time constant of the model, or None when the neurons have different ones."""
    tau = np.asarray(model.tau)
    return float(tau[0]) if np.all(tau == tau[0]) else None


def _not_applicable(name: str, reference: str, note: str, **details) -> Certificate:
    return Certificate(name, False, float("nan"), "l2", None, reference, applies=False, note=note,
                       details=details)


def _tau_note(model) -> str:
    return f"needs one tau shared by all neurons, got tau = {np.asarray(model.tau)}"


def _inverse_metric(M: np.ndarray | None) -> np.ndarray | None:
    if M is None:
        return None
    if np.count_nonzero(M - np.diag(np.diagonal(M))) == 0:
        return np.diag(1.0 / np.diagonal(M))
    w, V = np.linalg.eigh(M)
    M_inv = (V / w) @ V.T
    return 0.5 * (M_inv + M_inv.T)


def _both_forms(theorem):
    """Let a criterion written for the rate RNN certify the firing-rate form too.

    ``FiringRateRNN(W)`` gets the certificate of ``RateRNN(W^T)`` (same ``tau`` and ``phi``) with the
    inverse metric: its Jacobian is the transpose of that twin's (module docstring, Coordinates).
    """

    @functools.wraps(theorem)
    def certify_either(model, **kwargs):
        if not isinstance(model, FiringRateRNN):
            return theorem(model, **kwargs)
        cert = theorem(RateRNN(model.W.T, tau=model.tau, phi=model.phi), **kwargs)
        return dataclasses.replace(
            cert, metric=_inverse_metric(cert.metric),
            details={**cert.details, "form": "firing-rate: RateRNN(W^T) certified, metric inverted"},
        )

    return certify_either


def _certificate(name, reference, rate, metric, tau, note="", **details) -> Certificate:
    """A certificate with the rate ``rate / tau`` (``rate`` in units of ``1/tau``) and an l2 metric."""
    holds = bool(np.isfinite(rate) and rate > 0 and metric is not None)
    return Certificate(name, holds, float(rate) / tau, "l2", metric, reference, note=note, details=details)


def _check_diagonal(name: str, P, n: int) -> np.ndarray:
    """A positive diagonal matrix given as its diagonal ``(n,)`` or as the matrix ``(n, n)``."""
    P = np.asarray(P, dtype=float)
    if P.shape == (n, n):
        if np.count_nonzero(P - np.diag(np.diagonal(P))):
            raise ValueError(f"{name} must be diagonal, got non-zero off-diagonal entries")
        P = np.diagonal(P).copy()
    if P.shape != (n,):
        raise ValueError(f"{name} must be a positive diagonal: shape ({n},) or ({n}, {n}), got {P.shape}")
    if not np.all(np.isfinite(P)) or np.any(P <= 0):
        raise ValueError(f"{name} must have positive finite diagonal entries, got {P}")
    return P


def _symmetric_sqrt_and_inv_sqrt(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, V = np.linalg.eigh(M)
    return (V * np.sqrt(w)) @ V.T, (V / np.sqrt(w)) @ V.T


def _perturbation_loss(M: np.ndarray, E: np.ndarray, g: float) -> float:
    """A bound on how much rate ``M`` loses when ``W`` becomes ``W + E``.

    ``dx^T M E D dx <= |dx|_M |M^1/2 E| g |M^-1/2| |dx|_M``, so the rate of ``-I + (W + E) D`` in ``M``
    is at least that of ``-I + W D`` minus ``g |M^1/2 E|_2 |M^-1/2|_2``. It is zero for ``E = 0``.
    """
    if not np.any(E):
        return 0.0
    root, inv_root = _symmetric_sqrt_and_inv_sqrt(M)
    return g * np.linalg.norm(root @ E, 2) * np.linalg.norm(inv_root, 2)


def _vertices(n: int, d_min: float, g: float) -> np.ndarray:
    """The ``2^n`` diagonals ``D`` at the corners of ``[d_min, g]^n``, shape ``(2^n, n)``."""
    return np.array(list(itertools.product((d_min, g), repeat=n)), dtype=float).reshape(-1, n)


def _check_slopes(g, d_min) -> tuple[float, float]:
    g, d_min = float(g), float(d_min)
    if not (np.isfinite(g) and g > 0):
        raise ValueError(f"g must be a positive number, got {g!r}")
    if not (np.isfinite(d_min) and 0 <= d_min <= g):
        raise ValueError(f"d_min must lie in [0, g] = [0, {g:g}], got {d_min!r}")
    return g, d_min


def constant_metric_rate(W, g: float, M, *, d_min: float = 0.0, max_n: int = 12) -> float:
    """The exact contraction rate of a constant metric ``M`` for every slope ``D`` in ``[d_min, g]^n``.

    ``lam = -max_D mu_{2,M}(-I + W D)``, the largest ``lam`` with
    ``M (-I + W D) + (-I + W D)^T M <= -2 lam M`` for all diagonal ``D`` with entries in ``[d_min, g]``.
    ``mu_{2,M}`` of an affine function of ``D`` is convex in ``D``, so the maximum over the box is
    attained at one of its ``2^n`` vertices, which are all checked.

    Parameters
    ----------
    W : array_like, shape (n, n)
    g : float
        Largest slope.
    M : array_like, shape (n, n)
        Symmetric positive-definite metric (of the rate coordinates ``x``).
    d_min : float
        Smallest slope (0 in every theorem of the paper).
    max_n : int
        Refuse larger ``n`` (``2^n`` eigenvalue problems).

    Returns
    -------
    float
        The rate in units of ``1 / tau``; negative when ``M`` fails at some vertex.

    Examples
    --------
    >>> W = np.array([[-9.0, 2.5], [2.5, 0.0]])      # the counterexample in the proof of Theorem 1
    >>> float(constant_metric_rate(W, 1.0, np.eye(2)))
    -0.25
    """
    W = as_square_matrix("W", W, stack=True)
    if W.ndim != 2:
        raise ValueError(f"W must be one matrix, got shape {W.shape}")
    n = len(W)
    g, d_min = _check_slopes(g, d_min)
    if n > max_n:
        raise ValueError(f"W has n = {n} > max_n = {max_n}: 2^n vertices would take too long")
    M = np.asarray(M, dtype=float)
    if M.shape != (n, n) or not np.all(np.isfinite(M)) or np.any(M != M.T) or np.linalg.eigvalsh(M)[0] <= 0:
        raise ValueError(f"M must be a symmetric positive-definite ({n}, {n}) matrix")
    A = W[None, :, :] * _vertices(n, d_min, g)[:, None, :] - np.eye(n)  # (2^n, n, n): -I + W D
    return float(-np.max(lognorm(A, 2, P=M)))


# ---------------------------------------------------------------------------------------------------
# Theorem 1


@criterion(RateRNN, name="Kozachkov Thm 1")
@criterion(FiringRateRNN, name="Kozachkov Thm 1")
@_both_forms
def theorem1(model, *, method: str = "perron", solver=None) -> Certificate:
    """Theorem 1 (absolute-value restricted weights), Kozachkov et al. (2022), A3.2.

    If a positive diagonal ``P`` has ``P (g|W|' - I) + (g|W|' - I)^T P < 0``, the RNN contracts in the
    metric ``P``. ``|W|'`` is ``|W|`` with the diagonal entries zeroed where ``W_ii <= 0`` (the paper's
    rule for non-positive self weights), i.e. ``|W|'_ii = max(W_ii, 0)``.

    ``g|W|' - I`` is Metzler, so such a ``P`` exists if and only if it is Hurwitz; by default
    (``method="perron"``) we take the Perron metric of :func:`rnnlab.metrics.metzler_diagonal_metric`;
    ``method="lmi"`` searches the diagonal ``P`` as an LMI with cvxpy instead
    (:func:`rnnlab.metrics.lds_metric`, the LDS test of ``g|W|' - I``). The proof bounds
    ``V' <= |dx|^T (P M + M^T P) |dx|`` with ``M = g|W|' - I`` and ``V = dx^T P dx``, so the rate is
    ``-mu_{2,P}(M) / tau`` (which equals ``-alpha(M) / tau`` for an irreducible ``M``).

    Returns
    -------
    Certificate
        ``norm="l2"``; ``metric = diag(P)`` in the rate coordinates ``x``. A :class:`FiringRateRNN`
        gets ``diag(P)^-1`` with ``P`` found for ``W^T`` (module docstring). A failing certificate's
        rate is ``-alpha(M) / tau``.

    Examples
    --------
    >>> cert = theorem1(RateRNN([[0.0, 0.5], [-0.25, 0.0]], tau=2.0))
    >>> cert.holds, round(cert.rate, 6)                 # -alpha(|W| - I) / tau = (1 - sqrt(1/8)) / 2
    (True, 0.323223)
    """
    name, ref = "Kozachkov Thm 1", f"{PAPER}, Theorem 1"
    tau = _tau(model)
    if tau is None:
        return _not_applicable(name, ref, _tau_note(model))
    g = model.phi.d_max
    W = model.W
    absW = np.abs(W)
    np.fill_diagonal(absW, np.maximum(np.diagonal(W), 0.0))
    M = g * absW - np.eye(model.n)
    alpha = float(spectral_abscissa(M))
    if method not in ("perron", "lmi"):
        raise ValueError(f"method must be 'perron' or 'lmi', got {method!r}")
    if alpha >= 0:
        return _certificate(name, ref, -alpha, None, tau, note="g|W|' - I is not Hurwitz",
                            M=M, alpha=alpha)
    if method == "lmi":
        res = lds_metric(M, solver=solver)
        if not res.lds:
            return _certificate(name, ref, 0.0, None, tau, note=f"LMI: no diagonal metric ({res.status})",
                                M=M, alpha=alpha)
        P = np.diag(res.p)
        return _certificate(name, ref, -float(lognorm(M, 2, P=P)), P, tau, M=M, alpha=alpha, method="lmi")
    try:
        p = metzler_diagonal_metric(M)
    except ValueError as err:  # Hurwitz, but too close to the boundary for a Perron metric
        return _certificate(name, ref, 0.0, None, tau, note=str(err), M=M, alpha=alpha)
    P = np.diag(p)
    return _certificate(name, ref, -float(lognorm(M, 2, P=P)), P, tau, M=M, alpha=alpha)


# ---------------------------------------------------------------------------------------------------
# Theorem 2


@criterion(RateRNN, name="Kozachkov Thm 2")
@criterion(FiringRateRNN, name="Kozachkov Thm 2")
@_both_forms
def theorem2(model, *, lam: float | None = None, rtol: float = 1e-9) -> Certificate:
    """Theorem 2 (symmetric weights), Kozachkov et al. (2022), A3.3: ``W = W^T`` and ``g W < I``.

    The proof works in the firing-rate coordinates ``y`` (Jacobian ``-I + D W``) and builds the metric
    ``M_y = gamma^2 R R`` from the eigendecomposition ``W = V Lambda V^T``: for a rate ``lam`` put
    ``s = (1 - lam) / g = 1 / (4 gamma^2)``,

        S = V sqrt(s I - Lambda) V^T,   R = S / gamma + I / (2 gamma^2),   so that W = R - gamma^2 R R,

    which needs ``s I - W >= 0``, i.e. ``lam <= 1 - g lambda_max(W)``. Then, for every diagonal
    ``0 <= D <= g``, ``M_y (-I + D W) + (-I + D W)^T M_y <= -2 lam M_y`` (Eq. 6 with ``beta = 2 lam``).
    For symmetric ``W`` the rate Jacobian ``-I + W D`` is the transpose of ``-I + D W``, so the rate
    coordinates ``x`` contract at the same rate in ``M_x = M_y^-1`` (module docstring).

    Parameters
    ----------
    model : RateRNN or FiringRateRNN
    lam : float, optional
        Rate in units of ``1/tau``, ``0 < lam < 1`` and ``lam <= 1 - g lambda_max(W)``. By default
        ``min(1 - g lambda_max(W), 0.99)``: ``1 - g lambda_max(W)`` is the best rate of any metric
        (the linear network ``D = g I`` decays no faster), and for ``lambda_max(W) <= 0`` the rate 1
        is a supremum the construction reaches only as ``gamma -> inf``.
    rtol : float
        ``W`` counts as symmetric when ``|W - W^T| <= rtol max|W|``; the rate is then lowered by the
        bound of the residual asymmetry's effect, so it holds for ``W`` as given.

    Returns
    -------
    Certificate
        For a :class:`RateRNN` the metric is ``M_x = (gamma^2 R R)^-1``; for a :class:`FiringRateRNN`
        it is the paper's ``M_y = gamma^2 R R``. ``details`` holds ``R``, ``gamma``, ``metric_y``.
        Not applicable to a non-symmetric ``W``; a failing certificate's rate is
        ``(1 - g lambda_max(W)) / tau``.

    Notes
    -----
    The Schur-complement step of the proof needs ``P D P > 0``, hence the hypothesis ``phi' > 0``.
    Completing the square avoids it: with ``M_y = gamma^2 R^2`` and ``W = R - gamma^2 R^2``, the
    inequality is congruent (by ``R^-1``) to ``(2 lam - 2) I + R D + D R - 2 gamma^2 R D R <= 0``, and
    ``2 z^T R D z - 2 gamma^2 (Rz)^T D (Rz) <= z^T D z / (2 gamma^2) <= g |z|^2 / (2 gamma^2)`` for any
    ``D >= 0``. So ``phi' >= 0`` suffices (tanh saturating, ReLU), which the tests check at the
    vertices of the box, where ``D`` has zeros.

    Examples
    --------
    >>> cert = theorem2(RateRNN([[0.5, 0.2], [0.2, -1.0]], phi="relu"))
    >>> cert.holds, round(cert.rate, 6)                 # 1 - lambda_max(W)
    (True, 0.473791)
    """
    name, ref = "Kozachkov Thm 2", f"{PAPER}, Theorem 2"
    tau = _tau(model)
    if tau is None:
        return _not_applicable(name, ref, _tau_note(model))
    W, g, n = model.W, model.phi.d_max, model.n
    if not rtol >= 0:
        raise ValueError(f"rtol must be non-negative, got {rtol!r}")
    asym = 0.5 * (W - W.T)
    if np.abs(asym).max() > rtol * np.abs(W).max():
        return _not_applicable(name, ref, "W is not symmetric")
    W_sym = 0.5 * (W + W.T)
    w, V = np.linalg.eigh(W_sym)
    best = 1.0 - g * w[-1]  # 1 - g lambda_max(W)
    if best <= 0:
        return _certificate(name, ref, best, None, tau, note="g W < I fails")
    if lam is None:
        lam = min(best, _THM2_RATE_CAP)
    elif not (0 < lam < 1 and lam <= best * (1 + 1e-12)):
        raise ValueError(
            f"lam must satisfy 0 < lam < 1 and lam <= 1 - g lambda_max(W) = {best:.6g}, got {lam!r}"
        )
    lam = min(float(lam), best)  # a lam computed as 1 - g lambda_max(W) elsewhere may differ in the last bit
    s = (1.0 - lam) / g  # s = 1 / (4 gamma^2)
    gamma = 1.0 / (2.0 * np.sqrt(s))
    sqrt_diag = np.sqrt(np.maximum(s - w, 0.0))  # rounding can make s - lambda_max slightly negative
    S = (V * sqrt_diag) @ V.T
    R = S / gamma + np.eye(n) / (2 * gamma**2)
    r = sqrt_diag / gamma + 1.0 / (2 * gamma**2)  # eigenvalues of R, all >= 1 / (2 gamma^2) > 0
    metric_y = (V * (gamma * r) ** 2) @ V.T  # gamma^2 R R
    metric_x = (V / (gamma * r) ** 2) @ V.T  # its inverse
    metric_y, metric_x = 0.5 * (metric_y + metric_y.T), 0.5 * (metric_x + metric_x.T)
    loss = _perturbation_loss(metric_x, asym, g)
    return _certificate(name, ref, lam - loss, metric_x, tau, R=R, gamma=gamma, lam=lam,
                        metric_y=metric_y)


# ---------------------------------------------------------------------------------------------------
# Theorem 3


def theorem3_weights(p1, q, p2) -> np.ndarray:
    """The weights ``W = -P1 Q P2`` of Theorem 3, Kozachkov et al. (2022), A3.4.

    Parameters
    ----------
    p1, p2 : array_like, shape (n,) or (n, n)
        Positive diagonal matrices, or their diagonals.
    q : array_like, shape (n, n)
        Symmetric positive-definite ``Q``.

    Returns
    -------
    ndarray, shape (n, n)
        ``W``; the network contracts at rate ``1/tau`` in the metric ``(P1 Q P1)^-1``.

    Examples
    --------
    >>> theorem3_weights([1.0, 2.0], [[2.0, 1.0], [1.0, 2.0]], [1.0, 0.5])
    array([[-2. , -0.5],
           [-2. , -2. ]])
    """
    q = np.asarray(q, dtype=float)
    if q.ndim != 2 or q.shape[0] != q.shape[1]:
        raise ValueError(f"q must be a square matrix, got shape {q.shape}")
    if not np.all(np.isfinite(q)):
        raise ValueError("q must be finite, got NaN or inf")
    n = len(q)
    p1, p2 = _check_diagonal("p1", p1, n), _check_diagonal("p2", p2, n)
    if np.any(q != q.T):
        raise ValueError("q must be symmetric")
    try:
        np.linalg.cholesky(q)
    except np.linalg.LinAlgError:
        raise ValueError("q must be positive definite") from None
    return -(p1[:, None] * q * p2[None, :])


def _ratio_scaling(W: np.ndarray, rtol: float) -> tuple[np.ndarray | None, str]:
    """``r > 0`` with ``W diag(1/r)`` symmetric, or ``(None, why not)``.

    Symmetry asks ``r_i / r_j = W_ji / W_ij`` on every edge of the graph of ``W``. We set ``r = 1`` at
    one node of each connected component, propagate the ratios along a spanning tree, and check the
    symmetry on all entries (which checks the ratios around every cycle).
    """
    n = len(W)
    nonzero = W != 0
    if np.any(nonzero != nonzero.T):
        return None, "the zero pattern of W is not symmetric"
    if np.any(W * W.T < 0):
        return None, "W_ij and W_ji differ in sign somewhere"
    r = np.full(n, np.nan)
    for root in range(n):
        if not np.isnan(r[root]):
            continue
        r[root] = 1.0
        stack = [root]
        while stack:  # depth-first spanning tree of the component: r_j = r_i W_ij / W_ji
            i = stack.pop()
            for j in np.flatnonzero(nonzero[i]):
                if j != i and np.isnan(r[j]):
                    r[j] = r[i] * W[i, j] / W[j, i]
                    stack.append(j)
    S = W / r[None, :]  # W diag(1/r)
    if np.abs(S - S.T).max() > rtol * np.abs(S).max():
        return None, "the ratios W_ij / W_ji are inconsistent around a cycle"
    return r, ""


def theorem3_factors(W, *, rtol: float = 1e-9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Factors ``(p1, Q, p2)`` with ``W = -diag(p1) Q diag(p2)``, or ``ValueError`` saying why none exist.

    ``W = -P1 Q P2`` if and only if some ``r > 0`` makes ``W diag(1/r)`` symmetric negative definite
    (take ``r = p2 / p1``: ``W diag(p1 / p2) = -P1 Q P1``; conversely ``P1 = I``, ``P2 = diag(r)``,
    ``Q = -W diag(1/r)``). Symmetry asks ``r_i / r_j = W_ji / W_ij`` on every edge of the graph of
    ``W``: the zero pattern must be symmetric, the signs of ``W_ij`` and ``W_ji`` equal, and the ratios
    consistent around every cycle. We set ``r = 1`` at one node of each connected component, propagate
    the ratios along a spanning tree, and check the symmetry of ``W diag(1/r)`` on all entries.

    Parameters
    ----------
    W : array_like, shape (n, n)
    rtol : float
        ``W diag(1/r)`` counts as symmetric when its asymmetry is at most ``rtol`` times its largest
        entry.

    Returns
    -------
    p1, Q, p2 : ndarray
        ``p1 = 1``, ``p2 = r``; ``Q`` is the symmetric part of ``-W diag(1/r)``.

    Examples
    --------
    >>> p1, Q, p2 = theorem3_factors(theorem3_weights([1.0, 2.0], [[2.0, 1.0], [1.0, 2.0]], [1.0, 0.5]))
    >>> p2
    array([1.  , 0.25])
    """
    W = as_square_matrix("W", W, stack=True)
    if W.ndim != 2:
        raise ValueError(f"W must be one matrix, got shape {W.shape}")
    if not rtol >= 0:
        raise ValueError(f"rtol must be non-negative, got {rtol!r}")
    r, why = _ratio_scaling(W, rtol)
    if r is None:
        raise ValueError(f"W is not -P1 Q P2: {why}")
    Q = -0.5 * (W / r[None, :] + (W / r[None, :]).T)
    try:
        np.linalg.cholesky(Q)
    except np.linalg.LinAlgError:
        raise ValueError("W is not -P1 Q P2: -W diag(1/r) is not positive definite") from None
    return np.ones(len(W)), Q, r


@criterion(RateRNN, name="Kozachkov Thm 3")
@criterion(FiringRateRNN, name="Kozachkov Thm 3")
@_both_forms
def theorem3(model, *, rtol: float = 1e-9) -> Certificate:
    """Theorem 3 (product of diagonal and symmetric weights), Kozachkov et al. (2022), A3.4.

    If ``W = -P1 Q P2`` with positive diagonal ``P1, P2`` and ``Q = Q^T > 0``, the RNN contracts in the
    metric ``M = (P1 Q P1)^-1`` at rate ``1/tau``: ``M W D = -P1^-1 P2 D <= 0`` gives ``V' <= -2V``
    (proof, A3.4). The factors come from :func:`theorem3_factors` (``P1 = I``); the metric does not
    depend on the factorisation, up to a scale on each connected component of the graph of ``W``.

    ``g`` plays no part: the bound holds for every ``D >= 0``.

    Returns
    -------
    Certificate
        ``metric = Q^-1 = (P1 Q P1)^-1`` in ``x``; a :class:`FiringRateRNN` gets ``P2 Q P2``, the
        inverse of the metric of ``W^T = -P2 Q P1`` (its ``details`` are those of ``W^T``). The rate is
        ``1/tau`` less the bound on the effect of the asymmetry within ``rtol`` (zero when
        ``W diag(1/r)`` is exactly symmetric). ``details`` holds the factors. Not applicable when no
        diagonal ``r`` makes ``W diag(1/r)`` symmetric; fails (rate NaN) when it is not negative
        definite.

    Examples
    --------
    >>> W = theorem3_weights([1.0, 2.0], [[2.0, 1.0], [1.0, 2.0]], [1.0, 0.5])
    >>> cert = theorem3(RateRNN(W, tau=0.5, phi="relu"))
    >>> cert.holds, cert.rate
    (True, 2.0)
    """
    name, ref = "Kozachkov Thm 3", f"{PAPER}, Theorem 3"
    tau = _tau(model)
    if tau is None:
        return _not_applicable(name, ref, _tau_note(model))
    if not rtol >= 0:
        raise ValueError(f"rtol must be non-negative, got {rtol!r}")
    r, why = _ratio_scaling(model.W, rtol)
    if r is None:
        return _not_applicable(name, ref, f"W is not -P1 Q P2: {why}")
    try:
        p1, Q, r = theorem3_factors(model.W, rtol=rtol)
    except ValueError as err:  # W diag(1/r) is symmetric but not negative definite
        return _certificate(name, ref, float("nan"), None, tau, note=str(err))
    w, V = np.linalg.eigh(Q)
    M = (V / w) @ V.T  # (P1 Q P1)^-1 with P1 = I
    M = 0.5 * (M + M.T)
    E = model.W - (-Q * r[None, :])  # what the symmetrisation of W diag(1/r) left out
    loss = _perturbation_loss(M, E, model.phi.d_max)
    return _certificate(name, ref, 1.0 - loss, M, tau, p1=p1, q=Q, p2=r)


# ---------------------------------------------------------------------------------------------------
# Theorem 4


@criterion(RateRNN, name="Kozachkov Thm 4")
@criterion(FiringRateRNN, name="Kozachkov Thm 4")
@_both_forms
def theorem4(model, *, fraction: float = 0.5, max_halvings: int = 60) -> Certificate:
    """Theorem 4 (triangular weights), Kozachkov et al. (2022), A3.5: ``g W - I`` triangular and Hurwitz.

    The proof's metric is ``Gamma^2`` with ``Gamma = diag(eps^i)`` (``i = 0, ..., n-1`` for lower
    triangular ``W``; reversed for upper triangular). In it the generalized Jacobian is
    ``F = -I + Gamma W Gamma^-1 D`` with ``(Gamma W Gamma^-1)_ij = W_ij eps^(i-j)``. Writing
    ``Gamma W Gamma^-1 = diag(W_ii) + N``, subadditivity of ``mu_2`` and ``mu_2 <= |.|_2`` give, for
    every ``0 <= D <= g``,

        -mu_2(F) >= 1 - g max_i max(W_ii, 0) - g |N|_2,

    the rate we certify (divided by ``tau``). ``eps`` runs through ``1, 1/2, 1/4, ...`` (powers of two
    scale exactly in floating point) until the bound reaches ``fraction`` of its limit
    ``1 - g max_i max(W_ii, 0)``, positive exactly when ``g W - I`` is Hurwitz.

    Parameters
    ----------
    fraction : float
        In ``(0, 1)``: the share of the limiting rate to reach. Larger values cost a smaller ``eps``,
        so a metric of larger condition number.
    max_halvings : int
        Give up after this many halvings of ``eps`` (or before the metric would underflow); the best
        bound found is then reported.

    Returns
    -------
    Certificate
        ``metric = Gamma^2`` in ``x`` (a :class:`FiringRateRNN` gets ``Gamma^-2`` of ``W^T``);
        ``details`` holds ``eps`` and the triangle ``"lower"`` or ``"upper"``. Not applicable to a
        non-triangular ``W``; a failing certificate's rate is ``(1 - g max_i W_ii) / tau``.

    Notes
    -----
    The proof says ``W_ij = 0 if i <= j`` for lower triangular ``W``; it means ``i < j``. Its condition
    ``max_i g W_ii - 1 < 0`` is right, but the rate ``1 - g max_i W_ii`` it suggests is not: when every
    ``W_ii < 0`` it exceeds 1, while ``D = 0`` (saturated units) decays at exactly 1. Hence the
    ``max(W_ii, 0)``.

    Examples
    --------
    >>> cert = theorem4(RateRNN([[0.5, 0.0], [3.0, 0.0]]))
    >>> cert.holds, cert.rate, cert.details["eps"]      # 1 - 0.5 - 3 eps >= 0.25
    (True, 0.3125, 0.0625)
    """
    name, ref = "Kozachkov Thm 4", f"{PAPER}, Theorem 4"
    tau = _tau(model)
    if tau is None:
        return _not_applicable(name, ref, _tau_note(model))
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction!r}")
    if not (isinstance(max_halvings, (int, np.integer)) and max_halvings >= 0):
        raise ValueError(f"max_halvings must be a non-negative integer, got {max_halvings!r}")
    W, g, n = model.W, model.phi.d_max, model.n
    if not np.any(np.triu(W, 1)):
        triangle, W_ord, order = "lower", W, np.arange(n)
    elif not np.any(np.tril(W, -1)):
        triangle, W_ord, order = "upper", W[::-1, ::-1], np.arange(n)[::-1]  # reversed: lower triangular
    else:
        return _not_applicable(name, ref, "W is not triangular")
    diag_max = float(np.max(np.diagonal(W)))
    limit = 1.0 - g * max(diag_max, 0.0)
    if limit <= 0:
        return _certificate(name, ref, 1.0 - g * diag_max, None, tau, note="g W - I is not Hurwitz",
                            triangle=triangle)
    N = np.tril(W_ord, -1)
    powers = np.subtract.outer(np.arange(n), np.arange(n)).astype(float)  # i - j
    # 2^(-2 k (n - 1)) must stay a normal float in the metric.
    k_max = min(max_halvings, 1000 // max(2 * (n - 1), 1))
    best_bound, best_k = -np.inf, 0
    for k in range(k_max + 1):
        bound = limit - g * np.linalg.norm(N * 2.0 ** (-k * powers), 2)
        if bound > best_bound:
            best_bound, best_k = bound, k
        if bound >= fraction * limit:
            break
    eps = 2.0 ** -best_k
    gamma = np.empty(n)
    gamma[order] = eps ** np.arange(n)
    reached = best_bound >= fraction * limit
    note = "" if reached else f"eps stopped at 2^-{best_k} before reaching the fraction"
    return _certificate(name, ref, best_bound, np.diag(gamma**2) if best_bound > 0 else None, tau,
                        note=note, eps=eps, triangle=triangle, limit=limit)


# ---------------------------------------------------------------------------------------------------
# Theorem 5


def _scaled_norm(W: np.ndarray, p: np.ndarray) -> float:
    """``|P^1/2 W P^-1/2|_2`` for the diagonal ``p`` of ``P``."""
    d = np.sqrt(p)
    return float(np.linalg.norm(d[:, None] * W / d[None, :], 2))


def _best_scaling_scipy(W: np.ndarray, max_cond: float) -> tuple[np.ndarray, dict]:
    """Minimise ``sigma_max(e^s W e^-s)`` over ``s = log diag(P^1/2)`` with BFGS and scipy.optimize.

    ``log sigma_max`` is convex in ``s`` with gradient ``u_i^2 - v_i^2`` (``u, v`` the top singular
    vectors), but it has a kink wherever ``sigma_max`` is repeated, which is where the optimum
    typically lies, and a strong-Wolfe line search stalls there. So we minimise the smooth
    ``log |e^s W e^-s|_{S_p} = (1/p) log sum_k sigma_k^p``, whose gradient is that of each singular
    value, ``u_k,i^2 - v_k,i^2``, weighted by ``sigma_k^p / sum sigma^p``, for
    ``p = 2, 8, ..., 8192`` in turn (``|.|_{S_p} -> sigma_max`` within a factor ``n^(1/p)``), and keep
    the ``s`` with the smallest exact ``sigma_max``. ``s = b tanh(z)`` keeps
    ``cond(P) = exp(2 (max s - min s)) <= max_cond``: a reducible ``W`` has its infimum at an
    infinitely stretched ``P``.
    """
    n = len(W)
    b = 0.25 * np.log(max_cond)

    def scaled(z):
        s = b * np.tanh(z)
        return np.exp(s)[:, None] * W * np.exp(-s)[None, :]

    def objective(z, p):
        U, sigma, Vt = np.linalg.svd(scaled(z))
        with np.errstate(divide="ignore"):
            log_sp = p * np.log(sigma)  # a zero singular value has weight 0
        f = scipy.special.logsumexp(log_sp) / p
        weights = np.exp(log_sp - p * f)
        grad = (U**2 - Vt.T**2) @ weights
        return f, grad * b * (1.0 - np.tanh(z) ** 2)

    z = np.zeros(n)
    best_z, best = z, np.linalg.norm(W, 2)
    n_iter, status = 0, ""
    for p in 2.0 * 4.0 ** np.arange(7):
        res = scipy.optimize.minimize(objective, z, args=(p,), jac=True, method="BFGS")
        z, n_iter, status = res.x, n_iter + int(res.nit), str(res.message)
        value = np.linalg.norm(scaled(z), 2)
        if value < best:
            best_z, best = z, value
    return np.exp(2 * b * np.tanh(best_z)), {"n_iter": n_iter, "status": status}


def _best_scaling_lmi(W: np.ndarray, tol: float, solver) -> tuple[np.ndarray, dict]:
    """Bisection on ``c`` over the LMI ``W^T P W <= c^2 P``, ``P >= I`` diagonal (cvxpy).

    Brackets: the spectral radius (no scaling beats it) and ``sigma_max(W)`` (``P = I``). Every
    feasible ``P`` is scored by its exact ``|P^1/2 W P^-1/2|_2``, so the answer never depends on the
    solver's accuracy, only its optimality does.
    """
    import cvxpy as cp

    n = len(W)
    solver = lmi_solver(solver)
    p = cp.Variable(n)
    c2 = cp.Parameter(nonneg=True)
    X = W.T @ cp.diag(p) @ W - c2 * cp.diag(p)
    problem = cp.Problem(cp.Minimize(0), [p >= 1, 0.5 * (X + X.T) << 0])
    lo, hi = float(np.max(np.abs(np.linalg.eigvals(W)))), float(np.linalg.norm(W, 2))
    best_p, best = np.ones(n), hi
    n_solves, status = 0, "optimal"
    while hi - lo > tol * hi and n_solves < 100:
        mid = 0.5 * (lo + hi)
        c2.value = mid**2
        n_solves += 1
        try:
            solve_quietly(problem, solver)
        except cp.error.SolverError as err:
            status = f"solver error at c = {mid:.6g}: {err}"
            lo = mid  # treated as infeasible: the bracket only loses accuracy
            continue
        if problem.status in ("optimal", "optimal_inaccurate") and p.value is not None:
            p_mid = np.maximum(np.asarray(p.value, dtype=float), 1.0)
            value = _scaled_norm(W, p_mid)
            if value < best:
                best_p, best = p_mid, value
            hi = mid
        else:
            lo = mid
    return best_p, {"n_iter": n_solves, "status": status, "lower": lo}


@criterion(RateRNN, name="Kozachkov Thm 5")
@criterion(FiringRateRNN, name="Kozachkov Thm 5")
@_both_forms
def theorem5(model, *, P=None, method: str = "scipy", tol: float = 1e-6, max_cond: float = 1e12,
             solver=None) -> Certificate:
    """Theorem 5 (singular-value restricted weights), Kozachkov et al. (2022), A3.6.

    If a positive diagonal ``P`` has ``g^2 W^T P W - P < 0``, the RNN contracts in the metric ``P``.
    The proof bounds the generalized Jacobian ``F = -I + P^1/2 W P^-1/2 D`` by
    ``mu_2(F) <= -1 + g |P^1/2 W P^-1/2|_2``, so the rate is ``(1 - g |P^1/2 W P^-1/2|_2) / tau``, and
    the condition is exactly ``g |P^1/2 W P^-1/2|_2 < 1``. With ``P = I`` it is ``g sigma_max(W) < 1``.

    Parameters
    ----------
    P : array_like, shape (n,) or (n, n), optional
        A positive diagonal metric to test. By default the best one, ``argmin_P |P^1/2 W P^-1/2|_2``.
    method : {"scipy", "lmi"}
        How to find the best ``P``. ``"scipy"``: ``log sigma_max(e^s W e^-s)`` is convex in
        ``s = log diag(P^1/2)`` with gradient ``u_i^2 - v_i^2`` (``u, v`` the top singular vectors);
        BFGS minimises its smooth Schatten-``p`` approximations for growing ``p``. ``"lmi"``:
        bisection on ``c`` over the cvxpy feasibility problems
        ``W^T P W <= c^2 P`` with ``P >= I`` diagonal, to relative accuracy ``tol``.
    tol : float
        Relative accuracy of the ``"lmi"`` bisection.
    max_cond : float
        Bound on the condition number of ``P`` in the ``"scipy"`` search (a reducible ``W`` has its
        infimum at an infinitely stretched ``P``).
    solver : str, optional
        cvxpy solver for ``"lmi"`` (default CLARABEL when installed).

    Returns
    -------
    Certificate
        ``metric = P`` in ``x`` (a :class:`FiringRateRNN` gets ``P^-1`` of ``W^T``, which is again the
        optimal ``P`` of ``W``), scaled to
        ``max = 1``; ``details["scaled_norm"]`` is ``|P^1/2 W P^-1/2|_2``. A failing certificate's rate
        is the same expression, non-positive.

    Examples
    --------
    >>> model = RateRNN([[0.0, 3.0], [0.1, 0.0]])
    >>> theorem5(model, P=[1.0, 1.0]).holds, round(theorem5(model).rate, 6)   # 1 - sqrt(3 * 0.1)
    (False, 0.452277)
    """
    name, ref = "Kozachkov Thm 5", f"{PAPER}, Theorem 5"
    if method not in ("scipy", "lmi"):
        raise ValueError(f"method must be 'scipy' or 'lmi', got {method!r}")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    if not (np.isfinite(max_cond) and max_cond > 1):
        raise ValueError(f"max_cond must be a number above 1, got {max_cond!r}")
    tau = _tau(model)
    if tau is None:
        return _not_applicable(name, ref, _tau_note(model))
    W, g = model.W, model.phi.d_max
    if P is not None:
        p, info = _check_diagonal("P", P, model.n), {"n_iter": 0, "status": "given"}
    elif not np.any(W):
        p, info = np.ones(model.n), {"n_iter": 0, "status": "W = 0"}
    elif method == "scipy":
        p, info = _best_scaling_scipy(W, max_cond)
    else:
        p, info = _best_scaling_lmi(W, tol, solver)
    p = p / p.max()
    value = _scaled_norm(W, p)
    return _certificate(name, ref, 1.0 - g * value, np.diag(p), tau, note=info["status"],
                        scaled_norm=value, method="given" if P is not None else method, **info)


# ---------------------------------------------------------------------------------------------------
# Theorem 6


@dataclass(frozen=True, eq=False)
class SlopeCondition:
    """Theorem 6 along sampled trajectories: the result of :func:`theorem6`.

    Attributes
    ----------
    holds : bool
        ``c > 0``, every ``phi' > 0``, and ``beta > 0``.
    c : float
        The first condition's ``c`` (dimensionless, as in the paper).
    beta : float
        The largest ``beta`` (1/time) with ``D' - c / (g tau) D^2 <= -beta D`` at every sample.
    beta_t : ndarray, shape (T, ...)
        That largest ``beta`` at each sample (minimum over neurons).
    rate : float
        ``beta / 2``: the rate of ``|dx|`` in the state-dependent metric ``P D(x(t))``.
    P : ndarray, shape (n,)
        The diagonal of ``P``.
    note : str
    """

    holds: bool
    c: float
    beta: float
    beta_t: np.ndarray
    rate: float
    P: np.ndarray
    note: str = ""


def theorem6_c(model, P=None) -> float:
    """The largest ``c`` in Theorem 6's first condition ``P (gW - I) + (gW - I)^T P <= -c P``.

    That is ``c = -2 mu_{2,P}(g W - I)`` (dimensionless, the paper's units), for a positive diagonal
    ``P`` (default ``I``, where the condition is Matsuoka's ``g W_sym - I < 0``). The theorem needs
    ``c > 0``. We use the proof's form (A3.7), in which ``P`` is the ``P`` of
    ``V = dx^T P D dx``; the statement prints ``(gW - I) P + P (gW^T - I) <= -c P``, which is this
    condition for ``P^-1`` (multiply by ``P^-1`` on both sides).

    Examples
    --------
    >>> float(theorem6_c(RateRNN([[0.0, -3.0], [3.0, 0.0]])))    # W_sym = 0: -2 mu_2(-I) = 2
    2.0
    """
    if not isinstance(model, RateRNN):
        raise ValueError(f"model must be a RateRNN, got {type(model).__name__}")
    p = np.ones(model.n) if P is None else _check_diagonal("P", P, model.n)
    return float(-2.0 * lognorm(model.phi.d_max * model.W - np.eye(model.n), 2, P=np.diag(p)))


def theorem6(model, t, x, *, P=None, c: float | None = None) -> SlopeCondition:
    """Theorem 6 of Kozachkov et al. (2022), A3.7, checked along sampled trajectories ``x(t)``.

    With ``D = diag(phi'(x))``: if ``P (gW - I) + (gW - I)^T P <= -c P`` (:func:`theorem6_c`) and

        D' - c / (g tau) D^2 <= -beta D                                          (proof of Thm 6)

    along the trajectory, then ``V = dx^T P D dx`` has ``V' <= -beta V``, so ``|dx|`` decays at rate
    ``beta / 2`` in the state-dependent metric ``P D(x(t))``. Elementwise the slope condition reads
    ``beta <= c D_i / (g tau) - (log D_i)'``; ``D'`` comes from central differences in ``t``
    (:func:`numpy.gradient`), so sample finely.

    Parameters
    ----------
    model : RateRNN
        With one ``tau`` shared by all neurons.
    t : array_like, shape (T,)
        Increasing sample times.
    x : array_like, shape (T, ..., n)
        States at those times (``Trajectory.x``); any batch shape.
    P : array_like, shape (n,) or (n, n), optional
        Positive diagonal ``P``; default ``I``.
    c : float, optional
        Positive ``c``; default the largest one for ``P``.

    Returns
    -------
    SlopeCondition

    Notes
    -----
    Two typos of the statement, decided by the proof:

    * The statement's slope condition ``D' - c g^-1 D <= -beta D`` is not what the proof uses. Its last
      step, ``V' <= dx^T P (D' - c g^-1 D^2) dx <= -beta V``, needs ``D^2``. The ``D^2`` form is also
      the only one consistent in units (``c`` a rate, ``D`` and ``g`` slopes) and invariant under
      ``phi -> k phi``, ``W -> W / k``, which leaves the network unchanged; the ``D`` form is neither,
      and for ``D < 1`` it is weaker than what the proof needs.
    * The first condition's ``P`` stands on the left in the proof (see :func:`theorem6_c`).

    ``V`` is a metric only where ``D > 0``: an activation with ``phi' = 0`` somewhere on the path
    (ReLU) fails. The rate in the paper's ``V' <= -beta V`` is that of ``V``; distances decay at
    ``beta / 2``. With ``tau``, ``c / g`` becomes ``c / (g tau)`` and ``beta`` is in 1/time.

    Examples
    --------
    >>> from rnnlab import simulate
    >>> model = RateRNN([[0.0, -3.0], [3.0, 0.0]])     # no constant metric exists (Theorem 7)
    >>> traj = simulate(model, [0.2, 0.0], np.linspace(0, 5, 501), dt=0.01)
    >>> res = theorem6(model, traj.t, traj.x)
    >>> res.holds, res.c
    (True, 2.0)
    """
    if not isinstance(model, RateRNN):
        raise ValueError(f"model must be a RateRNN, got {type(model).__name__}")
    tau = _tau(model)
    if tau is None:
        raise ValueError(f"model.tau must be one value shared by all neurons for Theorem 6, got {model.tau}")
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size < 3 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ValueError(f"t must be at least 3 finite increasing times, got shape {t.shape}")
    x = check_state(x, model.n, "x")
    if x.shape[0] != t.size:
        raise ValueError(f"x must have shape ({t.size}, ..., {model.n}) to match t, got {x.shape}")
    p = np.ones(model.n) if P is None else _check_diagonal("P", P, model.n)
    c_max = theorem6_c(model, p)
    if c is None:
        c = c_max
    elif not (np.isfinite(c) and c > 0):
        raise ValueError(f"c must be a positive number, got {c!r}")
    elif c > c_max * (1 + 1e-12) + 1e-12:
        raise ValueError(f"c must be at most the largest c for this P, {c_max:.6g}, got {c!r}")
    g = model.phi.d_max
    D = model.phi.derivative(x)  # (T, ..., n)
    if np.any(D <= 0):
        beta_t = np.full(x.shape[:-1], -np.inf)
        return SlopeCondition(False, c, -np.inf, beta_t, -np.inf, p,
                              note="phi' = 0 on the trajectory: P D is not a metric there")
    D_dot = np.gradient(D, t, axis=0)
    beta_t = np.min(c / (g * tau) * D - D_dot / D, axis=-1)
    beta = float(np.min(beta_t))
    holds = bool(c > 0 and beta > 0)
    note = "" if c > 0 else "c <= 0: the first condition fails"
    return SlopeCondition(holds, float(c), beta, beta_t, beta / 2, p, note=note)


# ---------------------------------------------------------------------------------------------------
# Theorem 7


@dataclass(frozen=True, eq=False)
class CommonMetric:
    """The result of :func:`common_metric`.

    Attributes
    ----------
    feasible : bool
        A metric was found and verified at every vertex.
    M : ndarray, shape (n, n), or None
        The metric (rate coordinates ``x``), normalised ``I <= M <= kappa I`` with ``kappa`` minimal.
    rate : float
        Its exact rate :func:`constant_metric_rate` in units of ``1/tau`` (``>= eps`` up to solver
        accuracy); NaN when no metric was found.
    eps : float
        The rate margin asked for.
    status : str
        cvxpy's status, or why verification failed.
    n_vertices : int
    """

    feasible: bool
    M: np.ndarray | None
    rate: float
    eps: float
    status: str
    n_vertices: int


def _common_metric_problem(W: np.ndarray, g: float, d_min: float):
    """The vertex LMIs ``M A_k + A_k^T M <= -2 eps M``, ``I <= M <= kappa I``, minimise ``kappa``.

    ``eps`` is a cvxpy Parameter, so a bisection compiles the problem once.
    """
    import cvxpy as cp

    n = len(W)
    M = cp.Variable((n, n), symmetric=True)
    kappa = cp.Variable()
    eps = cp.Parameter(nonneg=True)
    I = np.eye(n)
    constraints = [M >> I, M << kappa * I]
    for d in _vertices(n, d_min, g):
        A = -I + W * d[None, :]
        X = M @ A + A.T @ M + 2 * eps * M
        constraints.append(0.5 * (X + X.T) << 0)
    return cp.Problem(cp.Minimize(kappa), constraints), M, eps


def _solve_common_metric(problem, M, eps_param, eps, W, g, d_min, solver) -> CommonMetric:
    import cvxpy as cp

    eps_param.value = eps
    solver = lmi_solver(solver)
    n_vertices = len(problem.constraints) - 2
    try:
        solve_quietly(problem, solver)
    except cp.error.SolverError as err:
        return CommonMetric(False, None, float("nan"), eps, f"solver error: {err}", n_vertices)
    if problem.status not in ("optimal", "optimal_inaccurate") or M.value is None:
        return CommonMetric(False, None, float("nan"), eps, problem.status, n_vertices)
    M_val = 0.5 * (M.value + M.value.T)
    if np.linalg.eigvalsh(M_val)[0] <= 0:
        status = f"{problem.status}, but M is not positive definite"
        return CommonMetric(False, None, float("nan"), eps, status, n_vertices)
    rate = constant_metric_rate(W, g, M_val, d_min=d_min, max_n=len(W))
    if rate <= 0:
        status = f"{problem.status}, but the vertex check fails"
        return CommonMetric(False, M_val, rate, eps, status, n_vertices)
    return CommonMetric(True, M_val, rate, eps, problem.status, n_vertices)


def common_metric(W, g: float, *, eps: float = 1e-3, d_min: float = 0.0, max_n: int = 10,
                  solver=None) -> CommonMetric:
    """Search for one constant metric ``M`` that contracts ``-I + W D`` for every ``D`` in ``[d_min, g]^n``.

    Theorem 7 of Kozachkov et al. (2022), A3.8, shows that ``g W_sym - I < 0`` does not imply such an
    ``M``: for ``W = [[0, -c], [c, 0]]``, ``g = 1``, none exists once ``c >= 2``. The search solves the
    LMIs

        M (-I + W D_k) + (-I + W D_k)^T M <= -2 eps M,    I <= M <= kappa I,    minimise kappa,

    at the ``2^n`` vertices ``D_k`` of the box, which suffices for the whole box by convexity (see
    :func:`constant_metric_rate`). An infeasible LMI is a result (``feasible=False``), not an error.

    Parameters
    ----------
    W : array_like, shape (n, n)
    g : float
        Largest slope ``phi.d_max``.
    eps : float
        Positive rate margin, in units of ``1/tau``.
    d_min : float
        Smallest slope; the paper's box starts at 0.
    max_n : int
        Refuse larger ``n``: ``2^n`` LMIs.
    solver : str, optional
        cvxpy solver (default CLARABEL when installed).

    Returns
    -------
    CommonMetric
        ``M`` is the metric of the rate coordinates ``x``. For the firing-rate form with weights
        ``W`` search with ``W^T`` and invert ``M`` (module docstring).

    Examples
    --------
    >>> common_metric([[0.0, -1.9], [1.9, 0.0]], 1.0, eps=0.01).feasible
    True
    >>> common_metric([[0.0, -2.0], [2.0, 0.0]], 1.0, eps=0.01).feasible
    False
    """
    W = as_square_matrix("W", W, stack=True)
    if W.ndim != 2:
        raise ValueError(f"W must be one matrix, got shape {W.shape}")
    g, d_min = _check_slopes(g, d_min)
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    if len(W) > max_n:
        raise ValueError(f"W has n = {len(W)} > max_n = {max_n}: 2^n vertex LMIs would take too long")
    problem, M, eps_param = _common_metric_problem(W, g, d_min)
    return _solve_common_metric(problem, M, eps_param, float(eps), W, g, d_min, solver)


@criterion(RateRNN, name="Kozachkov Thm 7 (common metric)", cost="lmi", max_n=5)
@criterion(FiringRateRNN, name="Kozachkov Thm 7 (common metric)", cost="lmi", max_n=5)
@_both_forms
def theorem7(model, *, max_n: int = 5, tol: float = 1e-2, solver=None) -> Certificate:
    """The best constant metric over the slope box, by :func:`common_metric` (Kozachkov Theorem 7, A3.8).

    Theorem 7 is a negative result: ``g W_sym - I < 0`` does not give a constant metric. What its proof
    checks, ``M (-I + W D) + (..)^T M < 0`` for every admissible ``D``, is the exact test for one:
    every constant-metric certificate above passes it. Bisection on the margin ``eps`` between 0 and
    ``min_k -alpha(-I + W D_k)`` (no metric beats a vertex's slowest mode) finds the best rate to
    relative accuracy ``tol``; each feasible metric's rate is computed exactly at the vertices.

    The box is ``[phi.d_min, g]^n``: for activations with ``d_min > 0`` (``"linear"``) this is tighter
    than the paper's ``[0, g]^n`` and still exact.

    Parameters
    ----------
    max_n : int
        Not applicable above this ``n`` (``2^n`` LMIs per solve).
    tol : float
        Relative accuracy of the bisection on the rate.
    solver : str, optional
        cvxpy solver.

    Returns
    -------
    Certificate
        ``metric = M`` in ``x`` (a :class:`FiringRateRNN` gets ``M^-1`` of ``W^T``). A failing
        certificate's rate is the upper bound ``min_k -alpha(-I + W D_k) / tau`` when it is not
        positive, else NaN.

    Examples
    --------
    >>> cert = theorem7(RateRNN([[0.0, -1.0], [1.0, 0.0]]))
    >>> cert.holds, round(cert.rate, 2)                 # 1 - c/2 in the identity metric
    (True, 0.5)
    """
    name, ref = "Kozachkov Thm 7 (common metric)", f"{PAPER}, Theorem 7 (A3.8)"
    if not (np.isfinite(tol) and 0 < tol < 1):
        raise ValueError(f"tol must lie in (0, 1), got {tol!r}")
    tau = _tau(model)
    if tau is None:
        return _not_applicable(name, ref, _tau_note(model))
    if model.n > max_n:
        return _not_applicable(name, ref, f"n = {model.n} > max_n = {max_n}: 2^n vertex LMIs")
    W, g, d_min = model.W, model.phi.d_max, model.phi.d_min
    vertices = W[None, :, :] * _vertices(model.n, d_min, g)[:, None, :] - np.eye(model.n)
    hi = float(np.min(-spectral_abscissa(vertices)))
    if hi <= 0:
        return _certificate(name, ref, hi, None, tau, note="a vertex -I + W D is not Hurwitz")
    problem, M, eps_param = _common_metric_problem(W, g, d_min)
    lo, best, n_solves = 0.0, None, 0
    while hi - lo > tol * hi and n_solves < 30:
        mid = 0.5 * (lo + hi)
        res = _solve_common_metric(problem, M, eps_param, mid, W, g, d_min, solver)
        n_solves += 1
        if res.feasible:
            if best is None or res.rate > best.rate:
                best = res
            lo = max(mid, min(res.rate, hi))
        else:
            hi = mid
    if best is None:
        return _certificate(name, ref, float("nan"), None, tau, note="no metric found",
                            n_solves=n_solves, upper=hi)
    return _certificate(name, ref, best.rate, best.M, tau, note=best.status, n_solves=n_solves,
                        upper=hi)


# ---------------------------------------------------------------------------------------------------
# empirical check


def observed_contraction_rate(model, certificate: Certificate, x0_pairs, t, *, dt: float | None = None,
                              floor: float = 1e-9) -> float:
    """The slowest rate at which simulated pairs of trajectories approach, in the certificate's norm.

    Each pair is integrated by RK4 (:func:`rnnlab.simulate`, steps of at most ``dt``) and
    ``d(t) = certificate.distance(x(t) - y(t))`` is sampled at ``t``. A certified rate ``r`` promises
    ``d(t_k+1) <= exp(-r (t_k+1 - t_k)) d(t_k)`` on every interval, so the observed rate is the
    minimum of ``-log(d(t_k+1) / d(t_k)) / (t_k+1 - t_k)`` over intervals and pairs: a certificate
    holds empirically when its rate does not exceed this (up to the integration error).

    Parameters
    ----------
    model : Model
    certificate : Certificate
        Its ``distance`` must be in the model's coordinates.
    x0_pairs : array_like, shape (K, 2, n)
        Initial states of ``K`` pairs.
    t : array_like, shape (T,)
        Sample times.
    dt : float, optional
        Largest RK4 step.
    floor : float
        Intervals where ``d`` has fallen below ``floor * d(t_0)`` are skipped (round-off).

    Returns
    -------
    float
        In 1/time; ``inf`` when no interval is usable.

    Raises
    ------
    DivergenceError
        When a trajectory leaves the simulator's bound (:func:`rnnlab.simulate`).
    """
    x0_pairs = check_state(x0_pairs, model.n, "x0_pairs")
    if x0_pairs.ndim != 3 or x0_pairs.shape[1] != 2:
        raise ValueError(f"x0_pairs must have shape (K, 2, {model.n}), got {x0_pairs.shape}")
    if not (np.isfinite(floor) and 0 <= floor < 1):
        raise ValueError(f"floor must lie in [0, 1), got {floor!r}")
    traj = simulate(model, x0_pairs, t, method="rk4", dt=dt, on_divergence="raise")
    d = certificate.distance(traj.x[:, :, 0, :] - traj.x[:, :, 1, :])  # (T, K)
    usable = d > floor * d[0]
    with np.errstate(divide="ignore"):
        log_d = np.log(d)
    rates = -np.diff(log_d, axis=0) / np.diff(traj.t)[:, None]  # (T - 1, K)
    rates = rates[usable[:-1] & usable[1:]]
    return float(np.min(rates)) if rates.size else float("inf")
