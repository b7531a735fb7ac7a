"""Networks of networks: contracting modules joined by feedback and hierarchy.

Kozachkov, Ennis & Slotine (2022), Sec. 2, Eq. 2 and Eq. 5, appendix A1.2 and A3.1. An
:class:`Assembly` stacks ``p`` modules (any rnnlab models, other assemblies included) into one state
``x = (x_1, ..., x_p)`` and couples them:

    x_i' = f_i(t, x_i) + sum_j L_ij x_j + sum_{(i, j) in hierarchy} h_ij(x_j).

Time constants. Eq. 2 writes ``tau x_i' = -x_i + W_i phi(x_i) + sum_j L_ij x_j + u_i`` with one ``tau``
for every module. Here each module keeps its own ``tau`` inside ``f_i`` and the coupling ``L`` is added
to ``dx/dt`` directly, in units of 1/time: the paper's coupling with a shared ``tau`` is ``L = L_paper /
tau``. Contraction only sees the Jacobian ``blockdiag(J_i) + L``, so the negative-feedback condition
``M L + L^T M = 0`` is a condition on this ``L``, whatever the modules' time constants; that is why
:func:`feedback_coupling` builds ``L = B - M^-1 B^T M`` (Eq. 3) in these units, and why it needs no
``tau``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import scipy.linalg

from .base import ModelBase, as_matrix, check_model, set_fields

__all__ = ["Assembly", "Hierarchical", "block_mask", "feedback_coupling"]


def _check_sizes(sizes) -> tuple[int, ...]:
    sizes = tuple(int(s) for s in np.atleast_1d(sizes))
    if len(sizes) == 0 or any(s < 1 for s in sizes):
        raise ValueError(f"sizes must be a non-empty list of positive module sizes, got {sizes}")
    return sizes


def block_mask(sizes, off_diagonal: bool = True, lower_triangular: bool = False) -> np.ndarray:
    """The boolean mask of the blocks of ``B`` that are trained (Kozachkov et al. 2022, A4.1.1).

    The paper masks the diagonal blocks of ``B`` (self-connections belong to the modules) and, to train
    faster, the upper-triangular blocks.

    Parameters
    ----------
    sizes : sequence of int
        Module sizes ``n_1, ..., n_p``.
    off_diagonal : bool
        Zero the diagonal blocks ``B_ii``.
    lower_triangular : bool
        Zero the blocks ``B_ij`` with ``j > i``.

    Returns
    -------
    ndarray of bool, shape (N, N)
        ``N = sum(sizes)``.

    Examples
    --------
    >>> block_mask([1, 2], lower_triangular=True).astype(int)
    array([[0, 0, 0],
           [1, 0, 0],
           [1, 0, 0]])
    """
    sizes = _check_sizes(sizes)
    blocks = np.ones((len(sizes), len(sizes)), dtype=bool)
    if off_diagonal:
        np.fill_diagonal(blocks, False)
    if lower_triangular:
        blocks &= np.tril(np.ones_like(blocks))
    return np.repeat(np.repeat(blocks, sizes, axis=0), sizes, axis=1)


def _check_metric(name: str, M) -> np.ndarray:
    M = as_matrix(name, M)
    if not np.allclose(M, M.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(M).max())):
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(0.5 * (M + M.T))[0] <= 0:
        raise ValueError(f"{name} must be positive definite")
    return 0.5 * (M + M.T)


def feedback_coupling(B, metrics: Sequence, mask=None) -> np.ndarray:
    """The negative-feedback coupling ``L = B - M^-1 B^T M`` (Kozachkov et al. 2022, Eq. 3 and Eq. 5).

    With ``M = BlockDiag(M_1, ..., M_p)`` the modules' metrics, ``M L = M B - B^T M`` is skew-symmetric,
    so ``M L + L^T M = 0`` and the coupling leaves the modules' contraction rates untouched (A3.1).
    Block by block this is ``L_ij = B_ij - M_i^-1 B_ji^T M_j``.

    Parameters
    ----------
    B : array_like, shape (N, N)
        Free parameter, in units of 1/time (``L`` is added to ``dx/dt``; see the module docstring).
    metrics : sequence of array_like, shapes (n_i, n_i)
        Symmetric positive-definite metrics of the modules, ``N = sum n_i``.
    mask : array_like of bool, shape (N, N), optional
        Zero the masked-out entries of ``B`` first, e.g. :func:`block_mask`.

    Returns
    -------
    ndarray, shape (N, N)

    Examples
    --------
    >>> feedback_coupling([[0.0, 0.0], [2.0, 0.0]], [[[1.0]], [[4.0]]])
    array([[ 0., -8.],
           [ 2.,  0.]])
    """
    if isinstance(metrics, np.ndarray) and metrics.ndim == 2:
        raise ValueError("metrics must be a sequence of module metrics M_i, not one matrix")
    Ms = [_check_metric(f"metrics[{k}]", M) for k, M in enumerate(metrics)]
    if not Ms:
        raise ValueError("metrics must hold one metric per module, got none")
    M = scipy.linalg.block_diag(*Ms)
    B = as_matrix("B", B, len(M))
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != B.shape:
            raise ValueError(f"mask must have shape {B.shape}, got {mask.shape}")
        B = np.where(mask.astype(bool), B, 0.0)
    return B - np.linalg.solve(M, B.T @ M)


@dataclass(frozen=True, eq=False)
class Hierarchical:
    """A hierarchical connection ``x_i' += h(x_j)`` from module ``j`` to module ``i`` (A1.2).

    Hierarchies may be nonlinear; the certificate needs ``i > j`` (earlier to later modules) and a bound
    ``gain >= sup_x |dh/dx_j (x)|_2`` on the Jacobian. Build a linear block with :meth:`linear`.

    Parameters
    ----------
    i, j : int
        Target and source module (indices into ``Assembly.modules``).
    h : callable
        ``h(x_j)`` mapping ``(..., n_j)`` to ``(..., n_i)``.
    dh : callable
        Its exact Jacobian, ``(..., n_j)`` to ``(..., n_i, n_j)``.
    gain : float, optional
        Euclidean bound on ``dh``; without it the certificate cannot weigh the connection.
    G : ndarray, shape (n_i, n_j), optional
        Set by :meth:`linear`: the block of a linear connection ``h(x_j) = G x_j``.
    """

    i: int
    j: int
    h: Callable
    dh: Callable
    gain: float | None = None
    G: np.ndarray | None = None

    def __post_init__(self):
        for name in ("i", "j"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{name} must be a non-negative module index, got {value!r}")
        if self.i == self.j:
            raise ValueError(f"i and j must differ: a connection joins two modules, got i = j = {self.i}")
        if not callable(self.h) or not callable(self.dh):
            raise ValueError("h and dh must be callables h(x_j) and dh(x_j)")
        if self.gain is not None and not (np.isfinite(self.gain) and self.gain >= 0):
            raise ValueError(f"gain must be a non-negative number, got {self.gain!r}")

    @classmethod
    def linear(cls, i: int, j: int, G) -> "Hierarchical":
        """The linear connection ``x_i' += G x_j``, with the exact gain ``|G|_2``."""
        G = np.array(G, dtype=float)
        if G.ndim != 2 or not np.all(np.isfinite(G)):
            raise ValueError(f"G must be a finite matrix of shape (n_i, n_j), got shape {G.shape}")
        G.setflags(write=False)
        return cls(i, j, lambda x: x @ G.T, lambda x: np.broadcast_to(G, x.shape[:-1] + G.shape),
                   gain=float(np.linalg.norm(G, 2)), G=G)


