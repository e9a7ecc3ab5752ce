"""A step failing on a full disk, on a recording transport: the failure names the host and says
`No space left on device` (asked of the filesystem: composer wraps the words across lines), the
hint points at the releases kept there; any other failure says nothing of the kind. The same on a
real host: tests/e2e/test_disk_full.py."""

from __future__ import annotations

import pytest

from deploytool.errors import HostError
from deploytool.pipeline import run_steps
from deploytool.steps import REGISTRY

from .test_runner import happy, make

FULL = (
    "tmpfs 64 64 0 100% /var/www/app/releases\ntmpfs 3085456 2 3085454 1% /var/www/app/releases\n"
)
ROOMY = "/dev/vda 264212084 29045168 77345744 28% /\n/dev/vda 16777216 527184 16250032 4% /\n"


def install_fails_on_h2(df: str, stderr: str = "file_put_contents(): Write failed"):
    def answer(host, text):
        if "composer install" in text and host == "h2":
            return 1, stderr
        if "deploytool-disk" in text:
            return 0, df if host == "h2" else ROOMY
        return happy(host, text)

    return answer


def failure(answer) -> HostError:
    ctx, tr, rec = make(answer)
    with pytest.raises(HostError) as e:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    return e.value, ctx, tr


def test_a_full_disk_is_named_with_the_host_and_a_hint_about_old_releases():
    e, ctx, tr = failure(install_fails_on_h2(FULL))
    assert e.host == "h2" and e.exit_code == 1
    assert "No space left on device on h2 (/var/www/app/releases: 0 KB free)" in e.message
    assert "`deploytool releases prod` lists the releases kept there" in e.hint
    assert "keep_releases = 5" in e.hint
    assert tr.ran("deploytool-disk") == ["h2"]  # asked of the failing host only
    assert sorted(tr.ran(f"rm -rf -- {ctx.release_dir}")) == ["h1", "h2", "h3"]  # discarded


def test_the_commands_own_words_are_enough_when_df_cannot_tell():
    e, _, _ = failure(install_fails_on_h2("", "errno=28 No space left o\n  n device"))
    assert "No space left on device on h2" in e.message


def test_any_other_failure_says_nothing_about_disks():
    e, _, _ = failure(install_fails_on_h2(ROOMY, "Your requirements could not be resolved"))
    assert "No space" not in e.message and e.hint == ""
