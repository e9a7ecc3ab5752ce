"""plan's pure parts on captured output: resolving a ref from `git ls-remote`, reading the pending
migrations answer, and predicting what cleanup deletes after the ship."""

from __future__ import annotations

from deploytool.commands.plan import NEW, cleanup_preview
from deploytool.probes.git_ref import parse_ref, resolve
from deploytool.probes.laravel_migrations import parse as parse_pending
from deploytool.probes.releases import ReleaseInfo, Releases

A, B, C = "a" * 40, "b" * 40, "c" * 40
LISTING = (
    f"{A}\trefs/heads/main\n{B}\trefs/tags/v2\n{C}\trefs/tags/v2^{{}}\n{A}\trefs/heads/v3\n"
    f"{B}\trefs/tags/v3\n"
)


def test_resolution_follows_rev_parse_tags_peeled_first_then_branches():
    assert resolve(LISTING, "main") == A
    assert resolve(LISTING, "v2") == C  # the annotated tag's commit, not the tag object
    assert resolve(LISTING, "v3") == B  # a tag wins over a branch of the same name
    assert resolve(LISTING, "refs/heads/v3") == A
    assert resolve(LISTING, "nope") == ""


def test_ref_probe_answers():
    ok = parse_ref(f"L0\n{LISTING}M{C}\n", "v2")
    assert (ok.commit, ok.source, ok.error) == (C, "origin", "")
    assert parse_ref("L2\n\nM\n", "nope").error == "no branch or tag 'nope' in the repository"
    offline = parse_ref(
        f"L128\nfatal: unable to access 'https://git.example.com/': Could not resolve host\nM{A}\n",
        "main",
    )
    assert (
        offline.commit == A
        and offline.source == "cached mirror"
        and "origin unreachable" in offline.error
    )
    assert parse_ref(f"L2\n\nM{A}\n", "abcdef1").commit == A  # a commit id: the mirror knows it
    assert "--fetch" in parse_ref("L2\n\nM\n", "abcdef1").error


def test_pending_answer():
    out = (
        '{"driver":"mysql","ran":2,"pending":["2024_02_01_000000_create_widgets_table.php"],'
        '"sources":{"2024_02_01_000000_create_widgets_table.php":"<?php ..."}}\n\x1d\n'
        "2024_02_01_000000_create_widgets_table: create table `widgets` (`id` bigint)\n"
    )
    p = parse_pending(0, out, "")
    assert (
        p.known
        and p.files == ("2024_02_01_000000_create_widgets_table.php",)
        and p.driver == "mysql"
    )
    assert p.pretend.startswith("2024_02_01_000000_create_widgets_table: create table")
    assert not parse_pending(0, "NOT_IN_MIRROR\n", "").known
    broken = parse_pending(
        255,
        "",
        "PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused\n",
    )
    assert not broken.known and "Connection refused" in broken.why


def rel(*ids, current, used=None) -> Releases:
    used = used or {}
    return Releases(current, tuple(ReleaseInfo(r, {}, tuple(used.get(r, ()))) for r in ids))


def test_cleanup_preview_counts_the_new_release_and_lets_draining_workers_go():
    r = rel("r1", "r2", "r3", current="r3", used={"r3": (10, 11)})
    assert cleanup_preview(r, 3, {10, 11}) == {"keep": 3, "delete": ["r1"], "kept_in_use": []}
    assert cleanup_preview(r, 1, {10, 11})["delete"] == ["r1", "r2", "r3"]
    # a long artisan command (not a worker) keeps its release alive
    r = rel("r1", "r2", current="r2", used={"r1": (99,), "r2": (10,)})
    assert cleanup_preview(r, 1, {10}) == {"keep": 1, "delete": ["r2"], "kept_in_use": ["r1"]}
    assert NEW not in cleanup_preview(r, 1, {10})["delete"]
