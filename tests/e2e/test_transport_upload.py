"""Transport.upload() on both transports against the lab's real sshd (SFTP): the bytes arrive
whole, progress is reported, a directory the host refuses is that host's HostError (the
connection stays usable), and the deadline is UnreachableError."""

from __future__ import annotations

import dataclasses
import hashlib
import os

import pytest

from deploytool.config import load_inventory
from deploytool.errors import HostError, UnreachableError
from deploytool.shell import cmd
from deploytool.transport import open_transport

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("kind", ["asyncssh", "fabric"])
def test_upload_over_sftp(lab, tmp_path, kind):
    stage = load_inventory(lab.inventory_path).stages["lab"]
    t = open_transport(dataclasses.replace(stage.ssh, transport=kind))
    h1 = stage.hosts[0]
    data = os.urandom(3 * 1024 * 1024 + 17)
    local = tmp_path / "blob"
    local.write_bytes(data)
    remote = f"/tmp/deploytool-upload-{kind}"
    try:
        seen = []
        t.upload(h1, str(local), remote, timeout=60, on_progress=lambda d, n: seen.append((d, n)))
        assert seen[-1] == (len(data), len(data)) and len(seen) > 1
        r = t.run(h1, cmd("sha256sum", remote), timeout=10)
        assert r.stdout.split()[0] == hashlib.sha256(data).hexdigest()
        with pytest.raises(HostError) as e:
            t.upload(h1, str(local), "/no/such/dir/blob", timeout=60)
        assert not isinstance(e.value, UnreachableError)
        assert e.value.message.startswith("h1: upload: the host refused the upload")
        assert t.run(h1, cmd("true"), timeout=10).ok
        with pytest.raises(UnreachableError, match="upload timed out after 0.001s"):
            t.upload(h1, str(local), remote + ".2", timeout=0.001)
        assert t.run(h1, cmd("rm", "-f", remote, remote + ".2"), timeout=10).ok  # reconnects
    finally:
        t.close()
