"""Every host rule over every host's facts, plus the rules across hosts: one Report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from .app import cache_rule, current_rule, pcntl_rules, retry_after_rules
from .facts import HostFacts
from .fleet import shared_cache_rule, worker_present_rule
from .kinds import kind_rules
from .report import Finding, Report, failed
from .supervisor import supervisor_rules
from .systemd import systemd_rules
from .web import web_rules


def host_findings(facts: HostFacts, roles: Sequence[str] = ("worker",)) -> list[Finding]:
    if facts.unreachable:
        return [
            failed(
                "ssh.connect",
                facts.host,
                facts.unreachable,
                "fix the connection first (`ssh` to it with the stage's user, key and known_hosts)",
            )
        ]
    out = [current_rule(facts)] + supervisor_rules(facts) + systemd_rules(facts)
    out += pcntl_rules(facts) + retry_after_rules(facts) + kind_rules(facts)
    out += web_rules(facts)
    extra = (cache_rule(facts), worker_present_rule(facts, roles))
    return out + [f for f in extra if f is not None]


def diagnose(
    target: str, all_facts: Sequence[HostFacts], roles: Mapping[str, Sequence[str]]
) -> Report:
    findings: list[Finding] = []
    for facts in all_facts:
        findings += [
            replace(f, host=facts.host)
            for f in host_findings(facts, roles.get(facts.host, ("worker",)))
        ]
    fleet = shared_cache_rule(all_facts)
    if fleet is not None:
        findings.append(fleet)
    return Report(target, tuple(findings))
