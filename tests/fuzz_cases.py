"""Bad-input cases for rnnlab's public entry points, shared by tests/test_fuzz_entry_points.py and
benchmarks/fuzz_report.py (issue 15).

Each entry point is a valid call (``ENTRIES``: label, function, valid keyword arguments) and the kind
of each argument (``KINDS``). A case replaces one argument of a valid call by a value that is wrong for
that argument's kind: every such value is invalid input, so the only right answer is a ValueError or
TypeError whose message names the argument (or, for a model, a result whose flags say so: none here).
"""

from __future__ import annotations

import numpy as np

import rnnlab

N = 2
EYE = 0.5 * np.eye(N)


class _Opaque:
    """An object of no numeric kind."""

    def __repr__(self):
        return "<opaque object>"


# The invalid values of each kind of argument (name -> value).
_NONFINITE = {"nan": float("nan"), "inf": float("inf")}
_NOT_A_NUMBER = {"string": "fast", "object": _Opaque(), "None": None, "complex": 1j, "list": [1.0, 2.0]}
BAD = {
    "square": {
        "nan": np.array([[np.nan, 0.0], [0.0, 1.0]]), "inf": np.array([[np.inf, 0.0], [0.0, 1.0]]),
        "complex": np.array([[1j, 0.0], [0.0, 1.0]]), "string": "fast", "object": _Opaque(), "None": None,
        "class": rnnlab.RateRNN, "empty": np.zeros((0, 0)), "2x3": np.ones((2, 3)), "1d": np.ones(3),
        "ragged": [[1.0, 2.0], [3.0]],
    },
    "vector": {  # a scalar or a vector of length N
        "nan": np.array([np.nan, 0.0]), "inf": np.array([0.0, np.inf]), "complex": np.array([1j, 0.0]),
        "string": "fast", "object": _Opaque(), "length 3": np.ones(3), "2d": np.ones((2, 2)),
    },
    "positive": {"zero": 0.0, "negative": -1.0, **_NONFINITE, **_NOT_A_NUMBER},
    # per-neuron parameters: a scalar or N values (so a list of N is valid, one of 3 is not)
    "positive per neuron": {"zero": 0.0, "negative": -1.0, **_NONFINITE, "string": "fast",
                            "object": _Opaque(),
                            "complex": 1j, "length 3": [1.0, 2.0, 3.0], "one negative": [1.0, -1.0]},
    "nonnegative per neuron": {"negative": -1.0, **_NONFINITE, "string": "fast", "object": _Opaque(),
                               "complex": 1j, "length 3": [1.0, 2.0, 3.0], "one negative": [1.0, -1.0]},
    "nonnegative": {"negative": -1.0, **_NONFINITE, **_NOT_A_NUMBER},
    "finite": {**_NONFINITE, **_NOT_A_NUMBER},
    "count (0 allowed)": {"negative": -3, "fraction": 2.5, "string": "3", "None": None, "nan": float("nan")},
    "count": {"zero": 0, "negative": -3, "fraction": 2.5, "string": "3", "None": None, "nan": float("nan")},
    "fraction": {"negative": -0.1, "above one": 1.5, **_NONFINITE, "string": "half", "None": None},
    "model": {"class": rnnlab.RateRNN, "string": "model", "None": None, "matrix": np.eye(2),
              "object": _Opaque()},
    "choice": {"unknown": "no such choice", "number": 3, "None": None, "object": _Opaque()},
    "interval": {"reversed": (1.0, -1.0), "empty": (1.0, 1.0), "nan": (float("nan"), 1.0), "scalar": 1.0,
                 "string": "ab", "three": (0.0, 1.0, 2.0)},
    "times": {"empty": np.array([]), "nan": np.array([0.0, np.nan]), "decreasing": np.array([1.0, 0.0]),
              "2d": np.ones((2, 2)), "string": "t", "complex": np.array([0.0, 1j])},
    "state": {"nan": np.array([np.nan, 0.0]), "inf": np.array([np.inf, 0.0]), "length 3": np.ones(3),
              "string": "x", "complex": np.array([1j, 0.0]), "empty": np.zeros(0)},
}


def _trained():
    rng = np.random.default_rng(0)
    res = rnnlab.Reservoir.random(20, g=0.5, rng=rng)
    return rnnlab.train_readout(res, [0.3])


