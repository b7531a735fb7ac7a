"""docs/equations.md, the index from the papers' items to rnnlab: every name and test it cites exists.

The index names rnnlab objects as backticked dotted names (```rnnlab.certificates.kozachkov.theorem1```)
and tests as ```tests/test_x.py::test_name``` (or ``::Class::test_method``). Renaming or moving any of
them without updating the index fails here. Names are resolved by importing (the ``rnnlab.train`` ones
import torch); tests are found by parsing their files with ``ast``, not by running them.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "docs" / "equations.md"

NAME = re.compile(r"`(rnnlab(?:\.[A-Za-z_]\w*)*)`")
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+(?:::\w+)?)`")
BACKTICKED = re.compile(r"`([^`]+)`")

# Each paper's section (found by the author in its heading) and the least number of table rows it
# must keep: about the rows there are now, so losing a block of rows fails too.
PAPERS = {"Kozachkov": 24, "Rawat": 35, "Rivkind": 20, "Davydov": 25}
COLUMNS = ("Paper item", "What it is", "Implemented by", "Tested in")


def _text() -> str:
    return INDEX.read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, str]:
    """The body of each ``## `` section, keyed by its heading."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {heading.strip(): body for heading, body in zip(parts[1::2], parts[2::2])}


def _rows(body: str) -> list[list[str]]:
    """The table rows of a section as lists of cells, without the header and the ``|---|`` line."""
    rows = []
    for line in body.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if tuple(cells) == COLUMNS or all(set(c) <= set("-: ") for c in cells):
            continue
        rows.append(cells)
    return rows


def resolve(name: str):
    """The object ``name`` (``rnnlab.a.b.C.m``): import modules left to right, then ``getattr``.

    Raises ``LookupError`` naming the first part that does not exist. An ``ImportError`` raised inside
    a module that does exist (a missing dependency) propagates as it is.
    """
    parts = name.split(".")
    obj = importlib.import_module(parts[0])
    path = parts[0]
    for part in parts[1:]:
        path = f"{path}.{part}"
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        if not isinstance(obj, type(importlib)):  # only a module has submodules to import
            raise LookupError(f"{name}: {path} does not exist")
        try:
            obj = importlib.import_module(path)
        except ModuleNotFoundError as err:
            if err.name != path:
                raise
            raise LookupError(f"{name}: {path} does not exist") from None
    return obj


@lru_cache(maxsize=None)
def _test_names(path: str) -> dict[str, set[str] | None]:
    """Top-level functions (value None) and classes (value: their method names) of a test file."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    found: dict[str, set[str] | None] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = None
        elif isinstance(node, ast.ClassDef):
            methods = (n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
            found[node.name] = {n.name for n in methods}
    return found


def check_test_ref(path: str, qualname: str) -> None:
    """Raise ``LookupError`` unless ``path::qualname`` is a test that pytest would collect."""
    if not (ROOT / path).is_file():
        raise LookupError(f"{path}::{qualname}: no file {path}")
    names = _test_names(path)
    first, _, method = qualname.partition("::")
    if first not in names:
        raise LookupError(f"{path}::{qualname}: {path} defines no {first}")
    if method:
        if names[first] is None or method not in names[first]:
            raise LookupError(f"{path}::{qualname}: {first} is not a class with a method {method}")
        if not (first.startswith("Test") and method.startswith("test")):
            raise LookupError(f"{path}::{qualname}: not a test (Test* class, test* method)")
    elif names[first] is not None or not first.startswith("test"):
        raise LookupError(f"{path}::{qualname}: not a test function (test*)")


NAMES = sorted(set(NAME.findall(_text())))
TESTS = sorted(set(TEST_REF.findall(_text())))


@pytest.mark.parametrize("name", NAMES)
def test_every_cited_name_resolves(name):
    resolve(name)


@pytest.mark.parametrize("path, qualname", TESTS, ids=[f"{p}::{q}" for p, q in TESTS])
def test_every_cited_test_exists(path, qualname):
    check_test_ref(path, qualname)


@pytest.mark.parametrize("paper, least", PAPERS.items())
def test_each_paper_has_a_full_table_whose_every_row_names_rnnlab_objects(paper, least):
    sections = [body for heading, body in _sections(_text()).items() if paper in heading]
    assert len(sections) == 1, f"expected one section whose heading names {paper}"
    rows = _rows(sections[0])
    assert len(rows) >= least, f"{paper}: {len(rows)} rows, expected at least {least}"
    for cells in rows:
        assert len(cells) == len(COLUMNS), f"{paper}: row with {len(cells)} cells: {cells}"
        item, what, implemented, tested = cells
        assert item and what, f"{paper}: row without an item or description: {cells}"
        # Every row points at rnnlab, and everything it points at is in the form checked above, so no
        # misspelled reference escapes the resolution tests.
        assert NAME.search(implemented), f"{paper} {item}: no rnnlab name in {implemented!r}"
        for token in BACKTICKED.findall(implemented):
            if token.startswith("rnnlab"):
                assert NAME.fullmatch(f"`{token}`"), f"{paper} {item}: malformed name {token!r}"
        tokens = BACKTICKED.findall(tested)
        assert tokens or tested == "-", f"{paper} {item}: 'Tested in' is neither tests nor '-': {tested!r}"
        for token in tokens:
            assert TEST_REF.fullmatch(f"`{token}`"), f"{paper} {item}: malformed test reference {token!r}"
    assert "Not implemented" in sections[0], f"{paper}: no 'Not implemented' list"


def test_the_index_cites_many_names_and_tests():
    assert len(NAMES) >= 150 and len(TESTS) >= 150


@pytest.mark.parametrize(
    "name",
    [
        "rnnlab.certificates.kozachkov.theorem_one",  # a renamed function
        "rnnlab.no_such_module.theorem1",  # a moved module
        "rnnlab.models.rnn.RateRNN.no_such_method",
        "rnnlab.train.nets.NoSuchNet",
        "rnnlab.lognorms.lognorm.not_a_module",  # below a function, nothing to import
    ],
)
def test_a_renamed_name_is_caught(name):
    with pytest.raises(LookupError, match="does not exist"):
        resolve(name)


@pytest.mark.parametrize(
    "path, qualname",
    [
        ("tests/test_no_such_file.py", "test_x"),
        ("tests/test_lognorms.py", "test_no_such_test"),
        ("tests/test_simulate.py", "Riccati"),  # a helper class, not a test
        ("tests/test_simulate.py", "Riccati::vector_field"),
        ("tests/test_lognorms.py", "random_matrix"),  # a helper function
    ],
)
def test_a_missing_or_non_test_reference_is_caught(path, qualname):
    with pytest.raises(LookupError):
        check_test_ref(path, qualname)
