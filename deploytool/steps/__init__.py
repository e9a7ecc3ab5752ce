"""One module per verb. Each exposes `run(ctx, options) -> str`: small, never prints.
`user` runs the playbook's own steps (`run:`/`artisan:`): it gets the StepSpec, whose `user` says
what to run."""

from __future__ import annotations

from . import (
    build,
    cache,
    check_migrations,
    cleanup,
    discard,
    drain,
    extract,
    health,
    install,
    maintenance,
    migrate,
    prepare_web,
    pull,
    reload_web,
    restart_queue,
    select_rollback,
    switch,
    upload,
    user,
    verify,
)

REGISTRY = {
    "pull": pull.run,
    "build": build.run,
    "upload": upload.run,
    "verify": verify.run,
    "extract": extract.run,
    "install": install.run,
    "check-migrations": check_migrations.run,
    "maintenance-down": maintenance.down,
    "migrate": migrate.run,
    "cache": cache.run,
    "prepare-web": prepare_web.run,
    "switch": switch.run,
    "reload-web": reload_web.run,
    "health": health.run,
    "restart-queue": restart_queue.run,
    "drain": drain.run,
    "maintenance-up": maintenance.up,
    "cleanup": cleanup.run,
    "select-rollback": select_rollback.run,
    "discard": discard.run,
    "user": user.run,  # a playbook's own steps (run:/artisan:), never named in `steps:`
}
