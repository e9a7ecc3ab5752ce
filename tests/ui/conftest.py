import time

import pytest


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    """Plain lines carry local times: pin the zone so snapshots match anywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def no_ci(monkeypatch):
    for name in ("CI", "GITLAB_CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
