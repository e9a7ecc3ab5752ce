"""Rules across the hosts of a stage: one queue:restart (sent once, from the migration host)
reaches only the workers that read the same cache key, so every host must share the store."""

from __future__ import annotations

from collections.abc import Sequence

from .app import workers
from .facts import HostFacts
from .report import Finding, failed, passed, warned


def shared_cache_rule(all_facts: Sequence[HostFacts]) -> Finding | None:
    seen = [(f.host, f.app) for f in all_facts if f.app is not None and not f.app.error]
    if len(seen) < 2:
        return None
    groups: dict[tuple, list[str]] = {}
    for host, app in seen:
        groups.setdefault(app.cache_identity, []).append(host)
    if len(groups) == 1:
        return passed(
            "cache.same-store",
            "stage",
            f"{len(seen)} hosts share one cache store ({seen[0][1].describe_cache()})",
        )
    apps = dict(seen)
    parts = "; ".join(
        f"{', '.join(hosts)}: {apps[hosts[0]].describe_cache()}" for hosts in groups.values()
    )
    return failed(
        "cache.same-store",
        "stage",
        f"hosts use different cache stores, so one queue:restart misses some workers ({parts})",
        "point every host's .env at the same cache server, "
        "database and CACHE_PREFIX, then `php artisan config:cache`",
    )


def worker_present_rule(facts: HostFacts, roles: Sequence[str]) -> Finding | None:
    if "worker" not in roles or facts.unreachable or workers(facts):
        return None
    return warned(
        "worker.present",
        facts.host,
        "no queue worker found under supervisord or systemd on a host with the worker role",
        "add a [program:...] running `php <deploy_path>/current/artisan "
        "queue:work` (see docs/ci.md), or drop the worker role from this host",
    )
