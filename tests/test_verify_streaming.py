"""`verify` reads each chained table alongside the chain instead of holding every row (issue 18: 2 GB at
100,000 cases): a chain that names rows out of id order (valid MACs, made with the key) still verifies,
through the lookup behind the one pass, and a row named twice is still named as such, through the bits
that note which rows entries named."""

from __future__ import annotations

from itb_screen.storage._chain import CHAINED, mac

from . import test_tamper as tamper
from .test_tamper import copy_of, drop_triggers, raw, rechain, restore_triggers, run

#: The tamper tests' fixtures: a filled database, its key kept in a directory of its own.
filled, key_apart = tamper.filled, tamper.key_apart


def _rewritten(filled, key_apart, tmp_path, edit) -> str:
    """A copy of the filled database whose chain `edit` rewrote with the database's own key."""
    copy = copy_of(filled, tmp_path / "rewritten.db")
    conn = raw(copy)
    drop_triggers(conn)
    edit(conn, bytes.fromhex(key_apart.read_text()))
    restore_triggers(conn)
    conn.close()
    return str(copy)


def _swap_two_answers(conn, key: bytes) -> None:
    """The entries of the first two answers swapped, every MAC from there recomputed: the chain then names
    answer 2 before answer 1, each with a valid MAC."""
    first, second = conn.execute(
        "SELECT seq FROM chain WHERE tbl = 'answers' ORDER BY seq LIMIT 2"
    ).fetchall()
    conn.execute("UPDATE chain SET row_id = -row_id WHERE seq IN (?, ?)", (first[0], second[0]))
    conn.execute("UPDATE chain SET row_id = 2 WHERE seq = ? AND row_id = -1", (first[0],))
    conn.execute("UPDATE chain SET row_id = 1 WHERE seq = ? AND row_id = -2", (second[0],))
    rechain(conn, key, start=first[0])


def _chain_an_answer_twice(conn, key: bytes) -> None:
    """The first answer chained again at the end, with a valid MAC."""
    seq, last = conn.execute("SELECT seq, mac FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
    values = conn.execute(f"SELECT {', '.join(CHAINED['answers'])} FROM answers WHERE id = 1").fetchone()
    conn.execute(
        "INSERT INTO chain VALUES (?, 'answers', 1, ?)", (seq + 1, mac(key, last, "answers", 1, values))
    )


def test_a_chain_naming_rows_out_of_order_verifies(filled, key_apart, tmp_path):
    result = run("verify", "--db", _rewritten(filled, key_apart, tmp_path, _swap_two_answers))
    assert result.exit_code == 0, result.output


def test_a_row_chained_twice_is_named(filled, key_apart, tmp_path):
    result = run("verify", "--db", _rewritten(filled, key_apart, tmp_path, _chain_an_answer_twice))
    assert result.exit_code == 1
    first = raw(filled).execute("SELECT seq FROM chain WHERE tbl = 'answers' AND row_id = 1").fetchone()[0]
    assert f"answers row 1: chained twice (entries {first} and " in result.output
