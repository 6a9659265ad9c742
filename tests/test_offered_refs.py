"""A generated reference is taken only as offered: by the user it was offered to, while /new waits.

Callback data can be forged by a client, so the button `g:0:n:<number>` alone proves nothing: the number
offered is kept with the wait (users.awaiting "ref:<number>") and a press of any other, or after the wait
ended, is refused as an unknown button and creates no case. Driven through `Dialogue.handle` on SQLite.
"""

from __future__ import annotations

import pytest

from itb_screen.dialogue import Dialogue, Identity, generated_ref
from itb_screen.dialogue._buttons import REF_SPACE
from itb_screen.dialogue._messages import UNKNOWN_BUTTON
from itb_screen.storage import Store

ALICE = Identity("console", "alice", "Alice")
BOB = Identity("console", "bob", "Bob")


def offer(dialogue: Dialogue, who: Identity) -> tuple[str, int]:
    """/new without a reference: the generated reference's button code and its number."""
    codes = [b.code for p in dialogue.handle(who, "/new") for b in p.controls if b.code.startswith("g:")]
    assert len(codes) == 1
    return codes[0], int(codes[0].rsplit(":", 1)[1])


def case_count(store: Store) -> int:
    return int(store.db.execute("SELECT count(*) FROM cases").fetchone()[0])


def refused(prompts) -> bool:
    return prompts[0].kind == "refusal" and prompts[0].text == UNKNOWN_BUTTON


def test_the_offered_button_starts_the_case(dialogue: Dialogue, store: Store) -> None:
    code, number = offer(dialogue, ALICE)
    assert store.user("console", "alice").awaiting == f"ref:{number}"
    dialogue.handle(ALICE, button=code)
    case = store.case_by_ref(generated_ref(number))
    assert case is not None and case.user_id == store.user("console", "alice").id
    assert store.user("console", "alice").awaiting is None
    assert refused(dialogue.handle(ALICE, button=code)) and case_count(store) == 1  # once only


def test_a_forged_number_is_refused(dialogue: Dialogue, store: Store) -> None:
    _, number = offer(dialogue, ALICE)
    forged = (number + 1) % REF_SPACE
    assert refused(dialogue.handle(ALICE, button=f"g:0:n:{forged}"))
    assert case_count(store) == 0 and store.case_by_ref(generated_ref(forged)) is None


def test_a_press_after_the_wait_ended_is_refused(dialogue: Dialogue, store: Store) -> None:
    code, number = offer(dialogue, ALICE)
    dialogue.handle(ALICE, "/cases")  # another command: the reference is no longer awaited
    assert refused(dialogue.handle(ALICE, button=code))
    assert case_count(store) == 0 and store.case_by_ref(generated_ref(number)) is None
    code, _ = offer(dialogue, ALICE)
    dialogue.handle(ALICE, "/cancel")
    assert refused(dialogue.handle(ALICE, button=code)) and case_count(store) == 0


def test_an_older_offer_is_refused_once_another_is_made(dialogue: Dialogue, store: Store) -> None:
    first, _ = offer(dialogue, ALICE)
    second, number = offer(dialogue, ALICE)
    if first == second:  # pragma: no cover - one chance in REF_SPACE
        pytest.skip("the same number offered twice")
    assert refused(dialogue.handle(ALICE, button=first)) and case_count(store) == 0
    assert store.user("console", "alice").awaiting is None  # any press ends the wait


def test_another_users_offered_button_is_refused(dialogue: Dialogue, store: Store) -> None:
    code, number = offer(dialogue, ALICE)
    offer(dialogue, BOB)  # Bob waits for a reference too, with a number of his own
    assert refused(dialogue.handle(BOB, button=code))
    assert case_count(store) == 0 and store.case_by_ref(generated_ref(number)) is None
    dialogue.handle(ALICE, button=code)  # Bob's press did not end Alice's wait: hers still works
    case = store.case_by_ref(generated_ref(number))
    assert case is not None and case.user_id == store.user("console", "alice").id and case_count(store) == 1
