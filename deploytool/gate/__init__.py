"""The migration gate's one entry point: gather the pending migrations, judge them, stop or go.

Every caller goes through here: the ship's `check-migrations` step, `deploytool check-migrations
STAGE` and `--sql FILE`, and `plan`. `gather` finds what is pending (on a host, from a built
release or from the cached mirror; raw `.sql` files through the app's own database client),
`offline` reads a file; both return a `Pending`. `verdict.evaluate()` turns it into a Report under
the policy `verdict.policy_for()` builds from the inventory, and `verdict.blocked_error()` is the
one DeployError a blocked gate raises. The pure checker (parsers, rules, report) is
deploytool/migrations; nothing here parses SQL.
"""

from .verdict import Pending, blocked_error, dialect_for, evaluate, policy_for

__all__ = ["Pending", "blocked_error", "dialect_for", "evaluate", "policy_for"]
