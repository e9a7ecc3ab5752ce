"""The snapshot tool: what a change moved, and facts recomputed from a fetched repository."""

from __future__ import annotations

import json
import subprocess

from . import snapshot
from .build_cases import read_facts
from .test_harvest import _repo

GUARDED = (
    "<?php\nreturn new class extends Migration { public function up() {\n"
    "if (Schema::hasColumn('t', 'c')) { Schema::table('t', function ($table) {"
    " $table->dropColumn('c'); }); }\n} };\n"
)


def test_moved_lists_both_sides():
    before = {"a mysql ship": ["safe", True, ["x"]], "b mysql ship": ["unsafe", True, ["y"]]}
    after = {"a mysql ship": ["safe", False, []], "b mysql ship": ["unsafe", True, ["y"]]}
    after["c pgsql ship"] = ["safe", False, []]
    assert snapshot.moved(before, after) == [
        ("a mysql ship", ["safe", True, ["x"]], ["safe", False, []]),
        ("c pgsql ship", None, ["safe", False, []]),
    ]


def test_facts_are_recomputed_from_the_mirror(tmp_path):
    mirrors, cases = tmp_path / "mirror", tmp_path / "cases"
    _repo(mirrors, "acme/app", {"database/migrations/2020_01_01_000000_drop_c.php": GUARDED})
    commit = subprocess.run(
        ["git", "--git-dir", str(mirrors / "acme+app/repo"), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    cases.mkdir()
    source = {"repo": "acme/app", "path": "database/migrations/2020_01_01_000000_drop_c.php"}
    stale = {"id": "acme+app--drop_c", "source": source | {"commit": commit}, "facts": {}}
    (cases / "acme+app--drop_c.json").write_text(json.dumps(stale))
    gone = {"id": "gone--x", "source": {"repo": "gone/x", "path": "p.php", "commit": commit}}
    (cases / "gone--x.json").write_text(json.dumps(gone | {"facts": {}}))

    assert snapshot.refreshed_facts(cases, mirrors) == (["acme+app--drop_c"], ["gone--x"])
    assert json.loads((cases / "acme+app--drop_c.json").read_text())["facts"] == {}  # no --write
    snapshot.refreshed_facts(cases, mirrors, write=True)
    written = json.loads((cases / "acme+app--drop_c.json").read_text())["facts"]
    assert written == json.loads(json.dumps(read_facts(GUARDED).to_dict()))
    assert written["guards"][0]["cond"] == "column:t.c"
    assert snapshot.refreshed_facts(cases, mirrors) == ([], ["gone--x"])
