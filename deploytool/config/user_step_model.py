"""A user step of a playbook, typed: what config/user_steps.py reads and steps/user.py runs, and
the placeholders its arguments may hold (checked when the playbook loads)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Host


@dataclass(frozen=True)
class UserStep:
    """A command the playbook's author wrote (config/user_steps.py reads it, steps/user.py runs
    it): `run:` an argv, or `artisan:` the arguments of `php artisan`. Arguments may hold the
    placeholders of PLACEHOLDERS, checked when the playbook loads."""

    argv: tuple[str, ...]
    artisan: bool = False  # argv follows `<application.php> artisan`
    roles: tuple[str, ...] = ()  # only hosts with one of these roles (empty: every host)
    once: bool = False  # one host: the migration host if it qualifies, else the first that does
    cwd: str = "release"  # release | current (on_failure steps: current)
    timeout: float | None = None  # else application.command_timeout
    env: Mapping[str, str] = field(default_factory=dict)  # added to application.env; secrets ok
    local: bool = False  # on the machine running deploytool, from the inventory's directory
    when_changed: tuple[str, ...] = ()  # run only where these paths differ from the previous
    ignore_failure: bool = False  # a failing command warns; the ship goes on

    def hosts_of(self, hosts: tuple[Host, ...]) -> tuple[Host, ...]:
        chosen = tuple(h for h in hosts if not self.roles or set(h.roles) & set(self.roles))
        if self.once and chosen:
            return (next((h for h in chosen if h.migrate), chosen[0]),)
        return chosen


PLACEHOLDERS = ("release", "commit", "stage", "step", "host")
