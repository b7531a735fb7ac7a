"""Public argument checks: every public function of rnnlab validates its input through these.

Each check takes the argument's ``name`` first and raises ``ValueError`` (wrong value, shape or
range) or ``TypeError`` (wrong kind of object: a string, a complex number, a class where an
instance is expected) whose message names the argument and says what was expected, so a bad
input fails at the boundary rather than as a NumPy traceback from deep inside.

Decisions
---------
* Complex input is refused, never cast: ``np.asarray(z, dtype=float)`` would drop the imaginary
  part with only a ``ComplexWarning``. A complex array whose imaginary part is exactly zero is
  accepted as real.
* Booleans are not numbers here (``tau=True`` is a slip, not ``1.0``).
* Empty arrays are refused unless ``allow_empty=True``: a 0x0 weight matrix is not a network.

Examples
--------
>>> as_real_array("tau", "fast")
Traceback (most recent call last):
...
TypeError: tau must be a real number or array, got 'fast'
>>> positive_int("max_iter", 0)
Traceback (most recent call last):
...
ValueError: max_iter must be an integer >= 1, got 0
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_real_array",
    "as_square_matrix",
    "as_vector",
    "real_number",
    "positive_number",
    "nonnegative_number",
    "positive_int",
    "interval",
    "instance_not_class",
    "check_callable",
    "check_choice",
    "check_work",
]


def _show(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_real_array(name: str, value, *, ndim: int | None = None, finite: bool = True,
                  allow_empty: bool = False, copy: bool = True) -> np.ndarray:
    """``value`` as a real float array, refusing strings, objects, complex numbers, NaN and inf.

    Parameters
    ----------
    name : str
        The argument's name, used in the message.
    ndim : int, optional
        Required number of dimensions.
    finite : bool
        Refuse NaN and inf.
    allow_empty : bool
        Accept arrays with zero elements.
    """
    if isinstance(value, (str, bytes)) or isinstance(value, type):
        raise TypeError(f"{name} must be a real number or array, got {_show(value)}")
    try:
        a = np.array(value, copy=copy) if copy else np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged nested lists
        raise ValueError(f"{name} must be a real number or a rectangular array, "
                         f"got {_show(value)} ({err})") from None
    if a.dtype.kind == "c":
        if np.any(a.imag != 0):
            raise TypeError(f"{name} must be real, got a complex value with a nonzero imaginary part")
        a = a.real
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be a real number or array, got {_show(value)} (dtype {a.dtype})")
    if a.dtype.kind == "b" and a.ndim == 0:
        raise TypeError(f"{name} must be a real number or array, got the boolean {value!r}")
    a = a.astype(float, copy=False)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    if not allow_empty and a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return a


def as_square_matrix(name: str, value, n: int | None = None, *, stack: bool = False) -> np.ndarray:
    """A finite, real, non-empty square matrix (of size ``n`` if given), or a stack ``(..., n, n)``."""
    a = as_real_array(name, value, allow_empty=True)
    ok = a.ndim >= 2 if stack else a.ndim == 2
    want_n = "n" if n is None else str(n)
    if not ok or a.shape[-1] != a.shape[-2] or (n is not None and a.shape[-1] != n):
        want = f"(..., {want_n}, {want_n})" if stack else f"({want_n}, {want_n})"
        raise ValueError(f"{name} must be a square matrix of shape {want}, got shape {a.shape}")
    if a.shape[-1] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {a.shape}")
    return a


def as_vector(name: str, value, n: int, *, positive: bool = False, nonnegative: bool = False) -> np.ndarray:
    """A finite real vector of length ``n``; a scalar is broadcast."""
    v = as_real_array(name, value, allow_empty=n == 0)
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got shape {v.shape}")
    if positive and np.any(v <= 0):
        raise ValueError(f"{name} must be positive, got {_show(value)}")
    if nonnegative and np.any(v < 0):
        raise ValueError(f"{name} must be non-negative, got {_show(value)}")
    return v


def real_number(name: str, value, *, finite: bool = True, low: float | None = None,
                high: float | None = None) -> float:
    """A real scalar (in ``[low, high]`` when given) as a Python float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)):
        if isinstance(value, numbers.Complex):
            raise TypeError(f"{name} must be a real number, got the complex {value!r}")
        raise TypeError(f"{name} must be a real number, got {_show(value)}")
    if isinstance(value, np.ndarray):
        if value.shape != () or value.dtype.kind not in "fiu":
            raise TypeError(f"{name} must be a real number, got an array of shape {value.shape}")
    x = float(value)
    if finite and not np.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x!r}")
    if np.isnan(x):
        raise ValueError(f"{name} must be a number, got nan")
    if low is not None and x < low:
        raise ValueError(f"{name} must be >= {low}, got {x!r}")
    if high is not None and x > high:
        raise ValueError(f"{name} must be <= {high}, got {x!r}")
    return x


def positive_number(name: str, value, *, finite: bool = True) -> float:
    """A real number ``> 0``."""
    x = real_number(name, value, finite=finite)
    if not x > 0:
        raise ValueError(f"{name} must be a positive number, got {x!r}")
    return x


def nonnegative_number(name: str, value, *, finite: bool = True) -> float:
    """A real number ``>= 0``."""
    return real_number(name, value, finite=finite, low=0.0)


def positive_int(name: str, value, *, minimum: int = 1) -> int:
    """An integer ``>= minimum`` (``bool`` and floats refused) as a Python int."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {_show(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def interval(name: str, value) -> tuple[float, float]:
    """A finite pair ``(low, high)`` with ``low < high``, as two floats."""
    pair = tuple(float(v) for v in as_real_array(name, value, finite=False).ravel())
    if len(pair) != 2 or not np.all(np.isfinite(pair)) or pair[0] >= pair[1]:
        raise ValueError(f"{name} must be (low, high) with low < high, got {value!r}")
    return pair


def instance_not_class(name: str, value, what: str = "an instance") -> None:
    """Raise ``TypeError`` when a class is passed where an instance is expected."""
    if isinstance(value, type):
        raise TypeError(f"{name} must be {what}, got the class {value.__name__} itself (call it first)")


def check_callable(name: str, value) -> None:
    """Raise ``TypeError`` unless ``value`` is a callable (a function, not a class)."""
    instance_not_class(name, value, "a function")
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {_show(value)}")


def check_choice(name: str, value, choices) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    try:
        ok = value in tuple(choices)
    except TypeError:  # unhashable or uncomparable
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {_show(value)}")


def check_work(what: str, work: float, max_work: float, *, per_second: float, hint: str = "") -> None:
    """Refuse, before starting, work that cannot finish in reasonable time.

    Parameters
    ----------
    what : str
        The work and the arguments that set it, e.g. ``"n_trials * t_settle / dt = 3e30 steps"``.
    work : float
        Units of work (steps, samples) asked for.
    max_work : float
        The largest amount accepted.
    per_second : float
        Rough throughput, to say how long it would take.
    """
    if not np.isfinite(work) or work > max_work:
        seconds = work / per_second
        took = "forever" if not np.isfinite(seconds) else f"about {_duration(seconds)}"
        raise ValueError(f"{what} exceeds max_work = {max_work:.3g}: it would take {took} "
                         f"at ~{per_second:.3g}/s{'; ' + hint if hint else ''}")


def _duration(seconds: float) -> str:
    for unit, size in (("years", 3.15e7), ("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"
