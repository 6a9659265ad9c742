"""Never losing an answer by accident, near misses offered back, and correcting a finished record.

Issue 9, parts 1-3, through the dialogue on a real SQLite file: `skip` keeps, `unknown` clears, `back`
from the review returns there, `confirm` with gaps asks twice, /new says what stays open, "Did you
mean ...?" stores only after yes, typed answers are said back, /amend and /void with their rights.
"""

from __future__ import annotations

import pytest

from itb_screen.criteria import QUESTIONS_BY_FIELD, SEED_STATEMENTS, asked_fields, validate_answers
from itb_screen.dialogue import REVIEW, Identity, decode_button

from .conftest import VIGNETTES
from .drive import screen

ALICE = Identity("console", "alice", "Alice")
BOB = Identity("console", "bob", "Bob")
REVIEWER = Identity("telegram", "99", "Dr Review", "reviewer")
#: P01, a spinal cord injury, with other-guidance.md's level question answered (below T6), so that every
#: question asked has an answer.
P01 = {**next(v for v in VIGNETTES if v["id"] == "P01")["answers"], "sci_level_t6_or_above": "no"}


def adult_count() -> int:
    """How many questions an adult (here 45) is asked: the catalogue's count, not a literal."""
    return len(asked_fields({"age_years": 45}))


def texts(prompts) -> str:
    return "\n".join(p.text for p in prompts)


def case_of(store, ref):
    return store.case_by_ref(ref)


def history(store, ref):
    return [(r["field"], r["value"], r["action"]) for r in store.history(case_of(store, ref).id)]


def at_question(dialogue, field: str, who=ALICE):
    """Answer from the open question on with P01's answers (by number) until `field` is asked."""
    for _ in range(30):
        prompt = dialogue.current(who)[-1]
        if prompt.field == field:
            return prompt
        question = QUESTIONS_BY_FIELD[prompt.field]
        value = P01[question.field]
        if question.kind == "number":
            dialogue.handle(who, str(value))
        elif question.kind == "one":
            dialogue.handle(who, str(question.codes.index(value) + 1))
        else:
            dialogue.handle(who, ", ".join(str(question.codes.index(v) + 1) for v in value))
    raise AssertionError(f"{field} never asked")


def finished(dialogue, ref="FIN-1", who=ALICE, answers=P01):
    prompts = screen(dialogue, who, ref, answers)
    assert prompts[-1].kind == "result"
    return prompts


# Said back -----------------------------------------------------------------------------------------
def test_a_typed_answer_is_said_back_in_one_line_before_the_next_question(dialogue):
    dialogue.handle(ALICE, "/new SAY-1")
    prompts = dialogue.handle(ALICE, "45")
    assert [p.kind for p in prompts] == ["saved", "question"]
    assert prompts[0].text == "Saved (Age): 45 years"
    prompts = dialogue.handle(ALICE, "MS")
    assert prompts[0].text == "Saved (Condition): Multiple sclerosis"
    assert prompts[1].field == "disease_course"


def test_a_pressed_answer_is_not_said_back_twice(dialogue):
    dialogue.handle(ALICE, "/new SAY-2")
    dialogue.handle(ALICE, "45")
    question = dialogue.current(ALICE)[-1]
    prompts = dialogue.handle(ALICE, button=question.options[1].code)
    assert [p.kind for p in prompts] == ["question"]  # Telegram edits the pressed message instead
    assert prompts[0].accepted == "Multiple sclerosis"


def test_months_are_stored_as_whole_years_and_said_back(dialogue, store):
    dialogue.handle(ALICE, "/new SAY-3")
    prompts = dialogue.handle(ALICE, "18 months")
    assert prompts[0].kind == "saved" and "1" in prompts[0].text and "18 months" in prompts[0].text
    assert store.answers(case_of(store, "SAY-3").id)["age_years"] == 1
    assert prompts[-1].field == "primary_condition"


