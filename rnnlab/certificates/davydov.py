"""Non-Euclidean contraction certificates of Davydov, Proskurnikov & Bullo (2022), Sec. V.

Every certificate is a one-sided Lipschitz constant ``osL`` of the vector field in a diagonally
weighted ``l1`` or ``l-inf`` norm; the model contracts at rate ``-osL`` when it is negative
(Sec. IV-A). For locally Lipschitz vector fields ``osL`` is the essential supremum of the log norm of
the Jacobian (Theorem 15), and for the models here the Jacobian ranges over a polytope whose worst
case sits at two (or one) of its vertices (Lemma 6), so each ``osL`` is computed exactly:

========================  ==========================================  ======  ==========================
model                     Jacobian                                    norm    certificate
========================  ==========================================  ======  ==========================
Hopfield (Eq. 14)         ``-[C] + A [d]``                            l1      Thm 16 (closed form, LP)
firing rate (Eq. 18)      ``-[C] + [d] A``                            l-inf   Thm 18 (closed form, LP)
``x' = A Phi(x)``         ``A [d]``                                   l1      Thm 19(i) (M-Hurwitz)
Hopfield, ``d_min = 0``   ``-[C] + A [d]``                            l1      Thm 19(ii) (M-Hurwitz)
``A x - [C] Phi(x)``      ``A - [C][d]``                              l1      Thm 20 (M-Hurwitz)
``sum a_ij phi_ij(x_j)``  ``A o D``                                   both    Thm 21 (M-Hurwitz)
Lur'e                     ``A + d v w^T``                             both    Thm 22 (LP)
multivariable Lur'e       ``A + B [d] C``                             both    Thm 23 (majorant ``F``)
========================  ==========================================  ======  ==========================

Theorems 16 and 18 have a third route besides the LP and the closed forms, not in the paper: their
LP optimum is ``max alpha`` of the Metzler majorant over the ``2^n`` slope corners, which policy
iteration finds exactly in a few eigenvector computations (``method="policy"``, the default where no
closed form applies; n = 1000 in well under a second, see ``benchmarks/bench_lp_weights.py``).

The rate a certificate reports is always ``-max_k mu_{p,[eta]}(V_k)`` evaluated with the weights it
returns, never a formula's value taken on trust; the closed forms and the LP optimum are kept in
``details`` for comparison. A failing certificate reports its (non-positive) margin ``-osL``.

Section V-D's absolute, connective and total contraction are :func:`absolute_contraction`,
:func:`connective_contraction` and :func:`total_contraction`; :func:`pruned` and :func:`without_edges`
build the members of the families they speak for.

Conventions and readings of the paper
-------------------------------------
* Weights follow :mod:`rnnlab.lognorms`: ``eta`` is the norm ``|[eta] x|_p``. The paper states its
  ``l-inf`` results in ``|.|_{inf,[eta]^-1}``, so a ``"linf"`` certificate's ``metric`` is the
  reciprocal of the paper's vector: ``1 / v`` for a right Perron vector ``v``.
* Sec. II-A prints ``mu_{1,[eta]}`` as a row sum; it is the column sum (see
  :func:`rnnlab.lognorms.lognorm`), which is what the LP of Theorem 16(ii) and Eq. 6 need.
* Theorems 21 and 23 print the norm as ``|.|_{inf,[v]}^{-1}``; we read ``|.|_{inf,[v]^-1}``, as in
  Theorem 18(i)-(ii) (``metric = 1 / v``). With the literal ``[v]`` the claim fails in general
  (``tests/test_certificates_davydov.py`` shows a counterexample).
* Theorem 18(iii)-(iv) write ``inf_eta osL_{inf,[eta]}`` where (i)-(ii) write ``[eta]^-1``: the same
  infimum, as ``eta`` ranges over all positive vectors.
* Hypotheses that only make the value exact do not switch a certificate off. Irreducibility of
  ``[A]_Mzr`` (Theorems 16, 18) is needed for the Perron closed forms; without it the LP gives the
  infimum up to its tolerance (Remark 17). Invertibility of ``A`` (Theorem 18) is needed for the
  equality in 18(i), i.e. for every slope vertex to be reached by some state; without it 18(i) is
  still an upper bound on ``osL`` (Lemma 6, Eq. 5 and Theorem 15), so the certificate stays valid
  and ``details["exact"]`` is False. ``applies`` is False only when the model lacks the structure.
* Theorem 21's rate ``-alpha([B]_Mzr)`` assumes ``a_ii <= 0`` (which ``B in MH`` forces); we compute
  with the entrywise worst-case majorant ``W`` of ``A o D`` (``W = [B]_Mzr`` when ``a_ii <= 0``), whose
  Perron weights give the exact ``osL`` in every case.
* Theorem 16(iv) and 19(ii) ask ``C`` positive definite; the closed form of 16(iv) holds for ``C >= 0``
  too (it is then non-negative, so no contraction), and Theorem 19(ii) is refused for ``C`` with a zero.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.linalg
import scipy.sparse.csgraph
import scipy.sparse.linalg

from ..lognorms import lognorm, metzler_majorant, optimal_weights, perron_weights, spectral_abscissa
from ..models.base import as_matrix, as_shaped_array, as_vector
from ..models.hopfield import FiringRateModel, Hopfield
from ..models.lure import DiagonalLure, Lure, MultivariableLure, Persidskii
from ..models.rnn import FiringRateRNN, RateRNN
from .registry import Certificate, criterion

__all__ = [
    "slope_vertices",
    "hopfield_osl",
    "hopfield_certificate",
    "firing_rate_osl",
    "firing_rate_certificate",
    "persidskii_certificate",
    "hopfield_m_hurwitz_certificate",
    "diagonal_lure_certificate",
    "persidskii_network_certificate",
    "lure_certificate",
    "multivariable_lure_majorant",
    "multivariable_lure_certificate",
    "absolute_contraction",
    "connective_contraction",
    "total_contraction",
    "as_hopfield",
    "pruned",
    "without_edges",
]

PAPER = "Davydov, Proskurnikov & Bullo (2022)"
METHODS = ("auto", "closed_form", "policy", "lp")


# ---------------------------------------------------------------------------------------------------
# Argument checks and shared pieces


def _check_slopes(d_min, d_max, *, nonnegative: bool = True) -> tuple[float, float]:
    try:
        d_min, d_max = float(d_min), float(d_max)
    except (TypeError, ValueError):
        raise ValueError(f"d_min and d_max must be numbers, got {d_min!r} and {d_max!r}") from None
    if not np.isfinite(d_min):
        raise ValueError(f"d_min must be finite, got {d_min}")
    if not np.isfinite(d_max):
        raise ValueError(f"d_max must be finite (phi Lipschitz, Eq. 15), got {d_max}")
    if nonnegative and d_min < 0:
        raise ValueError(f"d_min must be >= 0 (weakly increasing activations, Eq. 15), got {d_min}")
    if d_min > d_max:
        raise ValueError(f"d_min must be <= d_max, got d_min = {d_min} > d_max = {d_max}")
    return d_min, d_max


def _check_p(p) -> float:
    if p == 1:
        return 1
    if p in (np.inf, "inf", "linf"):
        return np.inf
    raise ValueError(f"p must be 1 or inf, got {p!r}")


def _check_eta(eta, n: int) -> np.ndarray:
    eta = np.asarray(eta, dtype=float)
    if eta.shape != (n,) or not np.all(np.isfinite(eta)) or np.any(eta <= 0):
        raise ValueError(f"eta must be a positive vector of shape ({n},), got {eta!r}")
    return eta


def _matrix_and_leak(A, C) -> tuple[np.ndarray, np.ndarray]:
    A = as_matrix("A", A)
    return A, as_vector("C", C, A.shape[0], nonnegative=True)


def _norm_name(p) -> str:
    return "l1" if p == 1 else "linf"


def _is_irreducible(M) -> bool:
    """Whether the graph of the off-diagonal entries of ``M`` is strongly connected."""
    n = len(M)
    if n == 1:
        return True
    G = (np.abs(M) > 0) & ~np.eye(n, dtype=bool)
    n_comp, _ = scipy.sparse.csgraph.connected_components(G, directed=True, connection="strong")
    return n_comp == 1


def _metzler_weights(M, p) -> tuple[np.ndarray, str]:
    """Weights with ``mu_{p,[eta]}(M)`` at (or, if reducible, near) ``alpha(M)`` for a Metzler ``M``.

    Lemma 1(ii) (Perron vectors) for an irreducible ``M``; otherwise the LP of Theorem 4, whose optimum
    is ``alpha(M)`` up to its tolerance (Lemma 1(i), Remark 17).
    """
    if _is_irreducible(M):
        return perron_weights(M, p), ""
    note = "reducible Metzler majorant: weights from the LP (Remark 17), not Perron"
    return optimal_weights(M, p).eta, note


def _result(name, reference, p, eta, osl, note="", **details) -> Certificate:
    osl = float(osl)
    eta = np.array(eta, dtype=float)
    eta.setflags(write=False)
    return Certificate(
        criterion=name, holds=bool(osl < 0), rate=0.0 - osl, norm=_norm_name(p), metric=eta,  # no -0.0
        reference=reference, note=note, details=dict(osL=osl, **details),
    )


def _not_applicable(name, reference, p, note) -> Certificate:
    return Certificate(name, False, float("nan"), _norm_name(p), None, reference, applies=False, note=note)


def _join(*notes) -> str:
    return "; ".join(note for note in notes if note)


# ---------------------------------------------------------------------------------------------------
# Theorems 16 and 18: Hopfield (l1) and firing-rate (l-inf) models


def slope_vertices(A, C=1.0, d_min=0.0, d_max=1.0) -> np.ndarray:
    """The two matrices ``-[C] + d A``, ``d in (d_min, d_max)``, of Lemma 6.

    The Hopfield Jacobian ``-[C] + A [d]`` has its worst ``l1`` log norm at one of them (Eq. 6), the
    firing-rate Jacobian ``-[C] + [d] A`` its worst ``l-inf`` log norm (Eq. 5).

    Returns
    -------
    ndarray, shape (2, n, n)
    """
    A, C = _matrix_and_leak(A, C)
    d_min, d_max = _check_slopes(d_min, d_max)
    return np.stack([-np.diag(C) + d * A for d in (d_min, d_max)])


def hopfield_osl(A, C, d_min, d_max, eta) -> float:
    """``osL_{1,[eta]}(f_H)`` of the Hopfield network, Eq. 14 (Theorem 16(i)).

    ``max{mu_{1,[eta]}(-C + d_min A), mu_{1,[eta]}(-C + d_max A)}``: the worst log norm of the
    Jacobian ``-[C] + A [d]`` over all slopes ``d in [d_min, d_max]^n`` (Lemma 6, Eq. 6), which is
    the one-sided Lipschitz constant by Theorem 15. Valid for any ``eta > 0``, reducible or not.
    """
    V = slope_vertices(A, C, d_min, d_max)
    return float(np.max(lognorm(V, 1, eta=_check_eta(eta, V.shape[-1]))))


def firing_rate_osl(A, C, d_min, d_max, eta) -> float:
    """``osL`` of the firing-rate model, Eq. 18, in the norm ``|[eta] x|_inf`` (Theorem 18(i)).

    ``max{mu_{inf,[eta]}(-C + d_min A), mu_{inf,[eta]}(-C + d_max A)}`` (Lemma 6, Eq. 5). The paper's
    ``eta`` is our ``1 / eta``. Equal to ``osL`` when ``A`` is invertible, an upper bound otherwise.
    """
    V = slope_vertices(A, C, d_min, d_max)
    return float(np.max(lognorm(V, np.inf, eta=_check_eta(eta, V.shape[-1]))))


def _closed_form(A, C, d_min, d_max, p):
    """Theorem 16(iii)-(iv) (``p = 1``) and 18(iii)-(iv) (``p = inf``): ``(value, eta, case)`` or None.

    The weights are the left (``p = 1``: ``w``) or right (``p = inf``: ``1 / v``) Perron vectors of
    Lemma 1, of ``[A]_Mzr`` in case (iii) and of ``-C + d_max [A]_Mzr`` in case (iv).
    """
    Mz = metzler_majorant(A)
    if np.all(C == C[0]) and _is_irreducible(Mz):  # (iii): C = c I
        M, case = Mz, "(iii)"
    elif d_min == 0 and _is_irreducible(-np.diag(C) + d_max * Mz):  # (iv)
        M, case = -np.diag(C) + d_max * Mz, "(iv)"
    else:
        return None
    alpha, v = _perron(M.T if p == 1 else M)
    eta = v if p == 1 else 1.0 / v
    if case == "(iii)":
        return -C[0] + max(d_min * alpha, d_max * alpha), eta / eta.max(), case
    return max(float(np.max(-C)), alpha), eta / eta.max(), case


def _perron(M, v0=None) -> tuple[float, np.ndarray]:
    """``alpha(M)`` and the right Perron vector (``max = 1``) of an irreducible Metzler ``M``.

    ARPACK (a few matrix-vector products) for large ``M``, a dense eigensolver otherwise or if it fails.
    """
    n = len(M)
    if n > 64:
        try:
            lam, vec = scipy.sparse.linalg.eigs(M, k=1, which="LR", v0=v0, tol=1e-14)
            v = (vec[:, 0] / vec[np.argmax(np.abs(vec[:, 0])), 0]).real  # undo ARPACK's complex phase
            if np.all(v > 0) and abs(lam[0].imag) <= 1e-12 * (1 + abs(lam[0])):
                return float(lam[0].real), v / v.max()
        except scipy.sparse.linalg.ArpackError:
            pass
    lam, vec = scipy.linalg.eig(M)
    k = np.argmax(lam.real)
    v = np.abs(vec[:, k].real)
    return float(lam[k].real), v / v.max()


def _corner_policy_iteration(G, max_iter: int = 100):
    """``min_{z > 0} max_{k, i} (G_k z)_i / z_i`` for Metzler ``G_k`` whose corners are irreducible.

    The constraints ``G_k z <= b z`` of Theorem 16(ii) / 18(ii) act row by row, so the feasible set is
    that of every "corner" ``G_s`` whose row ``i`` is row ``i`` of ``G_{s_i}``: the slope corners
    ``d in {d_min, d_max}^n`` of Lemma 6. By Collatz-Wielandt each corner forces ``b >= alpha(G_s)``,
    and Howard's policy iteration finds a corner whose Perron vector ``v`` has ``max_k G_k v = alpha v``
    (switch a row only where another choice is strictly larger; ``alpha`` then strictly increases, so
    it ends), which attains the bound. Hence the optimum is ``max_s alpha(G_s)``, exactly, with ``v``.
    (Matrices with independent row uncertainties: Nesterov & Protasov 2013, SIAM J. Matrix Anal. Appl.)

    Returns ``(value, v, corner choice s, iterations, converged)``.
    """
    K, n, _ = G.shape
    rows = np.arange(n)
    s = np.argmax(G.sum(axis=-1), axis=0)
    v = None
    for it in range(1, max_iter + 1):
        alpha, v = _perron(G[s, rows], v)
        scores = G @ v  # (K, n): (G_k v)_i
        best = np.argmax(scores, axis=0)
        slack = 1e-12 * (np.abs(G) @ v).max(axis=0)
        better = scores[best, rows] > scores[s, rows] + slack
        if not better.any():
            return alpha, v, s, it, True
        s = np.where(better, best, s)
    return alpha, v, s, max_iter, False


def _polytope_certificate(A, C, d_min, d_max, p, method, name, reference, notes=(), **details):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    V = slope_vertices(A, C, d_min, d_max)
    A, C = _matrix_and_leak(A, C)
    d_min, d_max = float(d_min), float(d_max)
    irreducible = _is_irreducible(metzler_majorant(A))
    closed = _closed_form(A, C, d_min, d_max, p)
    details.update(vertices=V, closed_form=None if closed is None else closed[0],
                   case=None if closed is None else closed[2])
    notes = list(notes)
    if not irreducible:
        notes.append("[A]_Mzr is reducible: no Perron weights; the LP gives the infimum up to its "
                     "tolerance (Remark 17)")
    if method == "closed_form" and closed is None:
        return _not_applicable(name, reference, p, _join(
            "no closed form: needs an irreducible [A]_Mzr and C = c I (iii) or d_min = 0 (iv)", *notes))
    # Policy iteration needs every slope corner irreducible: d_min > 0 keeps A's off-diagonal pattern.
    policy_ok = irreducible and d_min > 0
    if method == "policy" and not policy_ok:
        return _not_applicable(name, reference, p, _join(
            "policy iteration needs an irreducible [A]_Mzr and d_min > 0", *notes))
    if method == "closed_form" or (method == "auto" and closed is not None):
        eta, how = closed[1], f"closed form {closed[2]}"
    elif method == "policy" or (method == "auto" and policy_ok):
        G = metzler_majorant(V)
        G = G if p == np.inf else np.swapaxes(G, -1, -2)  # firing rate: rows of [d] A; Hopfield: columns
        value, v, s, n_iter, converged = _corner_policy_iteration(G)
        eta, how = (v if p == 1 else 1.0 / v), "policy iteration"
        details.update(policy_value=value, corner=np.where(s == 0, d_min, d_max), n_iter=n_iter)
        if not converged:
            notes.append("policy iteration hit its iteration cap; the rate is valid for the weights returned")
    else:
        res = optimal_weights(V, p)
        eta, how = res.eta, "LP"
        details.update(lp_value=res.value, lower=res.lower, n_lp=res.n_lp, status=res.status)
        if res.status != "optimal":
            notes.append(f"LP stopped early ({res.status}); the rate is valid for the weights returned")
    osl = np.max(lognorm(V, p, eta=eta / eta.max()))
    return _result(name, reference, p, eta / eta.max(), osl, _join(*notes), method=how, **details)


def hopfield_certificate(A, C=1.0, d_min=0.0, d_max=1.0, *, method: str = "auto") -> Certificate:
    """The optimal weighted ``l1`` contraction certificate of the Hopfield network (Theorem 16).

    ``x' = -C x + A Phi(x) + u`` (Eq. 14) with every ``phi_i`` slope-restricted in
    ``[d_min, d_max]`` (Eq. 15) is strongly infinitesimally contracting with rate ``-osL`` in
    ``|[eta] x|_1`` when ``osL = min_eta osL_{1,[eta]}(f_H) < 0``.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Synaptic matrix.
    C : float or array_like of shape (n,)
        Non-negative leak rates (the diagonal of ``C``), 1/time.
    d_min, d_max : float
        Slope bounds ``0 <= d_min <= d_max``.
    method : {"auto", "closed_form", "policy", "lp"}
        ``"lp"``: the bisection LP of 16(ii) on the two vertices (:func:`rnnlab.lognorms.optimal_weights`).
        ``"closed_form"``: the Perron weights of 16(iii) (``C = c I``) or 16(iv) (``d_min = 0``),
        which need an irreducible ``[A]_Mzr``; ``applies=False`` when neither fits.
        ``"policy"``: the same optimum as the LP, exactly, as ``max alpha`` over the slope corners
        found by policy iteration (needs an irreducible ``[A]_Mzr`` and ``d_min > 0``; see Notes).
        ``"auto"``: the closed form, else policy iteration, else the LP.

    Returns
    -------
    Certificate
        ``norm="l1"``, ``metric=eta`` (``max eta = 1``), ``rate = -osL``. ``details`` holds ``osL``,
        the two ``vertices``, the closed-form value (``closed_form``, None where none applies) and,
        for the LP, its optimum ``lp_value``, proven lower bound ``lower`` and ``n_lp``.

    Notes
    -----
    The certificate depends on ``phi`` only through ``[d_min, d_max]`` and on ``u`` not at all: it
    holds for any activations in the class (absolute contraction, Sec. V-D) and any input ``u(t)``.
    The value is exact: every slope vector is reached at some state, so no smaller ``osL`` exists in
    any diagonally weighted ``l1`` norm.

    The LP constraints of 16(ii) act column by column, so the optimum equals
    ``max_d alpha([-C + A [d]]_Mzr)`` over the ``2^n`` corners ``d in {d_min, d_max}^n``: each corner
    bounds it from below (Theorem 8(iii)), and policy iteration reaches a corner whose Perron vector
    satisfies every constraint. This is not in the paper; it is the LP's optimum without bisection
    (``details["corner"]`` is the worst corner), and the tests check it against the LP.

    Examples
    --------
    >>> A = np.array([[1.0, 1.0], [-1.0, 1.0]])     # A_* of Example 9: alpha([A]_Mzr) = 2
    >>> cert = hopfield_certificate(A, C=3.0, d_min=0.0, d_max=1.0)   # 16(iii): -3 + max(0, 2)
    >>> cert.holds, round(cert.rate, 12), cert.norm, cert.metric
    (True, 1.0, 'l1', array([1., 1.]))
    """
    return _polytope_certificate(A, C, d_min, d_max, 1, method, "Davydov Thm 16", f"{PAPER}, Theorem 16",
                                 exact=True)


def firing_rate_certificate(A, C=1.0, d_min=0.0, d_max=1.0, *, method: str = "auto") -> Certificate:
    """The optimal weighted ``l-inf`` contraction certificate of the firing-rate model (Theorem 18).

    ``x' = -C x + Phi(A x + u)`` (Eq. 18) contracts with rate ``-osL`` in ``|[eta] x|_inf``, where
    ``osL = min_eta max{mu_{inf,[eta]}(-C + d_min A), mu_{inf,[eta]}(-C + d_max A)}``: the LP of
    18(ii), or the Perron weights ``1 / v_A`` (18(iii), ``C = c I``) and ``1 / v_*`` (18(iv),
    ``d_min = 0``). Parameters and result as in :func:`hopfield_certificate`; ``metric`` is the
    reciprocal of the paper's ``eta``.

    Notes
    -----
    Theorem 18 assumes an invertible ``A``: then ``A x + u`` reaches every point, so every slope
    vector is attained and ``osL`` is exact. For a singular ``A`` the same number is still an upper
    bound on ``osL`` (Eq. 5 holds for all slopes), so the certificate stands; ``details["exact"]`` is
    False and ``note`` says so.

    Examples
    --------
    >>> cert = firing_rate_certificate([[0.0, 0.5], [0.5, 0.0]], C=1.0)   # 18(iii): -1 + max(0, 0.5)
    >>> cert.holds, round(cert.rate, 12), cert.norm
    (True, 0.5, 'linf')
    """
    A = as_matrix("A", A)
    invertible = np.linalg.matrix_rank(A) == A.shape[0]
    note = "" if invertible else ("A is singular: the rate is a valid lower bound on the optimal rate, "
                                  "not the exact osL of Theorem 18(i)")
    return _polytope_certificate(A, C, d_min, d_max, np.inf, method, "Davydov Thm 18", f"{PAPER}, Theorem 18",
                                 notes=(note,), exact=bool(invertible))


# ---------------------------------------------------------------------------------------------------
# Theorems 19-21: M-Hurwitz conditions


def persidskii_certificate(A, d_min, d_max) -> Certificate:
    """The Persidskii-type model ``x' = A Phi(x)`` (Theorem 19(i)), ``l1`` with Perron weights ``w_A``.

    If ``A in MH`` (``alpha([A]_Mzr) < 0``) and ``d_min > 0``, it contracts with rate
    ``d_min |alpha([A]_Mzr)|`` in ``|[w_A] x|_1``, ``w_A`` the left Perron vector of ``[A]_Mzr``.
    This is Theorem 16(iii) with ``c = 0``; the reported ``osL`` is
    ``max(d_min alpha, d_max alpha)``, so a failing certificate shows its margin.
    """
    A = as_matrix("A", A)
    d_min, d_max = _check_slopes(d_min, d_max)
    Mz = metzler_majorant(A)
    alpha = float(spectral_abscissa(Mz))
    eta, note = _metzler_weights(Mz, 1)
    osl = np.max(lognorm(np.stack([d_min * A, d_max * A]), 1, eta=eta))
    if d_min == 0:
        note = _join(note, "d_min = 0: where phi is flat the Jacobian vanishes; needs d_min > 0")
    return _result("Davydov Thm 19(i)", f"{PAPER}, Theorem 19(i)", 1, eta, osl, note,
                   alpha=alpha, m_hurwitz=alpha < 0)


def hopfield_m_hurwitz_certificate(A, C, d_min, d_max) -> Certificate:
    """The Hopfield network with ``d_min = 0`` and ``C > 0`` (Theorem 19(ii)).

    If ``-C + d_max A in MH``, i.e. ``alpha(-C + d_max [A]_Mzr) < 0``, it contracts with rate
    ``-max{alpha(-C), alpha(-C + d_max [A]_Mzr)}`` in ``|[w_*] x|_1``, ``w_*`` the left Perron vector of
    ``-C + d_max [A]_Mzr``. ``applies=False`` unless ``d_min = 0`` and every ``C_i > 0``.
    """
    A, C = _matrix_and_leak(A, C)
    d_min, d_max = _check_slopes(d_min, d_max)
    name, ref = "Davydov Thm 19(ii)", f"{PAPER}, Theorem 19(ii)"
    if d_min != 0:
        return _not_applicable(name, ref, 1, f"needs d_min = 0, got {d_min:g} (Theorem 16 covers it)")
    if np.any(C <= 0):
        return _not_applicable(name, ref, 1, "needs a positive leak C (positive definite diagonal)")
    M = -np.diag(C) + d_max * metzler_majorant(A)
    alpha = float(spectral_abscissa(M))
    eta, note = _metzler_weights(M, 1)
    osl = np.max(lognorm(slope_vertices(A, C, d_min, d_max), 1, eta=eta))
    return _result(name, ref, 1, eta, osl, note, alpha=alpha, m_hurwitz=alpha < 0,
                   closed_form=max(float(np.max(-C)), alpha))


def diagonal_lure_certificate(A, C, d_min, d_max) -> Certificate:
    """``x' = A x - [C] Phi(x)`` (Theorem 20), ``l1`` with the Perron weights ``w_**``.

    The Jacobian ``A - [C][d]`` has its worst ``l1`` log norm at ``d = d_min`` for every weight (each
    column loses ``c_j d_j``), so ``osL = alpha([A]_Mzr - d_min C)`` with ``w_**`` the left Perron
    vector of ``[A]_Mzr - d_min C``; it contracts when ``A - d_min C in MH``. This is the optimum over
    all diagonal weights, and ``d_max`` does not enter.
    """
    A, C = _matrix_and_leak(A, C)
    d_min, d_max = _check_slopes(d_min, d_max)
    M = metzler_majorant(A) - d_min * np.diag(C)
    alpha = float(spectral_abscissa(M))
    eta, note = _metzler_weights(M, 1)
    osl = lognorm(A - d_min * np.diag(C), 1, eta=eta)
    return _result("Davydov Thm 20", f"{PAPER}, Theorem 20", 1, eta, osl, note,
                   alpha=alpha, m_hurwitz=alpha < 0)


def persidskii_network_certificate(A, d_min, d_max, p=1) -> Certificate:
    """``x_i' = sum_j a_ij phi_ij(x_j)`` with one nonlinearity per edge (Theorem 21).

    With ``B = d_max A - (d_max - d_min)(I o A)`` (off-diagonal ``d_max a_ij``, diagonal
    ``d_min a_ii``), if ``B in MH`` and ``d_min > 0`` the model contracts with rate
    ``-alpha([B]_Mzr)`` in ``|[w_B] x|_1`` (``p = 1``) and in ``|[v_B]^-1 x|_inf`` (``p = inf``,
    ``metric = 1 / v_B``; the paper prints ``|.|_{inf,[v_B]}^{-1}``).

    We use the entrywise worst case ``W`` of ``[A o D]_Mzr`` over ``D in [d_min, d_max]^{n x n}``
    (diagonal ``max(d_min a_ii, d_max a_ii)``, off-diagonal ``d_max |a_ij|``): ``W = [B]_Mzr`` when all
    ``a_ii <= 0``, and ``osL = alpha(W)`` exactly in every case, attained at a vertex ``D``.
    """
    A = as_matrix("A", A)
    d_min, d_max = _check_slopes(d_min, d_max)
    p = _check_p(p)
    n = A.shape[0]
    B = d_max * A - (d_max - d_min) * np.diag(np.diag(A))
    W = d_max * metzler_majorant(A)
    W[np.arange(n), np.arange(n)] = np.maximum(d_min * np.diag(A), d_max * np.diag(A))
    alpha_B = float(spectral_abscissa(metzler_majorant(B)))
    eta, note = _metzler_weights(W, p)
    osl = lognorm(W, p, eta=eta)
    if d_min == 0:
        note = _join(note, "d_min = 0: B has a zero diagonal and cannot be M-Hurwitz; needs d_min > 0")
    return _result(f"Davydov Thm 21 ({_norm_name(p)})", f"{PAPER}, Theorem 21", p, eta, osl, note,
                   B=B, W=W, alpha=alpha_B, m_hurwitz=alpha_B < 0)


# ---------------------------------------------------------------------------------------------------
# Theorems 22-23: Lur'e systems


def lure_certificate(A, v, w, d_min, d_max, p=1) -> Certificate:
    """The Lur'e system ``x' = A x + v phi(w^T x)`` (Theorem 22): the LP (21) (``p = 1``) or (22).

    The Jacobian ``A + d v w^T`` runs over a segment, so its worst log norm is at ``d_min`` or
    ``d_max``; the bisection LP on those two vertices gives the optimal weights and ``osL``. For
    ``p = inf`` the ``metric`` is ``1 / xi*`` (the paper's ``|.|_{inf,[xi*]^-1}``). Slopes may be
    negative here (the theorem only asks ``d_min <= d_max``).
    """
    A = as_matrix("A", A)
    n = A.shape[0]
    v, w = as_shaped_array("v", v, (n,)), as_shaped_array("w", w, (n,))
    d_min, d_max = _check_slopes(d_min, d_max, nonnegative=False)
    p = _check_p(p)
    V = np.stack([A + d * np.outer(v, w) for d in (d_min, d_max)])
    res = optimal_weights(V, p)
    note = "" if res.status == "optimal" else f"LP stopped early ({res.status})"
    return _result(f"Davydov Thm 22 ({_norm_name(p)})", f"{PAPER}, Theorem 22, Eqs. 21-22", p, res.eta,
                   np.max(lognorm(V, p, eta=res.eta)), note, vertices=V, lower=res.lower, n_lp=res.n_lp,
                   status=res.status)


def multivariable_lure_majorant(A, B, C, d_min, d_max) -> np.ndarray:
    """The Metzler matrix ``F`` of Theorem 23: ``[A + B [d] C]_Mzr <= F`` for every ``d in [d_min, d_max]^m``.

    ``F_ii = A_ii + max_d sum_k B_ik d_k C_ki`` and ``F_ij = |A_ij| + max_d |sum_k B_ik d_k C_kj|``;
    the maxima are ``d_max sum (.)_+ + d_min sum (.)_-`` and its mirror, as printed.

    Returns
    -------
    ndarray, shape (n, n)
    """
    A = as_matrix("A", A)
    n = A.shape[0]
    B = as_shaped_array("B", B, (n, None))
    C = as_shaped_array("C", C, (B.shape[1], n))
    d_min, d_max = _check_slopes(d_min, d_max, nonnegative=False)
    P = B[:, :, None] * C[None, :, :]  # (n, m, n): P[i, k, j] = B_ik C_kj
    pos, neg = np.clip(P, 0, None).sum(axis=1), np.clip(P, None, 0).sum(axis=1)
    hi = d_max * pos + d_min * neg  # max over d of (B [d] C)_ij
    lo = d_min * pos + d_max * neg  # min over d
    F = np.abs(A) + np.maximum(hi, -lo)
    F[np.arange(n), np.arange(n)] = np.diag(A) + np.diag(hi)
    return F


def multivariable_lure_certificate(A, B, C, d_min, d_max, p=1) -> Certificate:
    """``x' = A x + B Phi(C x)`` (Theorem 23), with the Perron weights of ``F``.

    If ``F in MH`` the system contracts with rate ``-alpha(F)`` in ``|[w_F] x|_1`` (``p = 1``) and
    ``|[v_F]^-1 x|_inf`` (``p = inf``; the paper prints ``|.|_{inf,[v_F]}^{-1}``). ``F`` bounds each
    entry separately, so ``-alpha(F)`` is a lower bound on the optimal rate, not always equal to it.
    """
    F = multivariable_lure_majorant(A, B, C, d_min, d_max)
    p = _check_p(p)
    alpha = float(spectral_abscissa(F))
    eta, note = _metzler_weights(F, p)
    osl = lognorm(F, p, eta=eta)
    return _result(f"Davydov Thm 23 ({_norm_name(p)})", f"{PAPER}, Theorem 23", p, eta, osl, note,
                   F=F, alpha=alpha, m_hurwitz=alpha < 0)


# ---------------------------------------------------------------------------------------------------
# Models to arrays


def as_hopfield(model) -> Hopfield:
    """The rate RNN ``tau x' = -x + W phi(x) + u`` as the Hopfield network ``C = 1/tau``, ``A = W / tau``.

    Row ``i`` of ``W`` is divided by ``tau_i`` and the input becomes ``u / tau``; rates of the result
    are in 1/time. A :class:`Hopfield` passes through.
    """
    if isinstance(model, Hopfield):
        return model
    if not isinstance(model, RateRNN):
        raise ValueError(f"model must be a RateRNN or Hopfield, got {type(model).__name__}")
    tau = model.tau
    u = model.u
    u_h = (lambda t: np.asarray(u(t), dtype=float) / tau) if callable(u) else u / tau
    return Hopfield(model.W / tau[:, None], C=1.0 / tau, u=u_h, phi=model.phi)


def _synaptic_form(model) -> tuple[str, np.ndarray, np.ndarray]:
    """``("hopfield", A, C)``: Jacobians ``-[C] + A [d]``; ``("firing_rate", A, C)``: ``-[C] + [d] A``."""
    if isinstance(model, Hopfield):
        return "hopfield", model.A, model.C
    if isinstance(model, RateRNN):
        return "hopfield", model.W / model.tau[:, None], 1.0 / model.tau
    if isinstance(model, FiringRateModel):
        return "firing_rate", model.A, model.C
    if isinstance(model, FiringRateRNN):
        # tau y' = -y + phi(W y + b): Jacobian [1/tau](-I + [d] W) = -[1/tau] + [d] ([1/tau] W).
        return "firing_rate", model.W / model.tau[:, None], 1.0 / model.tau
    raise ValueError(
        "model must be a Hopfield, RateRNN, FiringRateModel or FiringRateRNN (a network with a synaptic "
        f"matrix), got {type(model).__name__}"
    )


def _synaptic_certificate(model, d_min=None, d_max=None) -> Certificate:
    kind, A, C = _synaptic_form(model)
    d_min = model.phi.d_min if d_min is None else d_min
    d_max = model.phi.d_max if d_max is None else d_max
    cert = (hopfield_certificate if kind == "hopfield" else firing_rate_certificate)(A, C, d_min, d_max)
    if isinstance(model, (RateRNN, FiringRateRNN)):
        form = "Hopfield" if kind == "hopfield" else "firing-rate"
        via = f"via the {form} form C = 1/tau, A = W/tau (rows)"
        cert = dataclasses.replace(cert, note=_join(via, cert.note))
    return cert


# ---------------------------------------------------------------------------------------------------
# Registration: certify(model) lists these


@criterion(Hopfield, name="Davydov Thm 16")
def _hopfield_16(model) -> Certificate:
    return _synaptic_certificate(model)


@criterion(Hopfield, name="Davydov Thm 19")
def _hopfield_19(model) -> Certificate:
    if np.all(model.C == 0):
        return persidskii_certificate(model.A, model.phi.d_min, model.phi.d_max)
    if model.phi.d_min == 0 and np.all(model.C > 0):
        return hopfield_m_hurwitz_certificate(model.A, model.C, model.phi.d_min, model.phi.d_max)
    return _not_applicable("Davydov Thm 19", f"{PAPER}, Theorem 19", 1,
                           "needs C = 0 (19(i)) or d_min = 0 with C > 0 (19(ii)); Theorem 16 covers it")


@criterion(RateRNN, name="Davydov Thm 16")
def _rate_rnn_16(model) -> Certificate:
    return _synaptic_certificate(model)


@criterion(FiringRateModel, name="Davydov Thm 18")
def _firing_rate_18(model) -> Certificate:
    return _synaptic_certificate(model)


@criterion(FiringRateRNN, name="Davydov Thm 18")
def _firing_rate_rnn_18(model) -> Certificate:
    return _synaptic_certificate(model)


@criterion(DiagonalLure, name="Davydov Thm 20")
def _diagonal_lure_20(model) -> Certificate:
    return diagonal_lure_certificate(model.A, model.C, model.phi.d_min, model.phi.d_max)


@criterion(Persidskii, name="Davydov Thm 19(i)")
def _persidskii_19(model) -> Certificate:
    if not model.uniform:
        return _not_applicable("Davydov Thm 19(i)", f"{PAPER}, Theorem 19(i)", 1,
                               "needs one nonlinearity for every edge, x' = A Phi(x); Theorem 21 covers it")
    return persidskii_certificate(model.A, *model.slope_bounds)


@criterion(Persidskii, name="Davydov Thm 21 (l1)")
def _persidskii_21_l1(model) -> Certificate:
    return persidskii_network_certificate(model.A, *model.slope_bounds, p=1)


@criterion(Persidskii, name="Davydov Thm 21 (linf)")
def _persidskii_21_linf(model) -> Certificate:
    return persidskii_network_certificate(model.A, *model.slope_bounds, p=np.inf)


@criterion(Lure, name="Davydov Thm 22 (l1)")
def _lure_22_l1(model) -> Certificate:
    return lure_certificate(model.A, model.v, model.w, model.phi.d_min, model.phi.d_max, p=1)


@criterion(Lure, name="Davydov Thm 22 (linf)")
def _lure_22_linf(model) -> Certificate:
    return lure_certificate(model.A, model.v, model.w, model.phi.d_min, model.phi.d_max, p=np.inf)


@criterion(MultivariableLure, name="Davydov Thm 23 (l1)")
def _multivariable_lure_23_l1(model) -> Certificate:
    return multivariable_lure_certificate(model.A, model.B, model.C, model.phi.d_min, model.phi.d_max, p=1)


@criterion(MultivariableLure, name="Davydov Thm 23 (linf)")
def _multivariable_lure_23_linf(model) -> Certificate:
    phi = model.phi
    return multivariable_lure_certificate(model.A, model.B, model.C, phi.d_min, phi.d_max, p=np.inf)


# ---------------------------------------------------------------------------------------------------
# Section V-D: absolute, connective and total contraction


def _best(*certs) -> Certificate:
    return max(certs, key=lambda c: c.rate if c.applies else -np.inf)


def _family(cert: Certificate, suffix: str, family: str, **details) -> Certificate:
    return dataclasses.replace(
        cert,
        criterion=f"{cert.criterion}, {suffix}",
        reference=f"{cert.reference}; Sec. V-D",
        details={**cert.details, "family": family, **details},
    )


def absolute_contraction(model, d_min=None, d_max=None) -> Certificate:
    """A certificate for ``model``'s structure with ANY nonlinearities sloped in ``[d_min, d_max]``.

    Absolute contraction (Sec. V-D): every certificate of Theorems 16-23 depends on the activations
    only through their slope bounds, so it holds for the whole class, each neuron (or edge, or channel)
    with its own activation. ``d_min``, ``d_max`` default to those of the model's own nonlinearity;
    wider bounds certify a larger class. Where a model has both an ``l1`` and an ``l-inf``
    certificate, the one with the larger rate is returned.

    Parameters
    ----------
    model : Hopfield, RateRNN, FiringRateModel, FiringRateRNN, Lure, MultivariableLure, DiagonalLure
        or Persidskii
    d_min, d_max : float, optional

    Returns
    -------
    Certificate
        ``details["family"]`` describes the class it holds for; ``details["d_min"]``, ``["d_max"]``.
    """
    if isinstance(model, Persidskii):
        lo, hi = model.slope_bounds
    elif hasattr(model, "phi"):
        lo, hi = model.phi.d_min, model.phi.d_max
    else:
        raise ValueError(f"model must have a nonlinearity phi, got {type(model).__name__}")
    d_min = lo if d_min is None else d_min
    d_max = hi if d_max is None else d_max
    nonneg = not isinstance(model, (Lure, MultivariableLure))
    d_min, d_max = _check_slopes(d_min, d_max, nonnegative=nonneg)
    if isinstance(model, (Hopfield, RateRNN, FiringRateModel, FiringRateRNN)):
        cert = _synaptic_certificate(model, d_min, d_max)
    elif isinstance(model, Lure):
        cert = _best(*(lure_certificate(model.A, model.v, model.w, d_min, d_max, p=p) for p in (1, np.inf)))
    elif isinstance(model, MultivariableLure):
        cert = _best(*(multivariable_lure_certificate(model.A, model.B, model.C, d_min, d_max, p=p)
                       for p in (1, np.inf)))
    elif isinstance(model, DiagonalLure):
        cert = diagonal_lure_certificate(model.A, model.C, d_min, d_max)
    elif isinstance(model, Persidskii):
        certs = [persidskii_network_certificate(model.A, d_min, d_max, p=p) for p in (1, np.inf)]
        if model.uniform:
            certs.append(persidskii_certificate(model.A, d_min, d_max))
        cert = _best(*certs)
    else:
        raise ValueError(f"model: no Davydov certificate for {type(model).__name__}")
    family = f"every nonlinearity with slopes in [{d_min:g}, {d_max:g}], one per neuron (or edge, channel)"
    return _family(cert, "absolute", family, d_min=d_min, d_max=d_max)


def connective_contraction(model) -> Certificate:
    """A certificate that holds, with the same weights and rate, after removing ANY set of edges.

    Connective contraction (Sec. V-D): setting off-diagonal entries of the synaptic matrix to zero
    shrinks ``[V_k]_Mzr`` entrywise for both slope vertices ``V_k``, and the weighted ``l1`` / ``l-inf``
    log norm of a Metzler matrix is monotone in its entries; so ``max_k mu_{[eta]}(V'_k)`` cannot
    exceed ``max_k mu_{[eta]}(V_k)``. The M-Hurwitz argument is the same monotonicity for
    ``alpha``: ``details["alpha_majorant"] = max_k alpha([V_k]_Mzr)``, the lower bound on any weighted
    ``osL``, can only fall. Self-loops (the diagonal) are not edges.

    Parameters
    ----------
    model : Hopfield, RateRNN, FiringRateModel or FiringRateRNN

    Returns
    -------
    Certificate
        Theorem 16's (Hopfield forms) or 18's (firing-rate forms), labelled for the family; build a
        member with :func:`without_edges`.
    """
    cert = _synaptic_certificate(model)
    alpha = float(np.max(spectral_abscissa(metzler_majorant(cert.details["vertices"]))))
    return _family(cert, "connective", "the network with any set of off-diagonal synaptic entries removed",
                   alpha_majorant=alpha)


def total_contraction(model) -> Certificate:
    """A certificate that holds for every pruned subnetwork, with weights ``eta[I]`` and the same rate.

    Total contraction (Sec. V-D): the Jacobian vertices of the network restricted to the neurons
    ``I`` are the principal submatrices ``(V_k)_I``, and for the monotonic norms ``|[eta] x|_p``
    Lemma 10(ii) gives ``mu_{[eta_I]}((V_k)_I) <= mu_{[eta]}(V_k)``. With Corollary 11: if the vertex
    majorants are M-Hurwitz, so are all their principal submatrices.

    Parameters
    ----------
    model : Hopfield, RateRNN, FiringRateModel or FiringRateRNN

    Returns
    -------
    Certificate
        For the subnetwork on ``I`` (see :func:`pruned`) the norm is ``|[eta[I]] x|_p``.
    """
    cert = _synaptic_certificate(model)
    alpha = float(np.max(spectral_abscissa(metzler_majorant(cert.details["vertices"]))))
    return _family(cert, "total", "every subnetwork on a non-empty set I of neurons, weights eta[I]",
                   alpha_majorant=alpha)


_NETWORK_FIELDS = {  # class -> (synaptic matrix, per-neuron vectors, input)
    Hopfield: ("A", ("C",), "u"),
    FiringRateModel: ("A", ("C",), "u"),
    RateRNN: ("W", ("tau",), "u"),
    FiringRateRNN: ("W", ("tau",), "b"),
}


def _network_fields(model):
    for cls, fields in _NETWORK_FIELDS.items():
        if isinstance(model, cls):
            return fields
    names = [cls.__name__ for cls in _NETWORK_FIELDS]
    raise ValueError(f"model must be one of {names}, got {type(model).__name__}")


def pruned(model, keep):
    """The subnetwork on the neurons ``keep`` (a principal submatrix; Sec. V-D, pruning).

    Parameters
    ----------
    model : Hopfield, RateRNN, FiringRateModel or FiringRateRNN
    keep : sequence of int
        Distinct neuron indices, at least one.
    """
    weight, vectors, inp = _network_fields(model)
    keep = np.asarray(keep)
    if (keep.ndim != 1 or keep.size == 0 or not np.issubdtype(keep.dtype, np.integer)
            or len(np.unique(keep)) != keep.size or keep.min() < 0 or keep.max() >= model.n):
        raise ValueError(
            f"keep must be distinct neuron indices in [0, {model.n}), at least one, got {keep!r}")
    changes = {weight: getattr(model, weight)[np.ix_(keep, keep)]}
    for name in vectors:
        changes[name] = getattr(model, name)[keep]
    u, n = getattr(model, inp), model.n
    if callable(u):
        changes[inp] = lambda t: np.broadcast_to(np.asarray(u(t), dtype=float), (n,))[keep]
    else:
        changes[inp] = u[keep]
    return model.replace(**changes)


def without_edges(model, edges):
    """The network with the synaptic entries ``(i, j)`` in ``edges`` set to zero (Sec. V-D).

    Parameters
    ----------
    model : Hopfield, RateRNN, FiringRateModel or FiringRateRNN
    edges : iterable of (int, int)
        Off-diagonal positions ``i != j`` (the edge ``j -> i``); self-loops are not edges.
    """
    weight, _, _ = _network_fields(model)
    W = np.array(getattr(model, weight))
    for edge in edges:
        try:
            i, j = (int(k) for k in edge)
        except (TypeError, ValueError):
            raise ValueError(f"edges must be pairs (i, j) of neuron indices, got {edge!r}") from None
        if not (0 <= i < model.n and 0 <= j < model.n) or i == j:
            raise ValueError(
                f"edges must be off-diagonal pairs (i, j), i != j, in [0, {model.n}), got {edge!r}")
        W[i, j] = 0.0
    return model.replace(**{weight: W})
