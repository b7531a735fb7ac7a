"""Contraction certificates: every criterion of the papers, side by side, for any model.

``certify(model)`` runs each criterion registered for the model's class. The criteria live in one
module per paper (:mod:`.kozachkov`, :mod:`.davydov`); importing this package registers them.
"""

from . import davydov, kozachkov  # noqa: F401  (importing registers the criteria)
from ._core import Certificate, Certificates, certify, criterion

__all__ = ["Certificate", "Certificates", "certify", "criterion"]
