"""The catalogue is the spec's question table, to the letter: fields, order, kinds, codes, sources."""

from __future__ import annotations

import re

import pytest

from itb_screen.criteria import POINTS, QUESTIONS, QUESTIONS_BY_FIELD, RULES

from .conftest import DATA, SHARED, SPEC_FILE

SPEC = SPEC_FILE.read_text()
#: The contract of issue 19: the follow-up questions, flags and sources beyond the consensus.
GUIDANCE_FILE = SHARED / "other-guidance.md" if SHARED else DATA / "other-guidance.md"
GUIDANCE = GUIDANCE_FILE.read_text()


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


def guidance_follow_ups() -> list[dict]:
    """other-guidance.md's follow-up questions, in its order: field, after, condition, kind, codes."""
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| (.+?) \| (one|many) \| (.+?) \|$", GUIDANCE, re.M)
    return [
        {"field": f, "after": a, "when": w, "kind": k, "codes": re.findall(r"`(\w+)`", c)}
        for f, a, w, k, c in rows
    ]


def guidance_sources() -> dict[str, str]:
    """other-guidance.md's sources: id -> what it says (paraphrased there)."""
    return {
        sid: says for sid, _where, says in re.findall(r"^\| ([LN]\d) \| (.+?) \| (.+?) \|$", GUIDANCE, re.M)
    }


def guidance_flags() -> list[dict]:
    """other-guidance.md's flags, in its order: code, condition, text, source ids."""
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| (.+?) \| ((?:[LNS]\d, )*[LNS]\d) \|$", GUIDANCE, re.M)
    return [{"code": c, "when": w, "text": t, "sources": s.split(", ")} for c, w, t, s in rows]


def test_questions_match_the_spec_table():
    spec = spec_questions()
    assert spec and [s["number"] for s in spec] == list(range(1, len(spec) + 1))  # the whole table read
    consensus = [q for q in QUESTIONS if not q.from_guidance]
    assert [(q.number, q.field) for q in consensus] == [(s["number"], s["field"]) for s in spec]
    for q, s in zip(consensus, spec, strict=True):
        assert q.serves == s["serves"], q.field
        assert list(q.codes) == s["codes"], q.field
        assert q.kind == {"whole number 0..120": "number", "one": "one", "many": "many"}[s["kind"]]
        if s["when"] == "always":
            assert q.asked_when is None
        else:
            assert f"`{q.asked_when.field}` < {q.asked_when.below}" == s["when"]


def test_follow_ups_match_the_guidance_table():
    """Each of other-guidance.md's follow-ups right after the question it follows (or that question's
    follow-up), numbered after it, with its condition, kind and codes; every other question is the spec's."""
    table = guidance_follow_ups()
    assert [f["field"] for f in table] == [
        "tbi_within_year",
        "sci_level_t6_or_above",
        "relies_on_spasticity",
        "child_surgical_risks",
        "seizures_controlled",
    ]  # the whole table read
    follow_ups = [q for q in QUESTIONS if q.from_guidance]
    assert [q.field for q in follow_ups] == [f["field"] for f in table]
    for q, f in zip(follow_ups, table, strict=True):
        before = QUESTIONS[QUESTIONS.index(q) - 1]
        assert f["after"] in (before.field, before.after), q.field
        assert q.after == f["after"] and q.number == QUESTIONS_BY_FIELD[f["after"]].number
        assert q.kind == f["kind"] and list(q.codes) == f["codes"], q.field
        when = q.asked_when
        written = f"`{when.field}` < {when.below}" if when.below else f"`{when.field}` = `{when.equals}`"
        assert written == f["when"], q.field


def test_a_follow_up_serves_the_sources_of_the_flags_its_answer_raises():
    sources = guidance_sources()
    assert sorted(sources) == ["L1", "L2", "L3", "L4", "N1", "N2", "N3", "N4"]
    for q in (q for q in QUESTIONS if q.from_guidance):
        raised = [f for f in guidance_flags() if f"`{q.field}`" in f["when"]]
        assert raised, q.field
        cited = {s for f in raised for s in f["sources"] if s in sources}
        assert set(q.serves) == cited, q.field


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
