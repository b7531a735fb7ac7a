"""Local stability of ORGaNICs with ``W_r = I`` (Rawat, Heeger & Martiniani 2024, Section 4).

At the fixed point of Eq. 4 the characteristic polynomial of the Jacobian (Eq. 6) is that of the
quadratic eigenvalue problem ``det(lambda^2 I + lambda B + K) = 0`` (Eq. 8), with the stiffness
``K = D(sqrt(a_s) / (tau_y tau_a))`` (Eq. 10) and the damping ``B = B1 + B2 - B3`` (Eq. 11),

    B1 = D(1 / tau_a),   B2 = D(sqrt(a_s) / tau_y),   B3 = D(1 / tau_a) W D(y_s^2).

``K`` is positive diagonal, and ``B`` is a Z-matrix with the regular splitting ``M = B1 + B2``,
``N = B3``; ``S = M^-1 N`` (Eq. 12) has spectral radius below 1 by Theorem 4.3, so ``B`` is Lyapunov
diagonally stable (Theorem 4.2) and the linearisation is asymptotically stable (Theorem 4.1).

The rectified model (Appendix F.1) has the same structure with ``sqrt(a_s)`` replaced by
``g = sqrt(a_s) 1_{z >= 0} + 1_{z < 0}`` in ``B2`` and ``K`` and ``y_s^2`` by ``[y_s]^2`` in ``B3``
(Eqs. 92-95); every function here handles both.

This is *local* asymptotic stability of the normalization fixed point, not contraction of the
nonlinear circuit: :func:`section4_certificate` reports, as its metric and rate, a Lyapunov metric of
the Jacobian at the fixed point, valid for the linearisation only.
"""

from __future__ import annotations

import numpy as np

from ..lognorms import lognorm
from ..metrics import lds_metric, lyapunov_metric
from ..models.organics import ORGaNICs
from .registry import Certificate, criterion

__all__ = [
    "damping_stiffness",
    "splitting_matrix",
    "quadratic_eigenvalues",
    "fully_normalized_eigenvalues",
    "section4_certificate",
    "energy_weights",
    "energy",
    "energy_gradient",
    "energy_rate",
]

REFERENCE = "Rawat et al. (2024), Sec. 4, Eq. 12, Thm 4.3"


def _check(model) -> ORGaNICs:
    if not isinstance(model, ORGaNICs):
        raise ValueError(f"model must be an ORGaNICs, got {type(model).__name__}")
    if not model.identity_recurrence:
        raise ValueError("model.W_r must be the identity for Section 4's analysis")
    if callable(model.z):
        raise ValueError("model.z must be constant for Section 4's analysis, got a callable z(t)")
    return model


def _g_and_rates(model):
    """``g = sqrt(a_s)`` (Eq. 93: ``sqrt(a_s) 1_{z >= 0} + 1_{z < 0}``) and ``y_s^2`` (``[y_s]^2``)."""
    y_s, a_s = model.split(_check(model).fixed_point())
    if model.rectified:
        return np.where(model.z >= 0, np.sqrt(a_s), 1.0), np.maximum(y_s, 0.0) ** 2
    return np.sqrt(a_s), y_s**2


def damping_stiffness(model: ORGaNICs) -> tuple[np.ndarray, np.ndarray]:
    """The damping ``B`` (Eq. 11; Eq. 94) and stiffness ``K`` (Eq. 10; Eq. 93) of Eq. 8 (Eq. 92).

    Each of shape ``(n, n)``.
    """
    g, r2 = _g_and_rates(model)
    B = np.diag(1.0 / model.tau_a + g / model.tau_y) - model.W * r2[None, :] / model.tau_a[:, None]
    K = np.diag(g / (model.tau_y * model.tau_a))
    return B, K


def splitting_matrix(model: ORGaNICs) -> np.ndarray:
    """``S = (B1 + B2)^-1 B3`` of Eq. 12 (Eq. 95), shape ``(n, n)``; Theorem 4.3 gives ``rho(S) < 1``.

    Written as Theorem 4.3's ``D(t) W D(u / (v + W u))`` with ``t = 1 / (1 + (tau_a / tau_y) g)``,
    ``u = b^2 z^2`` (``[b z]^2`` rectified), ``v = b0^2 sigma^2``.
    """
    g, _ = _g_and_rates(model)
    bz = model.b * model.z
    u = np.maximum(bz, 0.0) ** 2 if model.rectified else bz**2
    a_s = model.b0**2 * model.sigma**2 + model.W @ u
    t = 1.0 / (1.0 + model.tau_a / model.tau_y * g)
    return t[:, None] * model.W * (u / a_s)[None, :]