# Help ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["?", "help", "why", " WHY "])
def test_help_words_explain_the_question_and_store_nothing(word, dialogue, store):
    dialogue.handle(ALICE, "/new HELP-1")
    dialogue.handle(ALICE, "45")
    prompts = dialogue.handle(ALICE, word)
    assert [p.kind for p in prompts] == ["help", "question"]
    assert SEED_STATEMENTS["S2"] in prompts[0].text  # primary_condition serves S2, quoted
    assert prompts[1].field == "primary_condition"
    assert history(store, "HELP-1") == [("age_years", 45, "answer")]


# Skip keeps, unknown clears -------------------------------------------------------------------------
def test_skip_at_an_answered_question_keeps_the_answer_and_says_so(dialogue, store):
    dialogue.handle(ALICE, "/new KEEP-1")
    dialogue.handle(ALICE, "45")
    dialogue.handle(ALICE, "back")
    prompts = dialogue.handle(ALICE, "skip")
    assert prompts[0].text == "Kept: 45 years"
    assert prompts[-1].field == "primary_condition"
    assert store.answers(case_of(store, "KEEP-1").id) == {"age_years": 45}
    assert history(store, "KEEP-1") == [("age_years", 45, "answer")]  # nothing written


def test_the_skip_button_keeps_the_answer_too(dialogue, store):
    dialogue.handle(ALICE, "/new KEEP-2")
    dialogue.handle(ALICE, "45")
    question = dialogue.handle(ALICE, "back")[-1]
    skip = next(b for b in question.controls if decode_button(b.code).action == "skip")
    prompts = dialogue.handle(ALICE, button=skip.code)
    assert prompts[0].accepted == "Kept: 45 years"
    assert store.answers(case_of(store, "KEEP-2").id) == {"age_years": 45}


def test_unknown_clears_an_answer_and_says_what_it_was(dialogue, store):
    dialogue.handle(ALICE, "/new CLEAR-1")
    dialogue.handle(ALICE, "45")
    dialogue.handle(ALICE, "back")
    prompts = dialogue.handle(ALICE, "unknown")
    assert prompts[0].kind == "saved" and "45 years" in prompts[0].text and "Cleared" in prompts[0].text
    assert store.answers(case_of(store, "CLEAR-1").id) == {}
    assert history(store, "CLEAR-1") == [("age_years", 45, "answer"), ("age_years", None, "clear")]


def test_skip_at_an_unanswered_question_leaves_it_unanswered(dialogue, store):
    dialogue.handle(ALICE, "/new SKIP-1")
    prompts = dialogue.handle(ALICE, "skip")
    assert prompts[-1].field == "primary_condition"
    assert history(store, "SKIP-1") == [("age_years", None, "skip")]


def test_an_empty_line_shows_the_question_again_and_changes_nothing(dialogue, store):
    dialogue.handle(ALICE, "/new EMPTY-1")
    dialogue.handle(ALICE, "45")
    dialogue.handle(ALICE, "back")
    prompts = dialogue.handle(ALICE, "   ")
    assert prompts[-1].field == "age_years"
    assert store.answers(case_of(store, "EMPTY-1").id) == {"age_years": 45}


# Back from the review -------------------------------------------------------------------------------
def test_back_from_the_review_then_an_answer_returns_to_the_review(dialogue, store):
    screen(dialogue, ALICE, "BACK-1", P01, confirm=False)
    last = asked_fields(P01)[-1]
    assert dialogue.handle(ALICE, "back")[-1].field == last
    prompts = dialogue.handle(ALICE, "2")  # abdominal_pelvic_surgery: No
    assert prompts[-1].kind == "review"


def test_back_twice_from_the_review_goes_further_back_and_still_returns(dialogue, store):
    screen(dialogue, ALICE, "BACK-2", P01, confirm=False)
    fields = asked_fields(P01)
    dialogue.handle(ALICE, "back")
    assert dialogue.handle(ALICE, "back")[-1].field == fields[-2]
    before_last = QUESTIONS_BY_FIELD[fields[-2]]  # seizures, in the spec of 18 questions
    prompts = dialogue.handle(ALICE, "1")  # its first option (Yes): other-guidance.md's follow-up is asked
    assert prompts[-1].field == "seizures_controlled"
    prompts = dialogue.handle(ALICE, "yes")
    assert prompts[-1].kind == "review"
    first = before_last.codes[0]
    assert store.answers(case_of(store, "BACK-2").id)[before_last.field] in (first, (first,))
    assert store.answers(case_of(store, "BACK-2").id)[before_last.field] != validate_answers(P01)[fields[-2]]


