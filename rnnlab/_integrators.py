"""Ensemble integrators behind :func:`rnnlab.simulate`: a batched Dormand-Prince 5(4) with dense
output, and a step-by-step driver of SciPy's solvers; both stop and flag diverging trajectories alike.

Every route returns ``(xs, t_diverged, n_evaluations)`` for a batch ``x0`` of shape ``(B, n)``:
``xs`` of shape ``(T, B, n)`` sampled at the output times (NaN at and after a trajectory's stop) and
``t_diverged`` of shape ``(B,)`` (NaN for the trajectories that were not stopped).

A trajectory is stopped when

* its state leaves ``max_i |x_i| <= bound`` or becomes non-finite: the crossing is located on the
  step's continuous extension by bisection, so ``t_diverged`` does not depend on the step size; or
* the solver cannot continue it: its step size underflows (``h < 16 eps |t|``, the test of Hairer
  et al.'s DOPRI5), which is what a finite-time blow-up or a NaN vector field produces before any
  bound is reached. The batched integrator knows each trajectory's error, so it stops those whose
  error still exceeds the tolerance; a SciPy solver integrates the stacked batch as one system and
  reports one failure, so there the trajectories with a non-finite state are stopped, or, if none,
  the one with the largest scaled rate ``max_i |f_i| / (atol + rtol |x_i|)`` (the one forcing the
  step to zero), and the solver restarts without it.

The others carry on unchanged. ``max_steps`` bounds the steps taken (accepted and rejected); past it
:class:`StepLimitError` is raised.
"""

from __future__ import annotations

import numpy as np
import scipy.integrate
import scipy.sparse

__all__ = ["StepLimitError", "dopri5", "scipy_solver"]

_EPS = np.finfo(float).eps


class StepLimitError(RuntimeError):
    """An integration needed more than ``max_steps`` steps."""


# ---------------------------------------------------------------------------------------------------
# Dormand & Prince (1980) 5(4) pair, as in Hairer, Norsett & Wanner, "Solving Ordinary Differential
# Equations I" (2nd ed.), Table II.5.2, with the continuous extension of order 4 of their code DOPRI5
# (Sec. II.6, coefficients d_i of Shampine (1986)).

