"""The lab's origin: tag v2 must carry the v2 tree even when git's stat check would be fooled.

In a fresh clone app/VERSION and app_v2/VERSION have the same size and the same mtime second;
copytree keeps that mtime and overwrites the file in place, so git's stat check took the overlaid
VERSION for unchanged and tag v2 carried VERSION "v1" (CI shipped v1 code as v2). This test sets
that trap on purpose: equal mtimes, equal sizes.
"""

from __future__ import annotations

import os
import shutil

from tests.lab import origin as origin_mod


def test_v2_carries_the_overlay_even_when_file_stats_collide(tmp_path, monkeypatch):
    app, v2 = tmp_path / "src" / "app", tmp_path / "src" / "app_v2"
    shutil.copytree(origin_mod.APP_SRC, app, ignore=origin_mod._IGNORE)
    shutil.copytree(origin_mod.V2_OVERLAY, v2, ignore=origin_mod._IGNORE)
    stamp = 1_700_000_000
    for f in (app / "VERSION", v2 / "VERSION"):
        os.utime(f, (stamp, stamp))
    assert (app / "VERSION").stat().st_size == (v2 / "VERSION").stat().st_size
    monkeypatch.setattr(origin_mod, "APP_SRC", app)
    monkeypatch.setattr(origin_mod, "V2_OVERLAY", v2)
    monkeypatch.setattr(origin_mod.Origin, "_hand_over", lambda self: None)  # no deploy user needed
    root = tmp_path / "lab"
    root.mkdir()

    o = origin_mod.Origin(root)
    o.build()

    assert o.git("show", "v1:VERSION") == "v1"
    assert o.git("show", "v2:VERSION") == "v2"
    assert "database/migrations/2024_02_01_000000_create_widgets_table.php" in o.git(
        "ls-tree", "-r", "--name-only", "v2"
    )
    # a test release on top of v2 keeps v2's tree plus its own change
    o.commit_release("t1", {"NOTE": "x\n"})
    assert o.git("show", "t1:VERSION") == "v2" and o.git("show", "t1:NOTE") == "x"
