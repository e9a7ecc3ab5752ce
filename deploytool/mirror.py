"""The cached git mirror on each host (<deploy_path>/.deploytool/repo.git): the one fetch both the
ship's pull and `plan --fetch` run, so what plan shows can never drift from what a ship fetches.
The artifact build's mirror on the deploying machine (artifact/repo_cache.py) follows the origin
with the same refspecs."""

from __future__ import annotations

MIRROR = (".deploytool", "repo.git")  # under the deploy path

# A mirror follows the origin exactly: forced, pruned, branches and tags.
REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
MIRROR_FETCH = 'git --git-dir="$1" fetch --quiet --prune --force origin ' + " ".join(
    f"'{r}'" for r in REFSPECS
)
