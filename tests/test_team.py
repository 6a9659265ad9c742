"""The team's workflow in the dialogue (issue 12): hand-offs, notices to reviewers, reminders, /remind and
/digest, with who may do what pinned. The channels' delivery is tested in tests/test_team_telegram.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest

from itb_screen.criteria import QUESTIONS_BY_FIELD, validate_answers
from itb_screen.dialogue import Dialogue, Identity, decode_button
from itb_screen.dialogue._reminders import queue_reminders
from itb_screen.dialogue._settings import SettingError, TeamSettings, parse_settings
from itb_screen.dialogue._team import Member, find_member
from itb_screen.review.chat import ChatReports

from .conftest import VIGNETTES
from .drive import screen, typed

COORD = Identity("telegram", "10", "Cora Coordinator", "coordinator")
LEE = Identity("telegram", "11", "Dr Lee", "clinician")
LEA = Identity("telegram", "12", "Lee Adams", "clinician")
REV = Identity("telegram", "13", "Rita Reviewer", "reviewer")
QUIET_REV = Identity("telegram", "14", "Quinn Reviewer", "reviewer")
STRANGER = Identity("telegram", "99", "Eve", "clinician")
BY_ID = {v["id"]: v for v in VIGNETTES}
#: P01, a cord injury, with other-guidance.md's level question answered (below T6): nothing left unanswered.
P01 = {**BY_ID["P01"]["answers"], "sci_level_t6_or_above": "no"}


@dataclass
class Team:
    listed: list[Member]

    def members(self) -> list[Member]:
        return self.listed


TEAM = Team([Member(COORD), Member(LEE), Member(LEA), Member(REV, notify=True), Member(QUIET_REV)])


@pytest.fixture
def team(store) -> Dialogue:
    return Dialogue(store, reports=ChatReports(), team=TEAM)


def answer_first(d: Dialogue, who: Identity, ref: str, answers: dict, count: int) -> None:
    """Start case `ref` and type the answers of its first `count` questions."""
    prompts = d.handle(who, f"/new {ref}")
    for _ in range(count):
        question = QUESTIONS_BY_FIELD[prompts[-1].field]
        prompts = d.handle(who, typed(question, answers.get(question.field), "numbers"))


def finish(d: Dialogue, who: Identity, answers: dict, prompts) -> None:
    """Answer the open case's remaining questions from `answers` and confirm (twice if asked)."""
    while prompts[-1].kind == "question":
        question = QUESTIONS_BY_FIELD[prompts[-1].field]
        prompts = d.handle(who, typed(question, answers.get(question.field), "numbers"))
    assert prompts[-1].kind == "review", prompts[-1].text
    if d.handle(who, "confirm")[-1].kind != "result":
        d.handle(who, "confirm")


def said(prompts) -> str:
    return "\n".join(p.text for p in prompts)


def pending(store, who: Identity) -> list[dict]:
    user = store.user(who.channel, who.external_id)
    return [n for n in store.notices_to(user.id)]


# Hand-off --------------------------------------------------------------------------------------
def test_a_coordinator_hands_a_case_to_a_clinician_who_continues_it(team, store) -> None:
    p01 = validate_answers(P01)
    answer_first(team, COORD, "MS-045", p01, 5)
    reply = said(team.handle(COORD, "/handoff MS-045 Dr Lee"))
    assert "Case MS-045 is now Dr Lee's" in reply and "/show MS-045" in reply
    case = store.case_by_ref("MS-045")
    assert case.user_id == store.user("telegram", "11").id
    assert "MS-045" in said(team.handle(LEE, "/cases"))
    # The clinician was told, with a Continue button that opens the case at its sixth question: the
    # spec's 5th, counted after the injury's level (2b of other-guidance.md), so 6 of 19.
    [notice] = pending(store, LEE)
    assert notice["text"] == "Cora Coordinator handed you case MS-045: it waits at question 6 of 19."
    [(sent, prompt)] = team.notices("telegram", LEE)
    assert sent.event.startswith("handoff:") and prompt.controls[0].label == "Continue MS-045"
    opened = team.handle(LEE, button=prompt.controls[0].code)
    assert opened[-1].kind == "question" and "question 6 of 19" in opened[-1].text
    # Nothing was lost: the five answers are there, and the clinician finishes the case.
    assert len(store.answers(case.id)) == 5
    # The giver keeps read access, but no longer answers it.
    assert "Answers:" in said(team.handle(COORD, "/show MS-045"))
    assert "None of your cases is called MS-045" in said(team.handle(COORD, "/resume MS-045"))
    events = store.events(case.id)
    assert [(e["kind"], e["by"], e["to"]) for e in events] == [("handoff", "Cora Coordinator", "Dr Lee")]
    # The giver's /cases lists it apart, with whom it is now; the receiver's lists it as theirs.
    listed = said(team.handle(COORD, "/cases"))
    assert "Handed on by you (/show REF to read one):\n- MS-045: now with Dr Lee, in progress" in listed
    assert "Handed on by you" not in said(team.handle(LEE, "/cases"))


