"""`deploytool doctor` on the lab's web tier: as built every web check passes; each host
misconfigured one way at a time (lab.web.configured: its live nginx and php-fpm) is caught by its
check, on that host only."""

from __future__ import annotations

import pytest

from .test_doctor import doctor
from .web_fleet import RELOAD, lab_web_back, v1_fleet, web_inventory

pytestmark = pytest.mark.lab

WEB_CHECKS = (
    "web.fpm-socket",
    "web.nginx-root",
    "web.opcache-revalidate",
    "web.opcache-memory",
    "web.fpm-reload-timeout",
)


@pytest.fixture(scope="module")
def fleet(lab, tmp_path_factory):
    """v1 shipped with a web tier (strategy fpm-reload: a reload must not cut requests)."""
    inv = web_inventory(
        lab,
        tmp_path_factory.mktemp("doctor-web") / "inventory.yml",
        strategy="fpm-reload",
        reload_command=RELOAD,
    )
    with lab_web_back(lab):
        v1_fleet(lab, inv)
        yield inv


def web_findings(report) -> dict[tuple[str, str], str]:
    return {
        (f["host"], f["check"]): f["status"]
        for f in report["findings"]
        if f["check"].startswith("web.")
    }


def test_the_lab_web_tier_as_built_passes(lab, fleet):
    proc, report = doctor(fleet)
    found = web_findings(report)
    assert found == {(h.name, c): "pass" for h in lab.hosts for c in WEB_CHECKS}, report


@pytest.mark.parametrize(
    "host, settings, check, status",
    [
        ("h2", {"web_root": "document"}, "web.nginx-root", "warn"),
        ("h3", {"validate_timestamps": True}, "web.opcache-revalidate", "warn"),
        ("h1", {"revalidate_path": True}, "web.opcache-revalidate", "warn"),
        ("h1", {"memory_consumption": 8}, "web.opcache-memory", "fail"),
        ("h2", {"process_control_timeout": 0}, "web.fpm-reload-timeout", "fail"),
        ("h3", {"socket_owner": "www-data"}, "web.fpm-socket", "warn"),
    ],
)
def test_one_misconfigured_web_tier_is_caught_on_its_host(
    lab, fleet, host, settings, check, status
):
    with lab.web.configured(host, **settings):
        if "memory_consumption" in settings:
            for _ in range(3):  # the app's scripts fill 8 MB (tests/lab/README.md)
                lab.web.get(host, "/health")
        proc, report = doctor(fleet)
    found = web_findings(report)
    assert {(h, c) for (h, c), s in found.items() if c == check and s != "pass"} == {
        (host, check)
    }, report
    assert found[(host, check)] == status
    assert proc.code == (10 if status == "fail" else 0)
    f = next(x for x in report["findings"] if x["host"] == host and x["check"] == check)
    assert f["fix"], f
