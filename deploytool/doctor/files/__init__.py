"""`doctor --files`: the same checklist over local files, no host needed.

Each path is recognised by name and content: a Dockerfile, a compose file (`services:`),
Kubernetes manifests (`apiVersion` + `kind`, several per file), a supervisord program (.conf/.ini
with `[program:`) or a systemd unit (.service). Supervisord and systemd files go through the same
rules as on a host, so a config can be checked before it is installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from ...probes.supervisor_conf import parse_supervisor
from ...probes.systemd_unit import parse_units
from ...probes.worker_command import parse_worker_command
from ..report import Finding, Report, failed, warned
from ..supervisor import program_rules
from ..systemd import unit_rules
from .compose import check_compose, is_compose
from .dockerfile import check_dockerfile
from .kubernetes import check_manifest, is_manifest
from .yamlmarks import load_documents


def kind_of(path: Path, text: str) -> str:
    name = path.name.lower()
    if name.startswith(("dockerfile", "containerfile")) or name.endswith(
        (".dockerfile", ".containerfile")
    ):
        return "dockerfile"
    if name.endswith(".service"):
        return "systemd"
    if "[program:" in text:
        return "supervisor"
    if name.endswith((".yml", ".yaml", ".json")):
        return "yaml"
    return ""


def check_file(path: Path, job_timeout: int | None = None) -> list[Finding]:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        return [
            failed(
                "file.read",
                str(path),
                f"cannot read: {getattr(e, 'strerror', None) or e}",
                "pass a readable file",
            )
        ]
    kind = kind_of(path, text)
    if kind == "dockerfile":
        return check_dockerfile(path, text)
    if kind == "supervisor":
        return supervisor_file(path, text)
    if kind == "systemd":
        units, _ = parse_units(f"\x1e{path}\n{text}")
        return [f for u in units for f in unit_rules(None, u, f"{path} {u.name}")] or [
            warned(
                "systemd.workers",
                str(path),
                "this unit does not run artisan queue:work or horizon",
                "nothing to check here",
            )
        ]
    if kind == "yaml":
        return yaml_file(path, text, job_timeout)
    return [
        warned(
            "file.kind",
            str(path),
            "not a Dockerfile, compose file, Kubernetes manifest, supervisord "
            ".conf or systemd .service",
            "name Dockerfiles Dockerfile*, units *.service",
        )
    ]


def supervisor_file(path: Path, text: str) -> list[Finding]:
    from ..facts import Current, HostFacts

    config = parse_supervisor({str(path): text}, str(path))
    facts = HostFacts(str(path), "", 1, Current("", False, False, ""), config, status_error="")
    out: list[Finding] = []
    for p in config.programs:
        w = parse_worker_command(p.command)
        if w is not None:
            # on a file there is no live state and no deploy path: keep the rules about the file
            # itself
            out += [
                f
                for f in program_rules(facts, p, w)
                if f.check
                not in ("supervisor.running", "supervisor.directory", "supervisor.applied")
            ]
    return out or [
        warned(
            "supervisor.workers",
            str(path),
            "no [program:] runs artisan queue:work or horizon",
            "nothing to check here",
        )
    ]


def yaml_file(path: Path, text: str, job_timeout: int | None) -> list[Finding]:
    try:
        docs = load_documents(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        return [
            failed(
                "file.yaml",
                str(path),
                f"YAML syntax: {getattr(e, 'problem', e)}",
                "fix the syntax",
                where,
            )
        ]
    out: list[Finding] = []
    recognised = False
    for doc, lines in docs:
        if is_compose(doc):
            recognised = True
            out += check_compose(path, doc, lines, job_timeout)
        elif is_manifest(doc):
            recognised = True
            out += check_manifest(path, doc, lines, job_timeout)
    if not recognised:
        return [
            warned(
                "file.kind",
                str(path),
                "neither a compose file (services:) nor a Kubernetes manifest",
                "pass a docker-compose.yml or a manifest",
            )
        ]
    if not out:
        out.append(
            warned(
                "k8s.workers",
                str(path),
                "no container runs `artisan queue:work` or `horizon`",
                "nothing to check here; pass the manifest that runs the workers",
            )
        )
    return out


def expand(paths: Sequence[str]) -> list[Path]:
    """Paths as given; a directory stands for the files in it that look like configs (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [
                f
                for f in sorted(p.iterdir())
                if f.is_file() and (kind_of(f, "") or f.suffix in (".conf", ".ini"))
            ]
        else:
            out.append(p)
    return out


def check_files(paths: Sequence[str], job_timeout: int | None = None) -> Report:
    findings: list[Finding] = []
    for p in expand(paths):
        findings += check_file(p, job_timeout)
    return Report("files", tuple(findings))
