"""rnnlab.checks: each check accepts what it should and names the argument when it refuses."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab import checks


def test_real_array_keeps_values_and_refuses_what_it_cannot_represent():
    a = checks.as_real_array("W", [[1, 2], [3, 4]])
    assert a.dtype == float and a.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    # a complex array with zero imaginary part is real; a nonzero one is never truncated
    assert checks.as_real_array("W", np.array([1 + 0j])).tolist() == [1.0]
    with pytest.raises(TypeError, match="W must be real"):
        checks.as_real_array("W", [1 + 1e-300j])
    for bad, err in [("fast", TypeError), (object(), TypeError), ([], ValueError), ([np.nan], ValueError),
                     ([[1, 2], [3]], ValueError), (True, TypeError)]:
        with pytest.raises(err, match="^W "):
            checks.as_real_array("W", bad)


def test_square_matrix_refuses_empty_and_non_square():
    assert checks.as_square_matrix("A", np.eye(3), 3).shape == (3, 3)
    for bad in (np.zeros((0, 0)), np.ones((2, 3)), np.ones(3), np.ones((2, 2, 2))):
        with pytest.raises(ValueError, match="^A must be a"):
            checks.as_square_matrix("A", bad)
    assert checks.as_square_matrix("A", np.ones((4, 2, 2)), stack=True).shape == (4, 2, 2)


@settings(max_examples=50, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_positive_number_accepts_exactly_the_positive_finite_floats(x):
    if np.isfinite(x) and x > 0:
        assert checks.positive_number("tau", x) == x
    else:
        with pytest.raises(ValueError, match="^tau must be"):
            checks.positive_number("tau", x)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=-10**40, max_value=10**40))
def test_positive_int_is_a_threshold(k):
    if k >= 1:
        assert checks.positive_int("max_iter", k) == k
    else:
        with pytest.raises(ValueError, match="^max_iter must be an integer >= 1"):
            checks.positive_int("max_iter", k)


def test_numbers_refuse_other_kinds():
    for bad in ("3", 2.5, True, None):
        with pytest.raises(TypeError, match="^n must be an integer"):
            checks.positive_int("n", bad)
    for bad in ("fast", 1j, None, np.ones(2), False):
        with pytest.raises(TypeError, match="^tau must be a real number"):
            checks.positive_number("tau", bad)


def test_classes_and_callables():
    with pytest.raises(TypeError, match="model must be .* the class int itself"):
        checks.instance_not_class("model", int)
    with pytest.raises(TypeError, match="u must be a function"):
        checks.check_callable("u", int)
    with pytest.raises(TypeError, match="u must be callable"):
        checks.check_callable("u", 3.0)
    checks.check_callable("u", np.sin)
    with pytest.raises(ValueError, match=r"p must be one of \(1, 2\)"):
        checks.check_choice("p", [], (1, 2))


def test_work_guard_says_how_long():
    checks.check_work("steps", 10, 100, per_second=1.0)
    with pytest.raises(ValueError, match=r"steps exceeds max_work = 100: it would take about 16.7 minutes"):
        checks.check_work("steps", 1e3, 100, per_second=1.0)
    with pytest.raises(ValueError, match="years"):
        checks.check_work("steps", 1e30, 100, per_second=1e6)
