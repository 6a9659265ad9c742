"""`itb-screen evaluate` on hostile input: exit 2 and one short line on standard error, never a traceback,
and never more than 80 characters of the offending value (real subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from itb_screen.cli._errors import InputError
from itb_screen.cli._quoting import MAX_QUOTED, TOO_DEEP, quoted
from itb_screen.cli.evaluate import _evaluated

FIVE_MB = 5 * 1024 * 1024


def evaluate(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "itb_screen", "evaluate", *args, "-"],
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def one_line(run: subprocess.CompletedProcess[bytes]) -> str:
    """The run's only line of standard error, checked: exit 2, nothing on standard output, no traceback."""
    err = run.stderr.decode()
    assert b"Traceback" not in run.stderr and run.stdout == b""
    assert run.returncode == 2
    assert err.startswith("Error: ") and err.endswith("\n") and err.count("\n") == 1, err[:300]
    return err


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_an_integer_of_5000_digits_is_refused():
    err = one_line(evaluate(b'{"age_years": ' + b"9" * 5000 + b"}"))
    assert "a number longer than 4300 digits" in err


def test_an_integer_of_5000_digits_on_a_later_jsonl_line_names_the_line():
    lines = b'{"age_years": 40}\n{"age_years": ' + b"9" * 5000 + b"}\n"
    err = one_line(evaluate(lines, "--jsonl"))
    assert err.startswith("Error: line 2: ")


def test_an_integer_under_the_limit_is_quoted_in_80_characters():
    err = one_line(evaluate(b'{"age_years": ' + b"9" * 4000 + b"}"))
    assert "out of range" in err and "9" * MAX_QUOTED not in err and len(err) < 200


def test_json_nested_100000_deep_is_refused():
    err = one_line(evaluate(b'{"interference": ' + nested(100_000) + b"}"))
    assert "nested too deeply" in err


def test_a_5_mb_string_value_is_quoted_in_80_characters():
    err = one_line(evaluate(json.dumps({"age_years": "x" * FIVE_MB}).encode()))
    assert len(err) < 200 and "x" * MAX_QUOTED not in err
    assert err.startswith('Error: age_years: "xxx') and "not a whole number" in err


def test_a_5_mb_code_in_a_list_is_quoted_in_80_characters_in_the_value_and_the_reason():
    err = one_line(evaluate(json.dumps({"interference": ["x" * FIVE_MB]}).encode()))
    assert "x" * MAX_QUOTED not in err and "unknown code" in err and len(err) < 400


@pytest.mark.parametrize(
    "case",
    [
        {"x" * FIVE_MB: 1},
        {"id": "x" * FIVE_MB, "answers": {"age_years": -1}},
        {"id": ["x" * FIVE_MB], "answers": {}},
    ],
    ids=["unknown field", "case id", "bad case id"],
)
def test_5_mb_keys_and_ids_are_quoted_in_80_characters(case):
    err = one_line(evaluate(json.dumps(case).encode()))
    assert "x" * MAX_QUOTED not in err and len(err) < 600  # the rest is the catalogue's list of fields


def test_standard_input_that_is_not_utf8_is_refused():
    err = one_line(evaluate(b'{"primary_condition": "\xff"}'))
    assert err == "Error: cannot read standard input: not UTF-8 text\n"


def test_a_value_too_deep_to_quote_is_refused_in_one_line():
    # Deep enough for json.dumps to fail when AnswerError quotes it, yet a value json.loads could give
    # (it reads ~1,000 levels, so the window in a subprocess is a few levels wide and moves with the stack).
    with pytest.raises(InputError, match="^a value is nested too deeply$"):
        _evaluated([{"interference": deep_list(5000)}], False)


def test_quoting_clips_and_survives_any_value():
    assert quoted("x" * FIVE_MB) == '"' + "x" * (MAX_QUOTED - 4) + "..."
    assert quoted(deep_list(5000)) == TOO_DEEP
    assert quoted("short") == '"short"'


def deep_list(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value