_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_A = np.zeros((7, 7))
_A[1, :1] = [1 / 5]
_A[2, :2] = [3 / 40, 9 / 40]
_A[3, :3] = [44 / 45, -56 / 15, 32 / 9]
_A[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
_A[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
_A[6, :6] = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]  # = b: the FSAL stage
_B = _A[6]
# b - b_hat: the embedded 4th-order error estimate (uses the FSAL stage k7).
_E = np.array([71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40])
_D = np.array([
    -12715105075 / 11282082432, 0.0, 87487479700 / 32700410799, -10690763975 / 1880347072,
    701980252875 / 199316789632, -1453857185 / 822651844, 69997945 / 29380423,
])

# Step-size controller of DOPRI5 (Hairer et al., Sec. II.4 and IV.2): PI control with beta = 0.04.
_SAFE, _FAC_MIN, _FAC_MAX, _BETA = 0.9, 0.2, 10.0, 0.04
_EXPO = 0.2 - 0.75 * _BETA


def _combine(coefficients, K, i):
    """``sum_j coefficients[j] K[j]`` for ``j < i``, one BLAS pass over the stages."""
    return (coefficients[:i] @ K[:i].reshape(i, -1)).reshape(K.shape[1:])


def _dense_basis(theta):
    """The weights of ``[y0, y1 - y0, bspl, ..., rcont5]`` in DOPRI5's interpolant at ``theta``.

    ``y(t0 + theta h) = r1 + theta (r2 + (1 - theta) (r3 + theta (r4 + (1 - theta) r5)))``
    (Hairer et al., Sec. II.6, Eq. (6.12) and code CONTD5), expanded to a sum of basis terms.
    """
    theta = np.asarray(theta, dtype=float)
    s = 1.0 - theta
    return np.stack([np.ones_like(theta), theta, theta * s, theta**2 * s, theta**2 * s**2], axis=-1)


def _dense_coefficients(y0, y1, K, h):
    """``(5, B, n)`` coefficients of the interpolant on a step from ``y0`` to ``y1`` of size ``h``."""
    r = np.empty((5,) + y0.shape)
    r[0] = y0
    np.subtract(y1, y0, out=r[1])
    r[2] = h * K[0] - r[1]
    r[3] = r[1] - h * K[6] - r[2]
    r[4] = h * _combine(_D, K, 7)
    return r


def _norm(v, scale):
    """Per-trajectory RMS norm of ``v / scale``: shape ``(B,)``."""
    return np.sqrt(np.mean(np.square(v / scale), axis=-1))


def _locate_exit(evaluate, t_lo, t_hi, bound, iterations=48):
    """First time in ``(t_lo, t_hi]`` where each row's state leaves ``|x| <= bound`` (bisection).

    ``evaluate(s)`` returns the states of the rows at their own times ``s`` (shape ``(r,)``). Each
    row is within the bound at ``t_lo`` and beyond it (or non-finite) at ``t_hi``.
    """
    lo, hi = np.full(np.shape(t_hi), t_lo, dtype=float), np.array(t_hi, dtype=float)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        with np.errstate(over="ignore", invalid="ignore"):
            x = evaluate(mid)
            inside = np.all(np.isfinite(x), axis=-1) & (np.max(np.abs(x), axis=-1) <= bound)
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    return hi


def _rows(active, n_traj):
    """Index of the active trajectories: a slice while none has stopped (fancy indexing copies)."""
    return active if active.size < n_traj else slice(None)


def _leaves(x, bound):
    """Rows of ``x`` that are non-finite or beyond ``bound``."""
    with np.errstate(invalid="ignore"):
        return ~(np.all(np.isfinite(x), axis=-1) & (np.max(np.abs(x), axis=-1) <= bound))


def _initial_step(f, t0, y0, f0, rtol, atol, order, max_step):
    """Hairer et al.'s starting step (Sec. II.4), taken as the smallest over the batch."""
    scale = atol + rtol * np.abs(y0)
    d0, d1 = _norm(y0, scale), _norm(f0, scale)
    h0 = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / np.maximum(d1, 1e-300)).min()
    h0 = min(h0, max_step)
    f1 = f(t0 + h0, y0 + h0 * f0)
    d2 = _norm(f1 - f0, scale) / h0
    big = np.maximum(d1, d2)
    h1 = np.where(big <= 1e-15, max(1e-6, h0 * 1e-3), (0.01 / np.maximum(big, 1e-300)) ** (1.0 / (order + 1)))
    return min(100 * h0, h1.min(), max_step), 1


