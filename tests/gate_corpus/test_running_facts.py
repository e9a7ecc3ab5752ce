"""The search of the running code precomputed into a case (running_facts.py), on a real tiny
repository: searched at the parent of the commit adding the migration, skipped dirs left out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from deploytool.migrations.running_code import RunningCode

from . import running_facts

CREATE = "database/migrations/2020_01_01_000000_create_comments.php"
DROP = "database/migrations/2020_02_01_000000_drop_vote.php"
DROP_PHP = (
    "<?php\nreturn new class extends Migration { public function up() {\n"
    "Schema::table('comments', function ($table) { $table->dropColumn('vote'); });\n} };\n"
)
CREATE_PHP = (
    "<?php\nSchema::create('comments', function ($table) { $table->integer('vote'); });\n"
    "$t->vote_in_migrations;\n"
)
PRETEND = ["2020_02_01_000000_drop_vote: alter table `comments` drop `vote`"]


def _commit(work: Path, files: dict[str, str]) -> str:
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text)
    ident = ["-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(work), *ident, "commit", "-qm", "m"], check=True)
    head = ["git", "-C", str(work), "rev-parse", "HEAD"]
    return subprocess.run(head, capture_output=True, text=True, check=True).stdout.strip()


def _repo(tmp_path: Path, app_php: str) -> tuple[Path, list[str]]:
    """A repository whose old code is `app_php`, then the drop, then an edit of the drop."""
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    old = {
        "app/Models/Comment.php": app_php,
        CREATE: CREATE_PHP,
        "tests/CommentTest.php": "<?php\n$x->vote_in_tests;\n",
        "migrations/legacy.php": "<?php\n$x->vote_top_migrations;\n",  # top-level dir, too
        "database/seeders/Seed.php": "<?php\n$x->vote_in_seeders;\n",
    }
    shas = [_commit(work, {"README": "x\n"}), _commit(work, old)]
    shas.append(_commit(work, {DROP: DROP_PHP}))
    shas.append(_commit(work, {DROP: DROP_PHP + "// edited\n"}))
    return work / ".git", shas


def test_found_where_the_old_code_uses_the_column(tmp_path):
    uses = "<?php\nclass Comment { function f($comment) { return $comment->vote; } }\n"
    git, shas = _repo(tmp_path, uses)
    fact = running_facts.running_fact(git, DROP, shas[-1], PRETEND)
    assert fact["at"] == shas[1]  # the parent of the commit adding the drop, not of HEAD
    assert {"vote", "comments"} <= set(fact["searched"])
    assert "vote" in fact["found"] and "Comment" in fact["found"]
    skipped = {"vote_in_tests", "vote_in_migrations", "vote_top_migrations", "vote_in_seeders"}
    assert not skipped & set(fact["found"])
    assert fact["found"] == sorted(fact["found"])
    running = RunningCode(frozenset(fact["searched"]), frozenset(fact["found"]))
    assert running.uses_column("vote") is True


def test_not_found_where_the_old_code_does_not_use_it(tmp_path):
    git, shas = _repo(tmp_path, "<?php\nclass Comment { function f($c) { return $c->body; } }\n")
    fact = running_facts.running_fact(git, DROP, shas[-1], PRETEND)
    assert "vote" in fact["searched"] and "vote" not in fact["found"]
    running = RunningCode(frozenset(fact["searched"]), frozenset(fact["found"]))
    assert running.uses_column("vote") is False


def test_unknown_when_added_by_the_root_commit_or_not_in_history(tmp_path):
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    sha = _commit(work, {DROP: DROP_PHP})
    git = work / ".git"
    assert running_facts.fact_and_reason(git, DROP, sha, PRETEND) == (None, "root commit")
    assert running_facts.fact_and_reason(git, "nope.php", sha, []) == (
        None,
        "source not at commit",
    )
    assert running_facts.fact_and_reason(tmp_path / "gone", DROP, sha, [])[1] == "no mirror"


def test_nothing_searched_runs_no_grep(tmp_path):
    git, shas = _repo(tmp_path, "<?php\n")
    assert running_facts.grep_found(git, shas[1], []) == []
    assert running_facts.grep_found(git, shas[1], ["zzz_absent"]) == []  # exit 1: no match


def test_write_changes_only_the_running_code_key(tmp_path):
    git, shas = _repo(tmp_path, "<?php\n$comment->vote;\n")
    mirrors = tmp_path / "mirror"
    (mirrors / "acme+app").mkdir(parents=True)
    git.rename(mirrors / "acme+app" / "repo")
    case = {
        "id": "acme+app--drop_vote",
        "source": {"repo": "acme/app", "path": DROP, "commit": shas[-1]},
        "facts": {"within_transaction": True, "changes": ["schema"]},
        "dialects": {"mysql": {"pretend": PRETEND[0], "label": "safe"}},
    }
    path = tmp_path / "acme+app--drop_vote.json"
    path.write_text(json.dumps(case, indent=1) + "\n")
    _, fact, why = running_facts.case_fact((str(path), str(mirrors)))
    assert why == "" and fact["at"] == shas[1]
    assert running_facts.write_fact(path, fact) is True
    assert running_facts.write_fact(path, fact) is False  # unchanged: not rewritten
    case["facts"]["running_code"] = fact
    assert path.read_text() == json.dumps(case, indent=1) + "\n"


def test_a_moved_migration_is_searched_before_it_was_first_added(tmp_path):
    # Laravel 4's app/database/migrations moved to database/migrations: the commit adding the
    # present path is a later release, in which the drop had long run
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    old = f"app/{CREATE}"
    before = _commit(work, {"app/Comment.php": "<?php\n$c->vote;\n", old: CREATE_PHP})
    _commit(work, {f"app/{DROP}": DROP_PHP, "app/Comment.php": "<?php\n$c->body;\n"})
    subprocess.run(["git", "-C", str(work), "mv", "app/database", "database"], check=True)
    moved = _commit(work, {})
    fact = running_facts.running_fact(work / ".git", DROP, moved, PRETEND)
    assert fact["at"] == before and "vote" in fact["found"]


def test_a_parent_without_an_earlier_migration_says_nothing(tmp_path):
    # a monorepo import: the parent is a bare initial commit, not a release that ran
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    _commit(work, {"LICENSE": "x\n"})
    sha = _commit(work, {CREATE: CREATE_PHP, DROP: DROP_PHP})
    why = running_facts.fact_and_reason(work / ".git", DROP, sha, PRETEND)
    assert why == (None, "no earlier migration at the parent")


def test_the_framework_stands_for_vendor(tmp_path):
    framework = tmp_path / "Illuminate"
    framework.mkdir()
    (framework / "Broker.php").write_text("<?php\n$this->table = 'password_resets';\n")
    found = running_facts.framework_found(["password_resets", "votes"], framework)
    assert found == {"password_resets"}
