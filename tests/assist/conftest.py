"""Fixtures for the moderation assistant: the extra's presence, generated moderation histories
and a small model trained once per session on one."""
from __future__ import annotations

import os

import pytest

from assist_data import generated_history
from engage import assist


def _flag(name: str) -> bool:
    return os.environ.get(name, "") in ("1", "true", "yes")


@pytest.fixture(scope="session")
def assist_extra() -> None:
    """Skip without scikit-learn, unless ``ENGAGE_REQUIRE_ASSIST=1`` (CI) makes it a failure."""
    if not assist.available():
        if _flag("ENGAGE_REQUIRE_ASSIST"):
            pytest.fail("ENGAGE_REQUIRE_ASSIST=1 but scikit-learn/joblib are not installed")
        pytest.skip("the assist extra (scikit-learn, joblib) is not installed")


@pytest.fixture(scope="session")
def small_model_file(assist_extra, tmp_path_factory):
    """A model trained on a generated history of 1,000 approved and 200 rejected comments."""
    from datetime import datetime, timezone

    from engage.assist.training import train

    model, _ = train(generated_history(1000, 200), datetime(2026, 11, 30, tzinfo=timezone.utc))
    path = tmp_path_factory.mktemp("assist") / "model.joblib"
    model.save(path)
    return path
