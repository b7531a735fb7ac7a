"""The two-dimensional ORGaNICs circuit (Rawat, Heeger & Martiniani 2024, Sec. 5, Eq. 15, App. E, F.3).

One E neuron ``y`` and one I neuron ``a``,

    tau_y y' = -y + b z + (1 - sqrt([a])) w_r y        (Eq. 15; w_r [y] rectified, Eq. 101)
    tau_a a' = -a + b0^2 sigma^2 + w y^2 [a]           (w [y]^2 [a] rectified)

Every fixed point has ``a_s > 0``, so ``m = sqrt(a_s) > 0`` and Eqs. 77-78 hold:
``(1 - w_r + w_r m) y_s = b z`` and ``(1 - w y_s^2) m^2 = b0^2 sigma^2``. Eliminating ``y_s`` leaves
one scalar equation in ``m``, the quartic of Eq. 79; :func:`circuit_fixed_points` finds its positive
real roots, maps each back to ``y_s = b z / (1 - w_r + w_r m)``, ``a_s = m^2``, polishes it with
Newton steps on Eq. 15, and classifies it by the eigenvalues of the exact Jacobian (Eq. 80). That is
every fixed point, not those a search from random starts happens to find.

The rectified circuit (App. F.3) keeps the roots with ``y_s > 0`` (Eqs. 104-105) and adds
``(b z, b0^2 sigma^2)`` when ``z < 0`` (the ``y_s < 0`` branch, Eq. 107).

Cases the quartic does not cover (``z = 0``, where ``1 - w_r + w_r m = 0`` is possible) are solved
directly: ``y_s = 0, a_s = b0^2 sigma^2``, and, when ``w_r > 1`` and ``m = 1 - 1/w_r > b0 sigma``,
``y_s = +-sqrt((1 - b0^2 sigma^2 / m^2) / w)`` (only ``+`` rectified).

:func:`regime` names the case of Theorems 5.1 and 5.2 (F.3.1-F.3.2 rectified).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import real_number
from .fixed_points import FixedPoints, classify
from .phase import PhasePortrait, phase_portrait
from .models.organics import ORGaNICs

__all__ = ["circuit_2d", "quartic_coefficients", "CircuitFixedPoints", "circuit_fixed_points", "Regime",
           "regime", "CircuitPortrait", "circuit_portrait"]


def circuit_2d(w_r: float = 1.0, b0: float = 0.5, sigma: float = 0.1, b: float = 0.5, w: float = 1.0,
               z: float = 1.0, tau_y: float = 2.0, tau_a: float = 2.0, *,
               rectified: bool = False) -> ORGaNICs:
    """The circuit of Eq. 15 (Eq. 101 if ``rectified``) as an :class:`ORGaNICs` with ``n = 1``.

    The defaults are Fig. 1's common parameters (``b = 0.5``, ``tau_y = tau_a = 2`` ms, ``w = 1``,
    ``z = 1``) with panel (a)'s ``b0 = 0.5``, ``sigma = 0.1``, and ``w_r = 1``.

    Examples
    --------
    >>> m = circuit_2d(w_r=0.5)
    >>> m.n, float(m.W_r[0, 0])
    (2, 0.5)
    """
    w_r = real_number("w_r", w_r)
    if w_r <= 0:
        raise ValueError(f"w_r must be positive (Sec. 5 takes a positive recurrent scalar), got {w_r!r}")
    w, z = real_number("w", w), real_number("z", z)
    return ORGaNICs(W=[[w]], z=[z], b=b, b0=b0, sigma=sigma, tau_y=tau_y, tau_a=tau_a, W_r=[[w_r]],
                    rectified=rectified)


def _scalars(model):
    if not isinstance(model, ORGaNICs) or model.n_neurons != 1:
        got = f" with n = {model.n}" if isinstance(model, ORGaNICs) else ""
        raise ValueError("model must be a two-dimensional ORGaNICs (one y and one a neuron), "
                         f"got {type(model).__name__}{got}")
    if callable(model.z):
        raise ValueError("model.z must be constant for its fixed points, got a callable z(t)")
    return (float(model.W_r[0, 0]), float(model.b0[0]), float(model.sigma[0]), float(model.b[0]),
            float(model.W[0, 0]), float(model.z[0]))


def quartic_coefficients(model: ORGaNICs) -> np.ndarray:
    """The coefficients of Eq. 79 in ``m = sqrt(a_s)``, highest power first, shape ``(5,)``.

    ``w_r^2 m^4 + 2 (1 - w_r) w_r m^3 + ((1 - w_r)^2 - w b^2 z^2 - b0^2 sigma^2 w_r^2) m^2
    - 2 (1 - w_r) w_r b0^2 sigma^2 m - (1 - w_r)^2 b0^2 sigma^2``.
    """
    w_r, b0, sigma, b, w, z = _scalars(model)
    c, e = (b0 * sigma) ** 2, w * (b * z) ** 2
    return np.array([w_r**2, 2 * (1 - w_r) * w_r, (1 - w_r) ** 2 - e - c * w_r**2,
                     -2 * (1 - w_r) * w_r * c, -((1 - w_r) ** 2) * c])


@dataclass(frozen=True, eq=False)
class CircuitFixedPoints:
    """Every fixed point of a two-dimensional ORGaNICs circuit, from the 1-D reduction.

    Attributes
    ----------
    x : ndarray, shape (K, 2)
        Fixed points ``(y_s, a_s)``, sorted by ``y_s``.
    eigenvalues : ndarray of complex, shape (K, 2)
        Eigenvalues of the exact Jacobian at each (Eq. 80; Eq. 106-107 rectified).
    kinds : tuple of str
        :func:`rnnlab.classify` of each.
    residual : ndarray, shape (K,)
        ``max |f(x)|`` after polishing.
    roots : ndarray, shape (R,)
        The positive real roots ``m`` of Eq. 79 (empty when ``z = 0``, solved directly).
    """

    x: np.ndarray
    eigenvalues: np.ndarray
    kinds: tuple
    residual: np.ndarray
    roots: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    @property
    def stable(self) -> np.ndarray:
        """Boolean mask of the asymptotically stable fixed points."""
        return np.array([k.startswith("stable") for k in self.kinds], dtype=bool)

    @property
    def n_stable(self) -> int:
        """How many of the fixed points are asymptotically stable."""
        return int(self.stable.sum())


def _polish(model, x, steps: int = 4):
    """A few Newton steps on Eq. 15 from each candidate (they start at round-off distance)."""
    for _ in range(steps):
        f = model.vector_field(0.0, x)
        J = model.jacobian(0.0, x)
        with np.errstate(all="ignore"):
            try:
                step = np.linalg.solve(J, -f[..., None])[..., 0]
            except np.linalg.LinAlgError:
                break
        ok = np.all(np.isfinite(step), axis=-1) & (np.linalg.norm(model.vector_field(0.0, x + step), axis=-1)
                                                  <= np.linalg.norm(f, axis=-1))
        x = np.where(ok[:, None], x + step, x)
    return x


def circuit_fixed_points(model: ORGaNICs) -> CircuitFixedPoints:
    """All fixed points of the two-dimensional circuit (Eq. 15, or Eq. 101 rectified), classified.

    Parameters
    ----------
    model : ORGaNICs
        With one neuron of each type (see :func:`circuit_2d`), ``w_r > 0`` and a constant ``z``.

    Returns
    -------
    CircuitFixedPoints

    Examples
    --------
    >>> fps = circuit_fixed_points(circuit_2d(w_r=2.0))        # Fig. 1b: b0 sigma = 0.05 < 1 - 1/w_r
    >>> fps.kinds
    ('unstable focus', 'saddle', 'stable focus')
    >>> fps.x[-1].round(4).tolist()                              # the stable one has y_s > 0, as z > 0
    [0.9978, 0.5633]
    """
    w_r, b0, sigma, b, w, z = _scalars(model)
    if not w_r > 0:
        raise ValueError(f"model.W_r must be a positive scalar w_r (Sec. 5), got {w_r!r}")
    c = (b0 * sigma) ** 2
    points, roots = [], np.zeros(0)
    if z != 0.0:
        r = np.roots(quartic_coefficients(model))
        scale = 1.0 + np.abs(r)
        roots = np.sort(r[(np.abs(r.imag) <= 1e-7 * scale) & (r.real > 0)].real)
        for m in roots:
            y = b * z / (1.0 - w_r + w_r * m)
            if model.rectified and y <= 0:
                continue
            points.append((y, m * m))
        if model.rectified and z < 0:
            points.append((b * z, c))
    else:
        points.append((0.0, c))
        m = 1.0 - 1.0 / w_r
        if w_r > 1 and m > b0 * sigma:
            y = np.sqrt((1.0 - c / m**2) / w)
            points += [(y, m * m)] if model.rectified else [(-y, m * m), (y, m * m)]
    x = np.array(points, dtype=float).reshape(-1, 2)
    if len(x):
        x = _polish(model, x)
        # a double root (a saddle-node) gives two copies: keep one
        keep = [i for i in range(len(x))
                if not any(np.allclose(x[i], x[j], rtol=1e-7, atol=1e-10) for j in range(i))]
        x = x[keep]
        x = x[np.argsort(x[:, 0], kind="stable")]
    eig = np.linalg.eigvals(model.jacobian(0.0, x)) if len(x) else np.zeros((0, 2), complex)
    eig = np.take_along_axis(eig, np.argsort(-eig.real, axis=-1, kind="stable"), axis=-1)
    residual = np.max(np.abs(model.vector_field(0.0, x)), axis=-1) if len(x) else np.zeros(0)
    return CircuitFixedPoints(x, eig, tuple(classify(lam) for lam in eig), residual, roots)


@dataclass(frozen=True)
class Regime:
    """The case of Theorems 5.1-5.2 (App. F.3.1-F.3.2 rectified) that a two-dimensional circuit is in.

    Attributes
    ----------
    theorem : str
        ``"5.1"`` (contracting recurrence, ``w_r <= 1``) or ``"5.2"`` (expansive, ``w_r > 1``).
    threshold : float
        ``1 - 1 / w_r``, compared with ``b0 sigma`` (nan for Theorem 5.1).
    extra_possible : bool
        Whether the theorem allows fixed points besides the stable one (then zero or two of them, with
        ``y_s`` of the sign opposite to ``z``, whose stability is not guaranteed).
    predicted_counts : tuple of int
        The numbers of fixed points the theorem allows.
    description : str
    """

    theorem: str
    threshold: float
    extra_possible: bool
    predicted_counts: tuple
    description: str


def regime(model: ORGaNICs) -> Regime:
    """Which case of Theorem 5.1 or 5.2 applies to ``model`` (with ``z != 0``).

    For the rectified circuit (F.3.2) extra fixed points are possible only with ``z < 0``.

    Examples
    --------
    >>> regime(circuit_2d(w_r=2.0, b0=1.0, sigma=1.0)).predicted_counts   # Fig. 1c: b0 sigma > 1 - 1/w_r
    (1,)
    """
    w_r, b0, sigma, _, _, z = _scalars(model)
    if z == 0:
        raise ValueError("model.z must be non-zero: Theorems 5.1 and 5.2 are stated for z > 0 and z < 0")
    if w_r <= 1:
        return Regime("5.1", float("nan"), False, (1,),
                      "contracting recurrence (w_r <= 1): one fixed point, asymptotically stable, "
                      "y_s of the sign of z")
    threshold = 1.0 - 1.0 / w_r
    above = b0 * sigma > threshold
    extra = not above and not (model.rectified and z > 0)
    how = ">" if above else "<="
    text = (f"expansive recurrence (w_r > 1), b0 sigma = {b0 * sigma:.4g} {how} 1 - 1/w_r = {threshold:.4g}: "
            + ("zero or two more fixed points, y_s of the sign opposite to z, stability not guaranteed"
               if extra else "no other fixed point"))
    return Regime("5.2", threshold, extra, (1, 3) if extra else (1,), text)


@dataclass(frozen=True, eq=False)
class CircuitPortrait:
    """The phase portrait of a two-dimensional circuit with all its fixed points and its energy.

    Attributes
    ----------
    portrait : PhasePortrait
        Vector field and nullclines on the window, ``x_1 = y`` and ``x_2 = a``; its ``fixed_points``
        are those of :func:`circuit_fixed_points` inside the window.
    fixed_points : CircuitFixedPoints
        Every fixed point, inside the window or not.
    energy : ndarray, shape (n_nullcline, n_nullcline) or None
        The energy of Eq. 129 (App. H), ``energy[j, i]`` at ``(energy_y[i], energy_a[j])``, where it is
        defined: the main model with ``w_r = 1`` (``W_r = I``); None otherwise.
    energy_y, energy_a : ndarray, shape (n_nullcline,)
        The grid of ``energy``.
    regime : Regime or None
        The case of Theorem 5.1 or 5.2 (None when ``z = 0``).
    """

    portrait: PhasePortrait
    fixed_points: CircuitFixedPoints
    energy: np.ndarray | None
    energy_y: np.ndarray
    energy_a: np.ndarray
    regime: Regime | None


def _default_window(fps: CircuitFixedPoints):
    """A window ``(ylim, alim)`` showing every fixed point with a margin."""
    top_y = 1.3 * max(np.abs(fps.x[:, 0]).max(initial=0.0), 0.5)
    top_a = 1.3 * max(fps.x[:, 1].max(initial=0.0), 0.5)
    return (-top_y, top_y), (0.0, top_a)


def circuit_portrait(model: ORGaNICs, ylim=None, alim=None, *, n_grid: int = 21, n_nullcline: int = 201
                     ) -> CircuitPortrait:
    """Phase portrait, every fixed point (:func:`circuit_fixed_points`) and energy of a 2-D circuit.

    Parameters
    ----------
    model : ORGaNICs
        A two-dimensional circuit (see :func:`circuit_2d`).
    ylim, alim : (float, float), optional
        The window in ``y`` and ``a``; by default one that shows every fixed point.
    n_grid, n_nullcline : int
        Arrows per axis, and grid points per axis for the nullclines and the energy.

    Examples
    --------
    >>> cp = circuit_portrait(circuit_2d(w_r=1.0))
    >>> cp.portrait.fixed_points.kinds, cp.energy.shape
    (('stable focus',), (201, 201))
    """
    from .certificates.organics import energy

    fps = circuit_fixed_points(model)
    window = _default_window(fps)
    ylim = window[0] if ylim is None else ylim
    alim = window[1] if alim is None else alim
    # The Newton search of phase_portrait is not needed: the reduction has found every fixed point.
    pp = phase_portrait(model, ylim, alim, n_grid=n_grid, n_nullcline=n_nullcline, n_starts=1, max_iter=0)
    inside = ((fps.x[:, 0] >= pp.xlim[0]) & (fps.x[:, 0] <= pp.xlim[1])
              & (fps.x[:, 1] >= pp.ylim[0]) & (fps.x[:, 1] <= pp.ylim[1]))
    shown = FixedPoints(fps.x[inside], fps.eigenvalues[inside], fps.residual[inside],
                        tuple(k for k, keep in zip(fps.kinds, inside) if keep), 0, 0)
    pp = PhasePortrait(pp.x, pp.y, pp.U, pp.V, pp.nullclines, shown, None, pp.xlim, pp.ylim)
    ev, av = np.linspace(*pp.xlim, n_nullcline), np.linspace(*pp.ylim, n_nullcline)
    V = None
    if not model.rectified and model.identity_recurrence:
        V = energy(model, np.stack(np.meshgrid(ev, av), axis=-1))  # (na, ny)
    return CircuitPortrait(pp, fps, V, ev, av, regime(model) if model.z[0] != 0 else None)
