"""`deploytool completion bash|zsh`: shell completion, generated from the real argument parser so
it cannot drift from the commands. Stage names complete from the inventory (-i, else the default
file) through `deploytool completion stages`, which reads only the `stages:` keys and prints
nothing on any error (a completion must never spill errors into the prompt).

    bash:  eval "$(deploytool completion bash)"        (or save it in bash_completion.d)
    zsh:   eval "$(deploytool completion zsh)"         (or save it as _deploytool in $fpath)
"""

from __future__ import annotations

import argparse

import yaml

FILE_OPTIONS = {"-i", "--inventory", "--files"}


def add(sub) -> None:
    p = sub.add_parser("completion", help="print a shell completion script (bash or zsh)")
    p.add_argument(
        "shell",
        choices=("bash", "zsh", "stages"),
        help="bash or zsh; `stages` lists the inventory's stages (used by the scripts)",
    )
    p.add_argument("-i", "--inventory", help=argparse.SUPPRESS)


def commands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """{name: (help, subparser)} from the top-level parser, in declaration order."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    return {name: (helps.get(name, ""), p) for name, p in sub.choices.items()}


def options(p: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in p._actions if a.option_strings and a.help is not argparse.SUPPRESS]


def positionals(p: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in p._actions if not a.option_strings]


def _words(values) -> str:
    return " ".join(values)


def _kind(a: argparse.Action) -> str:
    """How a positional completes: `stage`, a comma list of choices, or `-` (anything)."""
    if a.dest == "stage":
        return "stage"
    return ",".join(a.choices) if a.choices else "-"


def bash(parser: argparse.ArgumentParser) -> str:
    cmds = commands(parser)
    cases = []
    for name, (_, p) in cmds.items():
        opts = _words(o for a in options(p) for o in a.option_strings)
        valued = _words(o for a in options(p) if a.nargs != 0 for o in a.option_strings)
        kinds = _words(_kind(a) for a in positionals(p))
        cases.append(
            f"    {name}) opts={_quote_bash(opts)}; valued={_quote_bash(valued)}; "
            f"kinds={_quote_bash(kinds)} ;;"
        )
    return BASH.format(
        commands=_quote_bash(_words(cmds)),
        cases="\n".join(cases),
        file_options="|".join(sorted(FILE_OPTIONS)),
    )


def _quote_bash(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


BASH = r"""# deploytool bash completion: eval "$(deploytool completion bash)"
_deploytool_stages() {{
  local inv="" i
  for (( i = 2; i < COMP_CWORD; i++ )); do
    case "${{COMP_WORDS[i]}}" in -i|--inventory) inv="${{COMP_WORDS[i+1]}}" ;; esac
  done
  if [ -n "$inv" ]; then deploytool completion stages -i "$inv" 2>/dev/null
  else deploytool completion stages 2>/dev/null; fi
}}

_deploytool() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  local opts="" valued="" kinds=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W {commands}' --version --help' -- "$cur") )
    return
  fi
  local cmd="${{COMP_WORDS[1]}}"
  case "$prev" in
    {file_options}) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  case "$cmd" in
{cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
    return
  fi
  case " $valued " in *" $prev "*) return ;; esac
  # which positional is this? count the words before it that are neither options nor their values
  local i w n=0 skip=0
  for (( i = 2; i < COMP_CWORD; i++ )); do
    w="${{COMP_WORDS[i]}}"
    if [ "$skip" -eq 1 ]; then skip=0; continue; fi
    case " $valued " in *" $w "*) skip=1; continue ;; esac
    case "$w" in -*) continue ;; esac
    n=$((n + 1))
  done
  local -a k=( $kinds )
  case "${{k[n]}}" in
    stage) COMPREPLY=( $(compgen -W "$(_deploytool_stages)" -- "$cur") ) ;;
    ""|-) ;;
    *) COMPREPLY=( $(compgen -W "${{k[n]//,/ }}" -- "$cur") ) ;;
  esac
}}
complete -F _deploytool deploytool
"""


def _zsh_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("[", "\\[")
        .replace("]", "\\]")
        .replace(":", "\\:")
        .replace("'", "'\\''")
    )


def _zsh_spec(a: argparse.Action) -> str:
    help_ = _zsh_escape((a.help or "").split(";")[0].split("(")[0].strip())
    names = a.option_strings
    exclusive = f"({' '.join(names)})" if len(names) > 1 else ""
    takes = a.nargs != 0
    if a.option_strings and set(a.option_strings) & FILE_OPTIONS:
        value = ":file:_files"
    elif a.choices:
        value = f":{a.dest}:({' '.join(a.choices)})"
    elif takes:
        value = f":{a.dest}: "
    else:
        value = ""
    repeat = "*" if a.nargs in ("+", "*") else ""
    if len(names) > 1:
        return f"'{exclusive}'{{{','.join(names)}}}'[{help_}]{value}'"
    return f"'{repeat}{names[0]}[{help_}]{value}'"


def zsh(parser: argparse.ArgumentParser) -> str:
    cmds = commands(parser)
    described = "\n".join(f"    '{name}:{_zsh_escape(h)}'" for name, (h, _) in cmds.items())
    cases = []
    for name, (_, p) in cmds.items():
        specs = [_zsh_spec(a) for a in options(p) if a.dest != "help"]
        for i, a in enumerate(positionals(p), 1):
            if a.dest == "stage":
                specs.append(f"'{i}:stage:_deploytool_stages'")
            elif a.choices:
                specs.append(f"'{i}:{a.dest}:({' '.join(a.choices)})'")
        cases.append(f"        {name}) _arguments -s {' '.join(specs)} ;;")
    return ZSH.format(commands=described, cases="\n".join(cases))


ZSH = r"""#compdef deploytool
# deploytool zsh completion: eval "$(deploytool completion zsh)", or save as _deploytool in $fpath
_deploytool_stages() {{
  local inv i
  local -a stages
  for (( i = 1; i < CURRENT; i++ )); do
    [[ $words[i] == (-i|--inventory) ]] && inv=$words[i+1]
  done
  stages=( ${{(f)"$(deploytool completion stages ${{inv:+-i}} ${{inv}} 2>/dev/null)"}} )
  _describe -t stages 'stage' stages
}}

_deploytool() {{
  local curcontext="$curcontext" state line
  local -a commands
  commands=(
{commands}
  )
  _arguments -C '(- *)--version[show the version]' '(- *)'{{-h,--help}}'[show help]' \
    '1: :->command' '*:: :->args'
  case $state in
    command) _describe -t commands 'deploytool command' commands ;;
    args)
      curcontext="${{curcontext%:*:*}}:deploytool-$words[1]:"
      case $words[1] in
{cases}
      esac ;;
  esac
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _deploytool "$@"
else
  compdef _deploytool deploytool
fi
"""


def stages(inventory: str | None) -> list[str]:
    from pathlib import Path

    from .common import DEFAULT_INVENTORY

    paths = [Path(inventory)] if inventory else [Path(n) for n in DEFAULT_INVENTORY]
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("stages"), dict):
            return [str(s) for s in data["stages"]]
    return []


def run(args, env) -> int:
    if args.shell == "stages":
        names = stages(args.inventory)
        if names:
            env.stdout.write("\n".join(names) + "\n")
        return 0
    from ..cli import build_parser

    parser = build_parser()
    env.stdout.write(bash(parser) if args.shell == "bash" else zsh(parser))
    return 0