def test_back_during_a_change_from_the_review_returns_to_the_review(dialogue):
    screen(dialogue, ALICE, "BACK-3", P01, confirm=False)
    assert dialogue.handle(ALICE, "3")[-1].field == "disease_course"
    assert dialogue.handle(ALICE, "back")[-1].kind == "review"


# Confirm with gaps -----------------------------------------------------------------------------------
def test_confirm_with_unanswered_questions_lists_them_and_asks_again(dialogue, store):
    answers = {**P01, "seizures": "unknown", "financial_burden": "unknown"}
    screen(dialogue, ALICE, "GAP-1", answers, confirm=False)
    prompts = dialogue.handle(ALICE, "confirm")
    assert [p.kind for p in prompts] == ["notice"]
    assert "2 asked questions still unanswered" in prompts[0].text
    # By their short labels and the numbers the review shows.
    assert "unanswered: Financial burden (15), Seizures (17)." in prompts[0].text
    assert store.results(case_of(store, "GAP-1").id) == []
    prompts = dialogue.handle(ALICE, "confirm")
    assert prompts[-1].kind == "result"
    assert store.results(case_of(store, "GAP-1").id)[0]["result"]["unanswered"] == [
        "financial_burden",
        "seizures",
    ]


def test_confirm_anyway_button_confirms_at_once(dialogue, store):
    screen(dialogue, ALICE, "GAP-2", {**P01, "seizures": "unknown"}, confirm=False)
    warning = dialogue.handle(ALICE, "confirm")[0]
    [anyway] = warning.controls
    assert anyway.label == "Confirm anyway"
    assert dialogue.handle(ALICE, button=anyway.code)[-1].kind == "result"


def test_the_second_confirm_must_follow_the_warning(dialogue, store):
    screen(dialogue, ALICE, "GAP-3", {**P01, "seizures": "unknown"}, confirm=False)
    dialogue.handle(ALICE, "confirm")
    seizures = QUESTIONS_BY_FIELD["seizures"].number  # the review numbers answers as the catalogue does
    dialogue.handle(ALICE, str(seizures))  # look at the seizures question, then come back without answering
    assert dialogue.handle(ALICE, "skip")[-1].kind == "review"
    assert dialogue.handle(ALICE, "confirm")[0].kind == "notice"  # warned again
    assert store.results(case_of(store, "GAP-3").id) == []


def test_confirm_with_everything_answered_needs_one_confirm(dialogue):
    screen(dialogue, ALICE, "GAP-4", P01, confirm=False)
    assert dialogue.handle(ALICE, "confirm")[-1].kind == "result"


# Several cases ---------------------------------------------------------------------------------------
def test_new_while_a_case_is_open_says_it_stays_open_and_how_to_resume(dialogue, store):
    dialogue.handle(ALICE, "/new OPEN-1")
    dialogue.handle(ALICE, "45")
    prompts = dialogue.handle(ALICE, "/new OPEN-2")
    said = texts(prompts)
    assert "OPEN-1 stays open at question 2 of 18" in said and "/resume OPEN-1" in said
    assert case_of(store, "OPEN-1").status == "open"
    assert prompts[-1].case_ref == "OPEN-2"


def test_new_after_a_finished_case_says_nothing_of_it(dialogue):
    finished(dialogue, "DONE-1")
    assert "stays open" not in texts(dialogue.handle(ALICE, "/new DONE-2"))


