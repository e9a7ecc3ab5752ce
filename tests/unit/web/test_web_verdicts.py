"""The web census's verdict per host and the health check's, on answers as the probe gives them."""

from deploytool.config.web_model import AppProbe, WebPolicy
from deploytool.drain.web import judge
from deploytool.probes.web_probe import Answer, fill, join_url
from deploytool.steps.health import passes

NEW, OLD = "20260101T000000Z-2222222", "20250101T000000Z-1111111"


def probe(release, status=200):
    return Answer(
        "http://h/deploytool-probe.php",
        status,
        f"deploytool-probe /var/www/app/releases/{release}/public/deploytool-probe.php\n",
    )


def test_the_probe_names_the_release_it_was_compiled_from():
    assert probe(NEW).release == NEW
    assert Answer("u", 404, "").release == ""
    assert Answer("u", 200, "<?php // served as a file").release == ""


def test_new_old_and_no_answer():
    web = WebPolicy()
    assert judge("h1", [probe(NEW)], NEW, web).new
    old = judge("h1", [probe(OLD)], NEW, web)
    assert not old.new and old.release == OLD and old.detail == f"release {OLD}, not {NEW}"
    down = judge("h1", [Answer("u", 502, "<html>\n<head><title>502 Bad Gateway</title>")], NEW, web)
    assert not down.new and down.detail == "502: <html> | <head><title>502 Bad Gateway</title>"
    gone = judge("h1", [Answer("u", 0, error="Connection refused")], NEW, web)
    assert gone.detail == "no answer (Connection refused)"


def test_the_app_probe_must_name_the_new_release_too():
    web = WebPolicy(probe=AppProbe("/health", '"release":"{release}"'))
    app_new = Answer("http://h/health", 200, f'{{"status":"ok","release":"{NEW}"}}')
    app_old = Answer("http://h/health", 200, f'{{"status":"ok","release":"{OLD}"}}')
    assert judge("h1", [probe(NEW), app_new], NEW, web).new
    bad = judge("h1", [probe(NEW), app_old], NEW, web)
    assert not bad.new and f'expected \'"release":"{NEW}"\'' in bad.detail
    only_app = WebPolicy(verify=False, probe=AppProbe("/health"))
    assert judge("h1", [app_new], NEW, only_app).new


def test_health_passes():
    ok = Answer("u", 200, '{"status":"ok"}')
    assert passes(ok, 200, '"status":"ok"') == ""
    assert passes(ok, 204, "") == 'answered 200: {"status":"ok"} (expected 204)'
    assert passes(ok, 200, "ready") == 'answered 200: {"status":"ok"} without \'ready\' in its body'


def test_urls():
    assert join_url("http://{address}:8080", "/health") == "http://{address}:8080/health"
    assert join_url("http://127.0.0.1/", "health") == "http://127.0.0.1/health"
    assert join_url("http://x", "https://y/z") == "https://y/z"
    assert fill("http://{address}:8080/{name}", address="10.0.0.1", name="web1") == (
        "http://10.0.0.1:8080/web1"
    )
