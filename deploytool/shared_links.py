"""The shared files and directories of a release: <deploy_path>/shared/<path> linked into it.

One sh snippet both ways of building a release end with (steps/pull.py from the hosts' mirror,
steps/extract.py from an artifact), so a release is the same on a host whichever built it. On the
first ship, what the release holds at that path seeds shared/ (else an empty dir or file).
"""

from __future__ import annotations

from .config.model import Application

# Runs with $R the release dir, $D the deploy path, and "$@" the specs() below.
LINK_SHARED = r"""
for spec in "$@"; do
  kind=${spec%%:*}; p=${spec#*:}
  mkdir -p "$(dirname "$D/shared/$p")"
  if [ ! -e "$D/shared/$p" ]; then
    if [ -e "$R/$p" ]; then cp -a "$R/$p" "$D/shared/$p"
    elif [ "$kind" = d ]; then mkdir -p "$D/shared/$p"
    else : > "$D/shared/$p"; fi
  fi
  rm -rf "$R/$p"
  mkdir -p "$(dirname "$R/$p")"
  ln -s "$D/shared/$p" "$R/$p"
done
"""


def specs(app: Application) -> list[str]:
    """`d:path` for each shared dir, `f:path` for each shared file: LINK_SHARED's arguments."""
    return [f"d:{p}" for p in app.shared_dirs] + [f"f:{p}" for p in app.shared_files]