def test_current_with_announce_says_which_case_continues(dialogue):
    dialogue.handle(ALICE, "/new CONT-1")
    dialogue.handle(ALICE, "45")
    prompts = dialogue.current(ALICE, announce=True)
    assert prompts[0].text == "Continuing case CONT-1, question 2 of 18."
    assert prompts[-1].field == "primary_condition"
    assert dialogue.current(ALICE)[0].kind == "question"  # without announce: only the question


# Near misses -----------------------------------------------------------------------------------------
def test_a_near_miss_is_offered_back_and_stored_only_after_yes(dialogue, store):
    dialogue.handle(ALICE, "/new NEAR-1")
    dialogue.handle(ALICE, "45")
    prompts = dialogue.handle(ALICE, "cerebal palsy")
    assert "Did you mean Cerebral palsy?" in prompts[0].text
    assert [b.label for b in prompts[0].controls] == ["Yes", "No"]
    assert "primary_condition" not in store.answers(case_of(store, "NEAR-1").id)
    prompts = dialogue.handle(ALICE, "yes")
    assert prompts[0].text == "Saved (Condition): Cerebral palsy"
    assert store.answers(case_of(store, "NEAR-1").id)["primary_condition"] == "cerebral_palsy"


def test_no_to_a_near_miss_stores_nothing_and_asks_again(dialogue, store):
    dialogue.handle(ALICE, "/new NEAR-2")
    dialogue.handle(ALICE, "45")
    dialogue.handle(ALICE, "cerebal palsy")
    prompts = dialogue.handle(ALICE, "no")
    assert prompts[-1].field == "primary_condition"
    assert "primary_condition" not in store.answers(case_of(store, "NEAR-2").id)


def test_a_near_miss_offer_is_good_for_the_next_input_only(dialogue, store):
    dialogue.handle(ALICE, "/new NEAR-3")
    dialogue.handle(ALICE, "45")
    offer = dialogue.handle(ALICE, "cerebal palsy")[0]
    yes = offer.controls[0]
    dialogue.handle(ALICE, "?")  # something else in between
    prompts = dialogue.handle(ALICE, "yes")  # "yes" is no option of primary_condition: refused
    assert prompts[0].kind == "refusal"
    prompts = dialogue.handle(ALICE, button=yes.code)
    assert prompts[0].kind == "refusal"
    assert "primary_condition" not in store.answers(case_of(store, "NEAR-3").id)


def test_the_yes_button_of_a_near_miss_stores_it(dialogue, store):
    dialogue.handle(ALICE, "/new NEAR-4")
    dialogue.handle(ALICE, "45")
    dialogue.handle(ALICE, "1")
    dialogue.handle(ALICE, "1")
    offer = dialogue.handle(ALICE, "mobilty")[0]
    prompts = dialogue.handle(ALICE, button=offer.controls[0].code)
    assert prompts[-1].field == "ambulatory"
    assert store.answers(case_of(store, "NEAR-4").id)["interference"] == ("mobility",)


# Amend -----------------------------------------------------------------------------------------------
def amend(dialogue, ref, reason, who=ALICE):
    first = dialogue.handle(who, f"/amend {ref}")
    assert "Why is case" in first[0].text, first[0].text
    return dialogue.handle(who, reason)


def test_amend_reopens_at_the_review_and_keeps_both_results(dialogue, store):
    finished(dialogue, "AM-1")
    prompts = amend(dialogue, "AM-1", "financial burden was misread")
    assert prompts[-1].kind == "review"
    case = case_of(store, "AM-1")
    assert case.status == "open" and case.state == REVIEW
    dialogue.handle(ALICE, str(QUESTIONS_BY_FIELD["financial_burden"].number))
    dialogue.handle(ALICE, "yes")
    prompts = dialogue.handle(ALICE, "confirm")
    assert "amended" in prompts[0].text and prompts[-1].kind == "result"
    results = store.results(case.id)
    assert [(r["kind"], r["reason"]) for r in results] == [
        ("confirm", None),
        ("amend", "financial burden was misread"),
    ]
    assert [r["result"]["recommendation"] for r in results] == ["refer_for_screening", "refer_after_review"]
    assert case_of(store, "AM-1").status == "done"
    assert [(e["kind"], e["reason"], e["by"]) for e in store.events(case.id)] == [
        ("amend", "financial burden was misread", "Alice")
    ]
    [audit] = store.db.execute("SELECT event, detail FROM audit WHERE event = 'amend_case'").fetchall()
    assert audit[1].startswith("AM-1")


