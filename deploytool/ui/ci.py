"""What CI systems add to plain log lines: GitLab's collapsible sections, GitHub Actions' groups
and annotations, and GitHub's step summary file.

    GitLab:  \\e[0Ksection_start:<unix time>:<name>\\r\\e[0K<header> ...
             \\e[0Ksection_end:<unix time>:<name>\\r\\e[0K
    GitHub:  ::group::<title> ... ::endgroup::, ::error title=T::message, ::warning::message

Chosen from the environment the CI runner sets (GITLAB_CI, GITHUB_ACTIONS). Annotation text is
escaped the way the runner unescapes it (% CR LF, and : , in properties).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

ESC = "\x1b[0K"


class Flavor:
    name = "plain"

    def open(self, key: str, title: str, at: float) -> list[str]:
        return []

    def close(self, key: str, at: float) -> list[str]:
        return []

    def error(self, title: str, message: str) -> list[str]:
        return []

    def warning(self, message: str) -> list[str]:
        return []


class GitLab(Flavor):
    name = "gitlab"

    @staticmethod
    def section(key: str) -> str:
        return "deploytool_" + re.sub(r"[^a-z0-9_.-]", "_", key.lower())

    def open(self, key: str, title: str, at: float) -> list[str]:
        return [f"{ESC}section_start:{int(at)}:{self.section(key)}\r{ESC}{title}"]

    def close(self, key: str, at: float) -> list[str]:
        return [f"{ESC}section_end:{int(at)}:{self.section(key)}\r{ESC}"]


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


class GitHub(Flavor):
    name = "github"

    def open(self, key: str, title: str, at: float) -> list[str]:
        return [f"::group::{title}"]

    def close(self, key: str, at: float) -> list[str]:
        return ["::endgroup::"]

    def error(self, title: str, message: str) -> list[str]:
        return [f"::error title={_prop(title)}::{_data(message)}"]

    def warning(self, message: str) -> list[str]:
        return [f"::warning::{_data(message)}"]


def detect(env: Mapping[str, str] | None = None) -> Flavor:
    env = os.environ if env is None else env
    if env.get("GITHUB_ACTIONS") == "true":
        return GitHub()
    if env.get("GITLAB_CI"):
        return GitLab()
    return Flavor()
