"""Releases made by hand on a lab host, the way deploytool makes them, for the smoke tests."""

from __future__ import annotations

import subprocess

from tests.lab import Lab


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
    done = ssh(lab, host, "bash -s", input=script)
    assert done.returncode == 0, done.stdout + done.stderr
    if link:
        switch(lab, host, release)


def switch(lab: Lab, host: str, release: str) -> None:
    """`current` -> releases/<release> as deploytool's switch does it: a temp symlink renamed
    over `current` (never a moment without one)."""
    done = ssh(
        lab,
        host,
        f"cd /var/www/app && ln -sfn releases/{release} .current.tmp && mv -T .current.tmp current",
    )
    assert done.returncode == 0, done.stdout + done.stderr
