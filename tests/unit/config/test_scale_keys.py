"""The keys for large stages: ssh.max_concurrent_connects (default 30), application.batch and
stages.S.batch (a host count or a percentage), each error located at file:line:col."""

from __future__ import annotations

import pytest

from deploytool.config import load_inventory
from deploytool.errors import ConfigError

TEXT = """\
application: {{name: a, repository: /r.git, deploy_path: /app{app}}}
stages:
  prod:
    ssh: {{user: deploy{ssh}}}
    hosts: [{{address: 10.0.0.1, migrate: true}}]
{stage}"""


def load(tmp_path, app="", ssh="", stage=""):
    p = tmp_path / "inventory.yml"
    p.write_text(TEXT.format(app=app, ssh=ssh, stage=stage))
    return load_inventory(p)


def test_defaults_cap_handshakes_at_30_and_run_every_host_at_once(tmp_path):
    inv = load(tmp_path)
    assert inv.stages["prod"].ssh.max_concurrent_connects == 30
    assert inv.application.batch == "" and inv.stages["prod"].batch is None


def test_the_keys_are_read(tmp_path):
    inv = load(tmp_path, ", batch: 10%", ", max_concurrent_connects: 90", "    batch: 5\n")
    assert inv.stages["prod"].ssh.max_concurrent_connects == 90
    assert inv.application.batch == "10%" and inv.stages["prod"].batch == "5"


@pytest.mark.parametrize(
    "kw,where",
    [
        ({"ssh": ", max_concurrent_connects: 0"}, "inventory.yml:4:"),
        ({"app": ", batch: 0%"}, "inventory.yml:1:"),
        ({"stage": "    batch: 150%\n"}, "inventory.yml:6:"),
    ],
)
def test_bad_values_are_located_errors(tmp_path, kw, where):
    with pytest.raises(ConfigError) as e:
        load(tmp_path, **kw)
    assert where in str(e.value)