def test_a_case_is_handed_on_again_and_the_history_keeps_each_step(team, store) -> None:
    answer_first(team, COORD, "HO-2", {}, 0)
    team.handle(COORD, "/handoff HO-2 11")
    reply = said(team.handle(LEE, "/handoff HO-2 Rita Reviewer"))
    assert "now Rita Reviewer's" in reply
    assert "- HO-2: Rita Reviewer (from Dr Lee), In progress" in said(team.handle(REV, "/cases all"))
    handoffs = store.handoffs(store.case_by_ref("HO-2").id)
    assert [(h["from"], h["to"]) for h in handoffs] == [
        ("Cora Coordinator", "Dr Lee"),
        ("Dr Lee", "Rita Reviewer"),
    ]


@pytest.mark.parametrize(
    ("member", "words"),
    [
        ("Dr Who", "Nobody in the team is called Dr Who. Members: Cora Coordinator (id 10), Dr Lee (id 11)"),
        ("99", "Nobody in the team is called 99."),  # a stranger's id: not listed
        ("lee", "lee could be Dr Lee (id 11) or Lee Adams (id 12): say which"),  # two readings: asked back
    ],
)
def test_a_hand_off_to_someone_not_listed_or_ambiguous_is_refused(team, store, member, words) -> None:
    answer_first(team, COORD, "HO-3", {}, 0)
    assert words in said(team.handle(COORD, f"/handoff HO-3 {member}"))
    assert store.case_by_ref("HO-3").user_id == store.user("telegram", "10").id
    assert store.handoffs(store.case_by_ref("HO-3").id) == []


def test_only_the_owner_or_a_reviewer_may_hand_a_case_on(team, store) -> None:
    answer_first(team, COORD, "HO-4", {}, 0)
    assert "None of your cases is called HO-4" in said(team.handle(LEE, "/handoff HO-4 Dr Lee"))
    assert "None of your cases is called HO-4" in said(team.handle(STRANGER, "/handoff HO-4 Dr Lee"))
    assert store.handoffs(store.case_by_ref("HO-4").id) == []
    assert "now Dr Lee's" in said(team.handle(REV, "/handoff HO-4 Dr Lee"))


def test_a_giver_reads_but_a_bystander_does_not(team, store) -> None:
    answer_first(team, COORD, "HO-5", {}, 0)
    team.handle(COORD, "/handoff HO-5 Dr Lee")
    assert "None of your cases is called HO-5" in said(team.handle(LEA, "/show HO-5"))
    assert "None of your cases is called HO-5" in said(team.handle(LEA, "/handoff HO-5 Lee Adams"))
    # The giver may read, not hand on again nor amend what is no longer theirs.
    assert "None of your cases is called HO-5" in said(team.handle(COORD, "/handoff HO-5 Lee Adams"))


def test_hand_off_to_the_owner_a_void_case_or_without_a_member_is_refused(team, store) -> None:
    answer_first(team, COORD, "HO-6", {}, 0)
    assert "Case HO-6 is already yours" in said(team.handle(COORD, "/handoff HO-6 Cora Coordinator"))
    assert "Usage: /handoff REF MEMBER" in said(team.handle(LEA, "/handoff"))  # no case open, none named
    team.handle(COORD, "/void HO-6 opened twice")
    assert "is void" in said(team.handle(COORD, "/handoff HO-6 Dr Lee"))
    assert store.handoffs(store.case_by_ref("HO-6").id) == []


