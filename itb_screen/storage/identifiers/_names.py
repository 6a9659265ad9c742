"""Names: a title and a name (`Dr.Smith`, `mr smith`), or a given name and a capitalised word
(`Priya Patel`), the given names and surnames from Faker's person providers (a maintained package that
ships them for many countries), the common English words from Faker's word list.

A given name that is also a common word (`Hope`, `Grace`) counts only before a known surname, so
`Hope Botox helps` stays; a clinical eponym (`Parkinson`, `Down`) is no given name, so `Parkinson's
disease` and `Down syndrome` stay.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import import_module

#: Faker locales whose names a UK or US ward meets, in Latin letters.
_LOCALES = (
    "en_US en_GB en_IE en_IN en_NG en_PK en_KE en_NZ en_TH ga_IE es_ES es_MX pt_BR pt_PT fr_FR de_DE it_IT "
    "pl_PL nl_NL ro_RO tr_TR zh_CN ja_JP ko_KR yo_NG ha_NG ig_NG tw_GH sw vi_VN"
).split()
_GIVEN = ("first_names", "first_names_male", "first_names_female", "first_romanized_names")
_FAMILY = ("last_names", "last_romanized_names")

#: Letters beyond ASCII that names are written with (Latin-1, Latin Extended-A and B: `Łukasz`, `Dvořák`,
#: `Yılmaz`), by case: a character class's contents.
_EXTRA_UPPER = "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper() and c != "\u00d7")
_EXTRA_LOWER = "".join(c for c in map(chr, range(0xC0, 0x250)) if c.islower() and c != "\u00f7")
#: Titles before a name. `Ms` is also multiple sclerosis: after it only a known name counts.
_TITLE = r"(?:mrs|mr|ms|miss|mx|dr|prof|sir|dame|master)"
#: Between a title and a name: a space, `_`, `-`, the title's dot, or nothing where the name's capital
#: follows `Mr`, `Mrs` or `Dr` (`MrSmith`, `DrJones`; not `MsContin`, a drug).
_AFTER_TITLE = r"(?:\s+|[_-]|(?<=\.)|(?<=(?-i:Mr|Dr|rs))(?=(?-i:[A-Z])))"
#: Initials and particles between a title and a surname: `Dr A. B. Khan`, `mr van der Berg`.
_PARTICLES = r"(?:(?:van|von|de|der|den|da|di|du|la|le|del|della|bin|al|el)\s+)*"
_TITLED = re.compile(
    rf"\b({_TITLE})\.?{_AFTER_TITLE}(?:[a-z]\.\s*)*{_PARTICLES}([^\W\d_][\w'’-]*)", re.IGNORECASE
)
#: A title, initials written without dots (`Mr A B Smith`, `Ms J Patel`, `Dr AB Khan`, `Mrs J-K Rowling`,
#: `Dr Ø Hansen`: capitals, one to four, joined by `-` or `/`, each group followed by a space; one small
#: letter, `mr j smith`) or with them (`Mrs J.-K. Rowling`), then a surname of two letters or more. The
#: initials are taken as few as will do, so `Mr J LEE` is `LEE` after one initial.
_CAPS = f"(?-i:[A-Z{_EXTRA_UPPER}]{{1,4}})"
_INITIAL = rf"(?:{_CAPS}(?:[-/]{_CAPS})*(?:\.\s*|\s+)|(?-i:[a-z])\s+|[a-z]\.(?:-?[a-z]\.)*\s*)"
_TITLED_INITIALS = re.compile(
    rf"\b({_TITLE})\.?{_AFTER_TITLE}{_INITIAL}+?{_PARTICLES}([^\W\d_][\w'’-]+)", re.IGNORECASE
)
#: A name's last word that may be initials (`AB`, `J.`), and the capitalised word after it.
_INITIAL_LIKE = re.compile(rf"(?:{_CAPS}\.?)+")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_][\w'’-]*)")
_UPPER = f"A-Z{_EXTRA_UPPER}"
_LOWER = f"a-z{_EXTRA_LOWER}"
#: A hyphenated given name, then a capitalised word (`Jean-Luc Martin`, `Mary-Jane Smith`).
_HYPHENATED = re.compile(rf"(?<![-\w])([{_UPPER}][{_LOWER}]+)-([{_UPPER}][{_LOWER}]+)\s+([{_UPPER}][\w'’-]+)")
#: Two capitalised (or upper-case) words, apart or run together (`JohnSmith`, `José García`). Not
#: joined by a hyphen: `Charcot-Marie-Tooth` and `Arnold-Chiari` are eponyms, not Marie Tooth.
_PAIR = re.compile(
    rf"(?<![-\w])([{_UPPER}](?:[{_LOWER}'’]+|[{_UPPER}'’]+(?![{_LOWER}])))"
    rf"(?:\s+|_|(?<=[{_LOWER}])(?=[{_UPPER}]))([{_UPPER}][{_UPPER}{_LOWER}'’]+)(?!-\w)"
)


#: Given names that are also months (`April`, `June`, `August`): before a word a note writes after a
#: month (`since April Botox helped`, `started August Baclofen`) they count only before a known surname.
_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)


def _folded(name: str) -> str:
    """`José` -> `jose`: names compared without accents or case."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def _names(attributes: tuple[str, ...]) -> frozenset[str]:
    found: set[str] = set()
    for locale in _LOCALES:
        provider = import_module(f"faker.providers.person.{locale}").Provider
        for attribute in attributes:
            found.update(_folded(n) for n in getattr(provider, attribute, ()) if " " not in n)
    return frozenset(n for n in found if len(n) >= 2)


