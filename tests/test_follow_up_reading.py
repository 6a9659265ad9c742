"""The follow-up questions of other-guidance.md read as clinicians write: a bound or a cause that may fall
either side of the answer is asked back, never stored as one side.

The expected values come from the contract's wording of each question: `tbi_within_year` is yes for "a
traumatic brain injury less than a year ago"; `sci_level_t6_or_above` yes for cervical levels and T1 to
T6 (ISNCSCI's order: C1-C8, T1-T12, L1-L5, S1-S5); `relies_on_spasticity` yes when the patient relies on
spasticity to stand, transfer or walk; `child_surgical_risks` names the risks that apply, `none` when
none of the six does.
"""

from __future__ import annotations

import pytest

from itb_screen.criteria import QUESTIONS_BY_FIELD
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.dialogue._parse import read_line

from .test_criteria import BASE

STORED = [
    # Under a year, however the bound is written.
    ("tbi_within_year", "less than 12 months", "yes"),
    ("tbi_within_year", "< 1 year", "yes"),
    ("tbi_within_year", "under 1 year", "yes"),
    ("tbi_within_year", "less than 1 year ago", "yes"),
    ("tbi_within_year", "under 12 months", "yes"),
    ("tbi_within_year", "below a year", "yes"),
    ("tbi_within_year", "within 6 weeks", "yes"),
    ("tbi_within_year", "TBI 3 months ago", "yes"),
    ("tbi_within_year", "traumatic SAH 3 months ago", "yes"),
    # A year or more; a cause that is not trauma.
    ("tbi_within_year", "over a year ago", "no"),
    ("tbi_within_year", "at least 12 months", "no"),
    ("tbi_within_year", "more than 2 years", "no"),
    ("tbi_within_year", "12 months or more", "no"),
    ("tbi_within_year", "stroke", "no"),
    # Bounds on one side of T6.
    ("sci_level_t6_or_above", "above T7", "yes"),
    ("sci_level_t6_or_above", "T6 or above", "yes"),
    ("sci_level_t6_or_above", "at or above T4", "yes"),
    ("sci_level_t6_or_above", "T4 complete", "yes"),
    ("sci_level_t6_or_above", "C5/6", "yes"),
    ("sci_level_t6_or_above", "lower than T6", "no"),
    ("sci_level_t6_or_above", "sub T6", "no"),
    ("sci_level_t6_or_above", "under T6", "no"),
    ("sci_level_t6_or_above", "infra-T6", "no"),
    ("sci_level_t6_or_above", "T7 or below", "no"),
    ("sci_level_t6_or_above", "L1", "no"),
    # Ranges whose two ends lie on one side.
    ("tbi_within_year", "2-3 months", "yes"),
    ("tbi_within_year", "between 18 and 24 months", "no"),
    ("tbi_within_year", "1-2 years", "no"),
    ("sci_level_t6_or_above", "C4-5", "yes"),
    ("sci_level_t6_or_above", "T2 to T4", "yes"),
    ("sci_level_t6_or_above", "T12/L1", "no"),
    ("sci_level_t6_or_above", "T10 or 11", "no"),
    ("relies_on_spasticity", "tone helps him stand", "yes"),
    ("relies_on_spasticity", "relies on his tone to stand", "yes"),
    ("child_surgical_risks", "haemophilia", ("coagulation_disorder",)),
    ("child_surgical_risks", "no concerns", ("none",)),
    ("child_surgical_risks", "history of spinal fusion", ("previous_spinal_fusion",)),
    ("seizures_controlled", "well controlled on levetiracetam", "yes"),
]