MODEL = rnnlab.RateRNN(EYE)
ORG = rnnlab.circuit_2d()
TRAINED = _trained()
CERT = rnnlab.certify(MODEL)[0]

# label -> (function, valid keyword arguments, {argument: kind, or a dict of invalid values})
ENTRIES = {
    "RateRNN": (rnnlab.RateRNN, dict(W=EYE, u=0.0, tau=1.0, phi="tanh"),
                dict(W="square", u="vector", tau="positive per neuron", phi="choice")),
    "FiringRateRNN": (rnnlab.FiringRateRNN, dict(W=EYE, b=0.0, tau=1.0),
                      dict(W="square", b="vector", tau="positive per neuron")),
    "Hopfield": (rnnlab.Hopfield, dict(A=EYE, C=1.0, u=0.0),
                 dict(A="square", C="nonnegative per neuron", u="vector")),
    "LinearSystem": (rnnlab.LinearSystem, dict(A=-np.eye(N), u=0.0), dict(A="square", u="vector")),
    "Lure": (rnnlab.Lure, dict(A=-np.eye(N), v=np.ones(N), w=np.ones(N)),
             dict(A="square", v="vector", w="vector")),
    "DiagonalLure": (rnnlab.DiagonalLure, dict(A=EYE, C=1.0, u=0.0),
                     dict(A="square", C="nonnegative per neuron")),
    "Persidskii": (rnnlab.Persidskii, dict(A=-np.eye(N), u=0.0), dict(A="square", u="vector")),
    "ORGaNICs": (rnnlab.ORGaNICs, dict(W=np.ones((N, N)) / N, z=1.0, b=0.5, b0=0.5, sigma=0.1),
                 dict(W="square", z="vector", b="positive per neuron", b0="positive per neuron",
                      sigma="positive per neuron")),
    "circuit_2d": (rnnlab.circuit_2d, dict(w_r=1.0, b0=0.5, sigma=0.1),
                   dict(b0="positive", sigma="positive", w_r="finite")),
    "ring_population": (rnnlab.ring_population, dict(n=4, stimulus=0.0, contrast=1.0),
                        dict(n="count", contrast="nonnegative", tuning_width="positive")),
    "Reservoir": (rnnlab.Reservoir, dict(W=EYE, w_fb=np.ones(N)), dict(W="square", w_fb="vector")),
    "gaussian_weights": (rnnlab.gaussian_weights, dict(n=3, g=1.0, rng=0), dict(n="count", g="nonnegative")),
    "sparse_weights": (rnnlab.sparse_weights, dict(n=4, density=0.5, magnitude=1.0, rng=0),
                       dict(n="count", density="fraction", magnitude="nonnegative")),
    "simulate": (rnnlab.simulate, dict(model=MODEL, x0=np.zeros(N), t=np.linspace(0.0, 1.0, 5)),
                 dict(model="model", x0="state", t="times", rtol="positive", atol="nonnegative",
                      bound={"zero": 0.0, "negative": -1.0, "nan": float("nan"), "string": "big"},
                      method="choice", dt={"zero": 0.0, "negative": -1.0, **_NONFINITE, "string": "fast"})),
    "find_fixed_points": (rnnlab.find_fixed_points, dict(model=MODEL, rng=0),
                          dict(model="model", n_starts="count", tol="positive", max_iter="count")),
    "classify": (rnnlab.classify, dict(eigenvalues=[-1.0, -2.0]), dict(tol="nonnegative")),
    "jacobian_spectrum": (rnnlab.jacobian_spectrum, dict(model=MODEL, x=np.zeros(N)),
                          dict(model="model", x="state", t="finite")),
    "phase_portrait": (rnnlab.phase_portrait, dict(model=MODEL, n_grid=5, n_nullcline=11, n_starts=2),
                       dict(model="model", xlim="interval", ylim="interval", n_grid="count")),
    "lognorm": (rnnlab.lognorm, dict(A=EYE, p=2), dict(A="square", p="choice")),
    "spectral_abscissa": (rnnlab.spectral_abscissa, dict(A=EYE), dict(A="square")),
    "metzler_majorant": (rnnlab.metzler_majorant, dict(A=EYE), dict(A="square")),
    "optimal_weights": (rnnlab.optimal_weights, dict(A=-np.eye(N), p=1),
                        dict(A="square", p="choice", tol="positive", max_iter="count")),
    "certify": (rnnlab.certify, dict(model=MODEL), dict(model="model")),
    "mean_field": (rnnlab.mean_field, dict(g=1.5, A=1.0),
                   dict(g="nonnegative", A="finite", feedback="choice", n_nodes="count", phi="choice")),
    "gain_curves": (rnnlab.gain_curves, dict(g=[1.5], A=1.0), dict(feedback="choice")),
    "self_consistent_variance": (rnnlab.self_consistent_variance, dict(g=1.5, A=1.0),
                                 dict(g="nonnegative", A="finite")),
    "normalization": (rnnlab.normalization, dict(z=np.ones(N), W=np.ones((N, N)) / N, sigma=0.1),
                      dict(z="vector", W="square", sigma="positive per neuron")),
    "iterate_fixed_point": (rnnlab.iterate_fixed_point, dict(model=ORG),
                            dict(model="model", tol="positive", max_iter="count (0 allowed)", init="choice")),
    "contrast_response": (rnnlab.contrast_response, dict(model=ORG, contrasts=[0.1, 1.0]),
                          dict(model="model")),
    "circuit_fixed_points": (rnnlab.circuit_fixed_points, dict(model=ORG), dict(model="model")),
    "regime": (rnnlab.regime, dict(model=ORG), dict(model="model")),
    "stability_trials": (rnnlab.stability_trials, dict(n_neurons=2, max_singular_values=(1.0,), n_trials=1,
                                                       rng=0),
                         dict(n_neurons="count", n_trials="count", t_settle="positive", tol="positive")),
    "train_readout": (rnnlab.train_readout, dict(reservoir=TRAINED.reservoir, targets=[0.3]),
                      dict(ridge="nonnegative", tol="positive")),
    "frequency_response": (rnnlab.frequency_response, dict(trained=TRAINED, omega=[0.5, 1.0]),
                           dict(method="choice")),
    "impulse_response": (rnnlab.impulse_response, dict(trained=TRAINED, t=np.linspace(0.0, 1.0, 5), rng=0),
                         dict(t="times")),
    "parallel_evaluate": (rnnlab.parallel_evaluate, dict(model=MODEL, x0=np.zeros(N), T=8, dt=0.1),
                          dict(model="model", x0="state", T="count", dt="positive", method="choice",
                               tol="positive")),
    "lyapunov_exponents": (rnnlab.lyapunov_exponents, dict(model=MODEL, x0=np.zeros(N), T=8, dt=0.1),
                           dict(model="model", x0="state", T="count", dt="positive", k="count")),
    "jacobi_bound": (rnnlab.jacobi_bound, dict(certificate=CERT, dt=0.1, jacobian_norm=1.0),
                     dict(dt="positive", jacobian_norm="nonnegative")),
    "get_activation": (rnnlab.get_activation, dict(phi="tanh"), dict(phi="choice")),
}


