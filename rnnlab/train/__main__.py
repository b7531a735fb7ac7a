"""``python -m rnnlab.train``: the same command as ``rnnlab-train`` (see :mod:`rnnlab.train.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
