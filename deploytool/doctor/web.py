"""Rules about a host's web tier (pure, on doctor/web_facts.py): will a switch be served at once,
will FPM's reload drop requests, will the next release fit in opcache, can deploytool reach FPM.

Severity follows what a ship does there: `$document_root` fails with `strategy: none` (the old
release is served until FPM restarts; the drain's web census would then fail every ship) and
warns with a reset strategy (every switch then depends on it); a reload that cuts requests fails
with `strategy: fpm-reload` (deploytool reloads on every ship) and warns otherwise.
"""

from __future__ import annotations

from ..probes.fpm import access_problem
from .facts import HostFacts
from .report import Finding, failed, passed, warned

MB = 1024 * 1024
ALMOST_FULL = 0.05  # free share of opcache memory under which the next release will not fit


def web_rules(facts: HostFacts) -> list[Finding]:
    w = facts.web
    if w is None:
        return []
    out = [socket_rule(facts), *nginx_rules(facts)]
    if w.opcache is not None:
        out += [revalidate_rule(facts), memory_rule(facts)]
    if w.fpm is not None:
        out.append(reload_timeout_rule(facts))
    return out


def socket_rule(facts: HostFacts) -> Finding:
    w, subject = facts.web, f"{facts.host} php-fpm"
    if w.answer.ok:
        return passed("web.fpm-socket", subject, f"the deploy user reaches FPM at {w.socket}")
    why = access_problem(w.answer)
    fix = (
        "let the deploy user into the socket: listen.group = a group it is in (or listen.owner) "
        "and listen.mode = 0660 in the pool, then restart php-fpm (a reload keeps the socket)"
    )
    if w.strategy == "opcache-reset":
        return failed("web.fpm-socket", subject, why + ": reload-web cannot reset opcache", fix)
    return warned("web.fpm-socket", subject, why + ": doctor cannot read opcache's state", fix)


def nginx_rules(facts: HostFacts) -> list[Finding]:
    w, subject = facts.web, f"{facts.host} nginx"
    if not w.nginx.sites:
        if not w.conf.nginx.running:
            return []
        unread = "; ".join(f"{p}: {e}" for p, e in w.conf.nginx.unreadable.items())
        return [
            warned(
                "web.nginx-root",
                subject,
                "no location passing requests to PHP found in the nginx config the deploy "
                "user can read" + (f" ({unread})" if unread else ""),
                "make nginx's config readable by the deploy user (doctor reads the files; "
                "`nginx -T` needs root)",
            )
        ]
    out = []
    for site in w.nginx.sites:
        value = site.script_filename or "(not set)"
        if site.resolves == "realpath":
            out.append(
                passed(
                    "web.nginx-root",
                    subject,
                    f"SCRIPT_FILENAME {value}: nginx resolves `current`: a switch is seen at once",
                    site.where,
                )
            )
            continue
        what = (
            f"SCRIPT_FILENAME {value}: PHP sees the `current` symlink, so opcache and the "
            "realpath cache keep serving the old release after a switch"
            if site.resolves == "document"
            else f"SCRIPT_FILENAME {value}: deploytool cannot tell what PHP is given"
        )
        fix = (
            "pass the resolved path: `fastcgi_param SCRIPT_FILENAME "
            "$realpath_root$fastcgi_script_name;` and `fastcgi_param DOCUMENT_ROOT "
            "$realpath_root;` after the fastcgi include, then reload nginx"
        )
        if site.resolves == "document" and w.strategy == "none":
            out.append(
                failed(
                    "web.nginx-root",
                    subject,
                    what + " until php-fpm restarts (web.strategy: none)",
                    fix + ", or set web.strategy: opcache-reset",
                    site.where,
                )
            )
        else:
            tail = f" (every switch relies on reload-web: {w.strategy})"
            out.append(warned("web.nginx-root", subject, what + tail, fix, site.where))
    return out


