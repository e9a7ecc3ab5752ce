"""The web tier of a running lab: ask it what it serves, reload it, misconfigure one host.

    lab.web.health("h1")                       # /health JSON: version, release, pid, ...
    lab.web.reconfigure("h1", web_root="document", validate_timestamps=True)
    with lab.web.configured("h2", socket_owner="root"): ...   # put back on exit
    lab.web.reload_fpm("h1")                   # USR2 to the FPM master's pid, waits
    lab.web.opcache_reset("h1")                # a FastCGI request to the FPM socket, as deploy

Files and paths are web_conf.py's. Signals go to the pid in the daemon's pid file, from inside
the host (as root); nothing is found by name. A reload returns once the master's children are
all new ones (the old ones finished their requests and exited) and FPM answers its ping.
"""

from __future__ import annotations

import http.client
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from . import fastcgi, web_conf
from .host import HostSpec
from .http_load import Target
from .procs import wait_until
from .web_conf import FPM_PID, FPM_SOCKET, NGINX_PID, WEB_PORT, WebSettings

FASTCGI_CLIENT = Path(__file__).with_name("fastcgi.py")
NGINX_KEYS = {"web_root"}
# a reload (USR2) keeps the listening socket as it is: its owner and mode need a restart
SOCKET_KEYS = {"socket_owner", "socket_group", "socket_mode"}
# a config the daemon would refuse fails here, before any signal, with the daemon's message
CHECK_NGINX = ("/usr/sbin/nginx", "-t", "-q", "-c", web_conf.NGINX_CONF)
CHECK_FPM = (
    "/usr/sbin/php-fpm8.2",
    "-t",
    "--fpm-config",
    web_conf.FPM_CONF,
)  # the rest are FPM's (pool, php-fpm.conf, opcache ini)


@dataclass(frozen=True)
class WebResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: str

    def json(self) -> dict:
        return json.loads(self.body)


class WebError(RuntimeError):
    """The web tier did not do what was asked; the message names the host."""


