"""The networks trained on sequential benchmarks, and the stability monitor.

Contract: every net is a ``torch.nn.Module`` whose ``forward(x)`` takes ``x`` of shape
``(batch, T, input_size)`` (float32) and returns logits ``(batch, output_size)``. Build one by name with
:func:`build_net`; :data:`NETS` maps the names to the classes:

=====================  ==============================================================================
``"sparse_combo"``     :class:`SparseComboNet`, fixed Theorem 1 modules, trained negative feedback
                       (Kozachkov et al. 2022, Sec. 4, A4); ``constrained=False``: the control ``L = B``
``"svd_combo"``        :class:`SVDComboNet`, trained Theorem 5 modules (Eq. 19, A5); same control
``"organics"``         :class:`ORGaNICsNet`, Eq. 134 with learned time constants (Rawat et al. 2024, I.2)
``"organics_static"``  :class:`StaticORGaNICsNet`, the fixed point by Algorithm 1 (I.1)
``"lstm"``             :class:`LSTMNet`, ``torch.nn.LSTM``
``"rnn"``              :class:`VanillaRNN`, ``torch.nn.RNN`` with tanh
=====================  ==============================================================================

Each recurrent net exposes its Euler step ``dt`` and ``to_rnnlab()``, its recurrent system as an
ordinary rnnlab model (continuous time), so :func:`rnnlab.certify`, spectra and phase tools apply to a
trained net. The two Combo Nets also have ``certificate_margin()``. :class:`StabilityMonitor` reports
margins and Jacobian spectra along probe trajectories, for the training loop to log.
"""

from __future__ import annotations

from torch import nn

from ._baselines import LSTMNet, VanillaRNN
from ._combo import SparseComboNet, SVDComboNet, combo_margin, sample_theorem1_module
from ._lstm_model import LSTMSystem
from ._monitor import StabilityMonitor
from ._organics_nets import ORGaNICsNet, StaticORGaNICsNet

__all__ = [
    "NETS",
    "build_net",
    "SparseComboNet",
    "SVDComboNet",
    "ORGaNICsNet",
    "StaticORGaNICsNet",
    "VanillaRNN",
    "LSTMNet",
    "LSTMSystem",
    "sample_theorem1_module",
    "combo_margin",
    "StabilityMonitor",
]

NETS: dict[str, type[nn.Module]] = {
    "sparse_combo": SparseComboNet,
    "svd_combo": SVDComboNet,
    "organics": ORGaNICsNet,
    "organics_static": StaticORGaNICsNet,
    "lstm": LSTMNet,
    "rnn": VanillaRNN,
}


def build_net(name: str, *, input_size: int, output_size: int, **options) -> nn.Module:
    """The net called ``name`` in :data:`NETS`, built with its keyword ``options``.

    Parameters
    ----------
    name : str
        One of :data:`NETS`.
    input_size, output_size : int
        Features per time step and classes.
    **options
        Keyword arguments of the class (e.g. ``n_modules``, ``module_size``, ``dt``,
        ``constrained=False`` for the Combo Nets' controls); an unknown one raises ``TypeError``.

    Examples
    --------
    >>> net = build_net("sparse_combo", input_size=1, output_size=10, n_modules=2, module_size=8,
    ...                 density=0.2, pre_scale=2.0)
    >>> type(net).__name__, net.dt
    ('SparseComboNet', 0.1)
    """
    if name not in NETS:
        raise ValueError(f"name must be one of {sorted(NETS)}, got {name!r}")
    try:
        return NETS[name](input_size, output_size, **options)
    except TypeError as err:
        if "unexpected keyword argument" in str(err):
            raise TypeError(f"build_net({name!r}): {err}") from None
        raise
