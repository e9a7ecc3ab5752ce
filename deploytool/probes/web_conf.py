"""The web tier's config files as the deploy user can read them: nginx's and php-fpm's.

`nginx -T` and `php-fpm -tt` need root (as the deploy user they stop at the pid file and FPM's
error log: tests/lab/README.md), but the files themselves are usually world-readable. One PHP
program on the host finds the running masters (`nginx: master process ... -c FILE`,
`php-fpm: master process (FILE)`) in /proc, else the usual paths, reads each main file and
follows its includes (nginx `include PATTERN;`, relative to the main file's directory; FPM
`include=PATTERN`), and prints every file's text, and every file it could not read with why.
The pure parser here returns them; doctor/nginx_conf.py and doctor/fpm_conf.py read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..shell import Cmd
from .answer import json_answer, why_not

READER = r"""
$found = ['nginx' => '', 'fpm' => ''];
foreach (glob('/proc/[0-9]*/cmdline') ?: [] as $f) {
  $c = trim(str_replace("\0", ' ', (string) @file_get_contents($f)));
  if (strpos($c, 'nginx: master process') === 0) {
    $found['nginx'] = preg_match('/\s-c\s+(\S+)/', $c, $m) ? $m[1] : '/etc/nginx/nginx.conf';
  } elseif (preg_match('/^php-fpm[\d.]*: master process \((.+)\)/', $c, $m)) {
    $found['fpm'] = $m[1];
  }
}
$running = ['nginx' => $found['nginx'] !== '', 'fpm' => $found['fpm'] !== ''];
if (!$found['nginx'] && is_file('/etc/nginx/nginx.conf')) {
  $found['nginx'] = '/etc/nginx/nginx.conf';
}
if (!$found['fpm']) { $found['fpm'] = (glob('/etc/php/*/fpm/php-fpm.conf') ?: [''])[0]; }
$include = [
  'nginx' => '/(?:^|[;{}\s])include\s+([^;]+);/',
  'fpm' => '/^\s*include\s*=\s*(.+?)\s*$/m',
];
$out = [];
foreach ($found as $kind => $main) {
  $files = []; $bad = []; $todo = $main === '' ? [] : [$main]; $dir = dirname($main);
  while ($todo && count($files) + count($bad) < 300) {
    $path = array_shift($todo);
    if (isset($files[$path]) || isset($bad[$path])) { continue; }
    $text = @file_get_contents($path);
    if ($text === false) {
      $e = error_get_last(); $bad[$path] = $e ? $e['message'] : 'unreadable'; continue;
    }
    $files[$path] = substr($text, 0, 1 << 20);
    $plain = $kind === 'nginx' ? preg_replace('/#[^\n]*/', '', $text)
      : preg_replace('/^\s*[;#][^\n]*/m', '', $text);
    preg_match_all($include[$kind], $plain, $mm);
    foreach ($mm[1] as $pat) {
      $pat = trim($pat, " \t\"'");
      if ($pat !== '' && $pat[0] !== '/') { $pat = $dir . '/' . $pat; }
      $hits = glob($pat) ?: [];
      if (!$hits && strpbrk($pat, '*?[') === false) { $hits = [$pat]; }
      foreach ($hits as $h) { $todo[] = $h; }
    }
  }
  $out[$kind] = ['main' => $main, 'running' => $running[$kind], 'files' => $files,
                 'unreadable' => $bad];
}
echo json_encode($out), "\n";
"""


def web_conf_command(php: str) -> Cmd:
    return Cmd((php, "-r", READER))


@dataclass(frozen=True)
class ConfFiles:
    """One daemon's config as read: the main file, every file reached, and what could not be."""

    main: str = ""
    running: bool = False  # its master process was found
    files: Mapping[str, str] = field(default_factory=dict)
    unreadable: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebConf:
    nginx: ConfFiles
    fpm: ConfFiles
    error: str = ""  # the reader did not run


def parse_web_conf(exit_code: int, stdout: str, stderr: str) -> WebConf:
    d = json_answer(stdout)
    if d is None:
        why = why_not(exit_code, stdout, stderr)
        return WebConf(ConfFiles(), ConfFiles(), f"cannot read the web tier's config: {why}")

    def one(x) -> ConfFiles:
        x = x if isinstance(x, dict) else {}
        return ConfFiles(
            str(x.get("main") or ""),
            bool(x.get("running")),
            dict(sorted((x.get("files") or {}).items())),
            dict(sorted((x.get("unreadable") or {}).items())),
        )

    return WebConf(one(d.get("nginx")), one(d.get("fpm")))