@dataclass(frozen=True, eq=False)
class Assembly(ModelBase):
    """A network of networks ``x_i' = f_i(t, x_i) + sum_j L_ij x_j + sum h_ij(x_j)`` (Eq. 2, Eq. 5).

    Parameters
    ----------
    modules : sequence of Model
        The ``p`` modules; any rnnlab model, :class:`Assembly` included (recursion, Sec. 2).
    L : array_like, shape (N, N), optional
        Linear coupling added to ``dx/dt`` (1/time; see the module docstring), ``N = sum n_i``;
        default zero. :func:`feedback_coupling` builds the contracting kind.
    hierarchy : sequence of Hierarchical
        Feedforward connections ``x_i' += h(x_j)``.
    module_certificates : sequence of Certificate, optional
        The l2 certificates whose metrics ``L`` was built from (:meth:`from_certified_modules` sets
        them); the assembly's certificate reuses them instead of certifying the modules again.

    Examples
    --------
    >>> from rnnlab import RateRNN
    >>> a = Assembly([RateRNN([[0.5]]), RateRNN([[0.5]])], L=[[0.0, -1.0], [1.0, 0.0]])
    >>> a.n, a.vector_field(0.0, np.array([1.0, 0.0])).round(3)
    (2, array([-0.619,  1.   ]))
    """

    modules: tuple
    L: np.ndarray | None = None
    hierarchy: tuple = ()
    module_certificates: tuple | None = field(default=None)

    def __post_init__(self):
        modules = tuple(self.modules) if isinstance(self.modules, (list, tuple)) else None
        if not modules:
            raise ValueError(f"modules must be a non-empty list of models, got {self.modules!r}")
        for k, module in enumerate(modules):
            check_model(module, name=f"modules[{k}]")
        sizes = tuple(m.n for m in modules)
        N = sum(sizes)
        L = np.zeros((N, N)) if self.L is None else as_matrix("L", self.L, N)
        L.setflags(write=False)
        hierarchy = tuple(self.hierarchy)
        for k, c in enumerate(hierarchy):
            _check_connection(k, c, sizes)
        certs = self.module_certificates
        if certs is not None:
            certs = tuple(certs)
            _check_module_certificates(certs, sizes)
        set_fields(self, modules=modules, L=L, hierarchy=hierarchy, module_certificates=certs)

    @classmethod
    def from_certified_modules(cls, modules, B, *, mask=None, hierarchy=(), certifier=None) -> "Assembly":
        """Certify each module, take its metric, and couple the modules by ``L = B - M^-1 B^T M`` (Eq. 3).

        The same call as :func:`rnnlab.certificates.assembly.certified_assembly` (parameters, errors)
        with this class as the result's type.
        """
        from ..certificates.assembly import certified_assembly  # certifying is an analysis: it lives there

        return certified_assembly(modules, B, mask=mask, hierarchy=hierarchy, certifier=certifier, cls=cls)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Module sizes ``(n_1, ..., n_p)``."""
        return tuple(m.n for m in self.modules)

    @property
    def slices(self) -> tuple[slice, ...]:
        """Where each module's state sits in the stacked state."""
        ends = np.cumsum((0,) + self.sizes)
        return tuple(slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:]))

    @property
    def n(self) -> int:
        return sum(self.sizes)

    def split(self, x) -> list[np.ndarray]:
        """The module states ``x_i`` of a stacked state ``x`` of shape ``(..., N)``."""
        return [x[..., s] for s in self.slices]

    def vector_field(self, t, x):
        x = np.asarray(x, dtype=float)
        parts = self.split(x)
        dx = np.concatenate([m.vector_field(t, xi) for m, xi in zip(self.modules, parts)], axis=-1)
        dx += x @ self.L.T
        for c in self.hierarchy:
            dx[..., self.slices[c.i]] += c.h(parts[c.j])
        return dx

    def jacobian(self, t, x):
        x = np.asarray(x, dtype=float)
        parts, slices = self.split(x), self.slices
        J = np.broadcast_to(self.L, x.shape[:-1] + self.L.shape).copy()  # (..., N, N)
        for m, s, xi in zip(self.modules, slices, parts):
            J[..., s, s] += m.jacobian(t, xi)
        for c in self.hierarchy:
            J[..., slices[c.i], slices[c.j]] += c.dh(parts[c.j])
        return J


