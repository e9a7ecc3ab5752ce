"""A broken playbook: every mistake reported at once at its file:line:col, exit 3, and no
connection made (a real listening socket stands in for the host and must see none)."""

from __future__ import annotations

import pytest

from .conftest import deploytool, untouched_port

pytestmark = pytest.mark.lab

BROKEN = """\
extends: laravel
before:
  switch:
    - run: [npm, ci]
      wen_changed: [package-lock.json]
    - run: [./bin/notify, "{relese}"]
    - run: npm run build
    - run: [echo]
      artisan: [up]
    - roles: [web]
    - run: [echo, hi]
      roles: [db]
  swich:
    - run: [echo]
"""


def test_a_broken_playbook_reports_every_mistake_located_and_connects_nowhere(tmp_path):
    with untouched_port() as port:
        check_every_mistake(tmp_path, port)


def check_every_mistake(tmp_path, port: int) -> None:
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "shop.yml").write_text(BROKEN)
    (tmp_path / "playbooks" / "orphan.yml").write_text("extends: nowhere-to-be-found\n")
    inv = tmp_path / "inventory.yml"
    text = f"""\
application:
  name: shop
  repository: /nowhere.git
  deploy_path: /var/www/app
  playbook: shop
stages:
  lab:
    ssh: {{user: deploy}}
    hosts:
      - {{address: 127.0.0.1, port: {port}, migrate: true, roles: [web, worker]}}
"""
    inv.write_text(text)
    for command in (["ship", "lab"], ["check-config"], ["plan", "lab"]):
        result = deploytool(*command, "-i", str(inv))
        assert result.code == 3, (command, result)
        assert "Traceback" not in result.stderr + result.stdout
    err = result.stderr
    for expected in (
        "shop.yml:5:7: before.switch[0].wen_changed: unknown key (did you mean 'when_changed'?)",
        "shop.yml:6:27: before.switch[1].run[1]: unknown placeholder {relese}",
        "shop.yml:7:12: before.switch[2].run: expected a list (an argv, e.g. run: [npm, ci])",
        "shop.yml:8:7: before.switch[3]: a user step has `run:` (an argv) or `artisan:` "
        "(php artisan's arguments), not both",
        "shop.yml:10:7: before.switch[4]: a user step has `run:` (an argv) or `artisan:`",
        "shop.yml:12:15: before.switch[5].roles: no host of any stage has the role 'db' "
        "(roles: web, worker)",
        "shop.yml:13:3: before.swich: no step named 'swich' in the pipeline (did you mean "
        "'switch'?)",
    ):
        assert expected in err, err
    assert "7 problem(s)" in err, err
    inv.write_text(text.replace("playbook: shop", "playbook: orphan"))
    result = deploytool("ship", "lab", "-i", str(inv))
    assert result.code == 3 and "orphan.yml:1:10: extends: no playbook 'nowhere-to-be-found'" in (
        result.stderr
    ), result
