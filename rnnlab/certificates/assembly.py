"""The contraction certificate of a network of networks (Kozachkov et al. 2022, Sec. 2, A1.2, A3.1).

Feedback (Corollary 1, A3.1). If module ``i`` contracts at rate ``lam_i`` in the constant metric
``M_i`` (``M_i J_i + J_i^T M_i <= -2 lam_i M_i``) and ``M = BlockDiag(M_i)`` makes the coupling skew,
``M L + L^T M = 0``, then ``V = dx^T M dx / 2`` has ``V' <= -2 min_i lam_i V``: the assembly contracts
at the slowest module's rate in ``M``.

Hierarchy (A1.2, Lohmiller & Slotine 1998). A connection ``x_i' += h(x_j)`` with ``i > j`` feeds
forward. In the weighted metric ``BlockDiag(eps_i M_i)`` and the whitened coordinates
``z_i = sqrt(eps_i) M_i^(1/2) dx_i``, the connection adds at most ``gamma_ij sqrt(eps_i / eps_j)
|z_i| |z_j|`` to ``V'``, with ``gamma_ij >= |M_i^(1/2) dh M_j^(-1/2)|_2``. Hence ``V' <= -2 lam V``
with ``lam`` the smallest eigenvalue of the comparison matrix

    S_ii = lam_i,    S_ij = S_ji = -gamma_ij sqrt(eps_i / eps_j) / 2    (i > j).

We take ``eps_i = delta^i``: as ``delta -> 0`` the off-diagonal entries vanish (``i > j``) and ``lam``
tends to ``min_i lam_i``. The certificate claims ``lam >= rate_fraction * min_i lam_i`` and halves
``delta`` from 1 until that holds. Any rate below the slowest module's is reachable this way, at the
price of a metric whose later blocks are weighted less. Feedback ``L`` must then be skew in the
weighted metric too (block-diagonal ``L`` is); to mix feedback with hierarchy, join the fed-back
modules in an inner :class:`Assembly` first (recursion).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from ..models.assembly import Assembly, feedback_coupling
from .registry import Certificate, certify, criterion

__all__ = ["assembly_certificate", "certified_assembly", "module_certificate", "skew_residual"]

NAME = "Kozachkov network of networks"
REFERENCE = "Kozachkov et al. (2022), Eq. 3, Corollary 1 (A3.1), A1.2"


def module_certificate(module) -> Certificate | None:
    """The holding l2 certificate with the largest rate among ``certify(module)``, or None."""
    return max((c for c in certify(module) if c.holds and c.norm == "l2"), key=lambda c: c.rate, default=None)


def certified_assembly(modules, B, *, mask=None, hierarchy=(), certifier=None, cls=Assembly) -> Assembly:
    """Certify each module, take its metric, and couple the modules by ``L = B - M^-1 B^T M`` (Eq. 3).

    Parameters
    ----------
    modules : sequence of Model
    B : array_like, shape (N, N)
        Free coupling parameter (1/time).
    mask : array_like of bool, shape (N, N), optional
        Applied to ``B`` first, e.g. ``block_mask(sizes)`` (A4.1.1).
    hierarchy : sequence of Hierarchical
    certifier : callable, optional
        ``certifier(module) -> Certificate`` with ``norm="l2"``; default :func:`module_certificate`,
        the best holding l2 certificate of :func:`rnnlab.certify`.
    cls : type
        The assembly class to build (:class:`~rnnlab.models.Assembly` or a subclass).

    Returns
    -------
    Assembly
        With ``module_certificates`` set, so that its own certificate reuses them.

    Raises
    ------
    ValueError
        When a module has no holding l2 certificate.
    """
    certifier = module_certificate if certifier is None else certifier
    modules = tuple(modules)
    certs = []
    for k, module in enumerate(modules):
        cert = certifier(module)
        if cert is None or not cert.holds or cert.norm != "l2":
            raise ValueError(f"modules[{k}] has no holding l2 contraction certificate to take a metric from")
        certs.append(cert)
    metrics = [np.eye(m.n) if c.metric is None else c.metric for m, c in zip(modules, certs)]
    L = feedback_coupling(B, metrics, mask=mask)
    return cls(modules, L=L, hierarchy=hierarchy, module_certificates=tuple(certs))


def skew_residual(M, L) -> float:
    """``|M L + L^T M|_2 / (|M|_2 |L|_2)``: zero when ``L`` is negative feedback in ``M`` (Eq. 3)."""
    M, L = np.asarray(M, dtype=float), np.asarray(L, dtype=float)
    scale = np.linalg.norm(M, 2) * np.linalg.norm(L, 2)
    return float(np.linalg.norm(M @ L + L.T @ M, 2) / scale) if scale > 0 else 0.0


def _sqrt_and_inv_sqrt(M):
    w, V = np.linalg.eigh(M)
    return (V * np.sqrt(w)) @ V.T, (V / np.sqrt(w)) @ V.T


def _hierarchy_gains(model, metrics) -> np.ndarray:
    """``gamma[i, j] >= |M_i^(1/2) dh_ij M_j^(-1/2)|_2``, summed over connections; exact for linear ones."""
    roots = [_sqrt_and_inv_sqrt(M) for M in metrics]
    gamma = np.zeros((len(metrics), len(metrics)))
    for c in model.hierarchy:
        (root_i, _), (_, inv_root_j) = roots[c.i], roots[c.j]
        if c.G is not None:
            gamma[c.i, c.j] += np.linalg.norm(root_i @ c.G @ inv_root_j, 2)
        else:
            gamma[c.i, c.j] += np.linalg.norm(root_i, 2) * c.gain * np.linalg.norm(inv_root_j, 2)
    return gamma


def _comparison_rate(rates, gamma, delta) -> float:
    p = len(rates)
    eps = delta ** np.arange(p)
    C = gamma * np.sqrt(eps[:, None] / eps[None, :])  # strictly lower triangular
    S = np.diag(rates) - 0.5 * (C + C.T)
    return float(np.linalg.eigvalsh(S)[0])


def _hierarchy_delta(rates, gamma, target) -> tuple[float, float]:
    """The largest ``delta = 2^-k`` whose comparison matrix has rate ``>= target``, and that rate."""
    delta = 1.0
    for _ in range(1000):
        rate = _comparison_rate(rates, gamma, delta)
        if rate >= target:
            return delta, rate
        delta *= 0.5
    return 0.0, float("nan")


def _fail(note, **details) -> Certificate:
    return Certificate(NAME, False, float("nan"), "l2", None, REFERENCE, note=note, details=details)


@criterion(Assembly, name=NAME)
def assembly_certificate(model: Assembly, *, rate_fraction: float = 0.9, tol: float = 1e-9) -> Certificate:
    """Compose the modules' l2 certificates into one for the assembly (A3.1 feedback, A1.2 hierarchy).

    Parameters
    ----------
    model : Assembly
    rate_fraction : float
        With hierarchical connections, the claimed rate is at least this fraction of the slowest
        module's (module docstring); without them the rate is the slowest module's.
    tol : float
        Largest :func:`skew_residual` of the feedback coupling ``L`` in the metric.

    Returns
    -------
    Certificate
        ``metric = BlockDiag(eps_i M_i)`` (``eps_i = 1`` without hierarchy); ``details`` holds the
        module rates and criteria, the weights ``eps`` and the skew residual. Fails (``holds=False``,
        with a note) when a module has no holding l2 certificate, ``L`` is not negative feedback in the
        metric, a connection is not from an earlier to a later module, or a nonlinear one has no gain.

    Examples
    --------
    >>> from rnnlab import RateRNN
    >>> from rnnlab.models.assembly import feedback_coupling
    >>> a = Assembly([RateRNN([[0.5]]), RateRNN([[0.2]])], L=feedback_coupling([[0, 0], [3, 0]], [[[1]], [[1]]]))
    >>> cert = assembly_certificate(a)
    >>> cert.holds, round(cert.rate, 2)                 # the slower module: 1 - 0.5
    (True, 0.5)
    """
    if not (np.isfinite(rate_fraction) and 0 < rate_fraction < 1):
        raise ValueError(f"rate_fraction must lie in (0, 1), got {rate_fraction!r}")
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    certs = model.module_certificates
    if certs is None:
        certs = tuple(module_certificate(m) for m in model.modules)
    missing = [k for k, c in enumerate(certs) if c is None or not c.holds]
    if missing:
        return _fail(f"modules {missing} have no holding l2 certificate")
    rates = np.array([c.rate for c in certs])
    metrics = [np.eye(m.n) if c.metric is None else np.asarray(c.metric) for m, c in zip(model.modules, certs)]
    details = {"module_rates": rates, "module_criteria": [c.criterion for c in certs]}

    backward = [(c.j, c.i) for c in model.hierarchy if c.i <= c.j]
    if backward:
        return _fail(f"hierarchical connections must go from earlier to later modules (j < i); got j -> i = "
                     f"{backward}", **details)
    if any(c.G is None and c.gain is None for c in model.hierarchy):
        return _fail("a nonlinear hierarchical connection has no Jacobian bound gain", **details)

    eps, rate = np.ones(len(certs)), float(np.min(rates))
    if model.hierarchy:
        gamma = _hierarchy_gains(model, metrics)
        delta, rate = _hierarchy_delta(rates, gamma, rate_fraction * rate)
        if delta == 0.0:
            return _fail("no weighting delta > 0 reaches the claimed rate", **details)
        eps = delta ** np.arange(len(certs))
        details["gains"] = gamma
    M = scipy.linalg.block_diag(*(e * Mi for e, Mi in zip(eps, metrics)))
    residual = skew_residual(M, model.L)
    details.update(weights=eps, skew_residual=residual)
    if residual > tol:
        note = f"L is not negative feedback in the metric: |M L + L^T M| / (|M| |L|) = {residual:.3g}"
        if model.hierarchy:
            note += "; join feedback-coupled modules in an inner Assembly, then add the hierarchy"
        return _fail(note, **details)
    return Certificate(NAME, True, rate, "l2", M, REFERENCE, note="", details=details)
