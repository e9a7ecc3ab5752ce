from __future__ import annotations

import pytest

from tests.lab import Lab
from tests.lab.fixtures import clean_lab, lab  # noqa: F401
from tests.lab.handmade import prepare_release, switch

R1, R2 = "20260101000001", "20260101000002"  # v1 and v2, made by hand on h1


@pytest.fixture(scope="module")
def two_releases(lab: Lab) -> Lab:  # noqa: F811
    """A fresh fleet with releases R1 (v1) and R2 (v2) on h1, `current` -> R1. Tests switch
    `current` as they need; the web tier is put back to the lab's settings afterwards."""
    lab.reset_app_state()
    prepare_release(lab, "h1", "v1", R1, link=False)
    prepare_release(lab, "h1", "v2", R2, link=False)
    switch(lab, "h1", R1)
    yield lab
    lab.web.reset()
