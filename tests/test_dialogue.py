"""The screening conversation, driven through the dialogue on a real SQLite file."""

from __future__ import annotations

import sqlite3

import pytest

from itb_screen.criteria import (
    FIELDS,
    QUESTIONS,
    QUESTIONS_BY_FIELD,
    asked_fields,
    evaluate,
    validate_answers,
)
from itb_screen.dialogue import (
    CHOOSING,
    DONE,
    REVIEW,
    STATES,
    Dialogue,
    Identity,
    Refusal,
    build_machine,
    check_ref,
)
from itb_screen.storage import Store

from .conftest import VIGNETTE_IDS, VIGNETTES
from .drive import STYLES, screen, typed, unanswered_asked

ALICE = Identity("console", "alice", "Alice")
BOB = Identity("console", "bob", "Bob")


def case_of(store: Store, ref: str):
    return store.case_by_ref(ref)


@pytest.mark.parametrize("index", range(len(VIGNETTES)), ids=VIGNETTE_IDS)
def test_vignette_typed_gives_the_evaluate_result(index, dialogue, store):
    case = VIGNETTES[index]
    style = STYLES[index % len(STYLES)]
    prompts = screen(dialogue, ALICE, f"V-{case['id']}", case["answers"], style)
    result = prompts[-1].result
    expected = evaluate(validate_answers(case["answers"]))
    assert prompts[-1].kind == "result"
    assert result == expected
    assert result.recommendation == case["expected"]["recommendation"]
    assert [p.code for p in result.discussion_points] == case["expected"]["discussion_points"]
    stored = store.latest_result(case_of(store, f"V-{case['id']}").id)[0]
    assert stored == expected.to_dict()
    assert "does not replace the ITB screening test" in prompts[-1].text


def answers_now(store, ref):
    return store.answers(case_of(store, ref).id)


def start(dialogue, who=ALICE, ref="CASE-1"):
    prompts = dialogue.handle(who, f"/new {ref}")
    assert prompts[-1].field == "age_years"
    return prompts


REFUSED = [
    ("age", "age_years", [], "eighty-eight years and a half"),
    ("age-range", "age_years", [], "130"),
    ("age-negative", "age_years", [], "-3"),
    ("one-unknown-word", "primary_condition", ["40"], "gout"),
    ("one-number-too-high", "primary_condition", ["40"], "8"),
    ("one-number-zero", "primary_condition", ["40"], "0"),
    ("many-none-with-others", "interference", ["40", "1", "1"], "1, 7"),
    ("many-unknown", "interference", ["40", "1", "1"], "comfort, itching"),
    ("empty", "primary_condition", ["40"], ""),
    ("spaces", "primary_condition", ["40"], "   "),
    ("too-long", "primary_condition", ["40"], "1" + " " * 499 + "x"),
    ("unknown-command", "primary_condition", ["40"], "/frobnicate"),
]