ASKED_BACK = [
    # Which side of a year is not said, or the injury may not be traumatic.
    ("tbi_within_year", "TBI over 6 months ago"),
    ("tbi_within_year", "more than 6 months ago"),
    ("tbi_within_year", "> 6 months"),
    ("tbi_within_year", "less than 2 years"),
    ("tbi_within_year", "under 18 months"),
    ("tbi_within_year", "SAH 3 months ago"),
    ("tbi_within_year", "stroke 2 months ago"),
    ("tbi_within_year", "ICH 4 months ago"),
    ("tbi_within_year", "brain tumour resected 6 months ago"),
    ("tbi_within_year", "ADEM 5 months ago"),
    # Bounds that take in levels on both sides of T6.
    ("sci_level_t6_or_above", "T6 or below"),
    ("sci_level_t6_or_above", "below T4"),
    ("sci_level_t6_or_above", "under T4"),
    ("sci_level_t6_or_above", "infra-T4"),
    ("sci_level_t6_or_above", "T7 and above"),
    ("sci_level_t6_or_above", "above T10"),
    # Ranges and alternatives across a year or across T6, whatever the reader takes as their ends.
    ("tbi_within_year", "6-18 months"),
    ("tbi_within_year", "between 6 and 18 months"),
    ("tbi_within_year", "6 or 18 months"),
    ("tbi_within_year", "a year next month"),
    ("sci_level_t6_or_above", "T5-7"),
    ("sci_level_t6_or_above", "T6-8"),
    ("sci_level_t6_or_above", "T8-4"),
    ("sci_level_t6_or_above", "T4 or 8"),
    # The past, at a question about now.
    ("relies_on_spasticity", "used to rely on tone to stand"),
    ("seizures_controlled", "used to be controlled"),
    ("seizures_controlled", "had been controlled"),
    ("seizures_controlled", "controlled until 2 weeks ago"),
    ("seizures_controlled", "controlled but had one yesterday"),
    ("seizures_controlled", "controlled apart from when unwell"),
    ("seizures_controlled", "fairly well controlled"),
    ("child_surgical_risks", "was malnourished"),
    ("child_surgical_risks", "previously too small for pump"),
    # A relative's condition, or one ruled out.
    ("child_surgical_risks", "brother has haemophilia"),
    ("child_surgical_risks", "family history of haemophilia"),
    ("child_surgical_risks", "haemophilia ruled out"),
    # Less tone helping says nothing of relying on it.
    ("relies_on_spasticity", "reducing tone helps walking"),
    ("relies_on_spasticity", "reducing tone helps him stand"),
    ("relies_on_spasticity", "botox for spasticity helps"),
    # A low risk is no answer; one risk denied says nothing of the five others.
    ("child_surgical_risks", "low risk of respiratory failure"),
    ("child_surgical_risks", "unlikely to need spinal fusion"),
    ("child_surgical_risks", "no previous spinal fusion"),
    ("child_surgical_risks", "not too small for a pump"),
    ("child_surgical_risks", "no risk of respiratory failure"),
    ("child_surgical_risks", "no coagulopathy, malnourished"),
]


@pytest.mark.parametrize(("field", "text", "value"), STORED)
def test_a_follow_up_answer_is_read_as_written(field, text, value):
    reading = read_line(QUESTIONS_BY_FIELD[field], text)
    assert (reading.outcome, reading.value) == ("answer", value), reading.message


@pytest.mark.parametrize(("field", "text"), ASKED_BACK)
def test_what_may_fall_either_side_is_asked_back(field, text):
    reading = read_line(QUESTIONS_BY_FIELD[field], text)
    assert reading.outcome != "answer" and reading.value is None, reading
    assert reading.message


@pytest.mark.parametrize(
    ("field", "text"),
    [("tbi_within_year", "over 6 months ago"), ("sci_level_t6_or_above", "above T10")],
)
def test_a_bound_is_asked_back_with_the_question_and_nothing_is_stored(store, field, text):
    dialogue = Dialogue(store)
    lee = Identity("console", "lee")
    dialogue.handle(lee, "/new BOUND-1")
    dialogue.handle(lee, str(BASE["age_years"]))
    condition = "acquired brain injury" if field == "tbi_within_year" else "spinal cord injury"
    asked = dialogue.handle(lee, condition)[-1]
    assert asked.field == field
    said = dialogue.handle(lee, text)
    case = store.case_by_ref("BOUND-1")
    assert field not in store.answers(case.id)
    assert said[-1].field == field  # asked again
    shown = " ".join(p.text for p in said)
    assert f"'{text}' gives a bound" in shown and QUESTIONS_BY_FIELD[field].text in shown
