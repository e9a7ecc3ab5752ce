"""Kubernetes rules for containers that run workers: terminationGracePeriodSeconds (default 30)
above the job timeout plus the preStop hook's time, an exec-form command (PHP as PID 1), and a
preStop that stops intake early with queue:restart (or horizon:terminate)."""

from __future__ import annotations

import re
from pathlib import Path

from ...probes.worker_command import SHELLS, parse_worker_command, split
from ..report import Finding, failed, passed, warned
from ..worker import grace_rule, suggested, worker_rules
from .yamlmarks import line_of

DEFAULT_GRACE = 30.0
POD_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def is_manifest(doc: object) -> bool:
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def _get(doc: dict, path: tuple):
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def prestop(container: dict) -> tuple[list[str], float]:
    """(the preStop exec command, seconds it sleeps)."""
    hook = _get(container, ("lifecycle", "preStop")) or {}
    if isinstance(hook.get("sleep"), dict):
        return [], float(hook["sleep"].get("seconds") or 0)
    argv = [str(a) for a in (_get(hook, ("exec", "command")) or [])]
    text = " ".join(argv)
    return argv, sum(float(n) for n in re.findall(r"\bsleep\s+(\d+(?:\.\d+)?)", text))


def check_manifest(path: Path, doc: dict, lines: dict, job_timeout: int | None) -> list[Finding]:
    kind = str(doc.get("kind"))
    pod_path = POD_PATHS.get(kind)
    if pod_path is None:
        return []
    pod = _get(doc, pod_path) or {}
    name = _get(doc, ("metadata", "name")) or "?"
    out: list[Finding] = []
    for i, c in enumerate(pod.get("containers") or []):
        if not isinstance(c, dict):
            continue
        argv = split(c.get("command") or []) + split(c.get("args") or [])
        w = parse_worker_command(argv) if argv else None
        if w is None:
            continue
        cpath = pod_path + ("containers", i)
        out += container_rules(
            path,
            f"{path} {kind}/{name} container {c.get('name', i)}",
            pod,
            pod_path,
            c,
            cpath,
            w,
            lines,
            job_timeout,
        )
    return out


def container_rules(
    path: Path,
    subject: str,
    pod: dict,
    pod_path: tuple,
    c: dict,
    cpath: tuple,
    w,
    lines: dict,
    job_timeout: int | None,
) -> list[Finding]:
    def at(p: tuple) -> str:
        return f"{path}:{line_of(lines, p)}"

    out = []
    timeout = job_timeout if (job_timeout is not None and not w.timeout_explicit) else w.timeout
    hook, sleep = prestop(c)
    raw = pod.get("terminationGracePeriodSeconds")
    grace = float(raw) if isinstance(raw, (int, float)) else DEFAULT_GRACE
    where = at(pod_path + ("terminationGracePeriodSeconds",)) if raw is not None else at(pod_path)
    out.append(
        grace_rule(
            "k8s.termination-grace",
            subject,
            grace,
            timeout,
            "terminationGracePeriodSeconds",
            f"terminationGracePeriodSeconds: {suggested(timeout, sleep)}",
            where,
            extra=sleep,
            extra_label="preStop sleep",
            default=raw is None,
        )
    )
    command = split(c.get("command") or [])
    if not command:
        out.append(
            warned(
                "k8s.exec-form",
                subject,
                "no `command`: the image's ENTRYPOINT runs the worker, and "
                "doctor cannot see whether it execs PHP",
                "set command: [php, artisan, queue:work, ...] "
                "or check the image with `doctor --files Dockerfile`",
                at(cpath),
            )
        )
    elif command[0].rsplit("/", 1)[-1] in SHELLS and not w.shell_execs:
        out.append(
            failed(
                "k8s.exec-form",
                subject,
                f"command runs `{command[0]} -c ...`: the shell is PID 1 and swallows SIGTERM",
                "command: [php, artisan, queue:work, ...] (or end the snippet with `exec php ...`)",
                at(cpath + ("command",)),
            )
        )
    else:
        out.append(
            passed(
                "k8s.exec-form",
                subject,
                "command in exec form: PHP is PID 1 and receives SIGTERM",
                at(cpath + ("command",)),
            )
        )
    text = " ".join(hook)
    if "queue:restart" in text or "horizon:terminate" in text:
        out.append(
            passed(
                "k8s.prestop",
                subject,
                "preStop runs "
                + ("queue:restart" if "queue:restart" in text else "horizon:terminate")
                + ": workers stop taking jobs as soon as the pod terminates",
                at(cpath + ("lifecycle",)),
            )
        )
    else:
        out.append(
            warned(
                "k8s.prestop",
                subject,
                "no preStop running queue:restart: the worker keeps taking new jobs until SIGTERM "
                "arrives (queue:restart recycles every worker sharing the cache, each between "
                "jobs: harmless)",
                "lifecycle: {preStop: {exec: {command: [php, artisan, queue:restart]}}}",
                at(cpath),
            )
        )
    return out + worker_rules(w, subject, at(cpath + ("command",) if command else cpath))
