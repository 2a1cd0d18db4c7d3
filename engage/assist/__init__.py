"""The local moderation assistant (issue 10): a small Vietnamese text classifier per site.

Optional: :mod:`engage.assist.model` and :mod:`engage.assist.training` need the ``assist`` extra
(scikit-learn, joblib); :mod:`engage.assist.features` and this module do not.  No Flask here.
"""
from __future__ import annotations

import importlib.util


def available() -> bool:
    """Whether the ``assist`` extra (scikit-learn and joblib) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("sklearn", "joblib"))
