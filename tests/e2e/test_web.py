"""The web tier on the real lab (nginx 1.22 + php-fpm 8.2 with opcache frozen on every host):
a ship v1 -> v2 under HTTP load with jobs flowing, for each reload strategy and both nginx
setups, serves no 5xx, drops no connection, loses no job, and once it says done no answer comes
from the old release; with `strategy: none` on `$document_root` the ship does not say done
while the old code is served: the web census fails it (exit 7) naming every host."""

from __future__ import annotations

import pytest

from .conftest import current_of, ship
from .web_fleet import (
    RELOAD,
    flip_figures,
    lab_web_back,
    nginx_root,
    record,
    ship_under_load,
    v1_fleet,
    versions,
    web_inventory,
)

pytestmark = pytest.mark.lab

STRATEGIES = {
    "opcache-reset": {"strategy": "opcache-reset"},
    "fpm-reload": {"strategy": "fpm-reload", "reload_command": RELOAD},
    "none": {"strategy": "none"},
}


@pytest.fixture(scope="module")
def fleet(lab, tmp_path_factory):
    """One fleet for the module, v1 shipped, workers running; the lab's web settings again at the
    end. Each test ships the other version (v1 <-> v2) from whatever the last one left."""
    inv = web_inventory(lab, tmp_path_factory.mktemp("web") / "inventory.yml")
    with lab_web_back(lab):
        v1_fleet(lab, inv)
        yield


@pytest.mark.parametrize(
    "nginx, strategy",
    [
        ("realpath", "opcache-reset"),
        ("realpath", "fpm-reload"),
        ("realpath", "none"),
        ("document", "opcache-reset"),
        ("document", "fpm-reload"),
    ],
)
def test_ship_under_load_serves_the_new_code_and_drops_nothing(
    lab, fleet, nginx, strategy, tmp_path
):
    inv = web_inventory(lab, tmp_path / "inventory.yml", **STRATEGIES[strategy])
    nginx_root(lab, nginx)
    old, new = versions(lab)
    shipped = ship_under_load(lab, inv, new)
    result, load = shipped.result, shipped.load
    assert result.code == 0, result
    assert set(current_of(lab).values()) == {result.release}
    assert load.failed == [], load.text()
    late_old = load.served_after(shipped.done_at, version=old)
    assert late_old == [], (len(late_old), load.text())
    assert load.served_after(shipped.done_at, version=new), load.text()  # it kept serving
    acc = shipped.account
    assert acc.lost == [] and acc.interrupted == [] and acc.duplicated == [], acc
    web = result.of("WebProgress")[-1]["hosts"]
    assert {(v["host"], v["status"], v["release"]) for v in web} == {
        (h.name, "new", result.release) for h in lab.hosts
    }
    record(
        "flip",
        nginx=nginx,
        strategy=strategy,
        requests=load.total,
        failed=len(load.failed),
        hosts=flip_figures(shipped, old, new),
        steps={e["step"]: e["duration"] for e in result.of("StepFinished")},
    )


def test_strategy_none_on_document_root_does_not_say_done_while_old_code_is_served(
    lab, fleet, tmp_path
):
    inv = web_inventory(
        lab,
        tmp_path / "inventory.yml",
        drain={"deadline": "6s", "poll": "0.5s"},
        strategy="none",
    )
    nginx_root(lab, "document")
    old, new = versions(lab)
    try:
        shipped = ship_under_load(lab, inv, new, path="/health", rate=15)
    finally:
        lab.web.reset()  # the lab's nginx again, opcache emptied: the next test starts clean
    result, load = shipped.result, shipped.load
    assert result.code == 7, result  # DRAIN_TIMEOUT
    message = result.of("ShipFinished")[0]["message"]
    served = result.of("WebProgress")[-1]["hosts"][0]["release"]
    for h in lab.hosts:
        assert f"{h.name}: the web tier still serves old code after its 6.0s deadline: " in message
    assert f"release {served}, not {result.release}" in message
    # what the load saw agrees: the old code answered right up to the end, and nothing failed
    assert load.served_after(shipped.at("StepFinished", "switch"), version=new) == []
    assert load.served_after(shipped.done_at - 1, version=old), load.text()
    assert load.failed == [], load.text()
    assert shipped.account.lost == [] and shipped.account.interrupted == []


def test_a_deploy_user_without_fpm_access_fails_before_the_switch(lab, fleet, tmp_path):
    inv = web_inventory(lab, tmp_path / "inventory.yml", strategy="opcache-reset")
    before = current_of(lab)
    with lab.web.configured("h2", socket_owner="www-data"):
        result = ship(inv, "--ref", versions(lab)[1])
    assert result.code == 13, result  # WEB_ACCESS
    message = result.of("ShipFinished")[0]["message"]
    assert message.startswith("h2: prepare-web: deploy may not connect to the FPM socket "), message
    assert (
        "/run/php/php8.2-fpm.sock: Permission denied: the socket is www-data:www-data mode 0660"
        in message
    )
    assert "nothing was switched" in message
    assert current_of(lab) == before
    assert "switch" not in [e["step"] for e in result.of("StepStarted")]
