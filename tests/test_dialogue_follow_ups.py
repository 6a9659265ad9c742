"""other-guidance.md's five follow-up questions in the conversation (issue 19), on a real SQLite file: each is
asked right after its question when its condition holds and counted in "question N of M", not asked when it
does not hold, dropped from the review and the flags (and kept in the history) when a change makes its
condition false, and asked before the review returns when a change makes it newly asked."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from itb_screen.cli import cli
from itb_screen.criteria import QUESTIONS_BY_FIELD
from itb_screen.dialogue import Identity

from .conftest import VIGNETTES
from .drive import asked_by_contract, contract_order, typed
from .test_catalogue import spec_questions

ALICE = Identity("console", "alice", "Alice")

#: P04: an adult after a stroke, not walking, no seizures: none of the five conditions holds.
P04 = next(v for v in VIGNETTES if v["id"] == "P04")["answers"]


@dataclass(frozen=True)
class FollowUp:
    field: str
    parent: str  # the answer its condition reads (other-guidance.md's "asked when")
    asks: object  # a value of it that asks the follow-up
    tag: str  # its number as the review shows it (the issue's: 2b, 17a)
    answer: object  # an answer that raises a flag, and the flag (other-guidance.md's flags table)
    flag: str
    header: int  # its N in "question N of 19": the 18 numbered questions and this one, in order


FOLLOW_UPS = [
    FollowUp(
        "tbi_within_year", "primary_condition", "acquired_brain_injury", "2a", "yes", "tbi_under_one_year", 3
    ),
    FollowUp(
        "sci_level_t6_or_above", "primary_condition", "spinal_cord_injury", "2b", "yes", "withdrawal_risk", 3
    ),
    FollowUp("relies_on_spasticity", "ambulatory", "yes", "5a", "yes", "spasticity_supports_function", 6),
    # Under 18 the growth question (6) is asked too, and the child's risks follow it.
    FollowUp("child_surgical_risks", "age_years", 8, "6a", ("too_small_for_pump",), "pump_size", 7),
    FollowUp("seizures_controlled", "seizures", "yes", "17a", "no", "uncontrolled_epilepsy", 18),
]
IDS = [f.field for f in FOLLOW_UPS]
#: The spec's question numbers (screening-spec.md's table).
SPEC_NUMBER = {q["field"]: q["number"] for q in spec_questions()}
#: The numbers typed at the review to change the answers the conditions read.
NUMBER = {f: str(SPEC_NUMBER[f]) for f in ("age_years", "primary_condition", "ambulatory", "seizures")}


def case_for(follow_up: FollowUp) -> dict:
    """P04 with the follow-up's condition made to hold, and the follow-up (and a child's growth) answered."""
    answers = {**P04, follow_up.parent: follow_up.asks, follow_up.field: follow_up.answer}
    if follow_up.field == "child_surgical_risks":
        answers["growth_complications"] = ["none"]
    return answers


def walk(dialogue, ref: str, answers: dict) -> tuple[list[tuple[str, str]], object]:
    """Type `answers` from /new to the review: each question asked with its header, and the review."""
    prompts = dialogue.handle(ALICE, f"/new {ref}")
    asked = []
    while prompts[-1].kind == "question":
        field = prompts[-1].field
        asked.append((field, prompts[-1].text.split("\n")[0].split(" - ")[1]))
        prompts = dialogue.handle(ALICE, typed(QUESTIONS_BY_FIELD[field], answers.get(field), "numbers"))
        assert prompts[0].kind != "refusal", prompts[0].text
    assert prompts[-1].kind == "review"
    return asked, prompts[-1]


def flags(prompts) -> list[str]:
    result = prompts[-1].result
    assert prompts[-1].kind == "result" and result is not None
    return [f.code for f in result.other_guidance]


def test_none_is_asked_when_no_condition_holds(dialogue):
    asked, review = walk(dialogue, "NONE-1", P04)
    assert [f for f, _ in asked] == asked_by_contract(P04)
    assert not {f.field for f in FOLLOW_UPS} & {f for f, _ in asked}
    # The growth question (6) is counted though an adult is not asked it: the spec's numbers, of 18.
    assert asked == [(f, f"question {SPEC_NUMBER[f]} of 18") for f in asked_by_contract(P04)]
    assert not [line for line in review.review if not line.number.isdigit()]


@pytest.mark.parametrize("follow_up", FOLLOW_UPS, ids=IDS)
def test_asked_right_after_its_question_and_counted(dialogue, follow_up):
    answers = case_for(follow_up)
    asked, review = walk(dialogue, "ASKED-1", answers)
    fields = [f for f, _ in asked]
    assert fields == asked_by_contract(answers)
    after = fields.index(follow_up.field) - 1
    assert fields[after] == ("growth_complications" if follow_up.parent == "age_years" else follow_up.parent)
    # Every header counts the follow-up once its question is answered (of 19), and from where it is asked
    # (the spec's numbers before it, one more after it).
    order = contract_order()
    here, parent = order.index(follow_up.field), order.index(follow_up.parent)
    expected = {
        f: (SPEC_NUMBER[f] + (order.index(f) > here), order.index(f) > parent)
        for f in fields
        if f != follow_up.field
    }
    expected[follow_up.field] = (follow_up.header, True)
    assert dict(asked) == {f: f"question {n} of {19 if known else 18}" for f, (n, known) in expected.items()}
    line = next(line for line in review.review if line.field == follow_up.field)
    assert line.number == follow_up.tag
    assert f"{follow_up.tag}. {line.question} \u2014 {line.answer}" in review.text


@pytest.mark.parametrize("follow_up", FOLLOW_UPS, ids=IDS)
def test_dropped_after_a_change_makes_its_condition_false_and_kept_in_the_history(
    dialogue, store, db_path, follow_up
):
    """Confirmed with its flag; amended, the question it follows changed so that it is no longer asked:
    it leaves the review and the flags, and its answer stays in the history (store and `show --history`)."""
    walk(dialogue, "DROP-1", case_for(follow_up))
    assert follow_up.flag in flags(dialogue.handle(ALICE, "confirm"))
    dialogue.handle(ALICE, "/amend DROP-1")
    assert dialogue.handle(ALICE, "wrong answer corrected")[-1].kind == "review"
    assert dialogue.handle(ALICE, NUMBER[follow_up.parent])[-1].field == follow_up.parent
    # Now it is not asked: a stroke, not walking, no seizures, an adult.
    prompts = dialogue.handle(
        ALICE, typed(QUESTIONS_BY_FIELD[follow_up.parent], P04[follow_up.parent], "numbers")
    )
    review = prompts[-1]
    assert review.kind == "review"
    assert follow_up.field not in [line.field for line in review.review]
    assert follow_up.tag not in [line.number for line in review.review]
    assert follow_up.flag not in flags(dialogue.handle(ALICE, "confirm"))
    case = store.case_by_ref("DROP-1")
    kept = [h for h in store.history(case.id) if h["field"] == follow_up.field]
    assert [h["action"] for h in kept] == ["answer"]
    answer = follow_up.answer
    assert kept[0]["value"] == answer
    shown = CliRunner().invoke(cli, ["show", "DROP-1", "--db", str(db_path), "--history"])
    assert shown.exit_code == 0, shown.output
    label = QUESTIONS_BY_FIELD[follow_up.field].short
    assert any(f"Q{follow_up.tag} {label}:" in line for line in shown.output.splitlines()), shown.output


@pytest.mark.parametrize("follow_up", FOLLOW_UPS, ids=IDS)
def test_a_change_at_the_review_that_asks_it_goes_to_it_before_the_review(dialogue, follow_up):
    walk(dialogue, "NEW-1", P04)
    assert dialogue.handle(ALICE, NUMBER[follow_up.parent])[-1].field == follow_up.parent
    parent = QUESTIONS_BY_FIELD[follow_up.parent]
    prompts = dialogue.handle(ALICE, typed(parent, follow_up.asks, "numbers"))
    if follow_up.parent == "age_years":  # a child now: the growth question first, then the child's risks
        assert prompts[-1].field == "growth_complications"
        prompts = dialogue.handle(ALICE, "none")
    assert prompts[-1].kind == "question" and prompts[-1].field == follow_up.field
    assert prompts[-1].text.split("\n")[0].endswith(f"question {follow_up.header} of 19")
    prompts = dialogue.handle(ALICE, typed(QUESTIONS_BY_FIELD[follow_up.field], follow_up.answer, "numbers"))
    assert prompts[-1].kind == "review"
    assert follow_up.tag in [line.number for line in prompts[-1].review]
    assert follow_up.flag in flags(dialogue.handle(ALICE, "confirm"))


def test_a_follow_up_is_changed_by_its_tag_its_field_code_or_its_button(dialogue, store):
    sci = FOLLOW_UPS[1]
    review = walk(dialogue, "TAG-1", case_for(sci))[1]
    for word in ("2b", "2B", "sci_level_t6_or_above", "change 2b"):
        assert dialogue.handle(ALICE, word)[-1].field == sci.field, word
        assert dialogue.handle(ALICE, "back")[-1].kind == "review"
    # The change button carries the follow-up's number as the review shows it.
    button = next(b for b in review.options if b.label.startswith("2b. "))
    assert button.code.split(":")[-1] == "2b"  # other-guidance.md: the level follows question 2
    assert dialogue.handle(ALICE, button=button.code)[-1].field == sci.field
    prompts = dialogue.handle(ALICE, "L1")
    line = next(line for line in prompts[-1].review if line.field == sci.field)
    assert line.answer == "No, below T6"
    assert store.answers(store.case_by_ref("TAG-1").id)[sci.field] == "no"
    # A follow-up not asked cannot be opened by its tag.
    assert dialogue.handle(ALICE, "2a")[0].kind == "refusal"


def test_a_numbered_question_keeps_the_button_codes_it_had_before_the_follow_ups(dialogue):
    """Buttons name a question by its number (`a:ID:3:1` = Stable at question 3, the disease course, as
    before issue 19), so one sent before the follow-ups existed still answers the question it showed, and a
    follow-up's own buttons carry its letter (`2b`)."""
    prompts = dialogue.handle(ALICE, "/new CODES-1")
    prompts = dialogue.handle(ALICE, "40")
    prompts = dialogue.handle(ALICE, "spinal cord injury")
    level = prompts[-1]
    assert level.field == "sci_level_t6_or_above"
    assert {b.code.split(":")[2] for b in level.options} == {"2b"}
    course = dialogue.handle(ALICE, "C5")[-1]
    assert course.field == "disease_course"
    stable = next(b for b in course.options if b.label.endswith("Stable"))
    assert stable.code.split(":")[0::2] == ["a", "3"] and stable.code.endswith(":3:1")
    assert dialogue.handle(ALICE, button=stable.code)[-1].field == "interference"