_FRACTION_BELOW_ONE = {"negative": -0.1, "one": 1.0, "nan": float("nan"), "string": "x"}
_LIMIT = {"one": 1, "zero": 0, "negative": -5, "fraction": 2.5, "string": "10"}


def train_entries() -> dict:
    """The torch side's entry points (imports torch: call only where it is installed)."""
    from rnnlab.train import RunConfig, build_net, load_task

    return {
        "RunConfig": (RunConfig, dict(task="digits", net="rnn"), dict(
            task="choice", net="choice", epochs="count (0 allowed)", batch_size="count", lr="positive",
            weight_decay="nonnegative", gamma="positive", device="choice", probe_size="count",
            seed={"string": "0", "None": None, "fraction": 0.5, "negative": -1},
            val_fraction=_FRACTION_BELOW_ONE, data_limit=_LIMIT, net_options={"string": "x", "list": [1, 2]},
            milestones={"string": "10", "negative": (-1,), "fraction": (2.5,), "decreasing": (5, 3)},
            grad_clip={"zero": 0.0, "negative": -1.0, "nan": float("nan"), "string": "x"})),
        "build_net": (build_net, dict(name="rnn", input_size=1, output_size=10),
                      dict(name="choice", input_size="count", output_size="count")),
        "build_net sparse_combo": (
            build_net, dict(name="sparse_combo", input_size=1, output_size=10, n_modules=2, module_size=4),
            dict(n_modules="count", module_size="count", density="fraction", dt="positive", backend="choice",
                 coupling="choice")),
        "build_net organics": (build_net, dict(name="organics", input_size=1, output_size=10, hidden_size=3),
                               dict(hidden_size="count", backend="choice")),
        "load_task": (load_task, dict(task="digits"), dict(
            task="choice", val_fraction=_FRACTION_BELOW_ONE, limit=_LIMIT, device="choice",
            seed={"string": "0", "fraction": 0.5, "negative": -1})),
    }


