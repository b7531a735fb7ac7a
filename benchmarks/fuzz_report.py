"""Count how rnnlab's public entry points answer bad input: clear, unclear, silent, hang.

The cases are tests/fuzz_cases.py's (every invalid value of every argument's kind at every entry
point, analysis and training side), the same ones tests/test_fuzz_entry_points.py asserts on:

clear   : ValueError/TypeError whose message names the argument
unclear : another exception type, or a message that does not name the argument
silent  : returned without error
hang    : did not finish within the time limit (SIGALRM)

Run: ``PYTHONPATH=. python benchmarks/fuzz_report.py`` (``--write`` records the counts in
benchmarks/results/fuzz_report.md). Against an older checkout, put that checkout first on PYTHONPATH
and keep this one's tests/ for the cases.
"""

from __future__ import annotations

import argparse
import collections
import signal
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

import fuzz_cases  # noqa: E402
from _machine import describe  # noqa: E402

KINDS = ("clear", "unclear", "silent", "hang")


def _alarm(*_):
    raise TimeoutError


def answer(arg: str, call, limit_s: int) -> tuple[str, str]:
    """The kind of answer ``call`` gives to a bad value of ``arg``, and its message."""
    signal.alarm(limit_s)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
        return "silent", ""
    except TimeoutError:
        return "hang", ""
    except (ValueError, TypeError) as err:
        return ("clear" if arg in str(err) else "unclear"), str(err)
    except Exception as err:  # noqa: BLE001 - the point is to count them
        return "unclear", f"{type(err).__name__}: {err}"
    finally:
        signal.alarm(0)


def run(limit_s: int = 5) -> tuple[dict, list]:
    signal.signal(signal.SIGALRM, _alarm)
    entries = dict(fuzz_cases.ENTRIES)
    try:
        entries.update(fuzz_cases.train_entries())
    except ImportError:
        print("torch is not installed: the training side's entry points are left out")
    try:
        entries.update(fuzz_cases.explorer_entries())
    except ImportError:
        print("matplotlib is not installed: the explorer specs are left out")
    per_entry = collections.defaultdict(collections.Counter)
    odd = []
    for label, arg, value_name, call in fuzz_cases.cases(entries):
        kind, message = answer(arg, call, limit_s)
        per_entry[label][kind] += 1
        if kind != "clear":
            odd.append((kind, f"{label}({arg}={value_name})", message[:120]))
    return per_entry, odd


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="record in benchmarks/results/fuzz_report.md")
    parser.add_argument("--limit", type=int, default=5, help="seconds before a case counts as a hang")
    args = parser.parse_args(argv)
    per_entry, odd = run(args.limit)
    total = sum(per_entry.values(), collections.Counter())
    lines = [
        "| entry point | cases | " + " | ".join(KINDS) + " |",
        "|---|---|" + "---|" * len(KINDS),
        *(f"| {label} | {sum(c.values())} | " + " | ".join(str(c[k]) for k in KINDS) + " |"
          for label, c in per_entry.items()),
        f"| **all {len(per_entry)} entry points** | {sum(total.values())} | "
        + " | ".join(str(total[k]) for k in KINDS) + " |",
    ]
    report = "\n".join(lines)
    print(report)
    for kind, case, message in odd:
        print(f"{kind:8s} {case}: {message}")
    if args.write:
        path = HERE / "results" / "fuzz_report.md"
        text = path.read_text()
        head = text.split("\n## ", 1)[0] if "\n## " in text else text
        path.write_text(
            head.rstrip("\n") + "\n\n## Every argument kind at every entry point (tests/fuzz_cases.py)\n\n"
            f"Machine: {describe()}\n\ncommand: `PYTHONPATH=. python benchmarks/fuzz_report.py --write`\n\n"
            + report + "\n\n" + ("Not clear:\n\n" + "\n".join(f"- {k}: {c}: {m}" for k, c, m in odd) + "\n"
                                 if odd else "Every case is refused with a message naming the argument.\n"))


if __name__ == "__main__":
    main()
