"""Every invalid value of every argument's kind, at every public entry point of tests/fuzz_cases.py:
a ValueError or TypeError whose message names the argument (issue 15).

Each case replaces one argument of a valid call; the valid calls themselves must succeed, so a case
fails only because of the value it puts in. ``benchmarks/fuzz_report.py`` counts the same cases.
"""

import importlib.util
import warnings

import pytest

from fuzz_cases import ENTRIES, cases, explorer_entries, train_entries


def _ids(items):
    return [f"{label}-{arg}={value_name}" for label, arg, value_name, _ in items]


def _check(arg, call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a warning before the refusal is not the answer checked here
        with pytest.raises((ValueError, TypeError)) as info:
            call()
    assert arg in str(info.value), f"the message does not name {arg!r}: {info.value}"


@pytest.mark.parametrize("label", list(ENTRIES))
def test_the_valid_calls_succeed(label):
    fn, valid, _ = ENTRIES[label]
    fn(**valid)


ANALYSIS = list(cases())


@pytest.mark.parametrize("label, arg, value_name, call", ANALYSIS, ids=_ids(ANALYSIS))
def test_bad_input_is_refused_by_name(label, arg, value_name, call):
    _check(arg, call)


def _train_cases():
    return list(cases(train_entries())) if importlib.util.find_spec("torch") else []


TRAIN = _train_cases()


@pytest.mark.skipif(not TRAIN, reason="torch is not installed")
@pytest.mark.parametrize("label, arg, value_name, call", TRAIN, ids=_ids(TRAIN))
def test_bad_training_input_is_refused_by_name(label, arg, value_name, call):
    _check(arg, call)


EXPLORERS = list(cases(explorer_entries())) if importlib.util.find_spec("matplotlib") else []


@pytest.mark.skipif(not EXPLORERS, reason="matplotlib is not installed")
def test_the_valid_explorer_calls_succeed():
    for fn, valid, _ in explorer_entries().values():
        fn(**valid)


@pytest.mark.skipif(not EXPLORERS, reason="matplotlib is not installed")
@pytest.mark.parametrize("label, arg, value_name, call", EXPLORERS, ids=_ids(EXPLORERS))
def test_bad_explorer_input_is_refused_by_name(label, arg, value_name, call):
    _check(arg, call)
