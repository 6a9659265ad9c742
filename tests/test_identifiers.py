"""The identifier guard (dialogue/_identifiers.py): each class found N/N on tests/data/identifiers.jsonl,
no clinical answer or reference touched, and nothing identifying left in the transcript or its search.

Run with -s to see the per-class figures.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from itb_screen.dialogue import Dialogue, Identity, check_ref
from itb_screen.dialogue._buttons import REF_SPACE, generated_ref
from itb_screen.dialogue._identifiers import BOT_STAMP, CLASSES, identifier_kind, marker, redact
from itb_screen.dialogue._parse import Refusal
from itb_screen.review.chat import ChatReports

from .conftest import VIGNETTES
from .drive import STYLES, screen

DATA = Path(__file__).parent / "data"
CASES = [json.loads(line) for line in (DATA / "identifiers.jsonl").read_text().splitlines() if line.strip()]
PHRASINGS = [json.loads(line) for line in (DATA / "phrasings.jsonl").read_text().splitlines() if line]
NAMES = {kind.split(" ", 1)[1]: kind for kind, _ in CLASSES}
ALICE = Identity("console", "alice", "Alice")
REVIEWER = Identity("telegram", "99", "Rev", "reviewer")
P01 = next(v for v in VIGNETTES if v["id"] == "P01")["answers"]


def found(text: str) -> str:
    """The class name `identifier_kind` gives (`date`), or "none"."""
    kind = identifier_kind(text)
    return kind.split(" ", 1)[1] if kind else "none"


def test_the_data_covers_every_class_and_twelve_date_formats():
    counts = Counter(row["class"] for row in CASES)
    assert set(counts) == set(NAMES) | {"none"}
    assert counts["date"] >= 12 and min(counts.values()) >= 5


def test_each_class_is_found_n_of_n_and_redacted_to_its_marker():
    hits: Counter[str] = Counter()
    misses = []
    for row in CASES:
        text, expected = row["text"], row["class"]
        kept = redact(text)
        if expected == "none":
            ok = found(text) == "none" and kept == text
        else:  # named right, and the marker of that class stands where the identifier was
            ok = found(text) == expected and marker(NAMES[expected]) in kept
        hits[expected] += ok
        if not ok:
            misses.append((text, expected, found(text), kept))
    totals = Counter(row["class"] for row in CASES)
    for name in sorted(totals):
        print(f"{name:>20}: {hits[name]}/{totals[name]}")
    assert misses == []


def realistic_refs(count: int = 200) -> list[str]:
    """References a team would type (clinic codes, years, initials-free) and ones the bot generates."""
    rng = random.Random(14)
    clinics = ["SPAS", "ITB", "CP", "RNOH", "GOSH", "MS", "SCI", "ABI", "PAED", "NEURO", "SW", "Leeds"]
    shapes = [
        lambda: f"{rng.choice(clinics)}-{rng.randrange(1000):03d}",
        lambda: f"{rng.choice(clinics)}_clinic_{rng.randrange(100):02d}",
        lambda: f"P{rng.randrange(1, 100):02d}",
        lambda: f"case_{rng.randrange(2015, 2031)}_{rng.choice('abcdefgh')}",
        lambda: f"{rng.choice(clinics)}-{rng.randrange(2015, 2031)}-{rng.randrange(1, 1000):03d}",
        lambda: f"{rng.choice(clinics)}{rng.randrange(10000, 100000)}",  # five digits are allowed
        lambda: f"{rng.choice(clinics)}-T{rng.randrange(1, 20)}-{rng.choice('ABCD')}",
        lambda: generated_ref(rng.randrange(REF_SPACE)),
    ]
    refs = [generated_ref(0), "SPAS-014", "ITB-7KQ2M", "P01", "CP_clinic_03", "AB12345", "12345-X"]
    while len(refs) < count:
        refs.append(rng.choice(shapes)())
    return refs


def test_200_realistic_references_are_accepted():
    refs = realistic_refs()
    accepted = []
    for ref in refs:
        try:
            accepted.append(check_ref(ref))
        except Refusal:
            pass
    print(f"references accepted: {len(accepted)}/{len(refs)}")
    assert accepted == refs and len(refs) == 200
    assert all(redact(ref) == ref for ref in refs)  # a reference in a prompt stays readable


@pytest.mark.parametrize(
    "ref, kind",
    [
        ("485-777-3456", "a national number"),
        ("MRN12345", "a record number"),
        ("15MAR1990", "a date"),
        ("15_March_90", "a date"),
        ("Mar-15-1990", "a date"),
        ("1990-03-15", "a date"),
        ("NHS-12345", "a record number"),
        ("QQ123456C", "six or more digits"),
    ],
)
def test_references_of_an_identifier_class_are_refused_naming_the_class(ref, kind):
    with pytest.raises(Refusal, match=kind) as refused:
        check_ref(ref)
    assert ref not in str(refused.value)


def test_no_typed_answer_of_the_phrasings_is_taken_for_an_identifier():
    touched = [row["text"] for row in PHRASINGS if redact(row["text"]) != row["text"]]
    print(f"phrasings unredacted: {len(PHRASINGS) - len(touched)}/{len(PHRASINGS)}")
    assert len(PHRASINGS) > 400 and touched == []


def test_the_bots_own_stamps_are_kept_only_when_asked():
    line = "Confirmed 2026-11-29 02:28 UTC; answered 2026-11-29 02:20:13 UTC. DOB 1990-03-15."
    kept = redact(line, keep_stamps=True)
    assert kept == "Confirmed 2026-11-29 02:28 UTC; answered 2026-11-29 02:20:13 UTC. DOB [date removed]."
    assert "2026-11-29" not in redact(line)
    assert BOT_STAMP.search("1990-03-15") is None  # a bare date is never a stamp


def messages(store) -> list[tuple[str, str]]:
    return list(store.db.execute("SELECT direction, text FROM messages ORDER BY id"))


def test_whole_screenings_and_their_read_outs_are_kept_word_for_word(store):
    """No false positive on the bot's own prompts: greeting, help, every vignette's questions, review and
    result in three typing styles, /summary, /show, /cases and a reviewer's /cases all."""
    dialogue = Dialogue(store, reports=ChatReports())
    for who in (ALICE, REVIEWER):
        dialogue.handle(who, "/start")
    for number, vignette in enumerate(VIGNETTES):
        ref = f"SPAS-{number:03d}"
        screen(dialogue, ALICE, ref, vignette["answers"], style=STYLES[number % len(STYLES)])
        dialogue.handle(ALICE, f"/summary {ref}")
        dialogue.handle(ALICE, f"/show {ref}")
    dialogue.handle(ALICE, "/cases")
    dialogue.handle(REVIEWER, "/cases all")
    out = [text for direction, text in messages(store) if direction == "out"]
    assert len(out) > 20 * len(VIGNETTES) and not [text for text in out if "removed]" in text]
    assert any(BOT_STAMP.search(text) for text in out)  # the read-outs keep their times


