"""A case a member may not see is, to them, a case that does not exist (issue 17).

Callback data can be forged and case ids walked from 1 up: a press or a command naming another member's
case must get exactly the reply that a case of no one gets, say nothing of it (not even its reference),
and write nothing under it (no message, no answer, no event, no result). Checked through the real
Telegram Application on the fake Bot API, with every verb a button can carry.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from itb_screen.bot.telegram import Member
from itb_screen.criteria import validate_answers

from .conftest import VIGNETTES
from .telegram_offline import Harness, Screening

P01 = validate_answers(next(v for v in VIGNETTES if v["id"] == "P01")["answers"])
LEE, KIM, SAM, REV = 111, 444, 222, 333
MEMBERS = {
    LEE: Member(LEE, "Dr Lee", "clinician"),
    KIM: Member(KIM, "Dr Kim", "clinician"),
    SAM: Member(SAM, "Sam Coordinator", "coordinator"),
    REV: Member(REV, "Rita Reviewer", "reviewer"),
}
#: Dr Lee's cases: one finished, one open, and one Sam began and handed to Dr Lee.
VICTIMS = ("VIC-DONE", "VIC-OPEN", "SAM-GAVE")
#: No case has this id or this reference.
NOBODY_ID, NOBODY_REF = 10_000, "NOPE-404"
#: A press of every verb (tests/../_buttons.py), `{id}` the case it names.
PRESSES = (
    "a:{id}:2:1",
    "t:{id}:4:1",
    "d:{id}:4",
    "b:{id}:2",
    "s:{id}:2",
    "c:{id}:r:1",
    "f:{id}:r",
    "f:{id}:r:1",
    "o:{id}:c",
    "k:{id}:1:4",
    "e:{id}:1",
    "g:{id}:n:5",
    "y:{id}:2",
    "n:{id}:2",
    "m:{id}:d",
    "w:{id}:d",
    "u:{id}:d",
    f"h:{{id}}:c:{KIM}",
)
COMMANDS = (
    "/show {ref}",
    "/summary {ref}",
    "/amend {ref}",
    "/void {ref} opened by mistake",
    "/resume {ref}",
    "/handoff {ref}",
    "/handoff {ref} Dr Kim",
)


@pytest_asyncio.fixture
async def bot(db_path):
    async with Harness(db_path, MEMBERS) as harness:
        screening = Screening(harness.api, LEE, P01, "VIC-DONE")
        while (step := screening.next_step()) is not None:
            await harness.feed(step[1])
        for user, text in (
            (LEE, "/new VIC-OPEN"),
            (LEE, "45"),
            (SAM, "/new SAM-GAVE"),
            (SAM, "/handoff SAM-GAVE Dr Lee"),
            (KIM, "/new KIM-OWN"),
            (REV, "/start"),
        ):
            await harness.send(user, text)
        assert harness.store.case_by_ref("SAM-GAVE").user_id == harness.store.case_by_ref("VIC-OPEN").user_id
        yield harness


async def forged(bot: Harness, user: int, data: str) -> list[str]:
    """What `user` is told after pressing `data` on a message in their own chat (forged there)."""
    before = len(bot.texts(user))
    query = await bot.forge(user, data)
    assert bot.api.queries[query] is True  # answered, so the spinner stopped
    return bot.texts(user)[before:]


async def typed(bot: Harness, user: int, text: str) -> list[str]:
    before = len(bot.texts(user))
    await bot.send(user, text)
    return bot.texts(user)[before:]


def footprint(bot: Harness, ref: str) -> tuple:
    """Everything stored of a case: its row, transcript, answer history, events, results and notices."""
    store = bot.store
    case = store.case_by_ref(ref)
    notices = store.db.execute("SELECT count(*) FROM notices WHERE case_id = ?", (case.id,)).fetchone()
    return (
        case,
        len(store.transcript(case.id)),
        len(store.history(case.id)),
        store.events(case.id),
        store.results(case.id),
        notices,
    )


def kim_rows_elsewhere(bot: Harness) -> list:
    """Dr Kim's transcript rows under any case but their own."""
    kim = bot.store.user("telegram", str(KIM))
    own = bot.store.case_by_ref("KIM-OWN").id
    rows = bot.store.db.execute("SELECT case_id FROM messages WHERE user_id = ?", (kim.id,)).fetchall()
    return [row[0] for row in rows if row[0] not in (None, own)]


@pytest.mark.asyncio
async def test_walking_the_ids_with_every_verb_finds_no_other_members_case(bot: Harness) -> None:
    before = {ref: footprint(bot, ref) for ref in VICTIMS}
    own = bot.store.case_by_ref("KIM-OWN").id
    highest = max(bot.store.case_by_ref(ref).id for ref in (*VICTIMS, "KIM-OWN"))
    said: list[str] = []
    for template in PRESSES:
        nobody = await forged(bot, KIM, template.format(id=NOBODY_ID))
        for case_id in range(1, highest + 3):
            if case_id == own:
                continue
            reply = await forged(bot, KIM, template.format(id=case_id))
            assert reply == nobody, (template, case_id)
            said += reply
    shown = "\n".join(said)
    assert not [ref for ref in VICTIMS if ref in shown]
    assert {ref: footprint(bot, ref) for ref in VICTIMS} == before
    assert kim_rows_elsewhere(bot) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("command", COMMANDS)
async def test_a_command_naming_another_members_case_is_answered_as_one_of_no_one(bot, command) -> None:
    before = {ref: footprint(bot, ref) for ref in VICTIMS}
    nobody = await typed(bot, KIM, command.format(ref=NOBODY_REF))
    for ref in VICTIMS:
        reply = await typed(bot, KIM, command.format(ref=ref))
        assert [text.replace(ref, NOBODY_REF) for text in reply] == nobody, ref
    assert {ref: footprint(bot, ref) for ref in VICTIMS} == before
    assert kim_rows_elsewhere(bot) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("user", [REV, SAM], ids=["reviewer", "giver"])
async def test_continue_is_the_owners_alone(bot: Harness, user: int) -> None:
    """A reviewer may read any case and a giver the one they handed on, but Continue (resume and answer)
    stays the owner's: forged for them, it is refused as a press of no case is, and opens nothing."""
    for ref in ("VIC-OPEN", "SAM-GAVE"):
        before = footprint(bot, ref)
        case = bot.store.case_by_ref(ref)
        reply = await forged(bot, user, f"o:{case.id}:c")
        assert reply == await forged(bot, user, f"o:{NOBODY_ID}:c")
        assert bot.store.user("telegram", str(user)).active_case_id != case.id
        assert footprint(bot, ref) == before


@pytest.mark.asyncio
async def test_the_owner_and_the_rights_holders_still_get_their_case(bot: Harness) -> None:
    """The refusals above are not a wall for everyone: the owner continues, the giver reads the summary,
    a reviewer sees the case and may amend it."""
    open_case, done = bot.store.case_by_ref("VIC-OPEN"), bot.store.case_by_ref("VIC-DONE")
    assert "VIC-OPEN" in "\n".join(await forged(bot, LEE, f"o:{open_case.id}:c"))
    assert bot.store.user("telegram", str(LEE)).active_case_id == open_case.id
    gave = bot.store.case_by_ref("SAM-GAVE")
    assert "SAM-GAVE is not finished" in "\n".join(await forged(bot, SAM, f"u:{gave.id}:d"))
    assert "Answers:" in "\n".join(await forged(bot, REV, f"w:{done.id}:d"))
    assert "Why is case VIC-DONE being amended?" in "\n".join(await forged(bot, REV, f"m:{done.id}:d"))