def quadratic_eigenvalues(B, K) -> np.ndarray:
    """The ``2 n`` roots of ``det(lambda^2 I + lambda B + K) = 0`` (Eq. 8), sorted by decreasing real part.

    Through the first companion linearisation: the eigenvalues of ``[[0, I], [-K, -B]]``.
    """
    B = np.asarray(B, dtype=float)
    K = np.asarray(K, dtype=float)
    if B.ndim != 2 or B.shape[0] != B.shape[1] or K.shape != B.shape:
        raise ValueError(f"B and K must be square matrices of one shape, got {B.shape} and {K.shape}")
    n = len(B)
    C = np.block([[np.zeros((n, n)), np.eye(n)], [-K, -B]])
    lam = np.linalg.eigvals(C)
    return lam[np.argsort(-lam.real, kind="stable")]


def fully_normalized_eigenvalues(model: ORGaNICs) -> np.ndarray:
    """The ``2 n`` Jacobian eigenvalues at the fixed point when ``W = alpha 1 1^T`` (Appendix C).

    Needs scalar ``tau_y``, ``tau_a``, ``b0``, ``sigma`` (``b`` may vary). With
    ``s = sqrt(sigma^2 b0^2 + alpha |b z|^2)`` and ``rho = alpha |b z|^2 / s^2``: ``-1 / tau_a`` and
    ``-s / tau_y`` each ``n - 1`` times (Eq. 61, the roots of Eq. 60) and the two roots of
    ``lambda^2 + lambda ((1 - rho) / tau_a + s / tau_y) + s / (tau_y tau_a) = 0`` (Eq. 62).
    Sorted by decreasing real part.

    Rectified model (Appendix F.2, Eqs. 96-100): with ``n1`` drives ``z_i >= 0`` and ``n2`` negative
    ones, ``-1/tau_a`` and ``-s/tau_y`` each ``n1 - 1`` times, ``-1/tau_a`` and ``-1/tau_y`` each ``n2``
    times, and the pair of Eq. 100 (none when ``n1 = 0``). Eqs. 97 and 100 print ``|b z|^2``; since
    ``a_s = b0^2 sigma^2 + W [b z]^2`` (Eq. 88) it must be ``|[b z]|^2``, which we use (the test
    against the numeric spectrum fails with the printed one).
    """
    _check(model)
    alpha = model.W[0, 0]
    if not np.all(model.W == alpha):
        raise ValueError("model.W must have all entries equal (W = alpha 1 1^T) for Appendix C")
    for name in ("tau_y", "tau_a", "b0", "sigma"):
        v = getattr(model, name)
        if not np.all(v == v[0]):
            raise ValueError(f"model.{name} must be one scalar for Appendix C, got {v}")
    tau_y, tau_a, b0, sigma = model.tau_y[0], model.tau_a[0], model.b0[0], model.sigma[0]
    bz = model.b * model.z
    e = alpha * np.sum((np.maximum(bz, 0.0) if model.rectified else bz) ** 2)
    s = np.sqrt(sigma**2 * b0**2 + e)
    rho = e / s**2
    n1 = int(np.count_nonzero(model.z >= 0)) if model.rectified else model.n_neurons
    n2 = model.n_neurons - n1
    pair = np.roots([1.0, (1.0 - rho) / tau_a + s / tau_y, s / (tau_y * tau_a)]) if n1 else []
    k = max(n1 - 1, 0)
    lam = np.concatenate([np.full(k, -1.0 / tau_a), np.full(k, -s / tau_y), np.full(n2, -1.0 / tau_a),
                          np.full(n2, -1.0 / tau_y), pair]).astype(complex)
    return lam[np.argsort(-lam.real, kind="stable")]