def test_handoff_without_a_member_offers_the_others_as_buttons(team, store) -> None:
    answer_first(team, COORD, "HO-8", {}, 0)
    [offer] = team.handle(COORD, "/handoff")  # the open case
    assert offer.text.startswith("Hand case HO-8 to whom? Tap a member, or type /handoff HO-8 NAME.")
    labels = [b.label for b in offer.options]
    assert labels == [
        "Dr Lee (id 11)",
        "Lee Adams (id 12)",
        "Rita Reviewer (id 13)",
        "Quinn Reviewer (id 14)",
    ]
    lee = offer.options[0].code
    # A bystander's press of the same button is refused as a case of no one would be, and hands nothing.
    assert said(team.handle(LEA, button=lee)) == "That button is not valid here."
    assert store.handoffs(store.case_by_ref("HO-8").id) == []
    pressed = team.handle(COORD, button=lee)
    assert pressed[0].accepted == "Case HO-8 handed over" and "now Dr Lee's" in said(pressed)
    assert store.case_by_ref("HO-8").user_id == store.user("telegram", "11").id
    # Pressed again (the case is Dr Lee's now): refused, nothing more stored.
    assert "None of your cases is called HO-8" in said(team.handle(COORD, button=lee))
    assert len(store.handoffs(store.case_by_ref("HO-8").id)) == 1


def test_a_handoff_button_naming_someone_no_longer_listed_is_refused(team, store) -> None:
    answer_first(team, COORD, "HO-9", {}, 0)
    from itb_screen.dialogue import encode_button

    gone = encode_button("handoff", store.case_by_ref("HO-9").id, "c", 55)
    assert "Nobody in the team is called 55" in said(team.handle(COORD, button=gone))
    assert store.handoffs(store.case_by_ref("HO-9").id) == []


def test_without_a_team_list_a_hand_off_says_so(store) -> None:
    alone = Dialogue(store)
    alone.handle(LEE, "/new HO-7")
    assert "need the team's list" in said(alone.handle(LEE, "/handoff HO-7 Dr Lee"))


def test_find_member_reads_ids_full_names_and_whole_words() -> None:
    listed = TEAM.members()
    assert [m.identity for m in find_member(listed, "  dr   LEE ")] == [LEE]
    assert [m.identity for m in find_member(listed, "12")] == [LEA]
    assert [m.identity for m in find_member(listed, "Adams")] == [LEA]
    assert find_member(listed, "Le") == []  # part of a word is no name
    assert len(find_member(listed, "Reviewer")) == 2


# Notices to reviewers --------------------------------------------------------------------------
@pytest.mark.parametrize("vignette_id", ["P07", "P08"])  # refer after team review; incomplete
def test_a_case_for_the_team_notifies_members_with_notify_once(team, store, vignette_id) -> None:
    screen(team, LEE, f"N-{vignette_id}", validate_answers(BY_ID[vignette_id]["answers"]))
    [notice] = pending(store, REV)
    assert notice["text"].startswith(f"Case N-{vignette_id} was confirmed by Dr Lee: ")
    assert pending(store, QUIET_REV) == [] and pending(store, COORD) == []  # notify is off for them
    [(_, prompt)] = team.notices("telegram", REV)
    assert prompt.controls[0].label == f"Show N-{vignette_id}"
    assert team.notices("telegram", REV) == []  # claimed once: never sent twice
    shown = team.handle(REV, button=prompt.controls[0].code)
    assert "Answers:" in said(shown)


def test_a_member_with_notify_who_is_not_a_reviewer_gets_the_notice_without_a_show_button(store) -> None:
    listed = Team([Member(LEE), Member(COORD, notify=True), Member(REV, notify=True)])
    d = Dialogue(store, reports=ChatReports(), team=listed)
    screen(d, LEE, "N-4", validate_answers(BY_ID["P07"]["answers"]))
    told = {n.external_id: p for n, p in d.notices("telegram")}
    assert told["10"].text.startswith("Case N-4 was confirmed by Dr Lee: ") and told["10"].controls == ()
    assert [b.label for b in told["13"].controls] == ["Show N-4"]


def test_a_case_referred_for_screening_notifies_nobody_but_its_amendment_does(team, store) -> None:
    screen(team, LEE, "N-1", validate_answers(P01))
    assert pending(store, REV) == []
    team.handle(LEE, "/amend N-1")
    team.handle(LEE, "typo in the age")
    team.handle(LEE, "confirm")
    [notice] = pending(store, REV)
    assert notice["text"].startswith("Case N-1 was amended by Dr Lee: Refer for the ITB screening test.")


