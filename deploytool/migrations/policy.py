"""What the gate does with a finding: block the deploy, warn, or say nothing.

`mode` sets the default for every rule (`block`, `warn`, `off`); a rule may carry a milder
default of its own (advice rules warn under `block`); `rules` overrides single rules by id and
wins over both. Unknown modes, severities and rule ids are refused when the policy is built,
with a suggestion, so a typo in the inventory cannot switch a rule off.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MODES = ("block", "warn", "off")


@dataclass(frozen=True)
class MigrationPolicy:
    mode: str = "block"
    rules: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = policy_problems(self.mode, self.rules)
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "rules", MappingProxyType(dict(self.rules)))

    def severity(self, rule_id: str, rule_default: str = "block") -> str | None:
        """'block', 'warn', or None when the finding is switched off."""
        chosen = self.rules.get(rule_id)
        if chosen is None:
            chosen = (
                "warn"
                if self.mode == "warn" or (self.mode == "block" and rule_default == "warn")
                else self.mode
            )
        return None if chosen == "off" else chosen


def policy_problems(mode: str, rules: Mapping[str, str]) -> list[str]:
    """Every problem with a policy, each with a suggestion; the config loader can show them all."""
    from .rules import RULES  # late: rules import nothing from here, but keep the graph one-way

    problems = []
    if mode not in MODES:
        problems.append(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    for rule_id, value in rules.items():
        if rule_id not in RULES:
            close = difflib.get_close_matches(rule_id, RULES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"rules.{rule_id}: unknown rule{hint}")
        if value not in MODES:
            problems.append(f"rules.{rule_id}: expected one of {', '.join(MODES)}, got {value!r}")
    return problems
