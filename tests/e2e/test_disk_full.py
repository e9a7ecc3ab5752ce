"""A full disk on one host, on the real lab: a small tmpfs over h2's releases directory inside
h2's own mount namespace (tests/lab/faults.py), full from the start (pull fails writing the
release) or filled as install starts (composer fails writing vendor/). The ship exits 1 naming
h2 and `No space left on device`, nothing is switched, the partial release is gone from every
host, and the hint points at the releases kept there."""

from __future__ import annotations

import pytest

from tests.lab import faults

from .conftest import current_of, releases_of, write_inventory
from .running import finish, lock_status, read_until, start_ship, started

pytestmark = pytest.mark.lab

# a moment before composer writes, so the disk is full by then (the fill follows install's start)
LATE_INSTALL = [
    "sh",
    "-c",
    "sleep 2 && composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction",
]


@pytest.mark.parametrize("step", ["pull", "install"])
def test_a_full_disk_on_one_host_fails_the_ship_before_any_switch(lab, fresh, tmp_path, step):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=LATE_INSTALL)
    h2 = lab.hosts[1]
    before = current_of(lab)
    with faults.full_disk(lab, h2, size="64k" if step == "pull" else "4m") as fill:
        proc = start_ship(inv, "--ref", "v2")
        seen = read_until(proc, started(step))
        if step == "install":
            fill()
        result = finish(proc, seen)
        inside = lab.run(h2, ["ls", "-1A", "/var/www/app/releases"]).stdout.split()
    assert result.code == 1, result
    ended = result.of("ShipFinished")[0]
    assert ended["message"].startswith(f"h2: {step}:"), ended
    assert "No space left on device on h2" in ended["message"], ended
    assert "`deploytool releases lab` lists the releases kept there" in ended["hint"], ended
    assert current_of(lab) == before
    assert result.release and result.release not in inside, inside  # gone from h2's tmpfs
    assert all(result.release not in r for r in releases_of(lab).values())
    assert "unlocked" in lock_status(inv)