def test_whoever_handed_the_case_on_hears_how_it_ended_with_its_summary(team, store) -> None:
    p07 = validate_answers(BY_ID["P07"]["answers"])
    answer_first(team, COORD, "G-1", p07, 3)
    team.handle(COORD, "/handoff G-1 Dr Lee")
    finish(team, LEE, p07, team.handle(LEE, "/resume G-1"))
    [notice] = [n for n in pending(store, COORD) if n["event"].startswith("result:")]
    assert notice["text"] == (
        "Case G-1, which you handed on, was confirmed by Dr Lee: Refer after team review. "
        "/summary G-1 gives its referral summary."
    )
    [(_, prompt)] = [(n, p) for n, p in team.notices("telegram", COORD) if n.event.startswith("result:")]
    assert prompt.controls[0].label == "Summary G-1"
    assert "referral summary" in said(team.handle(COORD, button=prompt.controls[0].code))
    assert "referral summary" not in said(team.handle(LEA, button=prompt.controls[0].code))  # a bystander
    # The clinician who confirmed is not told of their own confirmation.
    assert [n for n in pending(store, LEE) if n["event"].startswith("result:")] == []


def test_a_giver_who_got_the_case_back_and_confirmed_it_is_not_told(team, store) -> None:
    p01 = validate_answers(P01)
    answer_first(team, COORD, "G-2", p01, 2)
    team.handle(COORD, "/handoff G-2 Dr Lee")
    team.handle(LEE, "/handoff G-2 Cora Coordinator")  # handed back
    finish(team, COORD, p01, team.handle(COORD, "/resume G-2"))
    assert [n for n in pending(store, COORD) if n["event"].startswith("result:")] == []
    [told] = [n for n in pending(store, LEE) if n["event"].startswith("result:")]
    assert told["text"].startswith(
        "Case G-2, which you handed on, was confirmed by Cora Coordinator: Refer for"
    )


def test_the_reviewer_who_confirms_is_not_told_of_their_own_confirmation(team, store) -> None:
    screen(team, REV, "N-2", validate_answers(BY_ID["P07"]["answers"]))
    assert pending(store, REV) == []


def test_a_show_button_is_refused_to_a_member_who_may_not_read_the_case(team, store) -> None:
    screen(team, LEE, "N-3", validate_answers(BY_ID["P07"]["answers"]))
    case = store.case_by_ref("N-3")
    from itb_screen.dialogue import encode_button

    code = encode_button("show", case.id, "d")
    assert decode_button(code).action == "show"
    assert "Answers:" not in said(team.handle(LEA, button=code))
    assert "Answers:" in said(team.handle(LEE, button=code))


# Reminders -------------------------------------------------------------------------------------
NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def touched(store, ref: str, when: datetime) -> None:
    """Set when the case was last touched (the test's clock), as an answer would."""
    case = store.case_by_ref(ref)
    store.db.execute(
        "UPDATE cases SET updated_at = ? WHERE id = ?", (when.isoformat(timespec="microseconds"), case.id)
    )


def test_an_idle_case_gets_one_reminder_per_idle_period(team, store) -> None:
    answer_first(team, LEE, "R-1", validate_answers(P01), 6)
    settings = TeamSettings(idle=timedelta(hours=24), quiet=(time(21), time(7)))
    touched(store, "R-1", NOON - timedelta(hours=23))
    assert queue_reminders(store, settings, NOON) == 0  # not idle long enough
    touched(store, "R-1", NOON - timedelta(hours=25))
    assert queue_reminders(store, settings, NOON) == 1
    assert queue_reminders(store, settings, NOON + timedelta(hours=1)) == 0  # same idle period
    [notice] = pending(store, LEE)
    assert notice["text"] == "Case R-1 waits at question 8 of 19."  # the spec's 7th, after 2b
    # Touched again, idle again: a second reminder.
    touched(store, "R-1", NOON)
    assert queue_reminders(store, settings, NOON + timedelta(hours=25)) == 1


def test_no_reminder_in_quiet_hours_it_waits_for_the_morning(team, store) -> None:
    team.handle(LEE, "/new R-2")
    settings = TeamSettings(idle=timedelta(hours=1), quiet=(time(21), time(7)))
    night = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    touched(store, "R-2", night - timedelta(hours=3))
    assert queue_reminders(store, settings, night) == 0
    assert queue_reminders(store, settings, datetime(2026, 12, 1, 6, 59, tzinfo=UTC)) == 0
    assert queue_reminders(store, settings, datetime(2026, 12, 1, 7, 0, tzinfo=UTC)) == 1


