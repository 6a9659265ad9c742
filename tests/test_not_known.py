"""`unknown` kept as "Not known" (issue 18): the clinician does not know, told apart from a question skipped
or never reached, in storage, `show`, the summary and the records; the rules still see it as unanswered
(screening-spec.md: "Every question can be answered `unknown` ... which leaves it unanswered").

Cases are typed through the real Dialogue on a real SQLite file.
"""

from __future__ import annotations

from itb_screen.dialogue import Dialogue, Identity
from itb_screen.storage import Store

ALICE = Identity("console", "alice", "Alice")


def _case_id(store: Store, ref: str) -> int:
    case = store.case_by_ref(ref)
    assert case is not None
    return case.id


def test_unknown_is_kept_apart_from_a_skip_and_from_a_question_never_reached(dialogue: Dialogue, store):
    dialogue.handle(ALICE, "/new NK-1")
    for line in ("40", "unknown", "skip"):  # age; condition not known; course skipped
        assert dialogue.handle(ALICE, line)[0].kind != "refusal"
    case_id = _case_id(store, "NK-1")
    assert store.not_known(case_id) == {"primary_condition"}
    assert store.answers(case_id) == {"age_years": 40}  # the rules see neither as an answer
    assert [(h["field"], h["action"]) for h in store.history(case_id)] == [
        ("age_years", "answer"),
        ("primary_condition", "unknown"),
        ("disease_course", "skip"),
    ]


def test_unknown_said_again_is_kept_once_and_an_answer_given_later_replaces_it(dialogue: Dialogue, store):
    dialogue.handle(ALICE, "/new NK-2")
    dialogue.handle(ALICE, "unknown")  # age not known
    dialogue.handle(ALICE, "back")
    dialogue.handle(ALICE, "don't know")  # said again: nothing more to keep
    case_id = _case_id(store, "NK-2")
    assert [h["action"] for h in store.history(case_id)] == ["unknown"]
    dialogue.handle(ALICE, "back")
    dialogue.handle(ALICE, "52")
    assert store.not_known(case_id) == set()
    dialogue.handle(ALICE, "back")
    dialogue.handle(ALICE, "unknown")  # clears 52: not known again
    assert store.not_known(case_id) == {"age_years"}
    assert [h["action"] for h in store.history(case_id)] == ["unknown", "change", "clear"]
