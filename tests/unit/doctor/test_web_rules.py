"""doctor's web rules on hand-made facts: each setting that breaks a switch or a reload, and how
severe it is under each reload strategy."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deploytool.doctor.facts import Current, HostFacts
from deploytool.doctor.fpm_conf import FpmSettings, Pool
from deploytool.doctor.nginx_conf import FastcgiSite, NginxSites
from deploytool.doctor.web import web_rules
from deploytool.doctor.web_facts import WebFacts
from deploytool.probes.fpm import FpmAnswer, Opcache
from deploytool.probes.web_conf import ConfFiles, WebConf

MB = 1024 * 1024
SITE = FastcgiSite(
    "/etc/nginx/sites-enabled/app.conf:16",
    "h1",
    "/var/www/app/current/public",
    "$realpath_root$fastcgi_script_name",
    "$realpath_root",
)
OPCACHE = Opcache(True, False, 2, False, 128, 14 * MB, 114 * MB, 0, False, 0, 120)
FPM = FpmSettings(
    10.0, "/etc/php/8.2/fpm/php-fpm.conf:6", (Pool("app", "/run/php/x.sock", "deploy", 0, "x:1"),)
)
OK = FpmAnswer("/run/php/x.sock", status=200)


def facts(**web) -> HostFacts:
    w = WebFacts(
        strategy=web.pop("strategy", "opcache-reset"),
        configured=True,
        socket="/run/php/x.sock",
        longest_request=web.pop("longest_request", 0.0),
        conf=WebConf(ConfFiles(running=True), ConfFiles(running=True)),
        nginx=NginxSites((web.pop("site", SITE),)),
        fpm=web.pop("fpm", FPM),
        answer=web.pop("answer", OK),
        opcache=web.pop("opcache", OPCACHE),
    )
    return HostFacts("h1", "/var/www/app", 3, Current("", True, True, ""), None, web=w)


def graded(f: HostFacts) -> dict[str, str]:
    return {x.check: x.status for x in web_rules(f)}


def test_the_lab_as_built_passes():
    assert graded(facts()) == {
        "web.fpm-socket": "pass",
        "web.nginx-root": "pass",
        "web.opcache-revalidate": "pass",
        "web.opcache-memory": "pass",
        "web.fpm-reload-timeout": "pass",
    }


@pytest.mark.parametrize("strategy, status", [("none", "fail"), ("opcache-reset", "warn")])
def test_document_root(strategy, status):
    site = replace(SITE, script_filename="$document_root$fastcgi_script_name")
    got = graded(facts(site=site, strategy=strategy))
    assert got["web.nginx-root"] == status
    # frozen opcache + $document_root + no reset: the old release is served until FPM restarts
    assert got["web.opcache-revalidate"] == ("fail" if strategy == "none" else "pass")


@pytest.mark.parametrize("change", [{"validate_timestamps": True}, {"revalidate_path": True}])
def test_revalidation_is_no_substitute_for_a_reset(change):
    assert graded(facts(opcache=replace(OPCACHE, **change)))["web.opcache-revalidate"] == "warn"


@pytest.mark.parametrize(
    "used, free, status", [(7.7, 0.3, "fail"), (70, 58, "warn"), (14, 114, "pass")]
)
def test_opcache_memory(used, free, status):
    o = replace(OPCACHE, used=int(used * MB), free=int(free * MB))
    assert graded(facts(opcache=o))["web.opcache-memory"] == status


@pytest.mark.parametrize(
    "pct, terminate, longest, strategy, status",
    [
        (0, 0, 0, "fpm-reload", "fail"),
        (0, 0, 0, "opcache-reset", "warn"),
        (10, 30, 0, "fpm-reload", "fail"),  # a 30 s request is cut by a 10 s reload
        (10, 0, 20, "opcache-reset", "warn"),  # web.longest_request says 20 s
        (30, 30, 0, "fpm-reload", "pass"),
        (10, 0, 0, "fpm-reload", "pass"),  # nothing says how long a request may take
    ],
)
def test_process_control_timeout(pct, terminate, longest, strategy, status):
    fpm = replace(
        FPM,
        process_control_timeout=pct,
        pools=(replace(FPM.pools[0], request_terminate_timeout=terminate),),
    )
    f = facts(fpm=fpm, longest_request=longest, strategy=strategy)
    assert graded(f)["web.fpm-reload-timeout"] == status


@pytest.mark.parametrize("strategy, status", [("opcache-reset", "fail"), ("fpm-reload", "warn")])
def test_a_socket_the_deploy_user_may_not_open(strategy, status):
    denied = FpmAnswer(
        "/run/php/x.sock",
        error="Permission denied",
        errno=13,
        user="deploy",
        groups=("deploy",),
        owner="www-data",
        group="www-data",
        mode="0660",
    )
    found = {x.check: x for x in web_rules(facts(answer=denied, opcache=None, strategy=strategy))}
    assert found["web.fpm-socket"].status == status
    assert "is neither its owner nor in its group" in found["web.fpm-socket"].message
    assert "web.opcache-memory" not in found  # nothing read: no verdict on opcache either
