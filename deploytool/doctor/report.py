"""A finding (pass / warn / fail, what, where, and the fix in one line) and the report."""

from __future__ import annotations

from dataclasses import dataclass

PASS, WARN, FAIL = "pass", "warn", "fail"
ORDER = {FAIL: 0, WARN: 1, PASS: 2}
JSON_VERSION = 1


@dataclass(frozen=True)
class Finding:
    check: str  # stable id, e.g. supervisor.stopwaitsecs
    status: str  # pass | warn | fail
    subject: str  # host name or file, plus the program/unit/service: "h1 [program:worker]"
    message: str  # what is true, in one sentence
    fix: str = ""  # one line: what to change (empty on pass)
    where: str = ""  # file:line of the setting, when known
    host: str = ""  # the host it was found on ("" for local files and stage-wide findings)

    def to_dict(self) -> dict:
        return {
            "check": self.check,
            "status": self.status,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
            "where": self.where,
            "host": self.host,
        }


def passed(check: str, subject: str, message: str, where: str = "") -> Finding:
    return Finding(check, PASS, subject, message, "", where)


def warned(check: str, subject: str, message: str, fix: str, where: str = "") -> Finding:
    return Finding(check, WARN, subject, message, fix, where)


def failed(check: str, subject: str, message: str, fix: str, where: str = "") -> Finding:
    return Finding(check, FAIL, subject, message, fix, where)


@dataclass(frozen=True)
class Report:
    target: str  # "stage lab" or "files"
    findings: tuple[Finding, ...]

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(f.status == s for f in self.findings) for s in (PASS, WARN, FAIL)}

    @property
    def failed(self) -> bool:
        return any(f.status == FAIL for f in self.findings)

    @property
    def warned(self) -> bool:
        return any(f.status == WARN for f in self.findings)

    def to_dict(self) -> dict:
        return {
            "version": JSON_VERSION,
            "target": self.target,
            "ok": not self.failed,
            "counts": self.counts,
            "findings": [f.to_dict() for f in self.findings],
        }
