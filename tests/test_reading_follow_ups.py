"""other-guidance.md's follow-up questions read as clinicians write their answers (issue 19): the level of a
spinal cord injury, seizure control, the time since a brain injury, spasticity that supports function and a
child's surgical risks. What names no answer is asked back or refused, never guessed."""

from __future__ import annotations

import pytest

from itb_screen.criteria import QUESTIONS_BY_FIELD
from itb_screen.dialogue._parse import read_line

LEVEL = QUESTIONS_BY_FIELD["sci_level_t6_or_above"]


def reading(field: str, text: str):
    return read_line(QUESTIONS_BY_FIELD[field], text)


def stored(field: str, text: str):
    read = reading(field, text)
    return read.value if read.outcome == "answer" else None


#: The issue's phrasings, with the answer each means in other-guidance.md's codes.
READ = [
    *(("sci_level_t6_or_above", t, "yes") for t in ("T4 complete", "C6", "C5 ASIA A", "T6", "cervical")),
    ("sci_level_t6_or_above", "tetraplegic", "yes"),
    *(("sci_level_t6_or_above", t, "no") for t in ("L1", "T10 incomplete", "T7", "lumbar", "conus")),
    ("seizures_controlled", "well controlled on levetiracetam", "yes"),
    ("seizures_controlled", "seizure free 2 years on keppra", "yes"),
    ("seizures_controlled", "breakthrough seizures monthly", "no"),
    ("seizures_controlled", "poorly controlled", "no"),
    ("tbi_within_year", "8/12 ago", "yes"),
    ("tbi_within_year", "6 months post injury", "yes"),
    ("tbi_within_year", "8 months ago", "yes"),
    ("tbi_within_year", "2 years ago", "no"),
    ("tbi_within_year", "hypoxic, not traumatic", "no"),
    ("relies_on_spasticity", "uses extensor tone to stand", "yes"),
    ("relies_on_spasticity", "relies on his spasticity for transfers", "yes"),
    ("child_surgical_risks", "scoliosis, fusion planned", ("spinal_fusion_likely",)),
    ("child_surgical_risks", "weight 12 kg, too small for a pump", ("too_small_for_pump",)),
    ("child_surgical_risks", "Risk of respiratory failure", ("respiratory_failure_risk",)),
]


@pytest.mark.parametrize("field,text,value", READ, ids=[f"{f}:{t}" for f, t, _v in READ])
def test_the_issues_phrasings_are_read_at_the_first_line(field, text, value):
    assert stored(field, text) == value


def level_is_at_t6_or_above(segment: str, number: int) -> bool:
    """The contract's rule, written out: every cervical level and T1 to T6 are at T6 or above."""
    return segment == "C" or (segment == "T" and number <= 6)


ISNCSCI = [("C", n) for n in range(1, 9)] + [("T", n) for n in range(1, 13)]
ISNCSCI += [("L", n) for n in range(1, 6)] + [("S", n) for n in range(1, 6)]


@pytest.mark.parametrize("form", ["{s}{n}", "{s}{n} complete", "{l}{n} incomplete SCI", "level {s}{n}"])
def test_every_cord_level_is_read_by_the_rule_never_guessed(form):
    for segment, number in ISNCSCI:
        text = form.format(s=segment, l=segment.lower(), n=number)
        assert stored("sci_level_t6_or_above", text) == (
            "yes" if level_is_at_t6_or_above(segment, number) else "no"
        ), text


@pytest.mark.parametrize("text", ["T", "thoracic", "paraplegic"])
def test_a_level_not_given_is_asked(text):
    read = reading("sci_level_t6_or_above", text)
    assert read.outcome == "ask" and read.value is None and "T6 or above" in read.message


@pytest.mark.parametrize("text", ["T6/T7", "T5-T8", "C7 or T8"])
def test_levels_on_both_sides_of_t6_store_nothing(text):
    read = reading("sci_level_t6_or_above", text)
    assert read.value is None and read.outcome == "refused"


def test_a_denied_level_is_no_level():
    """`not cervical` may still be T1 to T6: nothing is stored (the level question has no negated_means)."""
    assert stored("sci_level_t6_or_above", "not cervical") is None


@pytest.mark.parametrize(
    "field,text,value",
    [
        ("seizures_controlled", "not well controlled", "no"),
        ("seizures_controlled", "no breakthrough seizures", "yes"),
        ("relies_on_spasticity", "does not rely on his spasticity", "no"),
        ("relies_on_spasticity", "doesn't rely on his tone", "no"),  # a contraction is no slip
        ("tbi_within_year", "no head injury", "no"),
        # One risk denied says nothing of the five others: asked back, never "None of these"; and in
        # "no coagulopathy, malnourished" the "no" may reach both (tests/test_follow_up_reading.py).
        ("child_surgical_risks", "no coagulopathy", None),
        ("child_surgical_risks", "not malnourished", None),
        ("child_surgical_risks", "no coagulopathy, malnourished", None),
    ],
)
def test_negation_through_negex(field, text, value):
    assert stored(field, text) == value


@pytest.mark.parametrize(
    "field,text",
    [
        ("seizures_controlled", "partially controlled"),
        ("seizures_controlled", "mostly controlled"),
        ("tbi_within_year", "about a year ago"),
        ("child_surgical_risks", "possible spinal fusion"),
        ("relies_on_spasticity", "possibly uses tone to stand"),
    ],
)
def test_doubt_is_asked_back(field, text):
    assert reading(field, text).outcome == "doubt"


def test_a_doubt_word_inside_an_options_own_name_is_that_name():
    """`likely` and `risk of` are ConText cues, but `Spinal fusion likely` and `at risk of respiratory
    failure` name options of the child's surgical risks."""
    assert stored("child_surgical_risks", "spinal fusion likely next year") == ("spinal_fusion_likely",)
    text = "at risk of respiratory failure with chest infections"
    assert stored("child_surgical_risks", text) == ("respiratory_failure_risk",)


@pytest.mark.parametrize("text", ["TBI", "RTA", "head injury"])
def test_a_trauma_without_a_time_asks_when(text):
    read = reading("tbi_within_year", text)
    assert read.outcome == "ask" and read.message == "Was the injury less than a year ago?"


@pytest.mark.parametrize("text", ["injured in March this year", "2019", "hypoxic 6 months ago"])
def test_what_needs_a_date_or_says_two_things_stores_nothing(text):
    assert stored("tbi_within_year", text) is None


def test_a_fraction_of_a_year_is_a_time_and_a_lone_digit_an_option_number():
    assert [stored("tbi_within_year", t) for t in ("8/12", "11/12", "12/12", "6/52")] == [
        "yes",
        "yes",
        "no",
        "yes",
    ]
    assert [stored("tbi_within_year", t) for t in ("1", "2", "3")] == ["yes", "no", None]


@pytest.mark.parametrize("text", ["scoliosis", "spinal fusion"])
def test_what_names_no_childs_risk_is_refused(text):
    """Scoliosis is no risk of the list; a spinal fusion alone may be done or to come."""
    assert reading("child_surgical_risks", text).outcome == "refused"
