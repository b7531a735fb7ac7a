"""Solutions of notebook 01: the Euler and RK4 steps, and the kind of a fixed point."""

import numpy as np


def euler_step(f, t, x, dt):
    """One explicit Euler step of ``dx/dt = f(t, x)``: ``x + dt f(t, x)``."""
    return x + dt * f(t, x)


def rk4_step(f, t, x, dt):
    """One classical Runge-Kutta step of ``dx/dt = f(t, x)`` (weights 1/6, 2/6, 2/6, 1/6)."""
    k1 = f(t, x)
    k2 = f(t + dt / 2, x + dt / 2 * k1)
    k3 = f(t + dt / 2, x + dt / 2 * k2)
    k4 = f(t + dt, x + dt * k3)
    return x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def classify_fixed_point(eigenvalues, tol=1e-8):
    """The kind of a fixed point from its Jacobian's eigenvalues, with rnnlab's names.

    "non-hyperbolic" if some |Re lambda| <= tol; "saddle" if the real parts have both signs;
    else "stable"/"unstable" and "node" (all real) or "focus" (a complex pair).
    """
    lam = np.asarray(eigenvalues, dtype=complex)
    if np.any(np.abs(lam.real) <= tol):
        return "non-hyperbolic"
    if np.any(lam.real > 0) and np.any(lam.real < 0):
        return "saddle"
    stability = "stable" if np.all(lam.real < 0) else "unstable"
    shape = "focus" if np.any(np.abs(lam.imag) > tol) else "node"
    return f"{stability} {shape}"
