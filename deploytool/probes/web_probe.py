"""What a web host serves, asked from the host itself: a small HTTP client in PHP.

`php -r CLIENT -- SPEC` runs on the host over the open SSH connection (PHP is there, curl may not
be, and the host's own nginx is reachable from it whatever the firewall says). SPEC is a JSON
list of requests: URL, Host header, timeout, and whether it goes to deploytool's probe, in which
case the deploy path's probe token (read by the client from the file, so it is never in argv,
output or logs) travels in the X-Deploytool-Probe header. One JSON line comes back: per request
the status (0: no answer), the first 2 KB of the body and the connection error.

The probe (steps/prepare_web.py writes it into every release) answers `deploytool-probe <its own
path>`: the release directory the code that answered was compiled from. It is requested under
one name in every release, so opcache treats it exactly as it treats the app's front controller.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..shell import Cmd

PROBE_HEADER = "X-Deploytool-Probe"
PROBE_FILE = "deploytool-probe.php"
TOKEN_FILE = ".deploytool/web-probe.token"  # under the deploy path, mode 0600
ANSWER = re.compile(r"^deploytool-probe (\S+)")
BODY_KEPT = 2048

CLIENT = r"""
$spec = json_decode($argv[1], true);
$token = '';
$out = [];
foreach ($spec as $r) {
  if (!empty($r['probe']) && $token === '') {
    $token = trim((string) @file_get_contents($r['probe']));
  }
  $h = ['Connection: close', 'User-Agent: deploytool', 'Cache-Control: no-cache'];
  if ($r['host'] !== '') { $h[] = 'Host: ' . $r['host']; }
  if (!empty($r['probe'])) { $h[] = 'X-Deploytool-Probe: ' . $token; }
  $peer = $r['host'] !== '' ? preg_replace('/:\d+$/', '', $r['host'])
    : parse_url($r['url'], PHP_URL_HOST);
  $ctx = stream_context_create([
    'http' => ['method' => 'GET', 'header' => implode("\r\n", $h), 'timeout' => $r['timeout'],
               'ignore_errors' => true, 'follow_location' => 0, 'protocol_version' => 1.1],
    'ssl' => ['peer_name' => $peer],
  ]);
  $t = microtime(true);
  $http_response_header = [];
  $body = @file_get_contents($r['url'], false, $ctx, 0, 65536);
  $status = 0;
  $first = $http_response_header[0] ?? '';
  if (preg_match('#^HTTP/\S+\s+(\d{3})#', $first, $m)) { $status = (int) $m[1]; }
  $error = '';
  if ($body === false) {
    $e = error_get_last();
    $error = $e ? preg_replace('/^.*?: (?=[A-Z])/', '', $e['message']) : 'no answer';
  }
  $out[] = ['url' => $r['url'], 'status' => $status, 'body' => substr((string) $body, 0, 2048),
            'error' => $error, 'seconds' => round(microtime(true) - $t, 3)];
}
echo json_encode($out), "\n";
"""


@dataclass(frozen=True)
class Request:
    url: str
    host: str = ""  # the Host header; "" = the URL's host
    timeout: float = 5.0
    token_file: str = ""  # set for deploytool's probe: the token goes in PROBE_HEADER


@dataclass(frozen=True)
class Answer:
    url: str
    status: int  # 0: no HTTP answer at all
    body: str = ""
    error: str = ""
    seconds: float = 0.0

    @property
    def release(self) -> str:
        """For the probe: the release directory the answering code came from ("" if none)."""
        m = ANSWER.match(self.body)
        if not m or self.status != 200:
            return ""
        path = m.group(1)
        found = re.search(r"/releases/([^/]+)/", path)
        return found.group(1) if found else path

    def describe(self, lines: int = 3) -> str:
        """What came back, for a person: the status and the first lines of the body."""
        if not self.status:
            return f"no answer ({self.error or 'connection failed'})"
        head = [x.strip() for x in self.body.strip().splitlines() if x.strip()][:lines]
        return f"{self.status}" + (": " + " | ".join(head)[:300] if head else " (empty body)")


def requests_command(php: str, requests: list[Request]) -> Cmd:
    spec = [
        {"url": r.url, "host": r.host, "timeout": r.timeout, "probe": r.token_file}
        for r in requests
    ]
    return Cmd((php, "-r", CLIENT, "--", json.dumps(spec, separators=(",", ":"))))


def parse_answers(exit_code: int, stdout: str, stderr: str, urls: list[str]) -> list[Answer]:
    """One Answer per requested URL, in order; a client that did not run answers each with its
    error (status 0)."""
    line = next((r for r in reversed(stdout.strip().splitlines()) if r.startswith("[")), "")
    try:
        data = json.loads(line) if line else None
    except ValueError:
        data = None
    if not isinstance(data, list) or len(data) != len(urls):
        why = (stderr.strip() or stdout.strip() or f"exit code {exit_code}").splitlines()[-1]
        return [Answer(u, 0, error=f"the HTTP client did not run: {why[:200]}") for u in urls]
    return [
        Answer(
            str(d.get("url") or u),
            int(d.get("status") or 0),
            str(d.get("body") or "")[:BODY_KEPT],
            str(d.get("error") or ""),
            float(d.get("seconds") or 0.0),
        )
        for d, u in zip(data, urls)
    ]


def join_url(base: str, target: str) -> str:
    """`target` as asked: absolute as is, a path under the host's base URL."""
    if re.match(r"https?://", target):
        return target
    return base.rstrip("/") + "/" + target.lstrip("/")


def fill(text: str, **values: str) -> str:
    """{address}, {name}, {release} in a URL or an expected body; nothing else is touched."""
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text


def base_url(host, web) -> str:
    return fill(web.url, address=host.address, name=host.name)


def _request(host, web, target: str, timeout: float = 5.0, token_file: str = "") -> Request:
    header = fill(web.host_header, address=host.address, name=host.name)
    url = fill(join_url(base_url(host, web), target), address=host.address, name=host.name)
    return Request(url, header, timeout, token_file)


def probe_request(deploy_path: str, host, web) -> Request:
    """deploytool's probe on `host`, through the URL the host serves."""
    return _request(host, web, PROBE_FILE, token_file=deploy_path.rstrip("/") + "/" + TOKEN_FILE)


def app_probe_request(host, web) -> Request:
    """The app's own endpoint (web.probe), when configured."""
    return _request(host, web, web.probe.url)


def health_request(host, web, check) -> Request:
    return _request(host, web, check.url, check.timeout)
