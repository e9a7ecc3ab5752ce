"""release_chains on a repository made here: the release a migration shipped in, not HEAD.

Two commits: the first creates `files`; the second edits that create to add `hash` and adds
the guarded migration that adds `hash` to upgraded installs (goodwork's pattern), plus one more
new file that sorts before the old create. The chain for the second commit must run the create
as it was in the first (no `hash`), then the new files in name order, and record only the
manifest's entry.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import release_chains

CREATE_V1 = "<?php // create files (id, name)\n"
CREATE_V2 = "<?php // create files (id, name, hash)\n"


def _commit(work: Path, files: dict[str, str], message: str) -> str:
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text)
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm",
         message],
        check=True,
    )  # fmt: skip
    out = subprocess.run(["git", "-C", str(work), "rev-parse", "HEAD"], capture_output=True)
    return out.stdout.decode().strip()


def test_the_chain_is_the_release_before_then_the_new_files(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    m = "database/migrations"
    _commit(work, {f"{m}/2019_01_01_000000_create_files.php": CREATE_V1}, "files")
    second = _commit(
        work,
        {
            f"{m}/2019_01_01_000000_create_files.php": CREATE_V2,  # edited afterwards
            f"{m}/2018_12_31_000000_create_tags.php": "<?php // tags\n",
            f"{m}/2019_06_19_000000_add_hash.php": "<?php // if (!hasColumn) add hash\n",
        },
        "hash",
    )
    local = tmp_path / "harvest/add_hash.php"
    lines = release_chains.release_chain(
        work / ".git",
        second,
        [m],
        ["#app=/somewhere/app"],
        {f"{m}/2019_06_19_000000_add_hash.php": str(local)},
        tmp_path / "pre",
    )
    assert lines[0] == "#app=/somewhere/app"
    body = lines[1:]
    assert [Path(ln.lstrip("+")).name for ln in body] == [
        "2019_01_01_000000_create_files.php",  # the parent release's, first
        "2018_12_31_000000_create_tags.php",  # then the commit's new files, in name order
        "add_hash.php",
    ]
    assert body[2] == f"+{local}" and not any(ln.startswith("+") for ln in body[:2])
    assert Path(body[0]).read_text() == CREATE_V1  # as it ran on upgraded databases


def test_files_from_outside_the_repository_run_with_the_parent_release(tmp_path):
    """A stock users table and another repository's migrations (the HEAD chain's lines from
    outside the repository) run in name order among the parent release's files; one that sorts
    after the commit's first new file is not part of that release."""
    work = tmp_path / "repo"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    m = "database/migrations"
    _commit(work, {f"{m}/2019_01_01_000000_create_files.php": CREATE_V1}, "files")
    second = _commit(work, {f"{m}/2019_06_19_000000_add_hash.php": "<?php // add\n"}, "hash")
    extra = [
        "/stock/2014_10_12_000000_create_users_table.php",
        "?/other/2019_03_01_000000_create_teams.php",
        "?/other/2020_01_01_000000_later.php",
    ]
    local = tmp_path / "harvest/add_hash.php"
    lines = release_chains.release_chain(
        work / ".git",
        second,
        [m],
        [],
        {f"{m}/2019_06_19_000000_add_hash.php": str(local)},
        tmp_path / "pre",
        extra,
    )
    assert [Path(ln.lstrip("+?")).name for ln in lines] == [
        "2014_10_12_000000_create_users_table.php",
        "2019_01_01_000000_create_files.php",
        "2019_03_01_000000_create_teams.php",
        "add_hash.php",
    ]
    assert lines[0] == extra[0] and lines[2] == extra[1]  # markers kept: `?` stays optional


def test_grouped_folders_run_one_after_another(tmp_path):
    """TastyIgniter runs its system folder, then admin: the parent release's files so, then the
    new ones so (each group's pending files, group by group), never all by file name."""
    work = tmp_path / "repo"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    s, a = "migrations/system", "migrations/admin"
    _commit(
        work,
        {
            f"{s}/2020_01_01_000000_create_settings.php": "<?php\n",
            f"{a}/2019_01_01_000000_o.php": "",
        },
        "first",
    )
    second = _commit(
        work,
        {f"{s}/2023_01_01_000000_add_x.php": "<?php\n", f"{a}/2021_01_01_000000_add_y.php": ""},
        "second",
    )
    local = tmp_path / "harvest/add_y.php"
    wanted = {f"{a}/2021_01_01_000000_add_y.php": str(local)}
    lines = release_chains.release_chain(
        work / ".git", second, [s, a], [], wanted, tmp_path / "pre", grouped=True
    )
    assert ["/".join(Path(ln.lstrip("+")).parts[-2:]) for ln in lines] == [
        "system/2020_01_01_000000_create_settings.php",
        "admin/2019_01_01_000000_o.php",
        "system/2023_01_01_000000_add_x.php",
        "harvest/add_y.php",
    ]
