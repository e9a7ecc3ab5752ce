"""The lab's web tier is real and shows the facts the deploy side relies on: nginx + php-fpm
serve `current`; after a switch `$document_root` + a frozen opcache keeps serving the old
release until opcache is reset or FPM reloaded, `$realpath_root` serves the new one at once;
a USR2 reload with process_control_timeout=10 drops nothing, with 0 it cuts requests in flight.
"""

from __future__ import annotations

import time

import pytest

from tests.lab import Lab
from tests.lab.handmade import ssh, switch
from tests.lab.http_load import HttpLoad, Summary
from tests.lab.procs import wait_until
from tests.lab.web import FASTCGI_CLIENT
from tests.lab_smoke.conftest import R1, R2

pytestmark = pytest.mark.lab


def serving(lab: Lab, release: str) -> None:
    """h1's `current` -> `release`, opcache emptied, and answers come from it."""
    switch(lab, "h1", release)
    lab.web.opcache_reset("h1")
    wait_until(lambda: lab.web.health("h1")["release"] == release, 10, f"h1 to serve {release}")


def responses_after(load: HttpLoad, moment: float, n: int, timeout: float = 20) -> Summary:
    """Wait until the load has `n` answers to requests sent after `moment`."""
    wait_until(lambda: len(load.summary().served_after(moment)) >= n, timeout, f"{n} answers")
    return load.summary()


def test_nginx_and_fpm_serve_the_current_release(two_releases: Lab):
    lab = two_releases
    serving(lab, R1)
    resp = lab.web.get("h1", "/health")
    assert resp.status == 200 and resp.headers["x-lab-web-root"] == "realpath"
    health = resp.json()
    assert (health["host"], health["version"], health["release"]) == ("h1", "v1", R1)
    assert health["sapi"] == "fpm-fcgi"
    assert health["script_filename"] == f"/var/www/app/releases/{R1}/public/index.php"
    # the pid is one of the pool's workers, running as deploy
    assert health["pid"] in lab.web.fpm_workers("h1")
    owner = lab.run("h1", ["ps", "-o", "user=", "-p", str(health["pid"])]).stdout.strip()
    assert owner == "deploy"
    slept = lab.web.get("h1", "/sleep/150").json()
    assert slept["release"] == R1 and slept["slept_ms"] >= 150
    assert lab.web.get("h2", "/health").status == 404  # nothing deployed on h2 yet


def test_the_deploy_user_reaches_the_fpm_socket_over_ssh_unless_it_is_not_theirs(
    two_releases: Lab,
):
    lab = two_releases
    cmd = "python3 - /run/php/php8.2-fpm.sock /fpm-ping"
    done = ssh(lab, "h1", cmd, input=FASTCGI_CLIENT.read_text())
    assert done.returncode == 0 and '"body": "pong"' in done.stdout, done.stdout + done.stderr
    with lab.web.configured("h1", socket_owner="www-data"):  # Debian's default owner
        refused = ssh(lab, "h1", cmd, input=FASTCGI_CLIENT.read_text())
        assert refused.returncode == 2 and "Permission denied" in refused.stdout
        assert lab.web.get("h1").status == 200  # nginx (www-data) still gets through
        assert lab.web.fastcgi("h2", "/fpm-ping")["body"] == "pong"  # only h1 is misconfigured


def test_document_root_with_a_frozen_opcache_serves_the_old_release_until_a_reset(
    two_releases: Lab,
):
    lab = two_releases
    with lab.web.configured("h1", web_root="document", validate_timestamps=False):
        serving(lab, R1)
        with HttpLoad(lab.web.targets(["h1"]), rate=20, duration=60) as load:
            responses_after(load, 0, 5)
            switch(lab, "h1", R2)
            switched = time.time()
            after = responses_after(load, switched, 20).served_after(switched)
            assert {r.release for r in after} == {R1}, "the switch alone changed nothing"
            lab.web.opcache_reset("h1")
            reset = time.time()

            def flipped() -> bool:
                tail = load.summary().served_after(reset)[-10:]
                return len(tail) == 10 and {r.release for r in tail} == {R2}

            wait_until(flipped, 10, "answers from R2 after the opcache reset")
        summary = load.summary()
    assert summary.failed == [], summary.text()
    old = [r for r in summary.served_after(reset) if r.release == R1]
    first_new = min(r.sent for r in summary.served_after(reset, release=R2))
    assert all(r.sent < first_new for r in old)  # once flipped, never back
    print(f"opcache reset: {len(old)} old answer(s) after it, flip {first_new - reset:.3f}s")


