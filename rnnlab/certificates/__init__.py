"""Contraction certificates: every criterion of the papers, side by side, for any model.

``certify(model)`` runs each criterion registered for the model's class. The criteria live in one
module per paper (:mod:`.kozachkov`, :mod:`.davydov`) and one for networks of networks
(:mod:`.assembly`), and ORGaNICs' Section 4 (:mod:`.organics`); importing this package registers them.
"""

from .registry import Certificate, Certificates, Criterion, certify, criterion, registered
from .assembly import assembly_certificate, certified_assembly, module_certificate, skew_residual
from .davydov import (
    absolute_contraction,
    connective_contraction,
    firing_rate_certificate,
    hopfield_certificate,
    total_contraction,
)
from .kozachkov import common_metric, observed_contraction_rate, theorem3_weights
from .organics import energy, energy_rate, energy_weights, quadratic_eigenvalues, section4_certificate

__all__ = [
    "Certificate",
    "Certificates",
    "certify",
    "criterion",
    "Criterion",
    "registered",
    "hopfield_certificate",
    "firing_rate_certificate",
    "absolute_contraction",
    "connective_contraction",
    "total_contraction",
    "common_metric",
    "theorem3_weights",
    "observed_contraction_rate",
    "assembly_certificate",
    "certified_assembly",
    "module_certificate",
    "skew_residual",
    "section4_certificate",
    "quadratic_eigenvalues",
    "energy",
    "energy_rate",
    "energy_weights",
]
