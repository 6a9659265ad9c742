"""Every sentence the dialogue says, in one place; each refusal says how to answer."""

from __future__ import annotations

from ..criteria import DISCLAIMER, Question

EMPTY = "Nothing was typed: please answer the question below."
TOO_LONG = "That message is longer than {limit} characters and was not read: please answer in a few words."
STALE = "This question is closed: that button belongs to an earlier question or another case."
UNKNOWN_BUTTON = "That button is not valid here."
TOO_MANY_DIGITS = "That is too many digits: the answer is {allowed}. Press \u232b to erase."
TYPE_DIGITS = "Press the digits of the number first, then OK (or Skip if not known)."
CHOOSE_ONE = "Choose at least one option, then Done (or Skip if not known)."
FIRST_QUESTION = "This is the first question: there is nothing to go back to."
CANNOT_GO_BACK = "There is no question to go back to from here."
NOTHING_TO_SKIP = "There is no open question to skip."
CONFIRM_AT_REVIEW = "Confirm is possible only at the review of a case."
UNKNOWN_COMMAND = "/{name} is not a command here. Type /help for the list."
NO_OPEN_CASE = "No case is open. Start one with /new REF (a case reference such as SPAS-014) or see /cases."
NO_CASES = "You have no cases yet. Start one with /new REF (a case reference such as SPAS-014)."
REDACTED = "{command}[a case reference, refused and not kept: it could identify a patient]"
REF_IDENTIFIER = (
    "That looks like {kind}, which could identify a patient, and was not kept. Use a case reference that "
    "does not identify the patient (for example SPAS-014)."
)
#: Kept in the transcript in place of a message refused as too long: it was never read.
REDACTED_TOO_LONG = "[a message over {limit} characters, refused and not kept]"
NO_SUCH_CASE = (
    "None of your cases is called {ref}. See /cases for your cases; a colleague's case becomes yours when "
    "they hand it to you (/handoff {ref} YOUR NAME)."
)
NO_CASE_CALLED = "No case is called {ref}."
REVIEWERS_ONLY = "Only reviewers can list every case or read other users' cases."
SHOW_USAGE = "Usage: /show REF (a case reference)."
NO_OPEN_CASE_SUMMARY = "No case is open: /summary REF names one, /cases lists yours."
NOT_FINISHED_SUMMARY = "Case {ref} is not finished: confirm it at the review first, then /summary."
NO_REPORTS = "/{name} is not available in this channel."
ASK_REF = (
    "Type a case reference for the new case: 3 to 32 letters, digits, '-' or '_' (for example "
    "SPAS-014), or take the generated one offered. Never a patient's name, date of birth or "
    "record number. /cancel to stop."
)
NEW_CANCELLED = "No new case was started."
REF_TAKEN = "The reference {ref} is already used by another case: choose another one."
YOUR_REF_EXISTS = "You already have a case {ref}: /resume {ref} to continue it, or choose another reference."
CASE_STARTED = "Case {ref} started. Answers are saved as you go; /back goes back, /skip moves on, ? explains."
REOPENED = "Case {ref} was cancelled and is open again."
CANCELLED = "Case {ref} is cancelled; its answers are kept. /resume {ref} reopens it."
CLOSED = "Case {ref} is closed. /resume {ref} shows it again."
FINISHED = "Case {ref} is finished. /new REF starts another case; /cases lists yours."
GREETING = (
    "Hello {name}. I am ITB Screen: I walk you through the questions that decide whether to refer a "
    "patient for an intrathecal baclofen (ITB) screening test, and give a recommendation with the points "
    "to discuss, each citing the consensus statement behind it.\n"
    "I am decision support, not a diagnosis: I never replace the ITB screening test or your clinical "
    "judgement. Name cases by a case reference only (such as SPAS-014), never a patient's name, date of "
    "birth or record number. Answers are saved as you go.\n"
    "{how} /new REF starts a case."
)
#: The greeting's last line: how to answer, where there are buttons and where everything is typed.
ANSWER_HOW_BUTTONS = "Answer with the buttons, or in your own words."
ANSWER_HOW_TYPED = "Answer by typing an option's number or name, or in your own words."
CASES_HEADING = "Your cases (answered/asked, status):"
#: A case's status (storage) for people; the stored word stays in JSON and CSV.
STATUS_WORDS: dict[str, str] = {
    "open": "In progress",
    "done": "Finished",
    "cancelled": "Cancelled",
    "void": "Void (opened by mistake)",
}
CASES_FOOT = "/resume REF continues a case."
HANDED_ON_HEADING = "Handed on by you (/show REF to read one):"
QUESTION_HEADING = "Case {ref} - question {position} of {total}"
CURRENT_ANSWER = "Current answer: {answer}"
REVIEW_HEADING = "Review case {ref}: check every answer before the recommendation."
REVIEW_HELP = (
    "Type the number of an answer ({numbers}) to change it, 'back' for the last question, "
    "or 'confirm' to get the recommendation."
)
RESULT_HEADING = "Case {ref}: {title}"
DONE_LABEL = "Done"
OK_LABEL = "OK"
ERASE_LABEL = "\u232b"  # ⌫
TYPED_SO_FAR = "Typed so far: {digits}"
GENERATE_LABEL = "Use {ref}"
SKIPPED = "Skipped (not known)"
SAVED = "Saved ({question}): {answer}"
KEPT = "Kept: {answer}"
CLEARED = "Cleared: the answer was {answer}; the question is now unanswered."
DID_YOU_MEAN = "Did you mean {answer}? Yes to save it, No to answer again."
NOT_SAVED = "Not saved: answer the question again."
#: A follow-up question: the reading named what the question is about, not which option.
FOLLOW_UP = "{ask} Yes or No."
YES_LABEL = "Yes"
# What a pressed message says once its press is handled (Telegram edits it; the transcript has the press).
PRESSED_BACK = "\u21a9 Back"  # ↩
PRESSED_CONFIRMED = "\u2713 Confirmed"  # ✓
PRESSED_CHANGE = "Change answer {label}"
PRESSED_OPENED = "Opened {ref}"
PRESSED_HANDED = "Case {ref} handed over"
PRESSED_AMEND = "\u270e Amending"  # ✎
NOT_THAT = "No: answered again"
NO_LABEL = "No"
STILL_OPEN = "Case {ref} stays open at {where}: /resume {ref} continues it."
CONTINUING = "Continuing case {ref}, {where}."
#: A typed answer whose window showed an earlier place of the case than where it is now.
MOVED_ON = (
    "Not saved: your open case {ref} has moved on since this window showed it (another window answered "
    "or opened a case). It is now here:"
)
UNANSWERED_AT_CONFIRM = (
    "{count} asked question{s} still unanswered: {fields}. Type 'confirm' again to get the recommendation "
    "anyway, or the number of an answer to give it."
)
CONFIRM_ANYWAY_LABEL = "Confirm anyway"
AMEND_LABEL = "Amend"
AMEND_USAGE = "Usage: /amend REF (a finished case of yours, or any as a reviewer)."
VOID_USAGE = "Usage: /void REF reason (why the case was opened by mistake, in one line)."
NOT_YOURS = "Only the owner of case {ref} or a reviewer can {verb} it."
NOT_FINISHED = "Case {ref} is not finished: only a confirmed case is amended. /resume {ref} continues it."
IS_VOID = "Case {ref} is void (opened by mistake): it cannot be {verb}."
ASK_AMEND_REASON = (
    "Why is case {ref} being amended? Type the reason in one line, at most {limit} characters, never a "
    "patient's name, date or number. /cancel to stop."
)
REASON_EMPTY = "A reason is needed: type it in one line, at most {limit} characters."
REASON_TOO_LONG = "The reason is longer than {limit} characters: say it in fewer words."
REASON_IDENTIFIER = (
    "That reason seems to contain {kind}, which could identify a patient, and was not kept: say why "
    "without it."
)
AMEND_OPENED = (
    "Case {ref} is open for amendment ({reason}). Change what needs changing, then confirm: the new result "
    "is kept beside the old one."
)
AMEND_CANCELLED = "No amendment was started."
AMEND_LEFT = (
    "The amendment of case {ref} was left: the case stays finished with its last result. Answers changed "
    "meanwhile are kept in its history; /amend {ref} to finish the amendment."
)
AMENDED = "Case {ref} amended: the new result is kept beside the earlier one."
VOIDED = "Case {ref} is void: kept with its history, left out of lists and exports."
REDACTED_REASON = "[a reason, refused and not kept: it could identify a patient]"
REDACTED_LONG_REASON = "[a reason over {limit} characters, refused and not kept]"
BACK_LABEL = "Back"
SKIP_LABEL = "Skip"
CONFIRM_LABEL = "Confirm"

