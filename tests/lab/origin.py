"""The app's git origin: a bare repo the hosts clone from, with release tags.

Built from tests/lab/app (tagged v1) plus the overlay tests/lab/app_v2 (tagged v2, the
tip of `main`). Commits are authored as root in <root>/author and pushed; the bare repo
is then handed to the deploy user, because git refuses to work in a repository owned by
someone else ("dubious ownership") and the hosts clone it as deploy.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .appenv import chown_tree, deploy_ids

APP_SRC = Path(__file__).parent / "app"
V2_OVERLAY = Path(__file__).parent / "app_v2"
_IGNORE = shutil.ignore_patterns("vendor", ".env", "node_modules")


class Origin:
    def __init__(self, root: Path):
        self.root = root
        self.bare = root / "origin.git"
        self.author = root / "author"
        self.gitconfig = root / "gitconfig"

    def git(self, *argv: str, cwd: Path | None = None) -> str:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "GIT_CONFIG_GLOBAL": str(self.gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        done = subprocess.run(
            ["git", *argv],
            cwd=cwd or self.author,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"git {' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}"
            )
        return done.stdout.strip()

    def build(self, branch_at: str = "v2") -> None:
        """(Re)create origin.git with tags v1 and v2 and `main` at `branch_at`."""
        self.gitconfig.write_text(
            "[user]\n\tname = deploytool lab\n\temail = lab@localhost\n"
            "[safe]\n\tdirectory = *\n[init]\n\tdefaultBranch = main\n"
            "[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n"
        )
        for path in (self.bare, self.author):
            shutil.rmtree(path, ignore_errors=True)
        self.git("init", "-q", "--bare", "-b", "main", str(self.bare), cwd=self.root)
        shutil.copytree(APP_SRC, self.author, ignore=_IGNORE)
        self.git("init", "-q", "-b", "main")
        self._commit_all("v1: the lab app", "v1")
        shutil.copytree(V2_OVERLAY, self.author, ignore=_IGNORE, dirs_exist_ok=True)
        self._commit_all("v2: widgets table, VERSION v2", "v2")
        self.git("remote", "add", "origin", str(self.bare))
        self.git("push", "-q", "origin", f"{branch_at}^{{commit}}:refs/heads/main", "--tags")
        self._hand_over()

    def commit_release(
        self,
        tag: str,
        changes: dict[str, str | None],
        base: str = "v2",
        message: str | None = None,
        branch: str | None = None,
    ) -> str:
        """Commit `changes` (path -> new content, or None to delete) on top of `base`, tag it
        `tag` and push the tag (and `branch`, if given). Returns the commit id."""
        self.git("checkout", "-q", "--force", "--detach", base)
        self.git("clean", "-fdxq")
        for rel, content in changes.items():
            path = self.author / rel
            if content is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
        sha = self._commit_all(message or f"{tag}: test release", tag)
        self.git("push", "-q", "origin", f"refs/tags/{tag}")
        if branch:
            self.git("push", "-q", "--force", "origin", f"HEAD:refs/heads/{branch}")
        self._hand_over()
        return sha

    def _commit_all(self, message: str, tag: str) -> str:
        # Hash every file afresh. copytree keeps the source's mtime, and in a fresh clone
        # app/VERSION and app_v2/VERSION share size, mtime second and (overwritten in place)
        # inode, so git's stat check took the overlaid VERSION for unchanged and v2 shipped
        # "v1" in about one build in four (seen in CI, reproduced by cloning and building).
        (self.author / ".git" / "index").unlink(missing_ok=True)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        self.git("tag", "-a", tag, "-m", tag)
        return self.git("rev-parse", "HEAD")

    def _hand_over(self) -> None:
        chown_tree(self.bare, *deploy_ids())
