"""The worker census as a long-lived watcher per host: one PHP process that streams changes.

The polled census (probes/census.py) costs a new SSH channel, a login shell, `pgrep` and a
`readlink` per host per poll; on a loaded host that is ~100 ms a round before any output. The
watcher pays that once. It then waits on stdin with stream_select() for at most `tick`, lists
/proc, reads the command line of pids it has not classified yet, and writes:

    +<S>P-line   a matching worker appeared (the same P line as the polled census)
    -<S>pid      a worker it reported has exited (or is a zombie: the polled census skips those)
    H... P... E<S>n     on the n-th request `S` (one byte): a fresh snapshot in the polled census's
                        format, so probes.census.parse_census() reads it unchanged

It wakes every `tick` only while some worker it knows runs from another release than `current`
points at (an old worker: during a drain, when an exit must be noticed at once); otherwise every
`idle` seconds. On a real fleet either costs nothing (4 ms of CPU a second at a 50 ms tick), but
500 light-lab hosts share two cores, where 500 watchers ticking every 50 ms took half the machine
and made a census round 2.3 s instead of well under 150 ms. A request is answered at once either
way (stream_select wakes on it), from a fresh scan.

PHP caches stat() and realpath() answers per process, and the watcher lives for the whole drain:
it clears both once per wake-up, before it resolves `current`, or a switch would show up to
realpath_cache_ttl late.

What a request costs the host is what a census round costs at scale (500 light-lab hosts share two
cores with the client): so per wake-up each worker's /proc/PID/stat is read once (the exit check
and the snapshot share it), its command line once in its life (when it is first seen), and
`current` is resolved once. A worker is known by pid *and* start time: another process under a
reported pid is that worker's exit. 216 -> 131 us of PHP per request with 3 workers.

PHP because every host that runs Laravel workers has it and it forks nothing here (an earlier
bash version lost requests: `read -t` drops a byte its timer interrupts). The kinds' patterns
travel as hex (one per line), so the watcher's own command line never matches them.

It never outlives the ship: it exits at EOF on stdin (the channel or the connection closed), when
a write to the channel fails, after `lifetime` seconds, and it carries the ship's marker like
every remote command, so the stopper finds it on a cancel. A pid first seen with another command
line is re-read for `settle` seconds (a fork that has not exec'd its worker yet), then left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..shell import Cmd

SEP = "\x1f"

# argv: hex(the patterns, one per line) deploy_path tick lifetime settle idle
_PHP = r"""
[, $pat, $dp, $tick, $life, $settle, $idle] = $argv;
$pats = explode("\n", hex2bin($pat)); $S = "\x1f"; $me = getmypid(); $t0 = microtime(true);
$W = []; $N = []; $ST = []; $asked = 0;
preg_match('/^btime (\d+)/m', file_get_contents('/proc/stat'), $m); $btime = $m[1];
function gone($stat) {
  return $stat === false || substr($stat, strrpos($stat, ')') + 2, 1) === 'Z';
}
function started($stat) {
  return explode(' ', substr($stat, strrpos($stat, ')') + 2))[19] ?? '';
}
function args($c) { return str_replace("\0", ' ', rtrim((string)$c, "\0")); }
function pline($p, $stat, $args) {
  global $S;
  $status = @file_get_contents("/proc/$p/status");
  if ($stat === false || $status === false) return null;
  $sig = ''; $uid = '';
  $want = '/^(State|SigPnd|ShdPnd|SigBlk|SigIgn|Uid):\s+(\S+)/m';
  preg_match_all($want, $status, $m, PREG_SET_ORDER);
  foreach ($m as [, $k, $v]) if ($k === 'Uid') $uid = $v; else $sig .= "$k:$v ";
  $cwd = @readlink("/proc/$p/cwd");
  return "P$S$p$S$uid$S" . ($cwd === false ? '?' : $cwd) . "$S$sig$S" . rtrim($stat, "\n")
    . "$S$args\n";
}
function matches($c) {
  global $pats;
  foreach ($pats as $p) if (strpos($c, $p) !== false) return true;
  return false;
}
function scan() {
  global $W, $N, $ST, $me, $settle, $S;
  $out = ''; $now = microtime(true); $live = [];
  foreach (scandir('/proc') as $e) {
    if (!is_numeric($e)) continue;
    $p = (int)$e; $live[$p] = 1;
    if (isset($W[$p]) || $p === $me || (isset($N[$p]) && $now - $N[$p] > $settle)) continue;
    $c = @file_get_contents("/proc/$p/cmdline"); $a = args($c);
    if ($c !== false && matches($a)
        && ($l = pline($p, $st = @file_get_contents("/proc/$p/stat"), $a)) !== null) {
      $W[$p] = [(string)@readlink("/proc/$p/cwd"), $a, started($st)]; unset($N[$p]);
      $out .= "+$S$l";
    } elseif (!isset($N[$p])) $N[$p] = $now;
  }
  $ST = [];
  foreach ($W as $p => [, , $t]) {
    $st = @file_get_contents("/proc/$p/stat");
    // another process under a reported pid (its start time differs) is that worker's exit
    if (gone($st) || started($st) !== $t) { unset($W[$p]); $out .= "-$S$p\n"; }
    else $ST[$p] = $st;
  }
  $N = array_intersect_key($N, $live);
  return $out;
}
function snapshot($n, $cur) {
  global $W, $ST, $S, $dp, $btime;
  $up = explode(' ', file_get_contents('/proc/uptime'))[0];
  $st = @lstat("$dp/current");
  $o = "H$S$up$S$btime$S" . ($cur ?: '') . $S . ($st ? $st['mtime'] : '') . "\n";
  foreach ($W as $p => [, $a]) { $l = pline($p, $ST[$p], $a); if ($l !== null) $o .= $l; }
  return $o . "E$S$n\n";
}
function hurry($cur) {
  global $W;
  foreach ($W as [$cwd]) if ($cwd !== $cur) return true;
  return false;
}
function current_now() { global $dp; clearstatcache(true); return realpath("$dp/current"); }
function put($s) { if ($s !== '' && @fwrite(STDOUT, $s) === false) exit(0); }
stream_set_blocking(STDIN, false);
put(scan()); $fast = hurry(current_now());
while (microtime(true) - $t0 < $life) {
  $r = [STDIN]; $w = null; $x = null;
  $ready = @stream_select($r, $w, $x, 0, (int)(($fast ? $tick : $idle) * 1e6));
  $asks = 0;
  if ($ready) {
    $d = fread(STDIN, 4096);
    if ($d === '' || $d === false) { if (feof(STDIN)) exit(0); } else $asks = substr_count($d, 'S');
  }
  $out = scan(); $cur = current_now();
  while ($asks-- > 0) $out .= snapshot(++$asked, $cur);
  put($out); $fast = hurry($cur);
}
"""


def watch_command(
    patterns: str | Sequence[str],
    deploy_path: str,
    tick: float = 0.05,
    lifetime: float = 3600,
    settle: int = 2,
    php: str = "php",
    idle: float = 0.5,
) -> Cmd:
    # -n: no php.ini, no extensions: only core functions are used, and start-up is faster.
    return Cmd(
        (
            php,
            "-n",
            "-r",
            _PHP.strip(),
            "--",
            "\n".join([patterns] if isinstance(patterns, str) else patterns).encode().hex(),
            deploy_path,
            f"{tick:g}",
            str(int(lifetime)),
            str(settle),
            f"{idle:g}",
        )
    )


def sync_request() -> str:
    """A snapshot request: one byte. The watcher numbers its answers 1, 2, ... in request order."""
    return "S"


@dataclass(frozen=True)
class Change:
    kind: str  # appeared | exited | snapshot-end
    pid: int = 0
    line: str = ""  # appeared: the P line
    seq: int = 0  # snapshot-end: the request it answers


def parse_line(line: str) -> Change | None:
    """One streamed line, or None for a snapshot line (H/P) that belongs to the current block."""
    head, _, rest = line.partition(SEP)
    if head == "+":
        pid = rest.split(SEP, 2)[1] if rest.startswith("P" + SEP) else "0"
        return Change("appeared", int(pid) if pid.isdigit() else 0, rest)
    if head == "-":
        return Change("exited", int(rest) if rest.isdigit() else 0)
    if head == "E":
        return Change("snapshot-end", seq=int(rest) if rest.isdigit() else 0)
    return None