@cache
def given_names() -> frozenset[str]:
    return _names(_GIVEN)


@cache
def surnames() -> frozenset[str]:
    return _names(_FAMILY)


@cache
def _common() -> frozenset[str]:
    from faker.providers.lorem.en_US import Provider

    return frozenset(w.casefold() for w in Provider.word_list)


def _capitalised(word: str) -> bool:
    """`Smith`, `SMITH`, `McAllister`, `O'Neill`: a capital first, not a lower-case word."""
    return (
        word[:1].isupper() and not word[1:2].isupper() or word.isupper() or bool(re.match(r"Ma?c[A-Z]", word))
    )


def _is_pair(first: str, second: str, broken: bool = False) -> bool:
    """A given name then a capitalised word that may be a surname (`Priya Patel`); a known surname then
    a given name (`Chen Jie`); or a capitalised word no dictionary knows then a known surname (`Kwame
    Mensah`). `broken`: a line break between them, after which every line starts with a capital, so
    after a given name that is also an everyday word (`Comfort`, `Grace`) only a known surname counts."""
    given, family = _folded(first), _folded(re.sub(r"['’]s$", "", second))
    if not _capitalised(second):
        return False
    if given in surnames() and family in given_names() and given not in _common():
        return True
    if given not in given_names():
        return family in surnames() and _unknown(first)
    from ._english import english_words, everyday_words

    shorthand = first.isupper() or second.isupper()
    everyday = given in _common() or given in _MONTHS or broken and given in everyday_words()
    if shorthand or everyday or family in english_words() or len(given) < 3:
        return family in surnames()  # `MARK SMITH`, `Hope Jones`, not `Cord Injury`, `Arnold-Chiari II`
    return True


def _unknown(word: str) -> bool:
    """A word that is neither common English nor upper-case shorthand: maybe a given name."""
    from ._english import english_words

    folded = _folded(word)
    return not word.isupper() and folded not in _common() and folded not in english_words() and len(word) >= 3


def _hyphenated(first: str, second: str, family: str, broken: bool = False) -> bool:
    given = given_names()
    either = _is_pair(first, family, broken) | _is_pair(second, family, broken)
    return (_folded(first) in given or _folded(second) in given) and either


def _titled(title: str, word: str) -> bool:
    from ._english import everyday_words

    folded = _folded(word)
    if word.islower():  # `mr smith`, but not `Dr said fine` or `Dr review`
        return folded in surnames() and folded not in everyday_words()
    if _known(folded):
        return True
    # `MS` (and `ms`) is multiple sclerosis and `Dr review` no name: otherwise a capitalised word will do.
    # `Ms` as a title is written so (`Ms Kowalski`); the disease, in capitals (`MS Fatigue`).
    return (title.casefold() != "ms" or title == "Ms") and _capitalised(word) and folded not in _common()


def _known(folded: str) -> bool:
    """A folded word that Faker knows as a surname or a given name."""
    return folded in surnames() or folded in given_names()


def _initialled(title: str, word: str) -> bool:
    """The surname after a title and initials without dots: a known name, or a capitalised word that is
    no English word (`Mr A B Rowling`, not `Miss A Dose`, `MR C Spine`, `MR OD Tablets`)."""
    from ._english import english_words

    folded = _folded(word)
    return _titled(title, word) and (word.islower() or _known(folded) or folded not in english_words())


def _through_initials(text: str, a: int, b: int) -> tuple[int, int]:
    """A titled name that ends in what may be initials (`Mr AB CD`, `Dr ABCD`) takes the capitalised word
    after them if it may be a surname (`Smith`, `Rowling`; not `Tablets` in `MR OD Tablets`)."""
    from ._english import english_words

    while _INITIAL_LIKE.fullmatch(text[a:b].split()[-1]) and (after := _NEXT_WORD.match(text, b)):
        word = after.group(1)
        folded = _folded(word)
        if not word[:1].isupper() or not _known(folded) and folded in english_words():
            break
        b = after.end()
    return a, b


def name_spans(text: str, breaks: tuple[int, ...] = ()) -> list[tuple[int, int]]:
    """Where `text` names a person: (start, end) of each name found. `breaks`: where a space in `text`
    stands for a line break."""

    def broken(match: re.Match[str], last: int) -> bool:
        return any(match.end(last - 1) <= at < match.start(last) for at in breaks)

    spans = [m.span() for m in _TITLED.finditer(text) if _titled(m.group(1), m.group(2))]
    spans += [m.span() for m in _TITLED_INITIALS.finditer(text) if _initialled(m.group(1), m.group(2))]
    spans = [_through_initials(text, a, b) for a, b in spans]
    spans += [m.span() for m in _HYPHENATED.finditer(text) if _hyphenated(m[1], m[2], m[3], broken(m, 3))]
    pairs = _overlapping(_PAIR, text)
    return spans + [m.span() for m in pairs if _is_pair(m.group(1), m.group(2), broken(m, 2))]


def _overlapping(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match, each word tried as a first name (`seen by Sarah Jones`: `Sarah Jones`)."""
    found, at = [], 0
    while (match := pattern.search(text, at)) is not None:
        found.append(match)
        at = match.start(2)
    return found
