"""The census parser on captured output (a real host's /proc, recorded once)."""

from deploytool.probes.census import census_command, parse_census, release_of, worker_regex

S = "\x1f"
STAT_SLEEP = (
    "4242 (php) S 1 4242 4242 0 -1 4194560 5124 0 0 0 150 25 0 0 20 0 1 0 100000 305000000 9000 "
    "18446744073709551615"
)
STAT_STOPPED = (
    "4243 (php artisan) T 1 4243 4243 0 -1 4194560 5124 0 0 0 10 5 0 0 20 0 1 0 150000 305000000 "
    "9000 184467"
)
SIG_PLAIN = (
    "State:S SigPnd:0000000000000000 ShdPnd:0000000000000000 SigBlk:0000000000000000 "
    "SigIgn:0000000000001000 "
)
SIG_TERM_PENDING_IGNORED = (
    "State:T SigPnd:0000000000000000 ShdPnd:0000000000004000 SigBlk:0 SigIgn:0000000000004000 "
)
CAPTURED = "\n".join(
    [
        f"H{S}2000.50{S}1700000000{S}releases/20261124T101010Z-abc1234",
        (
            f"P{S}4242{S}1001{S}/var/www/app/releases/20261124T090000Z-0000001{S}{SIG_PLAIN}{S}"
            f"{STAT_SLEEP}{S}php /var/www/app/current/artisan queue:work redis"
        ),
        (
            f"P{S}4243{S}1001{S}/var/www/app/releases/20261124T101010Z-abc1234{S}"
            f"{SIG_TERM_PENDING_IGNORED}{S}{STAT_STOPPED}{S}php /var/www/app/current/artisan "
            "queue:work redis"
        ),
        (
            f"P{S}4244{S}1001{S}/var/www/app/releases/20261124T090000Z-0000001 (deleted){S}"
            f"{SIG_PLAIN}{S}{STAT_SLEEP}{S}php artisan queue:work"
        ),
        "",
    ]
)


def test_parse_census_fields():
    c = parse_census(CAPTURED, "/var/www/app")
    assert c.current == "20261124T101010Z-abc1234"
    a, b, gone = c.workers
    assert (a.pid, a.uid, a.release, a.state) == (
        4242,
        1001,
        "20261124T090000Z-0000001",
        "sleeping",
    )
    assert a.started == 1700000000 + 1000.0 and round(a.age, 2) == 1000.5
    assert a.cpu == 1.75 and not a.ignores_term and not a.term_pending
    assert (b.state, b.ignores_term, b.term_pending) == ("stopped", True, True)
    assert gone.release == "20261124T090000Z-0000001"


def test_release_of_paths():
    assert release_of("/var/www/app/releases/r1/public", "/var/www/app") == "r1"
    assert release_of("/srv/other", "/var/www/app") == "?"


def test_worker_regex_does_not_match_itself():
    import re

    rx = worker_regex("artisan queue:work")
    assert rx == "[a]rtisan queue:work"
    assert re.search(rx, "php /x/current/artisan queue:work redis")
    assert not re.search(rx, rx)
    assert worker_regex("a.b") == "[a]\\.b"


def test_census_command_is_one_script_with_values_as_arguments():
    c = census_command("artisan queue:work", "/var/www/my app")
    assert c.argv[0:2] == ("sh", "-c") and c.argv[-1] == "/var/www/my app"


def test_every_kind_in_one_pgrep_pattern_that_never_matches_itself():
    c = census_command(["artisan queue:work", "artisan schedule:work", "artisan lab:daemon"], "/a")
    assert c.argv[-2] == "[a]rtisan queue:work|[a]rtisan schedule:work|[a]rtisan lab:daemon"
    probe = " ".join(c.argv)
    assert not any(p in probe for p in ("artisan queue:work", "artisan schedule:work"))


def test_each_process_is_tagged_with_the_first_kind_whose_pattern_it_holds():
    kinds = (("horizon", "artisan horizon"), ("queue", "artisan queue:work"))
    c = parse_census(CAPTURED, "/var/www/app", kinds)
    assert [w.kind for w in c.workers] == ["queue", "queue", "queue"]
    assert (
        parse_census(CAPTURED, "/var/www/app", (("other", "artisan schedule:work"),)).workers == ()
    )


def test_parse_census_identity_parent_and_kind():
    c = parse_census(CAPTURED, "/var/www/app")
    a, b, _ = c.workers
    assert (a.ppid, a.start_ticks) == (1, 100000) and (b.ppid, b.start_ticks) == (1, 150000)
    assert (a.kind, a.process) == ("queue", "worker")


def test_worker_process_tells_horizons_three_processes_apart():
    from deploytool.probes.census import Worker

    def kind(args):
        return Worker(1, 1, "", "r", "sleeping", 0, 0, 0, False, False, args).process

    assert kind("php /var/www/app/current/artisan horizon") == "horizon-master"
    assert (
        kind("/usr/bin/php artisan horizon:supervisor host-abc:default --workers-name=default")
        == "horizon-supervisor"
    )
    assert (
        kind("/usr/bin/php artisan horizon:work redis --name=default --supervisor=host-abc:default")
        == "horizon-worker"
    )
    assert kind("php artisan queue:work redis --sleep=1") == "worker"