@criterion(ORGaNICs, name="ORGaNICs Sec. 4 (local)", cost="lmi", max_n=40)
def section4_certificate(model: ORGaNICs) -> Certificate:
    """Local asymptotic stability of the normalization fixed point of ORGaNICs (Sec. 4).

    Checks the hypotheses of Theorems 4.1-4.3 numerically at the fixed point of Eq. 4: ``K`` positive
    diagonal, ``B`` a Z-matrix, and ``rho(S) < 1`` for the splitting of Eq. 12. When they hold, the
    metric is a diagonal Lyapunov metric ``P`` of the Jacobian ``J`` at the fixed point
    (:func:`rnnlab.metrics.lds_metric`), or when ``J`` is not diagonally stable the solution of
    ``J^T P + P J = -I``; ``rate = -mu_{2,P}(J)``. Both describe the linearisation only: nearby
    trajectories approach the fixed point at rate ``rate`` asymptotically; they are not a global
    contraction certificate of the nonlinear circuit.

    Applies only when ``W_r = I`` and ``z`` is constant.

    Examples
    --------
    >>> model = ORGaNICs(W=np.full((3, 3), 0.5), z=[1.0, -0.5, 0.2], sigma=0.1)
    >>> cert = section4_certificate(model)
    >>> cert.holds, cert.rate > 0
    (True, True)
    """
    name = "ORGaNICs Sec. 4 (local)"
    if not isinstance(model, ORGaNICs) or not model.identity_recurrence or callable(model.z):
        why = ("needs W_r = I (Sec. 5 has no analytic fixed point)"
               if isinstance(model, ORGaNICs) and not model.identity_recurrence
               else "needs an ORGaNICs with a constant drive z")
        return Certificate(name, False, float("nan"), "l2", None, REFERENCE, applies=False, note=why)
    ref = "Rawat et al. (2024), App. F.1, Eq. 95, Thm 4.3" if model.rectified else REFERENCE
    B, K = damping_stiffness(model)
    S = splitting_matrix(model)
    spectral_radius = float(np.max(np.abs(np.linalg.eigvals(S))))
    z_matrix = bool(np.all(B - np.diag(np.diagonal(B)) <= 0))
    k_positive = bool(np.all(np.diagonal(K) > 0))
    x_s = model.fixed_point()
    J = model.jacobian(0.0, x_s)
    details = {"B": B, "K": K, "S": S, "spectral_radius": spectral_radius, "z_matrix": z_matrix,
               "fixed_point": x_s, "jacobian": J}
    if not (z_matrix and k_positive and spectral_radius < 1):
        note = f"hypotheses fail: Z-matrix {z_matrix}, K > 0 {k_positive}, rho(S) = {spectral_radius:.4g}"
        return Certificate(name, False, float("nan"), "l2", None, ref, note=note, details=details)
    lds = lds_metric(J)
    if lds.lds:
        P, kind = np.diag(lds.p), "diagonal (LDS of J)"
    else:
        P, kind = lyapunov_metric(J), "J^T P + P J = -I (J not found diagonally stable)"
    rate = -float(lognorm(J, 2, P=P))
    details["metric_kind"] = kind
    note = (f"local stability at the fixed point only, not global contraction; rho(S) = "
            f"{spectral_radius:.4g}; metric {kind}")
    if not rate > 0:  # the theorem makes J Hurwitz, so only round-off can land here
        return Certificate(name, False, rate, "l2", None, ref, note=note, details=details)
    return Certificate(name, True, rate, "l2", P, ref, note=note, details=details)


# ---------------------------------------------------------------------------------------------------
# the energy (Lyapunov) function of Appendix H


def energy_weights(model: ORGaNICs) -> np.ndarray:
    """Diagonal ``T = D(t)`` with ``T B + B^T T`` positive definite, for Eq. 121 (App. H), shape ``(n,)``.

    ``B`` (Eq. 11) is a nonsingular M-matrix (Theorems 4.2-4.3), so ``u = B^-1 1`` and
    ``v = B^-T 1`` are positive and ``t = v / u`` works (Berman & Plemmons 1994, Ch. 6): the paper
    asks for "any" such ``T``; this one needs no LMI. Normalised to ``max t = 1``.
    """
    B, _ = damping_stiffness(model)
    ones = np.ones(len(B))
    u, v = np.linalg.solve(B, ones), np.linalg.solve(B.T, ones)
    if np.any(u <= 0) or np.any(v <= 0):  # Theorem 4.3 excludes it; only round-off could land here
        raise ValueError("model's damping B is not a nonsingular M-matrix to working precision")
    t = v / u
    return t / t.max()