def revalidate_rule(facts: HostFacts) -> Finding:
    o, subject = facts.web.opcache, f"{facts.host} opcache"
    if not o.enabled:
        return warned(
            "web.opcache-revalidate",
            subject,
            "opcache is off in php-fpm: every request compiles the app again",
            "opcache.enable=1 for FPM (opcache.validate_timestamps=0 with reload-web)",
        )
    if o.validate_timestamps:
        return warned(
            "web.opcache-revalidate",
            subject,
            f"opcache.validate_timestamps=1: FPM stats every script every {o.revalidate_freq}s, "
            "and that does not make a switch visible (the realpath cache keeps `current` "
            f"resolved to the old release for realpath_cache_ttl={o.realpath_cache_ttl}s)",
            "opcache.validate_timestamps=0 in FPM's ini; let reload-web (opcache-reset) or "
            "$realpath_root make a switch visible",
        )
    if o.revalidate_path:
        return warned(
            "web.opcache-revalidate",
            subject,
            "opcache.revalidate_path=1: every include's path is resolved again on each request, "
            f"and a switch is still seen only after realpath_cache_ttl={o.realpath_cache_ttl}s",
            "opcache.revalidate_path=0; pass $realpath_root in nginx and reset opcache on deploy",
        )
    document = any(s.resolves != "realpath" for s in facts.web.nginx.sites)
    if document and facts.web.strategy == "none":
        return failed(
            "web.opcache-revalidate",
            subject,
            "opcache never looks at the files again (validate_timestamps=0) and nginx passes "
            "the symlinked path: FPM serves the old release until it restarts",
            "set web.strategy: opcache-reset (or fpm-reload), or pass $realpath_root",
        )
    return passed(
        "web.opcache-revalidate",
        subject,
        "validate_timestamps=0, revalidate_path=0: compiled once, dropped by the deploy",
    )


def memory_rule(facts: HostFacts) -> Finding:
    o, subject = facts.web.opcache, f"{facts.host} opcache"
    total = o.used + o.free + o.wasted or 1
    said = f"{o.free / MB:.1f} of {total / MB:.1f} MB free, {o.used / MB:.1f} MB used" + (
        f", {o.oom_restarts} restart(s) for lack of memory" if o.oom_restarts else ""
    )
    fix = (
        f"raise opcache.memory_consumption (now {o.memory_mb} MB) to at least twice what one "
        f"release uses ({max(1, round(2 * o.used / MB))} MB here)"
    )
    if o.cache_full or o.free < ALMOST_FULL * total:
        return failed(
            "web.opcache-memory",
            subject,
            f"opcache memory is almost full ({said}): the next release's scripts will not fit "
            "(compiled on every request, or opcache restarts itself)",
            fix,
        )
    if o.free < o.used:
        return warned(
            "web.opcache-memory",
            subject,
            f"opcache has room for less than one more release ({said})",
            fix,
        )
    return passed("web.opcache-memory", subject, f"opcache memory: {said}")


def reload_timeout_rule(facts: HostFacts) -> Finding:
    w, subject = facts.web, f"{facts.host} php-fpm"
    pct, where = w.fpm.process_control_timeout, w.fpm.where
    limits = [p.request_terminate_timeout for p in w.fpm.pools if p.request_terminate_timeout]
    longest = max(limits) if limits else w.longest_request
    source = "the pools' request_terminate_timeout" if limits else "web.longest_request"
    grade = failed if w.strategy == "fpm-reload" else warned
    fix = (
        f"process_control_timeout = {int(longest or 10)}s in php-fpm.conf's [global] (at least "
        "the longest request), then restart php-fpm"
    )
    if pct == 0:
        return grade(
            "web.fpm-reload-timeout",
            subject,
            "process_control_timeout is 0 (PHP's default): a reload kills the requests in "
            "flight (502s)",
            fix,
            where,
        )
    if longest and pct < longest:
        return grade(
            "web.fpm-reload-timeout",
            subject,
            f"process_control_timeout={pct:g}s is shorter than the longest request "
            f"({longest:g}s, {source}): a reload cuts such requests",
            fix,
            where,
        )
    known = f" (the longest request: {longest:g}s, {source})" if longest else ""
    return passed(
        "web.fpm-reload-timeout",
        subject,
        f"process_control_timeout={pct:g}s: a reload lets requests in flight finish{known}",
        where,
    )