class WebTier:
    def __init__(self, lab):
        self.lab = lab

    # ----------------------------------------------------------------- HTTP
    def address(self, which) -> tuple[str, int]:
        return self.lab.host(which).address, WEB_PORT

    def targets(self, hosts=None) -> list[Target]:
        """Every host's (or `hosts`') nginx, for http_load.HttpLoad."""
        chosen = self.lab.hosts if hosts is None else [self.lab.host(h) for h in hosts]
        return [Target(h.name, h.address, WEB_PORT) for h in chosen]

    def url(self, which, path: str = "/health") -> str:
        address, port = self.address(which)
        return f"http://{address}:{port}{path}"

    def get(self, which, path: str = "/health", timeout: float = 10) -> WebResponse:
        address, port = self.address(which)
        conn = http.client.HTTPConnection(address, port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Connection": "close"})
            resp = conn.getresponse()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            return WebResponse(resp.status, headers, resp.read().decode("utf-8", "replace"))
        finally:
            conn.close()

    def health(self, which) -> dict:
        resp = self.get(which)
        if resp.status != 200:
            raise WebError(f"{which}: GET /health answered {resp.status}: {resp.body[:200]}")
        return resp.json()

    # ----------------------------------------------------------------- FastCGI
    def fastcgi(self, which, script: str, user: str = "deploy", **params: str) -> dict:
        """One FastCGI request for `script` (a path inside the host) to the FPM socket, by the
        lab's client run inside the host as `user`. {"status", "headers", "body", "stderr"}
        or {"error": "..."} when the socket refuses `user`. As root, from here: the socket is
        reachable through the host's /run from outside too, and that spares a process."""
        if user == "root":
            try:
                return fastcgi.call(
                    str(web_conf.outside(self._spec(which), FPM_SOCKET)), script, params
                )
            except OSError as exc:
                return {"error": str(exc)}
        argv = ["python3", "-", FPM_SOCKET, script, *(f"{k}={v}" for k, v in params.items())]
        done = self.lab.run(which, argv, user=user, cwd="/", input=FASTCGI_CLIENT.read_text())
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:
            raise WebError(f"{which}: FastCGI client failed: {done.stdout}{done.stderr}") from None

    def php(self, which, code: str, user: str = "deploy") -> dict:
        """Run PHP `code` inside FPM (not the CLI) on `which`: written to a file in the host's
        /tmp that the pool can read, requested over FastCGI, removed."""
        name = f"lab-fpm-{secrets.token_hex(6)}.php"
        path = self._spec(which).tmp_dir / name  # <host dir>/tmp is the host's /tmp
        path.write_text(f"<?php\n{code}\n")
        path.chmod(0o644)
        try:
            return self.fastcgi(which, f"/tmp/{name}", user=user)
        finally:
            path.unlink(missing_ok=True)

    def fpm_status(self, which) -> dict:
        """FPM's status page (pm.status_path, ?json) over FastCGI as root: `active processes`,
        `accepted conn`, `start time`, ..."""
        answer = self.fastcgi(which, web_conf.FPM_STATUS_PATH, user="root", QUERY_STRING="json")
        if answer.get("error") or answer.get("status") != 200:
            raise WebError(f"{which}: FPM status failed: {answer}")
        return json.loads(answer["body"])

    def opcache_reset(self, which, user: str = "deploy") -> None:
        """opcache_reset() inside FPM, as cachetool does (no process restarts)."""
        answer = self.php(which, "echo json_encode(opcache_reset());", user=user)
        if answer.get("error") or answer.get("body") != "true":
            raise WebError(f"{which}: opcache reset failed: {answer}")

    def opcache(self, which) -> dict:
        """opcache_get_status(false) + the opcache ini values as FPM sees them (as root)."""
        code = (
            "echo json_encode(['status' => opcache_get_status(false),"
            " 'ini' => ini_get_all('zend opcache', false)]);"
        )
        answer = self.php(which, code, user="root")
        if answer.get("error") or answer.get("status") != 200:
            raise WebError(f"{which}: reading opcache status failed: {answer}")
        return json.loads(answer["body"])

    # ----------------------------------------------------------------- processes
    def _pid(self, which, pid_file: str) -> int:
        path = web_conf.outside(self._spec(which), pid_file)
        try:
            return int(path.read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            raise WebError(f"{which}: no pid in {pid_file}") from None

    def fpm_pid(self, which) -> int:
        """The FPM master's pid, inside the host (from /run/php/php8.2-fpm.pid)."""
        return self._pid(which, FPM_PID)

    def nginx_pid(self, which) -> int:
        """The nginx master's pid, inside the host (from /run/nginx.pid)."""
        return self._pid(which, NGINX_PID)

    def children(self, which, pid: int) -> set[int]:
        """Children of `pid` inside the host (FPM's pool workers, nginx's workers)."""
        done = self.lab.run(which, ["ps", "-o", "pid=", "--ppid", str(pid)], user="root", cwd="/")
        return {int(p) for p in done.stdout.split()}

    def fpm_workers(self, which) -> set[int]:
        return self.children(which, self.fpm_pid(which))

    def signal(self, which, pid: int, sig: str) -> None:
        self.lab.run(which, ["kill", "-s", sig, str(pid)], user="root", cwd="/", check=True)

    def reload_fpm(self, which, sig: str = "USR2", timeout: float = 60) -> None:
        """Signal the FPM master (USR2: reload config and workers, gracefully within
        process_control_timeout); wait until every worker is new and FPM answers."""
        self._reload(which, self.fpm_pid(which), sig, timeout, self._fpm_answers)

    def restart_fpm(self, which, timeout: float = 60) -> None:
        """Stop and start FPM through supervisord (QUIT to its pid, then a new master): the
        socket is made afresh. Requests during the restart fail; a reload does not do that."""
        for action in ("stop", "start"):
            done = self.lab.supervisorctl(which, action, "php-fpm", user="root", timeout=timeout)
            if done.returncode != 0:
                raise WebError(f"{which}: supervisorctl {action} php-fpm: {done.stdout}")
        wait_until(lambda: self._fpm_answers(which), timeout, f"{which}: FPM to answer")

    def reload_nginx(self, which, timeout: float = 30) -> None:
        """HUP the nginx master: new config, new workers; the old ones finish first."""
        self._reload(which, self.nginx_pid(which), "HUP", timeout, lambda w: True)

    def _reload(self, which, master: int, sig: str, timeout: float, answers) -> None:
        old = self.children(which, master)
        self.signal(which, master, sig)

        def renewed() -> bool:
            now = self.children(which, master)
            return bool(now) and not now & old and answers(which)

        what = f"{which}: pid {master} to renew its workers after {sig}"
        wait_until(renewed, timeout, what, interval=0.05)

    def _fpm_answers(self, which) -> bool:
        answer = self.fastcgi(which, web_conf.FPM_PING_PATH, user="root")
        return answer.get("body", "").strip() == "pong"

    # ----------------------------------------------------------------- settings
    def _spec(self, which) -> HostSpec:
        # from the running host's own record (state.json), not from this Lab's arguments
        h = self.lab.host(which)
        return HostSpec(int(h.name[1:]), h.address, h.port, self.lab.root, self.lab.n_workers)

    def settings(self, which) -> WebSettings:
        return web_conf.load_settings(self._spec(which))

    def reconfigure(self, which, **changes) -> WebSettings:
        """Change `which`'s web settings (WebSettings fields) live: files rewritten, then
        nginx HUPed and/or FPM reloaded (USR2), whichever the change needs; waits for them."""
        spec = self._spec(which)
        before = web_conf.load_settings(spec)
        after = before.with_changes(**changes)
        changed = {k for k, v in asdict(after).items() if asdict(before)[k] != v}
        web_conf.write(spec, after)
        for argv in (
            (CHECK_NGINX if changed & NGINX_KEYS else ()),
            (CHECK_FPM if changed - NGINX_KEYS else ()),
        ):
            done = self.lab.run(which, argv, user="root", cwd="/") if argv else None
            if done is not None and done.returncode != 0:
                web_conf.write(spec, before)
                raise WebError(f"{which}: {' '.join(argv)} refused {changes}: {done.stderr}")
        if changed & NGINX_KEYS:
            self.reload_nginx(which)
            wait_until(
                lambda: self.get(which).headers.get("x-lab-web-root") == after.web_root,
                10,
                f"{which}: nginx to pass ${after.web_root}_root",
            )
        if changed & SOCKET_KEYS:
            self.restart_fpm(which)
        elif changed - NGINX_KEYS:
            self.reload_fpm(which)
        return after

    @contextmanager
    def configured(self, which, **changes) -> Iterator[WebSettings]:
        """reconfigure() for the duration of the block, then the previous settings again."""
        before = self.settings(which)
        try:
            yield self.reconfigure(which, **changes)
        finally:
            self.reconfigure(which, **asdict(before))

    def reset(self, hosts=None, settings: WebSettings | None = None) -> None:
        """Every host (or `hosts`) back to `settings` (default: the lab's own), opcache empty."""
        settings = settings or WebSettings(web_root=self.lab.web_root)
        for h in self.lab.hosts if hosts is None else [self.lab.host(x) for x in hosts]:
            if self.settings(h) != settings:
                self.reconfigure(h, **asdict(settings))
            self.opcache_reset(h, user="root")
