"""An inventory template with holes for the application's and a stage's extra lines: the config
tests' one way to write an inventory and load it (or collect its located problems)."""

from __future__ import annotations

import textwrap

import pytest

from deploytool.config import load_inventory
from deploytool.errors import ConfigError


def load_template(tmp_path, template: str, app_extra="", stage_extra="", app_indent="    "):
    app_extra, stage_extra = (
        x if not x or x.endswith("\n") else x + "\n" for x in (app_extra, stage_extra)
    )
    p = tmp_path / "inventory.yml"
    p.write_text(
        template.format(
            app_extra=textwrap.indent(textwrap.dedent(app_extra), app_indent),
            stage_extra=textwrap.indent(textwrap.dedent(stage_extra), "    "),
        )
    )
    return load_inventory(p)


def template_problems(tmp_path, template: str, app_extra="", stage_extra="", app_indent="    "):
    """Every located problem, with the temporary directory taken out of the paths."""
    with pytest.raises(ConfigError) as e:
        load_template(tmp_path, template, app_extra, stage_extra, app_indent)
    return [line.replace(str(tmp_path) + "/", "") for line in e.value.problems]
