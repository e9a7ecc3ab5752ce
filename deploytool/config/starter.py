"""The starter inventory `deploytool init` writes: answers in, commented YAML text out (pure).

The text is commented like inventory.example.yml so that a newcomer reads what each key does
where they will edit it. Every value goes through yaml.safe_dump, so an answer holding `#`, `:`
or quotes stays one literal value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

COMMENT_AT = 50  # the column comments start at, as in inventory.example.yml
DEFAULT_ROLES = ("web", "worker")


@dataclass(frozen=True)
class StarterHost:
    name: str
    address: str
    port: int = 22
    roles: tuple[str, ...] = DEFAULT_ROLES


@dataclass(frozen=True)
class Starter:
    name: str
    repository: str
    deploy_path: str
    hosts: tuple[StarterHost, ...]
    migrate_host: str
    stage: str = "production"
    branch: str = "main"
    ssh_user: str = "deploy"
    known_hosts: str = "~/.ssh/known_hosts"
    identity_file: str | None = None
    worker_pattern: str = "artisan queue:work"
    extra: dict = field(default_factory=dict)


def parse_host(text: str) -> StarterHost:
    """`NAME=ADDRESS[:PORT][,ROLE...]`, e.g. `web1=10.0.0.5:2222,web,worker`; ValueError says
    what is wrong. An IPv6 address is written in brackets: `db=[2001:db8::1]:22`."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise ValueError(f"{text!r}: expected NAME=ADDRESS[:PORT][,ROLE...]")
    where, *roles = [p.strip() for p in rest.split(",")]
    if where.startswith("["):
        address, _, tail = where[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    else:
        address, _, port_text = where.partition(":")
    if not address:
        raise ValueError(f"{text!r}: no address")
    try:
        port = int(port_text) if port_text else 22
    except ValueError:
        raise ValueError(f"{text!r}: port {port_text!r} is not a number") from None
    if not 0 < port < 65536:
        raise ValueError(f"{text!r}: port {port} is out of range")
    return StarterHost(name.strip(), address, port, tuple(r for r in roles if r) or DEFAULT_ROLES)


def scalar(value: object) -> str:
    """One YAML value on one line, quoted only where YAML needs it."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text[: -len("...")].strip() if text.endswith("\n...") or text.endswith("...") else text


def _line(indent: int, key: str, value: str | None, comment: str = "") -> str:
    text = " " * indent + key + ":" + (f" {value}" if value is not None else "")
    return text.ljust(COMMENT_AT) + f"# {comment}" if comment else text


def render(s: Starter, written_on: str) -> str:
    out = [
        f"# deploytool inventory for {s.name}, written by `deploytool init` on {written_on}.",
        '# Every key is documented in README.md ("Config reference"); inventory.example.yml',
        "# shows more (several stages, a jump host, secrets from the environment).",
        f"# Check it (no SSH): deploytool check-config; then: deploytool doctor {s.stage}",
        "application:",
        _line(2, "name", scalar(s.name)),
        _line(2, "repository", scalar(s.repository), "any URL or path the hosts can `git clone`"),
        _line(2, "branch", scalar(s.branch), "what `ship` deploys without --ref"),
        _line(2, "deploy_path", scalar(s.deploy_path), "releases/, shared/, current live here"),
        _line(2, "shared_files", "[.env]", "linked from shared/ into every release"),
        _line(2, "shared_dirs", "[storage]"),
        _line(2, "keep_releases", "5", "cleanup keeps this many"),
        _line(2, "playbook", "laravel", "the built-in steps; playbook.example.yml adds your own"),
        _line(2, "workers", None),
        _line(4, "pattern", scalar(s.worker_pattern), "a worker's command line matches this (ERE)"),
        _line(4, "# user", scalar(s.ssh_user), "escalation would only touch this user's processes"),
        _line(2, "drain", None),
        _line(4, "deadline", "10m", "old workers still running then: exit 7, nothing killed"),
        _line(4, "poll", "1s"),
        _line(2, "migrations", None),
        _line(4, "policy", "block", "block | warn | off: the gate on pending migrations"),
        "",
        "stages:",
        _line(2, scalar(s.stage), None),
        _line(4, "ssh", None),
        _line(6, "user", scalar(s.ssh_user)),
        (
            _line(6, "identity_file", scalar(s.identity_file))
            if s.identity_file
            else _line(6, "# identity_file", "~/.ssh/id_ed25519", "else ssh-agent's keys")
        ),
        _line(6, "known_hosts", scalar(s.known_hosts), "host keys are verified, never accepted"),
        _line(6, "connect_timeout", "10s"),
        _line(4, "hosts", None),
    ]
    for h in s.hosts:
        out.append(_line(6, "- name", scalar(h.name)))
        out.append(_line(8, "address", scalar(h.address)))
        if h.port != 22:
            out.append(_line(8, "port", str(h.port)))
        out.append(_line(8, "roles", scalar(list(h.roles))))
        if h.name == s.migrate_host:
            out.append(_line(8, "migrate", "true", "exactly one host per stage runs migrations"))
    return "\n".join(out) + "\n"