SECRETS = {"date": "15/03/1990", "nhs": "485-777-3456", "email": "jane.doe@example.org"}


def test_identifiers_typed_as_answers_or_commands_never_reach_the_transcript(store):
    dialogue = Dialogue(store, reports=ChatReports())
    dialogue.handle(ALICE, "/new SPAS-014")
    for secret in SECRETS.values():
        for text in (secret, f"born {secret}", f"/resume {secret}", f"/summary {secret}", f"/new {secret}"):
            dialogue.handle(ALICE, text)
    dialogue.handle(ALICE, "/new")
    dialogue.handle(ALICE, SECRETS["nhs"])  # typed as the awaited reference
    dialogue.handle(ALICE, "/show SPAS-014")  # the transcript read out holds only what was kept
    stored = "\n".join(text for _, text in messages(store))
    assert "[date removed]" in stored and "[national number removed]" in stored
    assert "[e-mail address removed]" in stored
    for secret in SECRETS.values():
        assert secret not in stored
        assert store.search(secret) == []
    for word in ("1990", "3456", "jane.doe", "example.org"):
        assert store.search(word) == []


def test_a_message_refused_as_too_long_is_kept_as_a_marker_only(store):
    dialogue = Dialogue(store)
    dialogue.handle(ALICE, "/new SPAS-014")
    dialogue.handle(ALICE, "seen by the physio team " * 40)
    incoming = [text for direction, text in messages(store) if direction == "in"]
    assert incoming[-1] == "[a message over 500 characters, refused and not kept]"
    assert store.search("physio") == []