_HOW = {
    "number": (
        "Type the number (e.g. 45, 8 years, 18 months); '?' explains, 'skip' moves on, 'back' goes back."
    ),
    "one": "Type the option's number, name or short form; '?' explains, 'skip' moves on, 'back' goes back.",
    "many": (
        "Type one or more numbers or names (e.g. 1, 4 or mobility and care); '?' explains, 'skip' moves on, "
        "'back' goes back."
    ),
}
#: Said under a question that already has an answer: nothing is cleared by accident.
KEEP_HINT = "'skip' keeps the current answer; 'unknown' clears it."


def question_text(heading: str, title: str, question: Question, selected: set[str]) -> str:
    """A question as plain text, with numbered options (the console prints this)."""
    lines = [heading, title]
    for number, option in enumerate(question.options, 1):
        mark = "[x] " if option.code in selected else ""
        lines.append(f"  {number}. {mark}{option.label}")
    lines.append(_HOW[question.kind])
    return "\n".join(lines)


def help_text(commands: dict[str, str]) -> str:
    return "\n".join(
        [
            "ITB Screen walks you through the questions that decide whether to refer a patient for an "
            "intrathecal baclofen (ITB) screening test, and gives a recommendation with the points the team "
            "should discuss, each citing the consensus statement (S1..S13) behind it.",
            "Cases are named by a case reference only: never a patient's name, date of birth or record "
            "number.",
            DISCLAIMER,
            "",
            *commands.values(),
        ]
    )
