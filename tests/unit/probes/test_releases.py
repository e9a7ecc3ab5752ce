"""Release ids and cleanup selection: never current, never in use, never the one just shipped."""

from datetime import UTC, datetime

from deploytool.probes.releases import parse_releases, select_for_deletion
from deploytool.release_id import parse_release_id, release_id

S = "\x1f"


def test_release_id_is_utc_timestamp_and_short_commit():
    when = datetime(2026, 11, 24, 16, 5, 9, tzinfo=UTC)
    rid = release_id(when, "abcdef0123456789")
    assert rid == "20261124T160509Z-abcdef0"
    assert parse_release_id(rid) == (when, "abcdef0")
    assert parse_release_id("latest") is None


def test_parse_releases_and_cleanup():
    text = "\n".join(
        [
            f"C{S}releases/r4",
            f"R{S}r1{S}",
            f'R{S}r2{S}{{"commit": "c2"}}',
            f"R{S}r3{S}not json",
            f"R{S}r4{S}",
            f"R{S}r5{S}",
            f"U{S}77{S}/app/releases/r1",
            f"U{S}78{S}/app/releases/r1/public",
            f"U{S}79{S}/home/deploy",
        ]
    )
    rel = parse_releases(text, "/app")
    assert rel.current == "r4" and rel.ids == ("r1", "r2", "r3", "r4", "r5")
    assert rel.releases[0].in_use_by == (77, 78) and rel.releases[1].meta == {"commit": "c2"}
    # keep 2 newest (r4, r5); r1 in use; r4 current anyway -> delete r2, r3
    assert select_for_deletion(rel, 2) == ("r2", "r3")
    assert select_for_deletion(rel, 1, frozenset({"r3"})) == ("r2",)
    assert select_for_deletion(rel, 10) == ()


def test_release_id_never_collides_with_an_existing_one():
    from deploytool.release_id import unique_release_id

    when = datetime(2026, 11, 24, 16, 5, 9, tzinfo=UTC)
    base = "20261124T160509Z-abcdef0"
    assert unique_release_id(when, "abcdef0123", set()) == base
    assert unique_release_id(when, "abcdef0123", {base, base + ".2"}) == base + ".3"
    assert parse_release_id(base + ".3") == (when, "abcdef0")
