"""The cached git mirror on each host (<deploy_path>/.deploytool/repo.git): the one fetch both the
ship's pull and `plan --fetch` run, so what plan shows can never drift from what a ship fetches."""

from __future__ import annotations

MIRROR = (".deploytool", "repo.git")  # under the deploy path

# The mirror ($1) follows the origin exactly: forced, pruned, branches and tags.
MIRROR_FETCH = (
    'git --git-dir="$1" fetch --quiet --prune --force origin '
    "'+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*'"
)
