"""Building the lab (a mixin of Lab): the root wiped, SSH material, Redis and MariaDB, the origin,
each host provisioned and booted in its namespaces, the dispatcher's copy of the app, the
inventory. Using it is lab.py's (hosts, status, down) and app_state.py's (jobs, data, reset).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from . import appenv, sshkeys, state, web_conf
from . import host as hostns
from .app_state import php_env
from .inventory import inventory_text
from .origin import APP_SRC
from .procs import LabError, ProcRef, stop_all
from .supervisor_conf import supervisord_conf_text


class Build:
    def _wipe_root(self) -> None:
        marker = self.root / state.MARKER
        keep = {".lock", state.MARKER}
        contents = [p for p in self.root.iterdir() if p.name not in keep]
        if contents and not marker.exists():
            raise LabError(
                f"{self.root} is not empty and not a lab root (no {state.MARKER}); "
                f"choose another --root or empty it"
            )
        for p in contents:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        marker.write_text(
            "This directory is a deploytool lab root: `python -m tests.lab up` wipes it.\n"
        )

    def _start(self, timeout: float, owner: int | None) -> None:
        specs = self.specs()
        for spec in specs:
            if hostns.ssh_banner(spec.address, spec.port):
                raise LabError(
                    f"something already answers on {spec.address}:{spec.port}: another lab "
                    f"is up (`python -m tests.lab status`), stop it first"
                )
        for what, port in (("redis", self.redis_port), ("mariadb", self.mariadb_port)):
            if not port_free(port):
                raise LabError(
                    f"port 127.0.0.1:{port} for the lab's {what} is in use: another lab is up "
                    f"(`python -m tests.lab status`) or choose another port"
                )
        ensure_deploy_user()
        self._write_ssh_material(specs)
        st = self._state = state.LabState(
            self.n_hosts,
            self.n_workers,
            self.address_prefix,
            self.ssh_port,
            self.redis_port,
            self.mariadb_port,
            owner=ProcRef.of(owner) if owner else None,
            web_root=self.web_root,
        )
        st.redis = self._redis.start(timeout=min(timeout, 20))
        state.save(self.root, st)
        st.mariadb = self._mariadb.start(timeout=min(timeout, 40))
        state.save(self.root, st)
        self._origin.build()
        env = self._env_text()
        for spec in specs:
            self._provision_host(spec, env)
        launched = []
        for spec in specs:
            proc, ref = hostns.start(spec)
            self._popen.append(proc)
            launched.append((spec, proc, ref))
        try:
            for spec, proc, ref in launched:
                running = hostns.wait_started(spec, proc, ref, timeout)
                web_conf.wait_ready(spec, timeout)
                st.nodes.append(
                    state.HostState(
                        spec.name,
                        spec.address,
                        spec.port,
                        running.unshare,
                        running.init,
                        running.pidns,
                    )
                )
                state.save(self.root, st)
        except BaseException:
            # unshare runs with --kill-child: stopping it takes its namespace down too.
            stop_all([ref for _, _, ref in launched], 5)
            raise
        self._build_dispatcher(env)
        self.inventory_path.write_text(inventory_text(self.root, specs))
        for spec in specs:  # the deploy user can drive supervisord over its socket
            self.supervisorctl(spec.name, "status", "sshd").check_returncode()

    def _write_ssh_material(self, specs: list[hostns.HostSpec]) -> None:
        sshkeys.keygen(self.identity, "deploytool-lab")
        self.authorized_keys.write_text(sshkeys.public_key(self.identity) + " deploytool-lab\n")
        self.authorized_keys.chmod(0o644)
        for spec in specs:
            spec.dir.mkdir(parents=True, exist_ok=True)
            sshkeys.keygen(spec.host_key, f"lab-{spec.name}")
        self.known_hosts.write_text(sshkeys.known_hosts_text((s, s.host_key) for s in specs))
        self.ssh_config.write_text(sshkeys.ssh_config_text(specs, self.identity, self.known_hosts))

    def _provision_host(self, spec: hostns.HostSpec, env: str) -> None:
        for d in (spec.run_dir, spec.tmp_dir, spec.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        spec.tmp_dir.chmod(0o1777)
        appenv.provision_deploy_path(spec.app_dir, env)
        spec.sshd_config.write_text(hostns.sshd_config_text(spec, self.authorized_keys))
        (spec.run_dir / "supervisord.conf").write_text(supervisord_conf_text(spec))
        web_conf.provision(spec, web_conf.WebSettings(web_root=self.web_root))
        spec.boot_script.write_text(hostns.boot_script_text(spec, web_conf.boot_lines(spec)))
        (spec.dir / "etc_hosts").write_text(hostns.etc_hosts_text(spec))
        Path(hostns.DEPLOY_PATH).mkdir(parents=True, exist_ok=True)  # the bind mount's target

    def _build_dispatcher(self, env: str) -> None:
        """A root-owned copy of the app outside the namespaces, only for dispatching jobs."""
        shutil.copytree(
            APP_SRC, self.dispatcher_dir, ignore=shutil.ignore_patterns("vendor", ".env")
        )
        (self.dispatcher_dir / ".env").write_text(env)
        done = subprocess.run(
            [
                "composer",
                "install",
                "--no-dev",
                "--prefer-dist",
                "--optimize-autoloader",
                "--no-interaction",
                "--quiet",
            ],
            cwd=self.dispatcher_dir,
            env={
                **php_env(),
                "COMPOSER_ALLOW_SUPERUSER": "1",
                "COMPOSER_HOME": str(self.root / "composer-home"),
                "COMPOSER_DISABLE_NETWORK": "1",
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise LabError(
                f"composer install in {self.dispatcher_dir} failed:\n{done.stdout}{done.stderr}"
            )


def port_free(port: int) -> bool:
    with socket.socket() as s:
        # SO_REUSEADDR like the servers themselves: TIME_WAIT left by the last lab is no
        # obstacle, a listener is.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ensure_deploy_user(user: str = hostns.DEPLOY_USER) -> None:
    """A `deploy` user that can log in with a key: sshd without PAM refuses locked ('!')
    accounts, so the password field is '*' (no password, not locked)."""
    if subprocess.run(["id", "-u", user], capture_output=True).returncode != 0:
        subprocess.run(
            [
                "useradd",
                "--create-home",
                "--home-dir",
                f"/home/{user}",
                "--shell",
                "/bin/bash",
                user,
            ],
            check=True,
            capture_output=True,
        )
    shadow = subprocess.run(
        ["getent", "shadow", user], capture_output=True, text=True
    ).stdout.split(":")
    if len(shadow) > 1 and shadow[1].startswith("!"):
        subprocess.run(["usermod", "-p", "*", user], check=True, capture_output=True)
