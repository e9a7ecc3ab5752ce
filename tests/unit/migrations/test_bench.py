"""The benchmark runs and reports its figures (no assertion on time), and the parser coverage
figure still favours pglast for PostgreSQL."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_migrations.py"


def load():
    spec = importlib.util.spec_from_file_location("bench_migrations", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_reports_figures():
    figures = load().bench(n=5, runs=1)
    assert figures["migrations"] == 5
    for dialect in ("mysql", "pgsql"):
        assert figures[dialect]["median_s"] >= 0 and figures[dialect]["findings"] > 0


def test_pglast_covers_at_least_what_sqlglot_does():
    cov = load().pg_coverage()
    assert (
        cov["pglast_understood_by_gate"]
        >= cov["sqlglot_understood_by_gate"]
        >= cov["sqlglot_structured_tree"]
    )
    assert (
        cov["statements"] - cov["pglast_understood_by_gate"] == 2
    )  # the DO block and the syntax error