def explorer_entries() -> dict:
    """The explorer specs and their controls (import matplotlib: call only where it is installed)."""
    from rnnlab import explorers as ex

    slider = dict(value=0.5, min=0.0, max=1.0, step=0.1)
    spec = dict(controls={"a": ex.Slider(**slider)}, compute=lambda a: a, view=lambda fig, result: None)
    bad_callable = {"None": None, "string": "f", "number": 3}
    return {
        "Slider": (ex.Slider, slider, dict(value="finite", min="finite", max="finite", step="positive",
                                           digits={"negative": -1, "string": "2", "fraction": 1.5})),
        "Choice": (ex.Choice, dict(options=("tanh", "relu"), value="tanh"), dict(
            options={"empty": (), "numbers": (1, 2), "string": "tanh", "None": None}, value="choice")),
        "Text": (ex.Text, dict(value="1.0"), dict(value={"number": 1.0, "None": None})),
        "ExplorerSpec": (ex.ExplorerSpec, spec, dict(
            controls={"empty": {}, "list": [ex.Slider(**slider)], "number": {"a": 0.5}, "None": None,
                      "bad name": {"a b": ex.Slider(**slider)}},
            compute=bad_callable, view=bad_callable,
            figsize={"negative": (1.0, -1.0), "nan": (float("nan"), 1.0), "scalar": 3.0, "three": (1, 2, 3),
                     "string": "ab", "None": None},
            columns="count", side={"string": "key", "None": None, "number": (3,),
                                  "duplicate": (ex.Html("k"), ex.Html("k"))})),
        "rate_rnn_spec": (ex.rate_rnn_spec, dict(n_grid=5, n_nullcline=21, n_starts=3), dict(
            W="square", u="vector", phi="choice", g="finite", tau="positive per neuron", xlim="interval", ylim="interval",
            n_grid="count", n_nullcline="count", n_starts="count", weight_range="interval",
            input_range="interval", gain_range="interval")),
        "contraction_spec": (ex.contraction_spec, dict(n_grid=5, n_nullcline=21, n_starts=3), dict(
            W="square", phi="choice", g="finite", tau="positive per neuron", criteria={"empty": (), "string": "Thm 1"},
            weight_range="interval", gain_range="interval")),
        "circuit_spec": (ex.circuit_spec, dict(n_grid=5, n_nullcline=21), dict(
            w_r="positive", sigma="positive", tau_y="positive", ylim="interval", alim="interval",
            n_grid="count", w_r_range="interval", tau_range="interval")),
        "normalization_spec": (ex.normalization_spec, dict(n=6), dict(
            n="count", stimulus="finite", contrast="positive", tuning_width="positive", pool_width="positive",
            sigma="positive", contrasts="times")),
        "mean_field_spec": (ex.mean_field_spec, dict(N=30, n_omega=20), dict(
            g="finite", A="finite", others={"letters": "a, b", "nan": "nan", "number": 1.0}, phi="choice",
            N="count", feedback="choice", n_omega="count", gain_range="interval")),
        "parallel_time_spec": (ex.parallel_time_spec, dict(n=4, T=10), dict(
            g="finite", dt="positive", method="choice", n="count", T="count", tol="positive",
            lines="count", dt_range="interval")),
    }


def cases(entries=None):
    """``(label, argument, value name, call)`` for every invalid value of every argument's kind."""
    for label, (fn, valid, kinds) in (ENTRIES if entries is None else entries).items():
        for arg, kind in kinds.items():
            values = kind if isinstance(kind, dict) else BAD[kind]
            for value_name, value in values.items():
                def call(fn=fn, valid=valid, arg=arg, value=value):
                    return fn(**{**valid, arg: value})

                yield label, arg, value_name, call