@pytest.mark.parametrize(
    "reason, why",
    [
        ("born 15/03/1990", "a date"),
        ("NHS 943 476 5919 was wrong", "a national number"),
        ("wrong patient MRN12345", "a record number"),
        ("Mr Smith is not the patient", "a name"),
        ("spoke to Priya Patel", "a name"),
        ("x" * 201, "longer than 200"),
    ],
)
def test_a_reason_that_could_identify_a_patient_is_refused_and_never_stored(reason, why, dialogue, store):
    finished(dialogue, "AM-2")
    prompts = amend(dialogue, "AM-2", reason)
    assert prompts[0].kind == "refusal" and why in prompts[0].text
    assert store.events(case_of(store, "AM-2").id) == []
    stored = " ".join(r[0] for r in store.db.execute("SELECT text FROM messages"))
    assert reason not in stored
    # still waiting for the reason: a good one opens the amendment
    assert dialogue.handle(ALICE, "age was mistyped")[-1].kind == "review"


def test_cancel_while_asked_for_a_reason_starts_no_amendment(dialogue, store):
    finished(dialogue, "AM-3")
    dialogue.handle(ALICE, "/amend AM-3")
    assert "No amendment" in dialogue.handle(ALICE, "/cancel")[0].text
    assert case_of(store, "AM-3").status == "done"


def test_leaving_an_amendment_keeps_the_case_finished(dialogue, store):
    finished(dialogue, "AM-4")
    amend(dialogue, "AM-4", "check the goals")
    prompts = dialogue.handle(ALICE, "/cancel")
    assert "stays finished" in prompts[0].text
    assert case_of(store, "AM-4").status == "done"
    assert len(store.results(case_of(store, "AM-4").id)) == 1


def test_only_a_finished_case_is_amended(dialogue, store):
    dialogue.handle(ALICE, "/new AM-5")
    prompts = dialogue.handle(ALICE, "/amend AM-5")
    assert "not finished" in prompts[0].text
    assert store.db.execute("SELECT awaiting FROM users WHERE external_id = 'alice'").fetchone()[0] is None


def test_another_clinician_cannot_amend_or_void_but_a_reviewer_can(dialogue, store):
    finished(dialogue, "AM-6")
    assert "None of your cases" in dialogue.handle(BOB, "/amend AM-6")[0].text
    assert "None of your cases" in dialogue.handle(BOB, "/void AM-6 mine now")[0].text
    assert store.events(case_of(store, "AM-6").id) == []
    prompts = amend(dialogue, "AM-6", "second opinion on goals", who=REVIEWER)
    assert prompts[-1].kind == "review"
    assert dialogue.handle(REVIEWER, "confirm")[-1].kind == "result"
    [_, second] = store.results(case_of(store, "AM-6").id)
    assert second["by"] == "Dr Review" and second["reason"] == "second opinion on goals"


def test_the_amend_button_of_a_result_asks_for_the_reason(dialogue, store):
    result = finished(dialogue, "AM-7")[-1]
    [button] = result.controls
    assert button.label == "Amend"
    assert "Why is case AM-7" in dialogue.handle(ALICE, button=button.code)[0].text
    assert "Why is case" not in dialogue.handle(BOB, button=button.code)[0].text  # not Bob's case