def _energy_parts(model, x, linearized):
    if model.rectified:
        raise ValueError("model must be the main model (Eq. 3) for the energy of App. H, got rectified=True")
    x = np.asarray(x, dtype=float)
    if x.ndim == 0 or x.shape[-1] != model.n or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be finite of shape (..., {model.n}), got shape {x.shape}")
    y_s, a_s = model.split(_check(model).fixed_point())
    if model.n_neurons == 1:
        q = np.ones(1)  # Eq. 129: the constant t a_s / y_s^2 is dropped
    else:
        if np.any(y_s == 0):
            raise ValueError("model.z must have no zero entry for Eq. 128 (its weights a_s / y_s^2)")
        q = energy_weights(model) * a_s / y_s**2
    y, a = model.split(x)
    k = model.tau_y / model.tau_a * np.sqrt(a_s)
    if linearized:  # Eq. 125: sqrt(a) y expanded to first order about the fixed point (Eq. 126)
        r = np.sqrt(a_s) * (y - y_s) + y_s / (2 * np.sqrt(a_s)) * (a - a_s)
        dr_dy, dr_da = np.sqrt(a_s) + 0 * y, y_s / (2 * np.sqrt(a_s)) + 0 * a
    else:  # Eq. 128, with sqrt([a]) as in the model
        sa = np.sqrt(np.maximum(a, 0.0))
        r = sa * y - model.b * model.z
        dr_dy = sa
        dr_da = np.where(a > 0, y / (2 * np.where(a > 0, sa, 1.0)), 0.0)
    return q, k, y - y_s, r, dr_dy, dr_da


def energy(model: ORGaNICs, x, *, linearized: bool = False) -> np.ndarray:
    """The energy of ORGaNICs with ``W_r = I`` (App. H), at states ``x`` of shape ``(..., 2 n)``.

    ``V(y, a) = sum_i q_i [ (tau_y / tau_a)_i sqrt(a_s,i) (y_i - y_s,i)^2 + (sqrt(a_i) y_i - b_i z_i)^2 ]``
    (Eq. 128) with ``q_i = t_i a_s,i / y_s,i^2`` and ``t`` from :func:`energy_weights`; for one neuron
    ``q = 1`` (Eq. 129, which is Eq. 13 / Eq. 130 with the fixed point written out). With
    ``linearized=True``, ``sqrt(a_i) y_i`` is replaced by its first-order expansion (Eq. 126): Eq. 125,
    the quadratic Lyapunov function ``x^T T K x + v^T T v`` of the linearisation in ``(y, a)``.

    ``V >= 0`` with ``V = 0`` at the fixed point. It is a Lyapunov function near the fixed point: along
    the linearisation ``dV/dt = -v^T (T B + B^T T) v <= 0``.

    Examples
    --------
    >>> m = ORGaNICs(W=[[1.0]], z=[1.0], b=0.5, b0=0.5, sigma=0.1, tau_y=2.0, tau_a=2.0)
    >>> x_s = m.fixed_point()
    >>> float(energy(m, x_s)), bool(energy(m, x_s + [0.1, 0.0]) > 0)
    (0.0, True)
    """
    q, k, dy, r, _, _ = _energy_parts(model, x, linearized)
    return np.sum(q * (k * dy**2 + r**2), axis=-1)


def energy_gradient(model: ORGaNICs, x, *, linearized: bool = False) -> np.ndarray:
    """``dV/dx`` of :func:`energy` at states ``x``, shape ``(..., 2 n)`` (exact)."""
    q, k, dy, r, dr_dy, dr_da = _energy_parts(model, x, linearized)
    return np.concatenate([q * (2 * k * dy + 2 * r * dr_dy), q * 2 * r * dr_da], axis=-1)


def energy_rate(model: ORGaNICs, x, *, linearized: bool = False) -> np.ndarray:
    """``dV/dt = grad V . f(x)`` along the circuit's own (nonlinear) flow, shape ``(...)``."""
    return np.sum(energy_gradient(model, x, linearized=linearized) * model.vector_field(0.0, x), axis=-1)
