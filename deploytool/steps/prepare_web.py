"""prepare-web: before the switch, on every web host, get ready to prove what the web tier serves.

1. The probe goes into the new release: `<public_dir>/deploytool-probe.php`, the same name in
   every release, so opcache keys and keeps it exactly like the app's front controller (and
   into the running release too, if it has none yet: the first ship is then as exact). It
   answers only a request carrying the deploy path's probe token (<deploy_path>/.deploytool/
   web-probe.token, 0600, made once per host; the probe holds only its SHA-256): anyone else
   gets a 404, and the answer names nothing but the release directory.
2. What the host serves now is asked through its own nginx (the probe of the running release):
   the baseline the drain's web census compares against, and, as a side effect that matters, the
   running release's probe is compiled into opcache before the switch, where a stale front
   controller would be too.
3. With `strategy: opcache-reset`, the deploy user must be able to talk to FPM: one FastCGI ping
   now, so a socket it may not open fails the ship here, before anything is switched (exit 13),
   not after.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import WebAccessError
from ..events import Warning as WarningEvent
from ..probes.fpm import access_problem, fpm_command, parse_fpm
from ..probes.web_probe import (
    PROBE_FILE,
    TOKEN_FILE,
    Answer,
    parse_answers,
    probe_request,
    requests_command,
)
from ..shell import Cmd

PROBE = r"""<?php
// Written by deploytool (docs/web.md): names the release this code was compiled from, and only to
// a request that carries the deploy path's probe token. Anyone else gets a 404.
if (!hash_equals('@HASH@', hash('sha256', (string) ($_SERVER['HTTP_X_DEPLOYTOOL_PROBE'] ?? '')))) {
    http_response_code(404);
    exit;
}
header('Content-Type: text/plain');
header('Cache-Control: no-store');
echo 'deploytool-probe ', __FILE__, "\n";
"""

# $argv: token file, the probe's file name, its template, the web root inside the new release and
# inside the running one (current). Prints the running release's probe when it had to be added.
WRITE = r"""
[, $tokfile, $name, $template, $root, $running] = $argv;
if (!is_file($tokfile) || trim((string) file_get_contents($tokfile)) === '') {
  @mkdir(dirname($tokfile), 0755, true);
  $old = umask(077);
  $tmp = $tokfile . '.' . getmypid();
  $made = file_put_contents($tmp, bin2hex(random_bytes(24)) . "\n") !== false;
  if (!$made || !rename($tmp, $tokfile)) {
    fwrite(STDERR, "cannot write $tokfile\n"); exit(3);
  }
  umask($old);
}
if (!is_dir($root)) {
  fwrite(STDERR, "the release has no web root $root (web.public_dir)\n"); exit(4);
}
$hash = hash('sha256', trim((string) file_get_contents($tokfile)));
$text = str_replace('@HASH@', $hash, $template);
$probe = rtrim($root, '/') . '/' . $name;
if (file_put_contents($probe, $text) === false) {
  fwrite(STDERR, "cannot write $probe\n"); exit(3);
}
chmod($probe, 0644);
$old = rtrim($running, '/') . '/' . $name;
if (is_dir($running) && !is_file($old) && @file_put_contents($old, $text) !== false) {
  chmod($old, 0644);
  echo $old, "\n";
}
"""


def prepare(ctx, host, web) -> dict:
    public = web.public_dir.strip("/")
    root, running = ctx.release_dir + "/" + public, ctx.path("current", public)
    ctx.run(
        host,
        Cmd(
            (ctx.app.php, "-r", WRITE, "--", ctx.path(TOKEN_FILE), PROBE_FILE, PROBE, root, running)
        ),
        "prepare-web",
        what="writing the web probe into the release",
    )
    before = served(ctx, host, web, "prepare-web")
    if web.strategy == "opcache-reset":
        r = ctx.run(
            host,
            fpm_command(ctx.app.php, web.socket, ctx.path(".deploytool"), "ping"),
            "prepare-web",
            check=False,
        )
        answer = parse_fpm(r.exit_code, r.stdout, r.stderr, web.socket)
        if not answer.ok:
            raise WebAccessError(
                host.name,
                "prepare-web",
                access_problem(answer) + "; nothing was switched",
                "add the deploy user to the socket's group (listen.group in the FPM pool), or "
                "use web.strategy: fpm-reload with a reload_command it may run (docs/web.md)",
            )
    return {"before": before.release, "before_answer": before.describe()}


def served(ctx, host, web, step: str) -> Answer:
    """What the host's nginx serves right now, by the probe (one round trip)."""
    req = probe_request(ctx.app.deploy_path, host, web)
    r = ctx.run(host, requests_command(ctx.app.php, [req]), step, check=False, timeout=60)
    return parse_answers(r.exit_code, r.stdout, r.stderr, [req.url])[0]


def run(ctx, options: Mapping[str, object]) -> str:
    found = ctx.each_web("prepare-web", lambda h, w: prepare(ctx, h, w))
    if not found:
        ctx.state.web = {}
        return "no web tier configured" if not ctx.stage.web else "no web host in this run"
    ctx.state.web = {"prepared": True, "before": {h: f["before"] for h, f in found.items()}}
    for name, f in sorted(found.items()):
        if not f["before"]:
            ctx.bus.emit(
                WarningEvent(
                    f"the running release answered no probe ({f['before_answer']}): shipped "
                    "before web verification? This ship's proof that the new code is served is "
                    "weaker under nginx $document_root; from the next ship on it is exact "
                    "(docs/web.md)",
                    name,
                )
            )
    serving = ", ".join(f"{h}: {f['before'] or '-'}" for h, f in sorted(found.items()))
    return f"probe in {PROBE_FILE}; serving now {serving}"