# Void ------------------------------------------------------------------------------------------------
def test_void_keeps_the_case_but_leaves_it_out_of_cases(dialogue, store):
    dialogue.handle(ALICE, "/new VOID-1")
    dialogue.handle(ALICE, "45")
    prompts = dialogue.handle(ALICE, "/void VOID-1 opened for the wrong clinic")
    assert "void" in prompts[0].text
    case = case_of(store, "VOID-1")
    assert case.status == "void"
    assert store.answers(case.id) == {"age_years": 45}
    events = [(e["kind"], e["reason"]) for e in store.events(case.id)]
    assert events == [("void", "opened for the wrong clinic")]
    assert store.db.execute("SELECT count(*) FROM audit WHERE event = 'void_case'").fetchone()[0] == 1
    assert "VOID-1" not in texts(dialogue.handle(ALICE, "/cases"))
    assert "void" in dialogue.handle(ALICE, "/resume VOID-1")[0].text
    assert case_of(store, "VOID-1").status == "void"
    assert dialogue.handle(ALICE, "40")[0].text.startswith("No case is open")


def test_void_needs_a_reason_without_identifiers(dialogue, store):
    dialogue.handle(ALICE, "/new VOID-2")
    assert "Usage: /void" in dialogue.handle(ALICE, "/void VOID-2")[0].text
    prompts = dialogue.handle(ALICE, "/void VOID-2 was for 12/03/1990")
    assert "a date" in prompts[0].text
    assert case_of(store, "VOID-2").status == "open"
    assert "12/03/1990" not in " ".join(r[0] for r in store.db.execute("SELECT text FROM messages"))


def test_a_reviewer_may_amend_anothers_case_but_not_resume_it(dialogue, store):
    dialogue.handle(ALICE, "/new OWN-1")
    prompts = dialogue.handle(REVIEWER, "/resume OWN-1")
    assert "None of your cases" in prompts[0].text
    assert store.user("telegram", "99").active_case_id is None


def test_the_confirm_anyway_button_needs_no_second_warning(dialogue, store):
    screen(dialogue, ALICE, "GAP-5", {**P01, "seizures": "unknown"}, confirm=False)
    [anyway] = dialogue.handle(ALICE, "confirm")[0].controls
    dialogue.handle(ALICE, "1")  # look at the age, keep it: the warning is forgotten
    assert dialogue.handle(ALICE, "skip")[-1].kind == "review"
    assert store.case_by_ref("GAP-5").pending is None
    assert dialogue.handle(ALICE, button=anyway.code)[-1].kind == "result"


@pytest.mark.parametrize("status", ["open", "cancelled"])
def test_a_case_that_is_not_finished_is_not_amended(status, dialogue, store):
    dialogue.handle(ALICE, "/new AM-8")
    if status == "cancelled":
        dialogue.handle(ALICE, "/cancel")
    prompts = dialogue.handle(ALICE, "/amend AM-8")
    assert "not finished" in prompts[0].text
    assert case_of(store, "AM-8").status == status


@pytest.mark.parametrize("then", ["/amend NEAR-A", "/new"])
def test_a_command_after_a_near_miss_waits_for_its_own_next_message(then, dialogue, store):
    """Ending an offer must not end what the same input asked for (a reason, a reference)."""
    finished(dialogue, "NEAR-A")
    dialogue.handle(ALICE, "/new NEAR-B")
    dialogue.handle(ALICE, "45")
    assert "Did you mean" in dialogue.handle(ALICE, "cerebal palsy")[0].text
    dialogue.handle(ALICE, then)
    prompts = dialogue.handle(ALICE, "NEAR-C" if then == "/new" else "goals were misread")
    if then == "/new":
        assert prompts[-1].case_ref == "NEAR-C" and prompts[-1].field == "age_years"
    else:
        assert prompts[-1].kind == "review" and prompts[-1].case_ref == "NEAR-A"


def test_the_dialogue_remembers_when_a_case_first_reached_the_review(dialogue, store):
    dialogue.handle(ALICE, "/new FIRST-1")
    assert case_of(store, "FIRST-1").first_review_at is None
    screen_from_here = screen(dialogue, ALICE, "FIRST-2", P01, confirm=False)
    assert screen_from_here[-1].kind == "review"
    first = case_of(store, "FIRST-2").first_review_at
    assert first is not None
    dialogue.handle(ALICE, "3")
    dialogue.handle(ALICE, "2")  # back at the review after a change
    assert case_of(store, "FIRST-2").first_review_at == first
