"""The ledger's parser and accounting, on captured `mariadb --batch` output (no lab needed)."""

from datetime import datetime

from tests.lab.ledger import account, parse_batch

CAPTURED = (
    "id\tseq\tattempt\thost\tversion\tpid\tstarted_at\tfinished_at\n"
    "1\t1\t1\th1\tv1\t84\t2026-11-24 16:25:31.137975\t2026-11-24 16:25:33.143620\n"
    "2\t2\t1\th2\tv1\t90\t2026-11-24 16:25:31.141747\tNULL\n"
    "3\t2\t2\th3\tv2\t77\t2026-11-24 16:26:12.000001\t2026-11-24 16:26:14.000002\n"
    "4\t3\t1\th1\tv1\t84\t2026-11-24 16:25:33.5\t2026-11-24 16:25:35.5\n"
    "5\t3\t1\th2\tv2\t91\t2026-11-24 16:25:33.6\t2026-11-24 16:25:35.6\n"
)


def test_parse_batch_reads_types_and_nulls():
    rows = parse_batch(CAPTURED)
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].started_at == datetime(2026, 11, 24, 16, 25, 31, 137975)
    assert rows[1].finished_at is None and not rows[1].finished
    assert (rows[2].host, rows[2].version, rows[2].attempt, rows[2].pid) == ("h3", "v2", 2, 77)


def test_parse_batch_of_an_empty_table():
    assert parse_batch("") == []
    assert parse_batch(CAPTURED.splitlines()[0] + "\n") == []


def test_account_counts_lost_interrupted_and_duplicated():
    acc = account(parse_batch(CAPTURED), range(1, 5))
    assert acc.lost == [4]  # dispatched, never finished
    assert [r.id for r in acc.interrupted] == [2]  # seq 2's first attempt never finished
    assert acc.duplicated == [3]  # seq 3 finished twice
    assert acc.finished == 3 and not acc.clean


def test_a_clean_account():
    rows = parse_batch(CAPTURED)
    acc = account([rows[0], rows[2]], [1, 2])
    assert acc.clean and acc.finished == 2
