"""The team's workflow in the chat: /handoff, /remind, /digest, and notices to members.

Who the members are is the channel's knowledge (Telegram: the users file; console: the console users
known to the database), passed in as a `Directory`; the dialogue decides who may do what and queues every
notice in the same transaction as what it tells of (`Store.queue_notice`, one per member, case and event).
A channel delivers them (`Dialogue.notices`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from ..criteria import GUIDANCE_HEADING, RECOMMENDATIONS, Result, sources_words
from ..storage import Case, Notice
from . import _buttons as buttons
from ._prompts import Button, Prompt, where
from ._turn import Identity, Turn

if TYPE_CHECKING:
    from ._engine import Dialogue

#: Recommendations the team reviews together: members with `notify` hear of them (and of amendments).
TEAM_REVIEW = ("refer_after_review", "incomplete")
#: What /digest counts as "the week".
DIGEST_DAYS = 7

HANDOFF_USAGE = "Usage: /handoff REF MEMBER (a member's name or id, as listed in the team)."
WHOM = "Hand case {ref} to whom? Tap a member, or type /handoff {ref} NAME. Members:\n{members}"
#: Where the members are not buttons (the console, or nobody listed with a Telegram id).
WHOM_TYPED = "Hand case {ref} to whom? Type /handoff {ref} NAME, naming one of the members:\n{members}"
NO_TEAM = "Hand-offs need the team's list of members, which this channel does not have."
UNKNOWN_MEMBER = "Nobody in the team is called {name}. Members: {members}."
AMBIGUOUS_MEMBER = "{name} could be {choices}: say which, by full name or id."
HANDOFF_SELF = "Case {ref} is already yours."
HANDOFF_VOID = "Case {ref} is void: it cannot be handed on."
HANDED = (
    "Case {ref} is now {name}'s: they have been told. You can still read it: /show {ref}, /summary {ref}."
)
HANDED_TO_YOU = "{giver} handed you case {ref}: it waits at {where}."
CONTINUE_LABEL = "Continue {ref}"
SHOW_LABEL = "Show {ref}"
SUMMARY_LABEL = "Summary {ref}"
GIVER_NOTICE = (
    "Case {ref}, which you handed on, was {verb} by {who}: {title}. "
    "/summary {ref} gives its referral summary."
)
REVIEW_NOTICE = "Case {ref} was {verb} by {who}: {title}."
REMIND_STATE = "Reminders of idle cases are {state} for you. /remind off or /remind on to change."
REMIND_USAGE = "Usage: /remind on or /remind off."
REMIND_SET = "Reminders of idle cases are now {state} for you."
DIGEST_HEAD = "The week to {day}: {count} case{s} confirmed."
DIGEST_OPEN = "Open cases: {count}."
REVIEWERS_ONLY = "Only reviewers can see the digest."


@dataclass(frozen=True)
class Member:
    """One member of the team as a channel lists them: who, and whether they hear of cases to review."""

    identity: Identity
    notify: bool = False


class Directory(Protocol):
    """The team's members as the channel knows them."""

    def members(self) -> Sequence[Member]:
        """Every member, in the order they are listed."""


def _shown(member: Member) -> str:
    who = member.identity
    return (
        f"{who.name} (id {who.external_id})" if who.name and who.name != who.external_id else who.external_id
    )


def find_member(members: Sequence[Member], text: str) -> list[Member]:
    """The members `text` names: an id or a full name (case aside); else those whose name holds it as
    whole words ("Lee" for "Dr Lee"). Several means the text fits more than one: it is asked back."""
    wanted = " ".join(text.split()).casefold()
    exact = [
        m
        for m in members
        if wanted in (m.identity.external_id.casefold(), (m.identity.name or "").casefold())
    ]
    if exact:
        return exact[:1] if len(exact) == 1 or len({m.identity for m in exact}) == 1 else exact
    words = wanted.split()
    return [m for m in members if words and _holds((m.identity.name or "").casefold().split(), words)]