@pytest.mark.parametrize("field, before, bad", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_input_re_asks_and_stores_nothing(field, before, bad, dialogue, store):
    start(dialogue)
    for text in before:
        dialogue.handle(ALICE, text)
    history_before = store.history(case_of(store, "CASE-1").id)
    state_before = case_of(store, "CASE-1").state
    assert state_before == field
    prompts = dialogue.handle(ALICE, bad)
    assert prompts[0].kind == "refusal"
    assert len(prompts[0].text.splitlines()) == 1
    assert prompts[-1].kind == "question" and prompts[-1].field == field
    assert store.history(case_of(store, "CASE-1").id) == history_before
    assert case_of(store, "CASE-1").state == state_before


def test_age_forms_accepted(dialogue, store):
    for index, text in enumerate(["8", "8y", "8 years", " 8 Years "]):
        dialogue.handle(ALICE, f"/new AGE-{index}")
        prompts = dialogue.handle(ALICE, text)
        assert prompts[-1].field == "primary_condition"
        assert answers_now(store, f"AGE-{index}") == {"age_years": 8}


@pytest.mark.parametrize("text", ["1, 4", "1 4", "comfort, mobility", "Comfort,Mobility", "mobility comfort"])
def test_many_choice_forms(text, dialogue, store):
    start(dialogue)
    for answer in ("40", "1", "1"):
        dialogue.handle(ALICE, answer)
    dialogue.handle(ALICE, text)
    assert answers_now(store, "CASE-1")["interference"] == ("comfort", "mobility")


@pytest.mark.parametrize(
    ("word", "action"),
    [
        ("unknown", "unknown"),
        ("skip", "skip"),
        ("SKIP", "skip"),
        ("/skip", "skip"),
        ("don't know", "unknown"),
    ],
)
def test_skip_words_leave_a_question_unanswered(word, action, dialogue, store):
    """Both leave it unanswered; `unknown` is kept as "not known" (issue 18), a skip is not."""
    start(dialogue)
    prompts = dialogue.handle(ALICE, word)
    assert prompts[-1].field == "primary_condition"
    assert answers_now(store, "CASE-1") == {}
    case_id = case_of(store, "CASE-1").id
    assert store.history(case_id)[0]["action"] == action
    assert store.not_known(case_id) == ({"age_years"} if action == "unknown" else set())


def test_back_returns_to_the_previous_asked_question(dialogue, store):
    start(dialogue)
    assert dialogue.handle(ALICE, "back")[0].kind == "refusal"  # nothing before the first question
    dialogue.handle(ALICE, "40")  # adult: growth_complications is not asked
    for answer in ("1", "1", "1", "no"):  # not ambulatory: relies_on_spasticity is not asked
        dialogue.handle(ALICE, answer)
    assert case_of(store, "CASE-1").state == "prior_treatments"
    prompts = dialogue.handle(ALICE, "/back")
    assert prompts[-1].field == "ambulatory"
    prompts = dialogue.handle(ALICE, "yes")  # ambulatory now: its follow-up comes right after it
    assert prompts[-1].field == "relies_on_spasticity"
    history = store.history(case_of(store, "CASE-1").id)
    assert [(h["field"], h["action"]) for h in history[-1:]] == [("ambulatory", "change")]
    assert answers_now(store, "CASE-1")["ambulatory"] == "yes"
    assert dialogue.handle(ALICE, "back")[-1].field == "ambulatory"


def test_child_is_asked_growth_and_back_goes_through_it(dialogue, store):
    start(dialogue)
    for answer in ("8", "1", "1", "1"):
        dialogue.handle(ALICE, answer)
    assert dialogue.handle(ALICE, "no")[-1].field == "growth_complications"
    assert dialogue.handle(ALICE, "1")[-1].field == "child_surgical_risks"  # other-guidance.md: under 18
    assert dialogue.handle(ALICE, "none")[-1].field == "prior_treatments"
    assert dialogue.handle(ALICE, "back")[-1].field == "child_surgical_risks"
    assert dialogue.handle(ALICE, "back")[-1].field == "growth_complications"


def to_review(dialogue, answers: dict, who=ALICE, ref="CASE-1", style="numbers"):
    prompts = screen(dialogue, who, ref, answers, style, confirm=False)
    assert prompts[-1].kind == "review"
    return prompts


P01 = next(v for v in VIGNETTES if v["id"] == "P01")["answers"]
#: P02 is a child of 8: other-guidance.md's follow-up on a child's surgical risks is asked too (none here).
P02 = {**next(v for v in VIGNETTES if v["id"] == "P02")["answers"], "child_surgical_risks": ["none"]}


def test_change_at_review_re_asks_and_returns(dialogue, store):
    prompts = to_review(dialogue, P02)
    review = prompts[-1]
    # A child with cerebral palsy who does not walk and has no seizures: of the follow-ups, only the
    # child's surgical risks (6a) is asked.
    follow_ups = {"tbi_within_year", "sci_level_t6_or_above", "relies_on_spasticity", "seizures_controlled"}
    assert [line.field for line in review.review] == [q.field for q in QUESTIONS if q.field not in follow_ups]
    assert [line.number for line in review.review][4:8] == ["5", "6", "6a", "7"]
    prompts = dialogue.handle(ALICE, "15")  # financial_burden is question 15 of the spec
    assert prompts[-1].field == "financial_burden"
    prompts = dialogue.handle(ALICE, "yes")
    assert prompts[-1].kind == "review"
    prompts = dialogue.handle(ALICE, "confirm")
    assert prompts[-1].result.recommendation == "refer_after_review"
    changes = [h for h in store.history(case_of(store, "CASE-1").id) if h["action"] == "change"]
    assert [(c["field"], c["value"], c["user"]) for c in changes] == [("financial_burden", "yes", "Alice")]


def test_change_by_button_and_back_returns_to_review(dialogue, store):
    review = to_review(dialogue, P02)[-1]
    change = review.options[[line.field for line in review.review].index("seizures")]
    prompts = dialogue.handle(ALICE, button=change.code)
    assert prompts[-1].field == "seizures"
    prompts = dialogue.handle(ALICE, "back")  # while changing, back abandons the change
    assert prompts[-1].kind == "review"
    assert answers_now(store, "CASE-1")["seizures"] == "no"


def test_age_change_removes_the_growth_question(dialogue, store):
    to_review(dialogue, P02)
    dialogue.handle(ALICE, "1")
    prompts = dialogue.handle(ALICE, "30")
    review = prompts[-1]
    assert review.kind == "review"
    assert "growth_complications" not in [line.field for line in review.review]
    assert "child_surgical_risks" not in [line.field for line in review.review]  # under 18 only too
    result = dialogue.handle(ALICE, "confirm")[-1].result
    assert "paediatric_growth" not in [p.code for p in result.discussion_points]
    # The answers are ignored by the rules but stay in the history.
    assert answers_now(store, "CASE-1")["growth_complications"] == ("limb_deformity", "joint_dislocation")
    assert answers_now(store, "CASE-1")["child_surgical_risks"] == ("none",)


def test_age_change_to_a_child_asks_the_growth_question(dialogue, store):
    adult = {**P02, "age_years": 30}
    del adult["growth_complications"], adult["child_surgical_risks"]
    review = to_review(dialogue, adult)[-1]
    assert "growth_complications" not in [line.field for line in review.review]
    dialogue.handle(ALICE, "1")
    prompts = dialogue.handle(ALICE, "9")
    assert prompts[-1].field == "growth_complications"
    prompts = dialogue.handle(ALICE, "none")
    assert prompts[-1].field == "child_surgical_risks"  # asked under 18 too, before the review
    prompts = dialogue.handle(ALICE, "none")
    assert prompts[-1].kind == "review"
    assert {"growth_complications", "child_surgical_risks"} <= {line.field for line in prompts[-1].review}


def test_toggle_buttons_then_done(dialogue, store):
    start(dialogue)
    for answer in ("40", "1", "1"):
        prompts = dialogue.handle(ALICE, answer)
    question = prompts[-1]
    assert question.field == "interference" and question.multi
    by_label = {b.label: b.code for b in question.options}
    prompts = dialogue.handle(ALICE, button=by_label["Comfort"])
    prompts = dialogue.handle(ALICE, button=by_label["Mobility"])
    assert {b.label for b in prompts[-1].options if b.selected} == {"Comfort", "Mobility"}
    prompts = dialogue.handle(ALICE, button=by_label["None of these"])  # none excludes the others
    assert {b.label for b in prompts[-1].options if b.selected} == {"None of these"}
    prompts = dialogue.handle(ALICE, button=by_label["Comfort"])  # and another excludes none
    assert {b.label for b in prompts[-1].options if b.selected} == {"Comfort"}
    assert "interference" not in answers_now(store, "CASE-1")  # nothing stored until Done
    done = next(b for b in prompts[-1].controls if b.label == "Done")
    prompts = dialogue.handle(ALICE, button=done.code)
    assert prompts[-1].field == "ambulatory"
    assert answers_now(store, "CASE-1")["interference"] == ("comfort",)


def test_done_with_nothing_chosen_is_refused(dialogue, store):
    start(dialogue)
    for answer in ("40", "1", "1"):
        prompts = dialogue.handle(ALICE, answer)
    done = next(b for b in prompts[-1].controls if b.label == "Done")
    prompts = dialogue.handle(ALICE, button=done.code)
    assert prompts[0].kind == "refusal"
    assert prompts[-1].field == "interference"


def test_stale_buttons_are_refused_and_change_nothing(dialogue, store):
    start(dialogue)
    first = dialogue.handle(ALICE, "40")[-1]  # primary_condition with its buttons
    dialogue.handle(ALICE, button=first.options[0].code)
    history = store.history(case_of(store, "CASE-1").id)
    prompts = dialogue.handle(ALICE, button=first.options[1].code)  # the same message, pressed again
    assert prompts[0].kind == "refusal" and "closed" in prompts[0].text
    assert prompts[-1].field == "disease_course"
    assert store.history(case_of(store, "CASE-1").id) == history
    for forged in ("a:999:2:1", "zz", "a:1:2:99", "x:1:2", "a:1:\u00b2:1", "t:1:\u0663:1", "a:1:rr:1"):
        prompts = dialogue.handle(ALICE, button=forged)
        assert prompts[0].kind == "refusal"
    assert store.history(case_of(store, "CASE-1").id) == history


def test_a_button_of_another_users_case_is_stale(dialogue, store):
    question = start(dialogue, ALICE, "ALICE-1")[-1]
    start(dialogue, BOB, "BOB-1")
    prompts = dialogue.handle(BOB, button=question.controls[-1].code)  # Alice's Skip
    assert prompts[0].kind == "refusal"
    assert store.history(case_of(store, "ALICE-1").id) == []


def test_two_users_and_two_cases_interleaved(dialogue, store):
    p01 = VIGNETTES[0]["answers"]
    p07 = next(v for v in VIGNETTES if v["id"] == "P07")
    start(dialogue, ALICE, "A-ONE")
    start(dialogue, BOB, "B-ONE")
    dialogue.handle(ALICE, "34")
    dialogue.handle(BOB, "50")
    start(dialogue, ALICE, "A-TWO")  # Alice opens a second case; A-ONE waits at question 2
    dialogue.handle(ALICE, "61")
    assert dialogue.handle(ALICE, "/resume A-ONE")[-1].field == "primary_condition"
    assert answers_now(store, "A-ONE") == {"age_years": 34}
    assert answers_now(store, "A-TWO") == {"age_years": 61}
    assert answers_now(store, "B-ONE") == {"age_years": 50}
    # Bob cannot see or resume Alice's case.
    prompts = dialogue.handle(BOB, "/resume A-ONE")
    assert prompts[0].kind == "refusal" and "None of your cases" in prompts[0].text
    listing = dialogue.handle(ALICE, "/cases")[-1].text
    assert "A-ONE" in listing and "A-TWO" in listing and "B-ONE" not in listing
    # Each finishes with its own answers.
    result = screen_rest(dialogue, ALICE, p01)
    assert result.recommendation == "refer_for_screening"
    result = screen_rest(dialogue, BOB, p07["answers"])
    assert result.recommendation == p07["expected"]["recommendation"]


def screen_rest(dialogue, who, answers):
    prompts = dialogue.current(who)
    for _ in range(60):
        last = prompts[-1]
        if last.kind == "question":
            question = QUESTIONS_BY_FIELD[last.field]
            prompts = dialogue.handle(who, typed(question, answers.get(last.field), "codes"))
        elif last.kind == "review":
            prompts = dialogue.handle(who, "confirm")
            if prompts[-1].kind == "notice" and unanswered_asked(answers):
                prompts = dialogue.handle(who, "confirm")  # "N questions unanswered: confirm again"
        else:
            return last.result
    raise AssertionError("unfinished")


#: P02 is a child: the growth question is asked, and the last stop is at the last question.
CHILD_ASKED = len(asked_fields(validate_answers(VIGNETTES[1]["answers"])))


@pytest.mark.parametrize("stop_after", [0, 1, 5, 9, CHILD_ASKED - 1])
def test_restart_between_answers_resumes_at_the_right_question(stop_after, db_path):
    answers = VIGNETTES[1]["answers"]  # P02: a child, so skip logic matters
    with Store(db_path) as store:
        dialogue = Dialogue(store)
        prompts = dialogue.handle(ALICE, "/new RESTART-1")
        for _ in range(stop_after):
            field = prompts[-1].field
            prompts = dialogue.handle(ALICE, typed(QUESTIONS_BY_FIELD[field], answers.get(field), "numbers"))
        open_question = prompts[-1].field
    # A fresh store and machine on the same file, as after a restart.
    with Store(db_path) as store:
        dialogue = Dialogue(store, build_machine())
        shown = dialogue.current(ALICE)
        assert shown[-1].field == open_question
        assert dialogue.handle(ALICE, "/resume RESTART-1")[-1].field == open_question
        result = screen_rest(dialogue, ALICE, answers)
        assert result == evaluate(validate_answers(answers))


def test_a_button_from_before_a_restart_still_works_on_the_open_question(db_path):
    with Store(db_path) as store:
        dialogue = Dialogue(store)
        dialogue.handle(ALICE, "/new BTN-1")
        question = dialogue.handle(ALICE, "40")[-1]
    with Store(db_path) as store:
        prompts = Dialogue(store).handle(ALICE, button=question.options[2].code)
        assert prompts[-1].field == "sci_level_t6_or_above"  # its follow-up, asked right after it
        assert store.answers(store.case_by_ref("BTN-1").id)["primary_condition"] == "spinal_cord_injury"


@pytest.mark.parametrize(
    "ref, why",
    [
        ("ab", "3 to 32"),
        ("a" * 33, "3 to 32"),
        ("John Smith", "3 to 32"),
        ("MRN1234567", "a record number"),
        ("2001-04-12", "date"),
        ("12-04-2001", "date"),
        ("case/1", "3 to 32"),
        ("15-Mar-1990", "date"),
        ("Mar-15-1990", "date"),
        ("1990-Mar-15", "date"),
        ("15_March_1990", "date"),
        ("15mar90", "date"),
    ],
)
def test_case_references_that_could_identify_a_patient_are_refused(ref, why, dialogue, store):
    with pytest.raises(Refusal, match=why):
        check_ref(ref)
    for attempt in (f"/new {ref}", f"/resume {ref}"):
        prompts = dialogue.handle(ALICE, attempt)
        assert prompts[0].kind == "refusal"
        assert ref not in prompts[0].text  # not repeated back
    dialogue.handle(ALICE, "/new")
    assert dialogue.handle(ALICE, ref)[0].kind == "refusal"
    assert store.all_cases() == []
    # Nothing that was refused is kept, not even in the transcript.
    kept = [row[0] for row in store.db.execute("SELECT text FROM messages")]
    assert kept and not [text for text in kept if ref in text]


@pytest.mark.parametrize("ref", ["SPAS-014", "abc", "case_2024_a", "X" * 32])
def test_good_case_references(ref):
    assert check_ref(ref) == ref


def test_new_without_ref_asks_for_one(dialogue, store):
    prompts = dialogue.handle(ALICE, "/new")
    assert "case reference" in prompts[-1].text
    prompts = dialogue.handle(ALICE, "Jane Doe")  # a name is refused, and the bot still waits for a ref
    assert prompts[0].kind == "refusal"
    prompts = dialogue.handle(ALICE, "SPAS-1")
    assert prompts[-1].field == "age_years"


def test_references_are_unique_whatever_their_case(dialogue, store):
    start(dialogue, ALICE, "DUP-1")
    assert "already have" in dialogue.handle(ALICE, "/new dup-1")[0].text
    assert "another case" in dialogue.handle(BOB, "/new DUP-1")[0].text
    assert len(store.all_cases()) == 1


def test_cancel_and_resume(dialogue, store):
    start(dialogue)
    dialogue.handle(ALICE, "40")
    assert "cancelled" in dialogue.handle(ALICE, "/cancel")[0].text
    assert case_of(store, "CASE-1").status == "cancelled"
    assert dialogue.handle(ALICE, "1")[0].text.startswith("No case is open")
    prompts = dialogue.handle(ALICE, "/resume case-1")
    assert prompts[-1].field == "primary_condition"
    assert case_of(store, "CASE-1").status == "open"


def test_transcript_keeps_every_message_in_and_out(dialogue, store):
    start(dialogue)
    dialogue.handle(ALICE, "eighty-eight years and a half")
    dialogue.handle(ALICE, "8")
    transcript = store.transcript(case_of(store, "CASE-1").id)
    lines = [(m["direction"], m["text"].splitlines()[0]) for m in transcript]
    assert lines[:4] == [
        ("in", "/new CASE-1"),
        (
            "out",
            "Case CASE-1 started. Answers are saved as you go; /back goes back, /skip moves on, ? explains.",
        ),
        ("out", "Case CASE-1 - question 1 of 18"),
        ("in", "eighty-eight years and a half"),
    ]
    # refusal, question again, then 8 and the next question with its say-back line on top (one row)
    assert [d for d, _ in lines[4:]] == ["out", "out", "in", "out"]
    assert lines[-1] == ("out", "Saved (Age): 8 years")
    assert transcript[-1]["text"].splitlines()[1].startswith("Case CASE-1 - question 2 of ")
    assert all(m["at"] and m["user"] == "Alice" for m in transcript)


def test_done_case_shows_its_result_again(dialogue, store):
    screen(dialogue, ALICE, "FIN-1", VIGNETTES[0]["answers"])
    assert "finished" in dialogue.handle(ALICE, "1")[0].text
    prompts = dialogue.handle(ALICE, "/resume FIN-1")
    assert prompts[-1].kind == "result"
    assert len(store.db.execute("select * from results").fetchall()) == 1


def test_machine_states_come_from_the_catalogue():
    assert STATES == (CHOOSING, *FIELDS, REVIEW, DONE)
    machine = build_machine()
    assert set(machine.states) == set(STATES)
    # Every state is reachable from choosing a case.
    reachable, frontier = {CHOOSING}, [CHOOSING]
    while frontier:
        state = frontier.pop()
        for event in machine.events.values():
            for transition in event.transitions.get(state, []):
                if transition.dest not in reachable:
                    reachable.add(transition.dest)
                    frontier.append(transition.dest)
    assert reachable == set(STATES)


def test_models_of_idle_cases_leave_the_shared_machine(store):
    dialogue = Dialogue(store, active_models=2)
    refs = ["LRU-1", "LRU-2", "LRU-3"]
    for ref in refs:
        start(dialogue, ALICE, ref)
        dialogue.handle(ALICE, "40")
    assert len(dialogue.machine.models) == 2  # LRU-1's model was removed
    for ref in refs:  # each resumes from the database, whether its model stayed or not
        assert dialogue.handle(ALICE, f"/resume {ref}")[-1].field == "primary_condition"
        assert dialogue.handle(ALICE, "1")[-1].field == "disease_course"
    assert len(dialogue.machine.models) == 2
    both = {"age_years": 40, "primary_condition": "cerebral_palsy"}
    assert all(answers_now(store, ref) == both for ref in refs)


def test_a_model_kept_on_the_machine_follows_the_database(db_path):
    """Another process moves the case on: the kept model takes the state from the database."""
    with Store(db_path) as first_store, Store(db_path) as second_store:
        first, second = Dialogue(first_store), Dialogue(second_store)
        start(first, ALICE, "TWO-PROC")
        first.handle(ALICE, "40")  # first's model now sits at primary_condition
        second.handle(ALICE, "1")
        second.handle(ALICE, "1")  # the case is at interference
        assert first.handle(ALICE, "back")[-1].field == "disease_course"


def test_the_reference_is_read_only_from_the_message_right_after_new(dialogue, store):
    start(dialogue, ALICE, "OPEN-1")
    question = dialogue.handle(ALICE, "40")[-1]
    dialogue.handle(ALICE, "/new")  # asks for a reference...
    prompts = dialogue.handle(ALICE, button=question.options[0].code)  # ...but the user answers instead
    assert prompts[-1].field == "disease_course"
    prompts = dialogue.handle(ALICE, "Stable")  # an answer, not a case called "Stable"
    assert prompts[-1].field == "interference"
    assert [c.ref for c in store.all_cases()] == ["OPEN-1"]
    dialogue.handle(ALICE, "/new")
    dialogue.handle(ALICE, "/cases")
    assert dialogue.handle(ALICE, "skip")[-1].field == "ambulatory"
    assert [c.ref for c in store.all_cases()] == ["OPEN-1"]


@pytest.mark.parametrize("word", ["yes", "ok", "y"])
def test_only_confirm_closes_a_case_at_review(word, dialogue, store):
    to_review(dialogue, P02)
    prompts = dialogue.handle(ALICE, word)
    assert prompts[0].kind == "refusal" and prompts[-1].kind == "review"
    assert case_of(store, "CASE-1").status == "open"


# Boundaries, tried exactly -------------------------------------------------------------------------
def asked_after_age(dialogue, age: str) -> list[str]:
    """The fields the dialogue asks after the age `age`, skipping each question in turn, to the review."""
    start(dialogue)
    prompts = dialogue.handle(ALICE, age)
    asked = []
    while prompts[-1].kind == "question":
        asked.append(prompts[-1].field)
        prompts = dialogue.handle(ALICE, "skip")
    assert prompts[-1].kind == "review"
    return asked


@pytest.mark.parametrize("age, child", [("0", True), ("17", True), ("18", False), ("120", False)])
def test_under_18_is_asked_the_growth_question_and_gets_the_paediatric_point(dialogue, store, age, child):
    """The spec: growth_complications is asked when age_years < 18, and paediatric_growth is its point."""
    asked = asked_after_age(dialogue, age)
    assert ("growth_complications" in asked) is child
    assert answers_now(store, "CASE-1") == {"age_years": int(age)}  # 0 and 120 are accepted
    dialogue.handle(ALICE, "confirm")
    result = dialogue.handle(ALICE, "confirm")[-1].result  # confirm again: the skipped questions
    assert ("paediatric_growth" in [p.code for p in result.discussion_points]) is child


@pytest.mark.parametrize("age", ["-1", "121"])
def test_ages_outside_0_to_120_are_refused_and_nothing_is_stored(dialogue, store, age):
    start(dialogue)
    prompts = dialogue.handle(ALICE, age)
    assert prompts[0].kind == "refusal" and prompts[-1].field == "age_years"
    assert store.history(case_of(store, "CASE-1").id) == []


@pytest.mark.parametrize(
    "ref, refused",
    [
        ("AB1234", False),
        ("AB12345", True),
        ("123456", True),
        ("1234-X", False),
        ("12-345-X", True),  # separators between digits are ignored
        ("X-123456-Y", True),
        ("SPAS-2019-007", False),  # a year and a short number is not one number
    ],
)
def test_a_reference_with_five_digits_in_a_row_is_refused_four_are_accepted(dialogue, store, ref, refused):
    prompts = dialogue.handle(ALICE, f"/new {ref}")
    if refused:
        assert prompts[0].kind == "refusal" and "could identify a patient" in prompts[0].text
        assert store.all_cases() == []
    else:
        assert prompts[-1].field == "age_years" and case_of(store, ref) is not None


# One input is all or nothing -----------------------------------------------------------------------
FAILING_WRITE = """
CREATE TRIGGER fail_on_marker BEFORE INSERT ON messages
WHEN NEW.direction = 'in' AND NEW.text = '{marker}'
BEGIN SELECT RAISE(ABORT, 'the disk failed (a test trigger)'); END
"""


def state_of(store, ref: str) -> tuple:
    """Everything one input may change: the case row, its answer history, results and transcript."""
    case = case_of(store, ref)
    user = store.user_by_id(case.user_id)
    return (case, user, store.history(case.id), store.results(case.id), store.transcript(case.id))


@pytest.mark.parametrize("step", ["typed answer", "pressed answer", "confirm"])
def test_a_write_failing_after_the_answer_leaves_nothing_of_the_input(dialogue, store, step):
    """The transcript line of the input is written after its answer (or result) and the case's new state:
    when that write fails, the input's earlier writes are rolled back with it, every time."""
    if step == "confirm":
        screen(dialogue, ALICE, "CASE-1", {**P01, "sci_level_t6_or_above": "no"}, confirm=False)
        marker, kwargs = "confirm", {"text": "confirm"}
    else:
        start(dialogue)
        question = dialogue.handle(ALICE, "40")[-1]  # primary_condition
        if step == "typed answer":
            marker, kwargs = "MS", {"text": "MS"}
        else:
            button = question.options[1]
            case_id = case_of(store, "CASE-1").id
            marker = f"[pressed] answer {button.label} (case {case_id}, 2)"  # the press as recorded
            kwargs = {"button": button.code}
    before = state_of(store, "CASE-1")
    store.db.execute(FAILING_WRITE.format(marker=marker))
    with pytest.raises(sqlite3.DatabaseError, match="a test trigger"):
        dialogue.handle(ALICE, **kwargs)
    assert not store.db.conn.in_transaction
    assert state_of(store, "CASE-1") == before
    # The same input once the disk is back: applied once, as if the failure had never been.
    store.db.execute("DROP TRIGGER fail_on_marker")
    prompts = dialogue.handle(ALICE, **kwargs)
    after = state_of(store, "CASE-1")
    assert after != before
    if step == "confirm":
        assert prompts[-1].kind == "result" and len(after[3]) == 1
    else:
        assert answers_now(store, "CASE-1") == {"age_years": 40, "primary_condition": "multiple_sclerosis"}
        assert prompts[-1].field == "disease_course"