def test_quiet_hours_are_read_in_the_site_time_zone() -> None:
    london = parse_settings({"quiet_hours": "21:00-07:00", "time_zone": "Europe/London"})
    tokyo = parse_settings({"quiet_hours": "21:00-07:00", "time_zone": "Asia/Tokyo"})
    at = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)  # 13:30 in London (summer time), 21:30 in Tokyo
    assert not london.is_quiet(at) and tokyo.is_quiet(at)
    day_range = parse_settings({"quiet_hours": "12:00-14:00"})
    assert day_range.is_quiet(at) and not day_range.is_quiet(at + timedelta(hours=2))


def test_remind_off_stops_reminders_and_on_brings_them_back(team, store) -> None:
    team.handle(LEE, "/new R-3")
    assert "now off" in said(team.handle(LEE, "/remind off"))
    settings = TeamSettings(idle=timedelta(hours=1), quiet=None)
    touched(store, "R-3", NOON - timedelta(hours=2))
    assert queue_reminders(store, settings, NOON) == 0
    assert "are off" in said(team.handle(LEE, "/remind"))
    assert "Usage: /remind on or /remind off" in said(team.handle(LEE, "/remind sometimes"))
    team.handle(LEE, "/remind on")
    touched(store, "R-3", NOON - timedelta(hours=2))
    assert queue_reminders(store, settings, NOON) == 1


def test_finished_and_cancelled_cases_get_no_reminder(team, store) -> None:
    screen(team, LEE, "R-4", validate_answers(P01))
    team.handle(LEE, "/new R-5")
    team.handle(LEE, "/cancel")
    settings = TeamSettings(idle=timedelta(hours=1), quiet=None)
    for ref in ("R-4", "R-5"):
        touched(store, ref, NOON - timedelta(hours=5))
    assert queue_reminders(store, settings, NOON) == 0


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"reminder_hours": 0}, "reminder_hours must be a number of hours above 0"),
        ({"reminder_hours": "24"}, "reminder_hours must be"),
        ({"reminder_hours": True}, "reminder_hours must be"),
        ({"quiet_hours": "9pm-7am"}, 'quiet_hours must be two 24-hour times like "21:00-07:00"'),
        ({"quiet_hours": "21:00-21:00"}, "quiet_hours must be"),
        ({"quiet_hours": "24:00-07:00"}, "quiet_hours must be"),
        ({"time_zone": "Mars/Olympus"}, "time_zone 'Mars/Olympus' is not an IANA time zone"),
        ({"remind_hours": 3}, "unknown setting 'remind_hours'"),
    ],
)
def test_a_bad_setting_is_named(table, words) -> None:
    with pytest.raises(SettingError, match="^\\[settings\\]: ") as raised:
        parse_settings(table)
    assert words in str(raised.value)


def test_settings_default_and_allow_fractions_of_an_hour() -> None:
    assert parse_settings(None) == TeamSettings()
    assert parse_settings({"reminder_hours": 0.001}).idle == timedelta(seconds=3.6)
    assert parse_settings({"quiet_hours": "off"}).quiet is None


# Digest ----------------------------------------------------------------------------------------
def test_the_digest_counts_the_week_by_recommendation_and_lists_the_open_cases(team, store) -> None:
    screen(team, LEE, "D-1", validate_answers(P01))
    screen(team, LEE, "D-2", validate_answers(BY_ID["P07"]["answers"]))
    screen(team, LEE, "D-3", validate_answers(BY_ID["P09"]["answers"]))
    answer_first(team, COORD, "D-4", {}, 0)
    report = said(team.handle(REV, "/digest"))
    assert "3 cases confirmed" in report
    assert "- Refer for the ITB screening test: D-1" in report
    assert "- Refer after team review: D-2, D-3" in report
    assert (
        "Open cases: 1." in report
        and "- D-4 (Cora Coordinator): waiting under a minute at question 1 of" in report
    )
    assert "Only reviewers can see the digest" in said(team.handle(LEE, "/digest"))


def test_a_notice_waits_for_its_own_channel_and_member_only(store) -> None:
    """The check every input makes: another channel's or another member's notice is not this one's."""
    anna = store.user("console", "anna", "anna")
    case = store.create_case(anna.id, "W-1", "age_years")
    store.queue_notice(anna.id, case.id, "handoff:1", "bob handed you case W-1.")
    bob = store.user("console", "bob", "bob")
    assert store.notices_waiting("console") and store.notices_waiting("console", anna.id)
    assert not store.notices_waiting("telegram") and not store.notices_waiting("console", bob.id)
    assert store.claim_notices("telegram") == []
    [claimed] = store.claim_notices("console", anna.id)
    assert claimed.text == "bob handed you case W-1." and not store.notices_waiting("console")