def test_realpath_root_serves_the_new_release_at_once(two_releases: Lab):
    lab = two_releases
    serving(lab, R1)
    with HttpLoad(lab.web.targets(["h1"]), rate=20, duration=60) as load:
        responses_after(load, 0, 5)
        switch(lab, "h1", R2)
        switched = time.time()
        summary = responses_after(load, switched, 20)
    assert summary.failed == [], summary.text()
    assert {r.release for r in summary.served_after(switched)} == {R2}
    assert summary.by_release()[R1] >= 5


def test_an_fpm_reload_flips_document_root_to_the_new_release(two_releases: Lab):
    lab = two_releases
    with lab.web.configured("h1", web_root="document"):
        serving(lab, R1)
        switch(lab, "h1", R2)
        assert {lab.web.health("h1")["release"] for _ in range(5)} == {R1}
        lab.web.reload_fpm("h1")  # USR2 to the master's pid
        assert {lab.web.health("h1")["release"] for _ in range(5)} == {R2}


def _in_flight_request_across_a_reload(lab: Lab) -> Summary:
    """A 2 s request on h1, a USR2 reload while FPM is working on it; its answer."""
    with HttpLoad(lab.web.targets(["h1"]), rate=1, count=1, path="/sleep/2000") as load:
        # the status request itself is one active process: wait for a second one
        wait_until(lambda: lab.web.fpm_status("h1")["active processes"] >= 2, 10, "in flight")
        lab.web.reload_fpm("h1")
        return load.wait()


def test_a_reload_cuts_requests_in_flight_without_process_control_timeout(two_releases: Lab):
    lab = two_releases
    serving(lab, R1)
    with lab.web.configured("h1", process_control_timeout=0):  # PHP's default
        cut = _in_flight_request_across_a_reload(lab)
    assert [r.status for r in cut.responses] == [502], cut.text()
    kept = _in_flight_request_across_a_reload(lab)  # the lab's default: 10 s
    assert [r.status for r in kept.responses] == [200], kept.text()


def test_usr2_reloads_under_load_fail_no_request_with_process_control_timeout(two_releases: Lab):
    lab = two_releases
    serving(lab, R1)
    assert lab.web.settings("h1").process_control_timeout == 10
    with HttpLoad(lab.web.targets(["h1"]), rate=20, duration=120, path="/sleep/200") as load:
        for _ in range(3):
            responses_after(load, time.time(), 5)
            lab.web.reload_fpm("h1")
        responses_after(load, time.time(), 5)
    summary = load.summary()
    pids = {r.pid for r in summary.responses}
    assert summary.failed == [], summary.text()
    assert summary.total >= 20 and len(pids) >= 4  # every reload brought new workers
    print(f"3 USR2 reloads under load: {summary.text()}")


def test_opcache_settings_change_live_on_one_host(two_releases: Lab):
    lab = two_releases
    with lab.web.configured(
        "h2", validate_timestamps=True, revalidate_path=True, memory_consumption=8
    ):
        ini = lab.web.opcache("h2")["ini"]
        assert ini["opcache.validate_timestamps"] == "1"
        assert ini["opcache.revalidate_path"] == "1"
        assert ini["opcache.memory_consumption"] == "8"
        status = lab.web.opcache("h2")["status"]["memory_usage"]
        assert status["used_memory"] + status["free_memory"] + status["wasted_memory"] <= 8 << 20
        h1 = lab.web.opcache("h1")["ini"]
        assert (h1["opcache.validate_timestamps"], h1["opcache.memory_consumption"]) == ("0", "128")
    assert lab.web.opcache("h2")["ini"]["opcache.memory_consumption"] == "128"
