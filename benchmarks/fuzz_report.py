"""Count how rnnlab's public entry points answer bad input: clear, unclear, silent, hang.

clear   : ValueError/TypeError whose message names the argument
unclear : another exception type, or a message that does not name the argument
silent  : returned without error (includes edge values that are valid input, e.g. g = 0 or tau = 1e300:
          the listing below names each, so a reader can tell which)
hang    : did not finish within the time limit (SIGALRM)

Run: PYTHONPATH=. python benchmarks/fuzz_report.py   (compare against an older checkout by PYTHONPATH)
"""

import signal
import warnings

import numpy as np

import rnnlab

BAD = {
    "nan": np.array([[np.nan, 0.0], [0.0, 1.0]]),
    "inf": np.array([[np.inf, 0.0], [0.0, 1.0]]),
    "empty": np.zeros((0, 0)),
    "complex": np.array([[1j, 0.0], [0.0, 1.0]]),
    "string": "fast",
    "object": object(),
    "class": rnnlab.RateRNN,
    "1d": np.ones(3),
}
NUM_BAD = {"nan": float("nan"), "neg": -1.0, "zero": 0.0, "string": "fast", "huge": 1e300, "complex": 1j}


def cases():
    m = rnnlab.RateRNN(np.eye(2) * 0.5)
    for k, v in BAD.items():
        yield f"RateRNN(W={k})", "W", lambda v=v: rnnlab.RateRNN(v)
        yield f"Hopfield(A={k})", "A", lambda v=v: rnnlab.Hopfield(v)
        yield f"lognorm({k})", "A", lambda v=v: rnnlab.lognorm(v)
        yield f"optimal_weights({k})", "A", lambda v=v: rnnlab.optimal_weights(v)
        yield f"spectral_abscissa({k})", "A", lambda v=v: rnnlab.spectral_abscissa(v)
        yield f"find_fixed_points(model={k})", "model", lambda v=v: rnnlab.find_fixed_points(v)
        yield f"certify(model={k})", "model", lambda v=v: rnnlab.certify(v)
    for k, v in NUM_BAD.items():
        yield f"RateRNN(tau={k})", "tau", lambda v=v: rnnlab.RateRNN(np.eye(2), tau=v)
        yield f"find_fixed_points(tol={k})", "tol", lambda v=v: rnnlab.find_fixed_points(m, tol=v)
        yield f"optimal_weights(tol={k})", "tol", lambda v=v: rnnlab.optimal_weights(np.eye(2), tol=v)
        yield f"mean_field(g={k})", "g", lambda v=v: rnnlab.mean_field(v, 1.0)
        yield f"gaussian_weights(g={k})", "g", lambda v=v: rnnlab.gaussian_weights(3, v, rng=0)
        yield (f"stability_trials(t_settle={k})", "t_settle",
               lambda v=v: rnnlab.stability_trials(2, (1.0,), 1, t_settle=v))
    for v in (0, -1, 2.5, "3", 10**30):
        yield (f"find_fixed_points(max_iter={v!r})", "max_iter",
               lambda v=v: rnnlab.find_fixed_points(m, max_iter=v))
        yield (f"stability_trials(n_trials={v!r})", "n_trials",
               lambda v=v: rnnlab.stability_trials(2, (1.0,), v))
    for k, v in {"nan": [np.nan], "empty": [], "string": "a"}.items():
        yield f"classify({k})", "eigenvalues", lambda v=v: rnnlab.classify(v)


def _alarm(*_):
    raise TimeoutError


def run(limit_s: int = 5) -> dict:
    signal.signal(signal.SIGALRM, _alarm)
    counts, rows = {"clear": 0, "unclear": 0, "silent": 0, "hang": 0}, []
    for label, arg, call in cases():
        signal.alarm(limit_s)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call()
            kind = "silent"
        except TimeoutError:
            kind = "hang"
        except (ValueError, TypeError) as err:
            kind = "clear" if arg in str(err) else "unclear"
        except Exception:  # noqa: BLE001 - the point is to count them
            kind = "unclear"
        finally:
            signal.alarm(0)
        counts[kind] += 1
        rows.append((label, kind))
    return counts, rows


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from _machine import describe

    counts, rows = run()
    for label, kind in rows:
        if kind != "clear":
            print(f"{kind:8s} {label}")
    print(counts, "of", sum(counts.values()))
    print(describe())
