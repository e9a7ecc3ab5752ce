"""The persistent runner's host side: a small PHP CLI program (PHP is on every Laravel host, and
the census watchers already run it as `php -n -r`) that runs the commands of one SSH channel.

It reads request lines on stdin (runner_frames.py has the format), and for each starts
`setsid $SHELL -c TEXT`: the user's login shell with the command's text, as sshd would run it
for a channel of its own, but in a session and process group of its own (so a deadline's kill,
and the stopper's, end that command's group and never the runner), with pipes for stdin, stdout
and stderr. It writes the command's stdin bytes then closes it (EOF), relays stdout and stderr
as they are read, and reports the exit status or the signal once the command has exited and
both its pipes are at EOF (when a channel of its own would have closed). Any number of commands
run at once, each under its own id.

What it carries: the session's token as DEPLOYTOOL_RUNNER=TOKEN in its own environment, so a
stopper can find and end a runner a dead session left (stopper.py); its commands get its
environment without that variable, and their own marker comes with their text (with_marker).
Nothing a command is given (its text, its secrets) is in the runner's argv or environment.

It exits when its stdin closes (the connection or the channel ended) and no command is left; a
write to a channel that is gone ends it at once. Without `setsid` on the host it refuses to
start (exit 3) and the transport runs that host's commands on channels of their own.
"""

from __future__ import annotations

from ..shell import RUNNER_MARKER, Cmd

