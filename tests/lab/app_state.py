"""What the tests do to the lab's application state (a mixin of Lab): dispatch jobs, read the job
ledger and account for every job, Redis and MariaDB as the app sees them, releases committed to
the origin, and the reset back to a fresh fleet between tests. Bringing the lab up and down is
lab.py's.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from . import appenv, ledger
from . import host as hostns
from .origin import APP_SRC, V2_OVERLAY
from .procs import LabError, wait_until

if TYPE_CHECKING:
    from .lab import LabHost


def php_env() -> dict[str, str]:
    return {"PATH": hostns.CLEAN_PATH, "LANG": "C.UTF-8", "HOME": "/root"}


class AppState:
    def dispatch(
        self, count: int, seconds: float, start: int = 1, ignore_term: bool = False
    ) -> range:
        """Queue LedgerJobs seq start..start+count-1 from the lab-side copy of the app.
        Returns the dispatched seqs. `ignore_term`: each job's first attempt makes its worker
        ignore SIGTERM and the --timeout alarm while it works (retries work 1 s)."""
        done = subprocess.run(
            [
                "php",
                "artisan",
                "ledger:dispatch",
                str(count),
                str(seconds),
                f"--start={start}",
                *(["--ignore-term"] if ignore_term else []),
            ],
            cwd=self.dispatcher_dir,
            env=php_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise LabError(
                f"ledger:dispatch failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        return range(start, start + count)

    def ledger(self) -> list[ledger.LedgerRow]:
        """Every ledger row, oldest first (read with the `mariadb` client, --batch).
        Empty if the table does not exist yet (no release has migrated)."""
        done = self._mariadb.app_sql(ledger.SELECT)
        if done.returncode != 0:
            if "doesn't exist" in done.stderr:
                return []
            raise LabError(f"reading the ledger failed: {done.stderr.strip()}")
        return ledger.parse_batch(done.stdout)

    def account(self, dispatched: range | Sequence[int]) -> ledger.Account:
        """Lost, interrupted and duplicated jobs among `dispatched`, from the ledger."""
        return ledger.account(self.ledger(), dispatched)

    def wait_for_ledger(
        self, dispatched: range | Sequence[int], timeout: float = 60
    ) -> ledger.Account:
        """Poll until every dispatched seq has a finished row; returns the account."""
        want = set(dispatched)

        def done() -> ledger.Account | None:
            acc = self.account(dispatched)
            return acc if not set(acc.lost) & want else None

        return wait_until(
            done, timeout, f"{len(want)} job(s) to finish in the ledger", interval=0.2
        )

    def redis(self, *argv: str) -> subprocess.CompletedProcess:
        """redis-cli against the lab Redis."""
        return self._redis.cli(*argv)

    def sql(self, query: str) -> subprocess.CompletedProcess:
        """mariadb --batch as the app's user on database `app`."""
        return self._mariadb.app_sql(query)

    def commit_release(
        self,
        tag: str,
        changes: dict[str, str | None],
        base: str = "v2",
        message: str | None = None,
        branch: str | None = None,
    ) -> str:
        """Add a commit on top of `base` in origin.git (files to write, or None to delete),
        tag it `tag`, push; returns the commit id. `branch` also moves that branch to it."""
        with self._locked():
            return self._origin.commit_release(tag, changes, base, message, branch)

    def reset_app_state(self, drop_schema: bool = True) -> None:
        """Back to a fresh fleet: workers stopped, Redis flushed, database recreated (or,
        with drop_schema=False, only ledger and failed_jobs emptied), and every host's
        /var/www/app reduced to shared/.env and shared/storage."""
        # Stop first (a job in progress finishes and writes its ledger row), then flush. The
        # other order deletes the queue:restart key, so every worker restarts just as
        # supervisord is told to stop it, and the stop hangs for stopwaitsecs (~42 s, measured).
        self.stop_workers()
        self._reset_kinds_and_web()
        flushed = self.redis("FLUSHALL")
        if flushed.returncode != 0:
            raise LabError(f"redis FLUSHALL failed: {flushed.stderr.strip()}")
        if drop_schema or self._foreign_migrations():
            self._mariadb.recreate_app_database()
        else:
            for table in ("ledger", "failed_jobs"):
                done = self.sql(f"DELETE FROM {table}")
                if done.returncode != 0 and "doesn't exist" not in done.stderr:
                    raise LabError(f"emptying {table} failed: {done.stderr.strip()}")
        for spec in self.specs():
            appenv.provision_deploy_path(spec.app_dir, self._env_text())

    def _foreign_migrations(self) -> bool:
        """Has a migration run that v1 and v2 do not have (an earlier test's own release, e.g. one
        dropping a ledger column)? Then emptying the tables is not enough: the schema is not the
        one v1 expects."""
        ours = {
            p.stem for d in (APP_SRC, V2_OVERLAY) for p in (d / "database/migrations").glob("*.php")
        }
        done = self.sql("SELECT migration FROM migrations")
        if done.returncode != 0:
            return "doesn't exist" not in done.stderr  # no migrations table: nothing ran yet
        return bool(set(done.stdout.split()[1:]) - ours)  # the first word is the column's name

    def _reset_kinds_and_web(self) -> None:
        # The scheduler and daemon are stopped and whatever still runs from a release (a
        # scheduled long command) ended, by pid; the web tier gets the lab's settings back and an
        # empty opcache, which would otherwise serve a deleted release reusing the same path.
        def reset(h: LabHost) -> None:
            if self.kinds.release_processes(h):  # the workers are stopped: what else runs?
                for program in ("scheduler", "daemon"):
                    self.kinds.stop(program, [h])
                self.kinds.stop_release_processes(h)
            self.web.reset([h])

        with ThreadPoolExecutor(len(self.hosts)) as pool:
            list(pool.map(reset, self.hosts))
