"""Talk to php-fpm over its socket from the host itself: a FastCGI client written in PHP.

The socket is a unix socket on the host (or host:port), so the client runs there, over the open
SSH connection, as the deploy user: `php -r CLIENT -- SOCKET DIR CODE`. It connects first (so a
socket the deploy user may not open fails before anything is written, with the socket's owner,
group and mode and the user's groups), writes CODE into a temporary script in DIR (the deploy
path's .deploytool: the pool must read it, and it is outside the web root), asks FPM to run it
(one FastCGI GET, responder role), removes it, and prints one JSON line. The same thing cachetool
does with its --tmp-dir (gordalina/cachetool, README: "connect to a FastCGI server ... and
operate on its cache"); written here from the FastCGI 1.0 specification, no code taken.

What runs inside FPM is one of CODE below: `reset` (opcache_reset(): every worker recompiles
from the files as they are now; no process restarts, no request dropped), `status` (the opcache
settings and memory as FPM has them, not as the CLI's php.ini says) and `ping`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..shell import Cmd
from .answer import json_answer, why_not

CODE = {
    "ping": 'echo json_encode(["sapi" => PHP_SAPI, "pid" => getmypid()]);',
    "reset": (
        '$on = function_exists("opcache_reset") && (bool) ini_get("opcache.enable");'
        'echo json_encode(["enabled" => $on, "reset" => $on ? opcache_reset() : false]);'
    ),
    "status": (
        '$s = function_exists("opcache_get_status") ? @opcache_get_status(false) : false;'
        'echo json_encode(["ini" => function_exists("opcache_get_status")'
        ' ? ini_get_all("zend opcache", false) : null, "status" => $s ?: null,'
        ' "realpath_cache_ttl" => ini_get("realpath_cache_ttl"), "sapi" => PHP_SAPI]);'
    ),
}

# $argv: socket, directory for the temporary script, the code it runs. Prints one JSON object.
CLIENT = r"""
[, $sock, $dir, $code] = $argv;
$out = ['socket' => $sock, 'user' => get_current_user()];
if (function_exists('posix_geteuid')) {
  $me = posix_getpwuid(posix_geteuid());
  $out['user'] = $me ? $me['name'] : (string) posix_geteuid();
  $out['groups'] = array_values(array_map(function ($g) {
    $gr = posix_getgrgid($g); return $gr ? $gr['name'] : (string) $g; }, posix_getgroups()));
}
$unix = $sock[0] === '/';
if ($unix && ($st = @stat($sock))) {
  $pw = function_exists('posix_getpwuid') ? posix_getpwuid($st['uid']) : false;
  $gr = function_exists('posix_getgrgid') ? posix_getgrgid($st['gid']) : false;
  $out['owner'] = $pw ? $pw['name'] : (string) $st['uid'];
  $out['group'] = $gr ? $gr['name'] : (string) $st['gid'];
  $out['mode'] = sprintf('%04o', $st['mode'] & 07777);
}
$fp = @stream_socket_client(($unix ? 'unix://' : 'tcp://') . $sock, $errno, $errstr, 5);
if (!$fp) {
  $out['error'] = $errstr ?: 'cannot connect'; $out['errno'] = $errno;
  echo json_encode($out), "\n"; exit(2);
}
stream_set_timeout($fp, 30);
$script = rtrim($dir, '/') . '/fpm-' . bin2hex(random_bytes(8)) . '.php';
if (@file_put_contents($script, "<?php\n" . $code . "\n") === false) {
  $out['error'] = "cannot write $script"; echo json_encode($out), "\n"; exit(3);
}
chmod($script, 0644);
$rec = function ($type, $body) {
  return pack('CCnnCx', 1, $type, 1, strlen($body), -strlen($body) & 7) . $body
    . str_repeat("\0", -strlen($body) & 7);
};
$len = function ($n) { return $n < 128 ? chr($n) : pack('N', $n | 0x80000000); };
$params = ['GATEWAY_INTERFACE' => 'FastCGI/1.0', 'REQUEST_METHOD' => 'GET',
  'SCRIPT_FILENAME' => $script, 'SCRIPT_NAME' => '/' . basename($script),
  'REQUEST_URI' => '/' . basename($script), 'QUERY_STRING' => '', 'SERVER_SOFTWARE' => 'deploytool',
  'REMOTE_ADDR' => '127.0.0.1', 'SERVER_NAME' => 'localhost', 'SERVER_PROTOCOL' => 'HTTP/1.1',
  'CONTENT_LENGTH' => '0'];