def _check_connection(k: int, c, sizes) -> None:
    if not isinstance(c, Hierarchical):
        raise ValueError(f"hierarchy[{k}] must be a Hierarchical connection, got {type(c).__name__}")
    p = len(sizes)
    if c.i >= p or c.j >= p:
        raise ValueError(f"hierarchy[{k}] joins modules {c.j} -> {c.i}, but there are only {p} modules")
    probe = np.zeros(sizes[c.j])
    h_shape, dh_shape = np.shape(c.h(probe)), np.shape(c.dh(probe))
    if h_shape != (sizes[c.i],) or dh_shape != (sizes[c.i], sizes[c.j]):
        raise ValueError(
            f"hierarchy[{k}] must map shape ({sizes[c.j]},) to ({sizes[c.i]},) with Jacobian "
            f"({sizes[c.i]}, {sizes[c.j]}), got {h_shape} and {dh_shape}"
        )


def _check_module_certificates(certs, sizes) -> None:
    if len(certs) != len(sizes):
        raise ValueError(f"module_certificates must hold one certificate per module ({len(sizes)}), got {len(certs)}")
    for k, (cert, n) in enumerate(zip(certs, sizes)):
        if getattr(cert, "norm", None) != "l2":
            raise ValueError(f"module_certificates[{k}] must be an l2 Certificate")
        if cert.metric is not None and np.shape(cert.metric) != (n, n):
            raise ValueError(f"module_certificates[{k}].metric must have shape ({n}, {n}), got {np.shape(cert.metric)}")