def dopri5(f, t, x0, *, rtol, atol, bound, max_step, max_steps):
    """Integrate a batch with Dormand-Prince 5(4) and one step size shared by the batch.

    The step is accepted when every trajectory's own RMS error norm (Hairer et al., Eq. II.4.11) is
    at most 1, and the next step is chosen from the largest of them: each trajectory is integrated
    at least as accurately as it would be alone, and one vector-field call serves the whole batch.
    (The model's vector field takes one time ``t`` for the batch, which a per-trajectory step
    would break.) A stopped trajectory leaves the batch and no longer limits the step.
    """
    T, (n_traj, n) = len(t), x0.shape
    xs = np.empty((T, n_traj, n))  # each sample is written once: by a step, or NaN at a stop
    xs[0] = x0
    t_div = np.full(n_traj, np.nan)
    active = np.arange(n_traj)
    y = x0.copy()
    t_cur, t_end = float(t[0]), float(t[-1])
    k_next = 1  # the first output not yet written

    K = np.empty((7,) + y.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        K[0] = f(t_cur, y)
    n_eval = 1
    h, evals = _initial_step(f, t_cur, y, K[0], rtol, atol, 5, max_step)
    n_eval += evals
    h = h if np.isfinite(h) and h > 0 else min(max_step, 1e-6 * max(1.0, t_end - t_cur))
    fac_old, rejected, n_steps = 1e-4, False, 0

    def stop(rows, when):
        nonlocal active, y, K
        t_div[active[rows]] = when
        xs[k_next:, active[rows]] = np.nan
        keep = ~rows
        active, y, K = active[keep], y[keep], K[:, keep]

    while active.size and k_next < T:
        n_steps += 1
        if n_steps > max_steps:
            raise StepLimitError(
                f"dopri5 needed more than max_steps={max_steps} steps to reach t = {t_end:g} (at t = "
                f"{t_cur:.6g}, step {h:.3g}); raise max_steps or loosen rtol/atol"
            )
        h = min(h, max_step)
        last = t_cur + 1.01 * h >= t_end
        if last:
            h = t_end - t_cur
        with np.errstate(over="ignore", invalid="ignore"):
            for i in range(1, 7):
                K[i] = f(t_cur + _C[i] * h, y + h * _combine(_A[i], K, i))
            y_new = y + h * _combine(_B, K, 6)
            # K[6] = f(y_new) already: the last stage is evaluated at y + h sum_j b_j k_j.
            scale = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
            err_each = _norm(h * _combine(_E, K, 7), scale)
        n_eval += 6
        err_each = np.where(np.isfinite(err_each), err_each, np.inf)
        err = err_each.max()

        if err > 1.0:
            fac11 = err**_EXPO if np.isfinite(err) else np.inf
            h_new = h / min(1 / _FAC_MIN, fac11 / _SAFE)
            rejected = True
            if h_new < 16 * _EPS * max(abs(t_cur), 1.0):
                # The step underflowed: stop the trajectories that still fail the tolerance.
                stop(err_each > 1.0, t_cur)
                h_new, fac_old = max(h, 1e-6 * max_step), 1e-4
            h = h_new
            continue

        # Accepted.
        t_new = t_end if last else t_cur + h
        out = _leaves(y_new, bound)
        n_out = np.searchsorted(t, t_new, side="right") - k_next  # outputs in (t_cur, t_new]
        if n_out > 0 or out.any():
            R = _dense_coefficients(y, y_new, K, h)
        t_cross = np.full(active.size, np.inf)
        if out.any():
            rows = np.flatnonzero(out)

            def evaluate(s, rows=rows, R=R):
                return np.einsum("rk,krn->rn", _dense_basis((s - t_cur) / h), R[:, rows])

            t_cross[rows] = _locate_exit(evaluate, t_cur, np.full(rows.size, t_new), bound)
        if n_out > 0:
            t_k = t[k_next : k_next + n_out]
            basis = _dense_basis((t_k - t_cur) / h)  # (m, 5)
            past = t_k[:, None] >= t_cross[None, :]  # (m, B): samples after a stop
            if active.size == n_traj:  # interpolate straight into the output (a contiguous block)
                values = xs[k_next : k_next + n_out]
                np.matmul(basis, R.reshape(5, -1), out=values.reshape(n_out, -1))
            else:
                values = (basis @ R.reshape(5, -1)).reshape((n_out,) + y.shape)  # (m, B, n)
            if past.any():
                values[past] = np.nan
            if active.size < n_traj:
                xs[k_next : k_next + n_out, active] = values
            k_next += n_out
        t_cur, y = t_new, y_new
        K[0] = K[6]
        fac_old = max(err, 1e-4)
        fac11 = err**_EXPO
        fac = min(1 / _FAC_MIN, max(1 / _FAC_MAX, fac11 / fac_old**_BETA / _SAFE))
        h_new = h / fac
        if rejected:
            h_new = min(h_new, h)
        rejected = False
        if out.any():
            stop(out, t_cross[out])
        h = h_new
    return xs, t_div, n_eval


# ---------------------------------------------------------------------------------------------------
# SciPy's solvers, stepped one by one so that every step can be checked.

_SOLVERS = {
    "RK45": scipy.integrate.RK45, "RK23": scipy.integrate.RK23, "DOP853": scipy.integrate.DOP853,
    "Radau": scipy.integrate.Radau, "BDF": scipy.integrate.BDF, "LSODA": scipy.integrate.LSODA,
}
_IMPLICIT = ("Radau", "BDF", "LSODA")


def scipy_solver(model, t, x0, *, method, rtol, atol, bound, max_step, max_steps):
    """Integrate the batch as one stacked system with a SciPy solver, checking every step.

    A trajectory that leaves the bound is located on the step's dense output and removed, and the
    solver restarts from that step's end with the others; a solver failure stops the culprit (see
    the module docstring). The tolerances apply to the stacked system, as in ``solve_ivp``.
    """
    T, (n_traj, n) = len(t), x0.shape
    xs = np.empty((T, n_traj, n))  # each sample is written once: by a step, or NaN at a stop
    xs[0] = x0
    t_div = np.full(n_traj, np.nan)
    active = np.arange(n_traj)
    y, t_cur, k_next, n_eval, n_steps = x0.copy(), float(t[0]), 1, 0, 0
    atol_flat = np.broadcast_to(atol, (n,))

    while active.size and k_next < T:
        m = active.size

        def fun(s, v, m=m):
            return model.vector_field(s, v.reshape(m, n)).ravel()

        def jac(s, v, m=m):
            return scipy.sparse.block_diag(list(model.jacobian(s, v.reshape(m, n))), format="csr")

        options = dict(rtol=rtol, atol=np.tile(atol_flat, m), max_step=max_step)
        if method in _IMPLICIT:
            options["jac"] = jac
        with np.errstate(over="ignore", invalid="ignore"):
            solver = _SOLVERS[method](fun, t_cur, y.ravel(), float(t[-1]), **options)
        stopped = None
        while solver.status == "running" and stopped is None:
            n_steps += 1
            if n_steps > max_steps:
                raise StepLimitError(
                    f"{method} needed more than max_steps={max_steps} steps to reach t = {t[-1]:g} (at t = "
                    f"{solver.t:.6g}); raise max_steps or loosen rtol/atol"
                )
            with np.errstate(over="ignore", invalid="ignore"):
                solver.step()
            if solver.status == "failed":
                state = solver.y.reshape(m, n)
                culprit = _leaves(state, np.inf)
                if not culprit.any():
                    with np.errstate(over="ignore", invalid="ignore"):
                        rate = np.abs(model.vector_field(solver.t, state))
                        rate /= atol_flat + rtol * np.abs(state)
                    rate = np.where(np.isfinite(rate), rate, np.inf).max(axis=-1)
                    culprit = rate == rate.max()
                stopped = (culprit, np.full(m, float(solver.t)), float(solver.t), state)
                break
            t_old, t_new = float(solver.t_old), float(solver.t)
            state = solver.y.reshape(m, n)
            out = _leaves(state, bound)
            n_out = np.searchsorted(t, t_new, side="right") - k_next
            if n_out == 0 and not out.any():
                continue
            interp = solver.dense_output()
            t_cross = np.full(m, np.inf)
            if out.any():
                rows = np.flatnonzero(out)

                def evaluate(s, rows=rows, interp=interp):
                    return interp(s).reshape(m, n, s.size)[rows, :, np.arange(rows.size)]

                t_cross[rows] = _locate_exit(evaluate, t_old, np.full(rows.size, t_new), bound)
            if n_out > 0:
                t_k = t[k_next : k_next + n_out]
                with np.errstate(over="ignore", invalid="ignore"):
                    values = np.moveaxis(interp(t_k).reshape(m, n, n_out), -1, 0)  # (m_out, B, n)
                values[t_k[:, None] >= t_cross[None, :]] = np.nan
                xs[k_next : k_next + n_out, _rows(active, n_traj)] = values
                k_next += n_out
            if out.any():
                stopped = (out, t_cross, t_new, state)
        n_eval += solver.nfev
        if stopped is None:
            break
        rows, when, t_cur, state = stopped
        t_div[active[rows]] = when[rows]
        xs[k_next:, active[rows]] = np.nan
        active, y = active[~rows], state[~rows]
    return xs, t_div, n_eval
