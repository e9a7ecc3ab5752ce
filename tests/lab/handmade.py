"""Releases made by hand on a lab host, the way deploytool makes them (the smoke tests and
measure_web.py use them; the e2e ring ships with deploytool itself)."""

from __future__ import annotations

import subprocess

from .lab import Lab
from .procs import LabError


def ssh(lab: Lab, host: str, command: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        lab.ssh_argv(host, command), capture_output=True, text=True, timeout=120, **kw
    )


def prepare_release(lab: Lab, host: str, tag: str, release: str, link: bool = True) -> None:
    """Clone `tag` into releases/<release>, link shared files, install, migrate, cache; with
    `link`, point `current` at it."""
    script = f"""set -e
cd /var/www/app
mkdir -p releases
git clone -q -c advice.detachedHead=false --branch {tag} {lab.origin_path} releases/{release}
cd releases/{release}
rm -rf storage && ln -s /var/www/app/shared/storage storage
ln -s /var/www/app/shared/.env .env
composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction
php artisan migrate --force
php artisan config:cache
php artisan route:cache
php artisan event:cache
php artisan view:cache
"""
    _check(host, ssh(lab, host, "bash -s", input=script))
    if link:
        switch(lab, host, release)


def switch(lab: Lab, host: str, release: str) -> None:
    """`current` -> releases/<release> as deploytool's switch does it: a temp symlink renamed
    over `current` (never a moment without one)."""
    command = f"cd /var/www/app && ln -sfn releases/{release} .current.tmp"
    _check(host, ssh(lab, host, f"{command} && mv -T .current.tmp current"))


def _check(host: str, done: subprocess.CompletedProcess) -> None:
    if done.returncode != 0:
        raise LabError(
            f"{host}: {' '.join(done.args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