PROGRAM = r"""
ini_set('display_errors', 'stderr');
error_reporting(E_ALL & ~E_WARNING & ~E_NOTICE);
if (function_exists('pcntl_signal')) {
    pcntl_signal(SIGPIPE, function () {});  // EPIPE instead of death; reset to default at exec
}
$shell = getenv('SHELL') ?: '/bin/sh';
$setsid = null;
foreach (explode(':', getenv('PATH') ?: '/usr/bin:/bin') as $d) {
    if ($d !== '' && is_executable("$d/setsid")) { $setsid = "$d/setsid"; break; }
}
if ($setsid === null) { fwrite(STDERR, "deploytool runner: no setsid on this host\n"); exit(3); }
$env = getenv();
unset($env['DEPLOYTOOL_RUNNER']);
function say(array $m): void {
    $line = json_encode($m) . "\n";
    for ($off = 0, $n = strlen($line); $off < $n; $off += $w) {
        $w = fwrite(STDOUT, substr($line, $off));
        if ($w === false || $w === 0) { exit(0); }  // the channel is gone
    }
}
$procs = [];  // id => ['proc', 'pid', 'out' => [fd => pipe], 'in' => pipe|null, 'buf']
$owner = [];  // resource id of a pipe => [id, fd]
function start(int $id, string $text, string $stdin): void {
    global $procs, $owner, $shell, $setsid, $env;
    $spec = [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']];
    $proc = proc_open([$setsid, $shell, '-c', $text], $spec, $pipes, null, $env);
    if (!is_resource($proc)) {
        say(['i' => $id, 'e' => base64_encode("deploytool runner: cannot start the command\n")]);
        say(['i' => $id, 'x' => 126]);
        return;
    }
    $p = ['proc' => $proc, 'pid' => 0, 'out' => [], 'in' => null, 'buf' => $stdin, 'st' => null];
    ended($p);  // records the pid (and, in PHP < 8.3, an exit status only this first look sees)
    foreach ([1, 2] as $fd) {
        stream_set_blocking($pipes[$fd], false);
        stream_set_read_buffer($pipes[$fd], 0);
        $p['out'][$fd] = $pipes[$fd];
        $owner[(int) $pipes[$fd]] = [$id, $fd];
    }
    if ($stdin === '') {
        fclose($pipes[0]);
    } else {
        stream_set_blocking($pipes[0], false);
        $p['in'] = $pipes[0];
        $owner[(int) $pipes[0]] = [$id, 0];
    }
    $procs[$id] = $p;
}
function ended(array &$p): bool {
    if ($p['st'] === null) {
        $st = proc_get_status($p['proc']);
        $p['pid'] = $p['pid'] ?: $st['pid'];
        if (!$st['running']) { $p['st'] = $st; }
    }
    return $p['st'] !== null;
}
function stop(int $id): void {
    global $procs;
    if (!isset($procs[$id])) { return; }
    $pg = (int) $procs[$id]['pid'];
    if ($pg <= 1) { return; }
    if (function_exists('posix_kill')) { posix_kill(-$pg, 9); return; }
    $null = ['file', '/dev/null', 'r'];
    $k = proc_open(['kill', '-KILL', '--', "-$pg"], [0 => $null, 1 => ['file', '/dev/null', 'w'],
                   2 => ['file', '/dev/null', 'w']], $unused);
    if (is_resource($k)) { proc_close($k); }
}
function request(string $line): void {
    $m = json_decode($line, true);
    if (!is_array($m) || !isset($m['i'])) { return; }
    if (isset($m['k'])) { stop((int) $m['i']); return; }
    $text = base64_decode((string) ($m['c'] ?? ''), true);
    $stdin = base64_decode((string) ($m['s'] ?? ''), true);
    if ($text === false || $stdin === false || $text === '') {
        $why = base64_encode("deploytool runner: a malformed request\n");
        say(['i' => (int) $m['i'], 'e' => $why]);
        say(['i' => (int) $m['i'], 'x' => 126]);
        return;
    }
    start((int) $m['i'], $text, $stdin);
}
stream_set_blocking(STDIN, false);
$inbuf = '';
$open = true;
say(['ready' => getmypid()]);
while ($open || $procs) {
    $r = $open ? [STDIN] : [];
    $w = [];
    $reaping = false;
    foreach ($procs as $p) {
        foreach ($p['out'] as $pipe) { $r[] = $pipe; }
        if ($p['in'] !== null) { $w[] = $p['in']; }
        if (!$p['out']) { $reaping = true; }
    }
    $x = null;
    if ($r || $w) {
        $n = @stream_select($r, $w, $x, $reaping ? 0 : null, $reaping ? 2000 : 0);
        if ($n === false) { $r = $w = []; }
    } else {
        usleep(2000);
    }
    foreach ($w as $pipe) {
        [$id] = $owner[(int) $pipe];
        $wrote = fwrite($pipe, $procs[$id]['buf']);
        if ($wrote !== false) { $procs[$id]['buf'] = (string) substr($procs[$id]['buf'], $wrote); }
        if ($procs[$id]['buf'] === '' || $wrote === false) {
            unset($owner[(int) $pipe]);
            fclose($pipe);
            $procs[$id]['in'] = null;
        }
    }
    foreach ($r as $pipe) {
        if ($pipe === STDIN) {
            $chunk = fread(STDIN, 65536);
            if ($chunk === false || ($chunk === '' && feof(STDIN))) { $open = false; continue; }
            $inbuf .= $chunk;
            while (($nl = strpos($inbuf, "\n")) !== false) {
                $line = substr($inbuf, 0, $nl);
                $inbuf = (string) substr($inbuf, $nl + 1);
                request($line);
            }
            continue;
        }
        [$id, $fd] = $owner[(int) $pipe];
        $data = fread($pipe, 65536);
        if ($data !== false && $data !== '') {
            say(['i' => $id, $fd === 1 ? 'o' : 'e' => base64_encode($data)]);
        } elseif ($data === false || feof($pipe)) {
            unset($owner[(int) $pipe], $procs[$id]['out'][$fd]);
            fclose($pipe);
        }
    }
    foreach ($procs as $id => &$p) {
        if ($p['out'] || !ended($p)) { continue; }
        $st = $p['st'];
        if ($p['in'] !== null) { unset($owner[(int) $p['in']]); fclose($p['in']); }
        $end = $st['signaled'] ? ['k' => $st['termsig']] : ['x' => $st['exitcode']];
        say(['i' => $id] + $end);
        proc_close($p['proc']);
        unset($procs[$id]);
    }
    unset($p);
}
"""


def runner_command(token: str, php: str = "php") -> Cmd:
    """The channel's command: the runner under `php -n` (no php.ini, no extensions: core only),
    tagged with the session's token in its environment."""
    return Cmd((php, "-n", "-r", PROGRAM), env={RUNNER_MARKER: token or "-"})
