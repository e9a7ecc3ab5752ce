"""The app's runtime configuration on each host: shared/.env and shared/storage.

The .env is not in git (like any real app): the lab writes it into the deploy path's
shared/ dir, and deploytool links shared files and dirs into every release.
"""

from __future__ import annotations

import base64
import os
import pwd
import shutil
from pathlib import Path

from .services import DB_NAME, DB_PASSWORD, DB_USER

STORAGE_DIRS = ("app", "logs", "framework/cache/data", "framework/sessions", "framework/views")
CACHE_PREFIX = "lab_cache_"
REDIS_PREFIX = "lab_database_"


def new_app_key() -> str:
    return "base64:" + base64.b64encode(os.urandom(32)).decode()


def env_text(app_key: str, redis_port: int, mariadb_port: int) -> str:
    values = {
        "APP_NAME": "lab",
        "APP_ENV": "production",
        "APP_KEY": app_key,
        "APP_DEBUG": "false",
        "APP_URL": "http://localhost",
        "LOG_CHANNEL": "single",  # storage/logs/laravel.log
        "LOG_LEVEL": "debug",
        "DB_CONNECTION": "mysql",
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(mariadb_port),
        "DB_DATABASE": DB_NAME,
        "DB_USERNAME": DB_USER,
        "DB_PASSWORD": DB_PASSWORD,
        "REDIS_CLIENT": "phpredis",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "REDIS_PREFIX": REDIS_PREFIX,
        "CACHE_DRIVER": "redis",
        "CACHE_PREFIX": CACHE_PREFIX,
        "QUEUE_CONNECTION": "redis",
        "SESSION_DRIVER": "file",
    }
    return "".join(f"{k}={v}\n" for k, v in values.items())


def deploy_ids(user: str = "deploy") -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def provision_deploy_path(app_dir: Path, env: str, user: str = "deploy") -> None:
    """Make `app_dir` a fresh deploy path with only shared/.env and shared/storage/*.

    Anything else there (releases, current, deploytool's own state) is removed.
    """
    app_dir.mkdir(parents=True, exist_ok=True)
    for child in app_dir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    shared = app_dir / "shared"
    for sub in STORAGE_DIRS:
        (shared / "storage" / sub).mkdir(parents=True, exist_ok=True)
    (shared / ".env").write_text(env)
    (shared / ".env").chmod(0o640)
    uid, gid = deploy_ids(user)
    chown_tree(app_dir, uid, gid)
    app_dir.chmod(0o755)