def _holds(name: list[str], words: list[str]) -> bool:
    return any(name[i : i + len(words)] == words for i in range(len(name) - len(words) + 1))


def handoff(d: Dialogue, turn: Turn, case: Case, text: str) -> bool:
    """/handoff REF MEMBER, once the case is one this user may hand on; whether it was handed."""
    if d.team is None:
        d.refuse(turn, NO_TEAM, show=False)
        return False
    members = d.team.members()
    found = find_member(members, text)
    listed = ", ".join(_shown(m) for m in members) or "none listed"
    if not found:
        d.refuse(turn, UNKNOWN_MEMBER.format(name=text[:64], members=listed), show=False)
        return False
    if len(found) > 1:
        choices = " or ".join(_shown(m) for m in found)
        d.refuse(turn, AMBIGUOUS_MEMBER.format(name=text[:64], choices=choices), show=False)
        return False
    who = found[0].identity
    if case.status == "void":
        d.refuse(turn, HANDOFF_VOID.format(ref=case.ref), show=False)
        return False
    receiver = d.store.user(who.channel, who.external_id, who.name, who.role)
    if receiver.id == case.user_id:
        d.refuse(turn, HANDOFF_SELF.format(ref=case.ref), show=False)
        return False
    stamp = d.store.hand_off(case.id, turn.user.id, receiver.id)
    if turn.case is not None and turn.case.id == case.id and turn.user.id == case.user_id:
        turn.case = None  # no longer the giver's open case
        turn.user = d.store.user_by_id(turn.user.id)
    text = HANDED_TO_YOU.format(
        giver=turn.user.shown_name, ref=case.ref, where=where(case, d.store.answers(case.id))
    )
    d.store.queue_notice(receiver.id, case.id, f"handoff:{stamp}", text, _continue(case))
    turn.say("notice", HANDED.format(ref=case.ref, name=who.name or who.external_id), case_ref=case.ref)
    return True


def offer_members(d: Dialogue, turn: Turn, case: Case) -> None:
    """/handoff REF without a member: the members to choose from, a button each (ids the buttons can
    carry: Telegram's numeric ones; elsewhere the names are typed)."""
    if d.team is None:
        return d.refuse(turn, NO_TEAM, show=False)
    owner = d.store.user_by_id(case.user_id)
    others = [m for m in d.team.members() if m.identity.external_id != owner.external_id]
    if not others:
        return d.refuse(turn, UNKNOWN_MEMBER.format(name="anyone else", members="none listed"), show=False)
    buttons_ = tuple(
        Button(buttons.encode("handoff", case.id, "c", int(m.identity.external_id)), _shown(m))
        for m in others
        if m.identity.external_id.isdigit() and len(m.identity.external_id) <= 12
    )
    if not d.capabilities.buttons:
        buttons_ = ()
    listed = "\n".join(f"- {_shown(m)}" for m in others)
    whom = WHOM if buttons_ else WHOM_TYPED
    turn.prompts.append(
        Prompt("notice", whom.format(ref=case.ref, members=listed), case.ref, options=buttons_)
    )


def _continue(case: Case) -> tuple[str, str]:
    return buttons.encode("open", case.id, "c"), CONTINUE_LABEL.format(ref=case.ref)


