"""Fixtures for the fast domain tests (no app, no database)."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    """Locate the shared test corpora (XSS payloads, naughty strings, ...).

    ``ENGAGE_CORPORA`` wins, else ``<repo root>/../shared/corpora``. When the directory is
    missing the test is skipped, unless ``ENGAGE_REQUIRE_CORPORA=1`` (as in CI), which
    turns the skip into a failure so the corpus tests cannot silently stop running.
    """
    path = Path(os.environ.get("ENGAGE_CORPORA") or REPO_ROOT.parent / "shared" / "corpora")
    if not path.is_dir():
        message = f"test corpora not found at {path} (set ENGAGE_CORPORA)"
        if os.environ.get("ENGAGE_REQUIRE_CORPORA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path
