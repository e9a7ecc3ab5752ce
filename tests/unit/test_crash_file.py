"""An unexpected error (a bug) never shows a traceback: the user gets exit INTERNAL and the
path of a 0600 file holding the traceback, in which no secret this process made appears, even
one the exception's own message quotes."""

from __future__ import annotations

import io
import os
import re
import stat

from deploytool import cli, redaction
from deploytool.errors import ExitCode
from deploytool.redaction import Secret
from deploytool.ui.env import Env


def test_a_crash_writes_a_private_traceback_without_any_secret(monkeypatch, tmp_path):
    # only this test's secret: another test in this process may have made a one-letter one ("x"),
    # which the crash file rightly redacts wherever it appears, words of the message included
    monkeypatch.setattr(redaction, "_made", set())
    secret = Secret("crash-s3cr3t-1f2e3d")
    import deploytool.commands.releases as releases

    def boom(args, env):
        raise RuntimeError(f"unexpected value {secret!s} from the host")

    monkeypatch.setattr(releases, "run", boom)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["releases", "prod", "-i", str(tmp_path / "inv.yml")], Env(out, err))
    assert code == int(ExitCode.INTERNAL)
    said = out.getvalue() + err.getvalue()
    assert "Traceback" not in said and str(secret) not in said
    path = re.search(r"traceback written to (\S+)", said).group(1)
    text = open(path).read()
    assert "RuntimeError: unexpected value *** from the host" in text
    assert str(secret) not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