def notify(d: Dialogue, turn: Turn, case: Case, result: Result, amended: bool) -> int:
    """After a confirmation, once per result and never to the one who confirmed it: members with `notify`
    hear of a case for the team (or any amendment); whoever handed the case on hears how it ended (a
    coordinator waits for the referral summary). Returns how many notices were queued."""
    title = RECOMMENDATIONS[result.recommendation].title
    verb = "amended" if amended else "confirmed"
    event = f"result:{len(d.store.results(case.id))}"
    queued = 0
    if d.team is not None and (amended or result.recommendation in TEAM_REVIEW):
        lines = [REVIEW_NOTICE.format(ref=case.ref, verb=verb, who=turn.user.shown_name, title=title)]
        lines += [f"- {p.text} ({p.source})" for p in result.discussion_points]
        lines += _flag_lines(result.showing(d.guidance()))
        show = (buttons.encode("show", case.id, "d"), SHOW_LABEL.format(ref=case.ref))
        for member in d.team.members():
            who = member.identity
            if member.notify and (who.channel, who.external_id) != (turn.user.channel, turn.user.external_id):
                user = d.store.user(who.channel, who.external_id, who.name, who.role)
                button = show if who.role == "reviewer" else None
                queued += d.store.queue_notice(user.id, case.id, event, "\n".join(lines), button)
    text = GIVER_NOTICE.format(ref=case.ref, verb=verb, who=turn.user.shown_name, title=title)
    summary = (buttons.encode("summary", case.id, "d"), SUMMARY_LABEL.format(ref=case.ref))
    for giver in d.store.givers(case.id):
        if giver != turn.user.id:  # a member both notified and a giver keeps the first notice queued
            queued += d.store.queue_notice(giver, case.id, event, text, summary)
    return queued


def _flag_lines(result: Result) -> list[str]:
    """The flags a notice lists after the points, apart, each with its sources in words; none: nothing."""
    flags = [f"- {f.text} ({sources_words(f.sources)})" for f in result.other_guidance]
    return [f"{GUIDANCE_HEADING}:", *flags] if flags else []


def remind(d: Dialogue, turn: Turn, arg: str) -> None:
    """/remind [on|off]: this member's reminders of idle open cases."""
    choice = arg.strip().casefold()
    if not choice:
        state = "on" if d.store.reminders_on(turn.user.id) else "off"
        return turn.say("notice", REMIND_STATE.format(state=state), case_ref=None)
    if choice not in ("on", "off"):
        return d.refuse(turn, REMIND_USAGE, show=False)
    d.store.set_reminders(turn.user.id, choice == "on")
    turn.say("notice", REMIND_SET.format(state=choice), case_ref=None)


def digest(d: Dialogue, turn: Turn, now: datetime | None = None) -> None:
    """/digest (reviewers): the week's confirmed cases by recommendation; the open ones and their wait."""
    if not turn.reviewer:
        return turn.say("refusal", REVIEWERS_ONLY, case_ref=None)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    since = (now - timedelta(days=DIGEST_DAYS)).isoformat(timespec="microseconds")
    by_rec: dict[str, list[str]] = {}
    waiting: list[str] = []
    for case in d.store.all_cases():
        if case.status == "open":
            owner = d.store.user_by_id(case.user_id).shown_name
            wait = waited(now, datetime.fromisoformat(case.updated_at))
            waiting.append(
                f"- {case.ref} ({owner}): waiting {wait} at {where(case, d.store.answers(case.id))}"
            )
        stored = d.store.latest_result(case.id) if case.status == "done" else None
        if stored is not None and stored[1] >= since:
            by_rec.setdefault(stored[0]["recommendation"], []).append(case.ref)
    count = sum(len(refs) for refs in by_rec.values())
    lines = [DIGEST_HEAD.format(day=now.date().isoformat(), count=count, s="" if count == 1 else "s")]
    lines += [
        f"- {RECOMMENDATIONS[c].title}: {', '.join(refs)}" for c in RECOMMENDATIONS if (refs := by_rec.get(c))
    ]
    lines += [DIGEST_OPEN.format(count=len(waiting)), *waiting]
    turn.say("report", "\n".join(lines), case_ref=None)


def waited(now: datetime, since: datetime) -> str:
    """How long, in words a reader takes in at a glance: 3 days, 5 hours, 12 minutes."""
    seconds = max(0, int((now - since).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "under a minute"


def notice_prompt(notice: Notice, ref: str | None) -> Prompt:
    """A queued notice as a prompt the channel shows (its one button, if any, as a control)."""
    controls = (Button(notice.button_code, notice.button_label or ""),) if notice.button_code else ()
    return Prompt("notice", notice.text, case_ref=ref, controls=controls)