$pairs = '';
foreach ($params as $k => $v) { $pairs .= $len(strlen($k)) . $len(strlen($v)) . $k . $v; }
fwrite($fp, $rec(1, pack('nCx5', 1, 0)) . $rec(4, $pairs) . $rec(4, '') . $rec(5, ''));
$stdout = $stderr = ''; $ended = false;
while (!$ended && ($head = fread($fp, 8)) !== false && strlen($head) === 8) {
  $h = unpack('Cv/Ctype/nid/nlen/Cpad', $head);
  $body = '';
  while (strlen($body) < $h['len'] + $h['pad'] && !feof($fp)) {
    $body .= fread($fp, $h['len'] + $h['pad'] - strlen($body));
  }
  $body = substr($body, 0, $h['len']);
  if ($h['type'] === 6) { $stdout .= $body; }
  elseif ($h['type'] === 7) { $stderr .= $body; }
  elseif ($h['type'] === 3) { $ended = true; }
}
fclose($fp);
@unlink($script);
[$head, $body] = array_pad(explode("\r\n\r\n", $stdout, 2), 2, '');
$out['status'] = preg_match('/^Status:\s*(\d{3})/mi', $head, $m) ? (int) $m[1] : 200;
$out['body'] = $body; $out['stderr'] = $stderr;
if (!$ended) { $out['error'] = 'FPM closed the connection before answering'; }
echo json_encode($out), "\n";
"""


def fpm_command(php: str, socket: str, script_dir: str, action: str) -> Cmd:
    """`php -r CLIENT -- SOCKET DIR CODE`: every value travels as an argument."""
    return Cmd((php, "-r", CLIENT, "--", socket, script_dir, CODE[action]))


@dataclass(frozen=True)
class FpmAnswer:
    socket: str
    error: str = ""  # could not connect, or FPM did not answer
    errno: int = 0
    user: str = ""  # who asked (the deploy user) and its groups
    groups: tuple[str, ...] = ()
    owner: str = ""  # the socket's owner, group and mode ("" when it could not be read)
    group: str = ""
    mode: str = ""
    status: int = 0  # the HTTP status FPM gave our script
    data: Mapping[str, object] = field(default_factory=dict)  # the script's JSON answer
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.status == 200

    @property
    def denied(self) -> bool:
        return self.errno == 13 or "ermission denied" in self.error


def parse_fpm(exit_code: int, stdout: str, stderr: str, socket: str = "") -> FpmAnswer:
    d = json_answer(stdout)
    if d is None:
        why = why_not(exit_code, stdout, stderr)
        return FpmAnswer(socket, error=f"the FastCGI client did not run: {why}")
    body, data = str(d.get("body") or ""), {}
    try:
        parsed = json.loads(body) if body.startswith("{") else None
        data = parsed if isinstance(parsed, dict) else {}
    except ValueError:
        pass
    status = int(d.get("status") or 0)
    error = str(d.get("error") or "")
    if not error and status != 200:
        fpm_says = (str(d.get("stderr") or "").strip() or body.strip()).splitlines()
        error = f"FPM answered {status}" + (f": {fpm_says[0][:200]}" if fpm_says else "")
    return FpmAnswer(
        str(d.get("socket") or socket),
        error,
        int(d.get("errno") or 0),
        str(d.get("user") or ""),
        tuple(str(g) for g in d.get("groups") or ()),
        str(d.get("owner") or ""),
        str(d.get("group") or ""),
        str(d.get("mode") or ""),
        status,
        data,
        str(d.get("stderr") or "")[:500],
    )


def access_problem(a: FpmAnswer) -> str:
    """Why the deploy user could not talk to FPM, in one sentence with what to change."""
    if a.denied:
        who = a.user or "the deploy user"
        sock = f"{a.owner}:{a.group} mode {a.mode}" if a.owner else "of an unknown owner"
        groups = f" (its groups: {', '.join(a.groups)})" if a.groups else ""
        why = (
            "its mode does not let them write to it (or a directory above it is closed)"
            if a.owner and (a.user == a.owner or a.group in a.groups)
            else f"{who} is neither its owner nor in its group{groups}"
        )
        return (
            f"{who} may not connect to the FPM socket {a.socket}: Permission denied: the socket "
            f"is {sock}, and {why}"
        )
    if a.errno == 2:
        return f"the FPM socket {a.socket} does not exist (is php-fpm running? web.socket)"
    if a.errno == 111:
        return f"nothing listens on the FPM socket {a.socket} (php-fpm is not running?)"
    if a.status == 404 or "Primary script unknown" in a.stderr:
        return (
            f"FPM could not read deploytool's helper script under the deploy path's .deploytool "
            f"(the pool's user needs read access there; open_basedir or chroot?): {a.error}"
        )
    return f"talking to FPM at {a.socket} failed: {a.error}"


@dataclass(frozen=True)
class Opcache:
    """opcache as FPM runs it (the `status` answer), not as the CLI's php.ini says."""

    enabled: bool
    validate_timestamps: bool
    revalidate_freq: int
    revalidate_path: bool
    memory_mb: int  # opcache.memory_consumption
    used: int  # bytes
    free: int
    wasted: int
    cache_full: bool
    oom_restarts: int
    realpath_cache_ttl: int


def opcache_of(a: FpmAnswer) -> Opcache | None:
    """None when FPM did not answer `status` (the socket rule says why)."""
    if not a.ok or not isinstance(a.data.get("ini"), dict):
        return None
    ini, status = a.data["ini"], a.data.get("status") or {}
    mem, stats = status.get("memory_usage") or {}, status.get("opcache_statistics") or {}

    def flag(key: str) -> bool:
        return str(ini.get(key, "0")).strip().lower() in ("1", "on", "true", "yes")

    def num(value: object) -> int:
        try:
            return int(float(str(value)))
        except ValueError:
            return 0

    return Opcache(
        flag("opcache.enable") and bool(status.get("opcache_enabled", True)),
        flag("opcache.validate_timestamps"),
        num(ini.get("opcache.revalidate_freq", 2)),
        flag("opcache.revalidate_path"),
        num(ini.get("opcache.memory_consumption", 128)),
        num(mem.get("used_memory", 0)),
        num(mem.get("free_memory", 0)),
        num(mem.get("wasted_memory", 0)),
        bool(status.get("cache_full")),
        num(stats.get("oom_restarts", 0)),
        num(a.data.get("realpath_cache_ttl", 120)),
    )
