"""What nginx passes to PHP, read from its config files (pure): per location that does
`fastcgi_pass`, the SCRIPT_FILENAME and DOCUMENT_ROOT it sends, and whether they resolve the
`current` symlink (`$realpath_root`) or not (`$document_root`, the classic mistake: PHP then sees
`.../current/public/index.php`, and opcache and the realpath cache keep the old release's code).

nginx's rules that matter, as implemented: `include` is replaced by the included files' text
(glob patterns; a relative one from the main file's directory, whichever file it is in);
`fastcgi_param` is an array directive, so a block that sets none inherits all of its parent's,
and one that sets any inherits none; when
one name is sent twice php-fpm keeps the last. Servers whose `root` is under the deploy path are
the app's; when none is, every fastcgi location is reported.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

TOKEN = re.compile(r"""#[^\n]*|"(?:\\.|[^"])*"|'(?:\\.|[^'])*'|[{};]|[^\s{};"'#]+""")


@dataclass
class Directive:
    name: str
    args: list[str]
    where: str  # file:line
    children: list[Directive] | None = None  # a block


@dataclass(frozen=True)
class FastcgiSite:
    """One location that passes requests to PHP."""

    where: str  # file:line of its fastcgi_pass
    server: str  # its server_name (or "")
    root: str
    script_filename: str  # the value sent ("" when none is)
    document_root: str

    @property
    def resolves(self) -> str:
        """realpath | document | unknown: what SCRIPT_FILENAME is built from."""
        if "$realpath_root" in self.script_filename:
            return "realpath"
        if "$document_root" in self.script_filename or "current/" in self.script_filename:
            return "document"
        return "unknown"


@dataclass(frozen=True)
class NginxSites:
    sites: tuple[FastcgiSite, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)  # includes that could not be read


def _tokens(path: str, text: str):
    line = 1
    pos = 0
    for m in TOKEN.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        tok = m.group(0)
        if tok.startswith("#"):
            continue
        if tok[:1] in "\"'" and len(tok) > 1:
            tok = tok[1:-1]
        yield tok, f"{path}:{line}"


def parse_blocks(
    path: str, files: Mapping[str, str], problems: list[str], conf_dir: str, depth: int = 0
):
    """A file's directives, includes expanded in place (relative ones from `conf_dir`, nginx's
    configuration directory, whichever file they are in)."""
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    where = ""
    for tok, at in _tokens(path, files.get(path, "")):
        if tok in (";", "{", "}"):
            if tok == "}":
                block = stack.pop() if len(stack) > 1 else []
                if stack[-1] and stack[-1][-1].children is None:
                    stack[-1][-1].children = block
                words = []
                continue
            if words:
                d = Directive(words[0], words[1:], where)
                if tok == ";" and d.name == "include" and d.args and depth < 8:
                    stack[-1].extend(_include(path, d.args[0], files, problems, conf_dir, depth))
                else:
                    stack[-1].append(d)
                if tok == "{":
                    stack.append([])
            words = []
            continue
        if not words:
            where = at
        words.append(tok)
    return stack[0]


def _include(path: str, pattern: str, files, problems, conf_dir, depth) -> list[Directive]:
    if not pattern.startswith("/"):
        pattern = os.path.join(conf_dir, pattern)
    hits = sorted(p for p in files if fnmatch.fnmatch(p, pattern))
    if not hits and not any(c in pattern for c in "*?["):
        problems.append(f"{pattern} (included from {path}) could not be read")
    out: list[Directive] = []
    for hit in hits:
        out += parse_blocks(hit, files, problems, conf_dir, depth + 1)
    return out


def _params(block: list[Directive]) -> dict[str, str]:
    got: dict[str, str] = {}
    for d in block:
        if d.name == "fastcgi_param" and len(d.args) >= 2:
            got[d.args[0]] = d.args[1]  # the last one wins in php-fpm
    return got


def sites(files: Mapping[str, str], main: str, deploy_path: str = "") -> NginxSites:
    problems: list[str] = []
    top = parse_blocks(main, files, problems, os.path.dirname(main)) if main in files else []
    found: list[tuple[FastcgiSite, bool]] = []

    def walk(block: list[Directive], params: dict[str, str], root: str, server: str) -> None:
        own = _params(block)
        params = own if own else params
        for d in block:
            if d.name == "root" and d.args:
                root = d.args[0]
            if d.name == "server_name" and d.args:
                server = d.args[0]
        for d in block:
            if d.name == "fastcgi_pass":
                site = FastcgiSite(
                    d.where,
                    server,
                    root,
                    params.get("SCRIPT_FILENAME", ""),
                    params.get("DOCUMENT_ROOT", ""),
                )
                found.append((site, bool(deploy_path) and root.startswith(deploy_path)))
            if d.children is not None:
                walk(d.children, params, root, server)

    walk(top, {}, "", "")
    ours = [s for s, mine in found if mine]
    return NginxSites(tuple(ours or [s for s, _ in found]), tuple(problems))
