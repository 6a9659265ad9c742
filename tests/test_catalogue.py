"""The catalogue is the spec's question table, to the letter: fields, order, kinds, codes, sources."""

from __future__ import annotations

import re

import pytest

from itb_screen.criteria import POINTS, QUESTIONS, RULES

from .conftest import SPEC_FILE

SPEC = SPEC_FILE.read_text()


def spec_questions() -> list[dict]:
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \| (.+?) \| (.+?) \|\s*(.*?)\s*\| (.+?) \|$", SPEC, re.M)
    return [
        {
            "number": int(n),
            "field": f,
            "when": w,
            "kind": k,
            "codes": re.findall(r"`(\w+)`", c),
            "serves": tuple(s.strip() for s in serves.split(",")),
        }
        for n, f, w, k, c, serves in rows
    ]


def test_questions_match_the_spec_table():
    spec = spec_questions()
    assert spec and [s["number"] for s in spec] == list(range(1, len(spec) + 1))  # the whole table read
    assert [(q.number, q.field) for q in QUESTIONS] == [(s["number"], s["field"]) for s in spec]
    for q, s in zip(QUESTIONS, spec, strict=True):
        assert q.serves == s["serves"], q.field
        assert list(q.codes) == s["codes"], q.field
        assert q.kind == {"whole number 0..120": "number", "one": "one", "many": "many"}[s["kind"]]
        if s["when"] == "always":
            assert q.asked_when is None
        else:
            assert f"`{q.asked_when.field}` < {q.asked_when.below}" == s["when"]


def test_number_range_matches_the_spec():
    age = QUESTIONS[0]
    assert (age.minimum, age.maximum) == (0, 120)


def test_points_match_the_spec_table():
    rows = re.findall(r"^\| `(\w+)` \| (always|candidate) \| (.+?) \| (.+?) \| (S\d+) \|$", SPEC, re.M)
    assert [(p.code, p.kind, p.text, p.source) for p in POINTS] == [
        (code, kind, text, source) for code, kind, _, text, source in rows
    ]


def test_rules_match_the_spec_table():
    rows = re.findall(r"^\| (\d) \| .+? \| `(\w+)` \| (.+?) \|$", SPEC, re.M)
    assert [(r.order, r.recommendation, ", ".join(r.sources)) for r in RULES] == [
        (int(o), rec, src) for o, rec, src in rows
    ]


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.field for q in QUESTIONS])
def test_every_question_reads_as_a_question(question):
    assert question.text.endswith("?")
    assert all(o.label[0].isupper() for o in question.options)
