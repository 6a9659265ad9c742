"""The recognizers: Microsoft Presidio's pattern and checksum recognizers (NHS numbers by their check
digit, National Insurance and social security numbers, cards by Luhn, IBANs, UK and Canadian postcodes,
IP and web addresses, dates) and its phone recognizer (Google's libphonenumber, every national format),
with patterns of this ward's own where Presidio has none (record numbers, spelled dates, US ZIP+4 and
Irish Eircodes, street addresses, long numbers). No NLP engine and no model: names come from `_names`.

Each Presidio entity maps to one of the classes a user is told (`a date`); a weak Presidio pattern that
also fits clinical text (`3/12` months, `3/52` weeks) is not used: `_FLOOR` sets the score each needs.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

#: US state abbreviations: a five-digit ZIP counts as a postcode only after one.
_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split()

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
)
_DAY = r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|'\d{2}|\d{2})(?!\d)"
_D = r"(?:0?[1-9]|[12]\d|3[01])"  # a day of the month
_M = r"(?:0?[1-9]|1[0-2])"  # a month

#: Dates Presidio's patterns miss: spelled months in any order, and three numbers with one separator.
_DATES = (
    rf"\b{_DAY}[ -]?(?:of\s+)?{_MONTH}[ ,.-]*{_YEAR}",  # 3 Mar '50, 3rd of March, 1950, 03-Mar-1950
    rf"\b{_MONTH}[ -]?{_DAY},?[ -]+{_YEAR}",  # March the 3rd 1950, Mar 3rd '50
    rf"\b\d{{4}}[ /-]?{_MONTH}[ /-]?\d{{1,2}}(?!\d)",  # 1950-Mar-03
    # Three numbers with one separator used twice, day or month first; a space only before a 4-digit year.
    rf"\b(?:{_D} ?([-/.]) ?{_M}|{_M} ?([-/.]) ?{_D}) ?(?:\1|\2) ?(?:\d{{4}}|\d{{2}})(?!\d)",
    rf"\b(?:{_D} {_M}|{_M} {_D}) \d{{4}}(?!\d)",  # 03 03 1950
    rf"\b\d{{4}}([-/. ]){_M}\1{_D}(?!\d)",  # 1950 03 03, 1950/3/3
    rf"\d{{4}}年{_M}月{_D}日",  # 1950年3月3日
)

_RECORD_LABEL = (
    r"(?:mrn|mr|rx|hn|hosp(?:ital)?|nhs|chi|pid|id|no|num(?:ber)?|ur|urn|pt|patient|chart|rec(?:ord)?|crn|k"
    r"|ip|ed|lab|fin|ref)"
)
#: A record label, then an identifier with 5+ digits (`MRN: A12345`, `hosp no. AB12345`, `chart #45678`).
_RECORD = (
    rf"\b{_RECORD_LABEL}\.?(?:\s?(?:no|num|number)\.?)?\s?[-:#]?\s?[a-z\d]{{0,3}}\s?\d(?:[- ]?\d){{4,}}(?!\d)"
    r"|#\s?\d{5,}"
    # A record's own label and number sign, then an identifier with four digits or more (`chart no 4471-B`).
    r"|\b(?:mrn|chart|hosp(?:ital)?|record|patient|crn|lab|ref)\.?\s?(?:no|num|number)\.?\s?[-:#]?\s?"
    r"[a-z\d]*\d{4}[a-z\d-]*"
)

_STREET_TYPES = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|close|drive|way|court|ct|crescent|cres|place|pl|gardens"
    r"|terrace|grove|boulevard|blvd|square|sq|row|mews|parade|hill|park|green|rise|view|vale"
    r"|highway|hwy|parkway|pkwy|circle|cir|trail|gate|bank|wharf)"
)
#: Continental forms: `Hauptstraße 12`, `44 rue de la Paix`.
_ABROAD = (
    r"\b\d{1,4}\s+kingsway\b|\b\w+(?:straße|strasse|weg|gasse|platz)\s+\d{1,4}\b"
    r"|\b\d{1,4},?\s+(?:rue|via|calle|rua)\s+\w+"
)
#: A house number and one to three words ending in a street type (`221B Baker Street`, `9 Mill Rd`).
_STREET = (  # `10 metre walk` is a test, not an address: `_street` checks the street's words
    rf"\b\d{{1,4}}[a-z]?,?\s+((?:[a-z][a-z'’-]+\s+|\d+(?:st|nd|rd|th)\s+){{1,3}}){_STREET_TYPES}\b\.?"
    r"(?:\s+(?:nw|ne|sw|se))?\b"
)

_ZIP = rf"\b\d{{5}}-\d{{4}}\b|(?-i:\b(?:{'|'.join(_STATES)})\s+\d{{5}}\b)"
#: A Dutch postcode before its town (`1012 AB Amsterdam`); alone it could be a year and an abbreviation.
_DUTCH = r"(?-i:\b[1-9]\d{3}\s?[A-Z]{2}\s+[A-Z][a-z]+)"
_EIRCODE = r"\b[ac-fhknprtv-y]\d{2}w?\s?[0-9ac-fhknprtv-y]{4}\b"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*"
#: An address broken on one side of its `@` (`j.smith@` at a line's end, `nhs.net` on the next), to a
#: named host with a top-level domain in one case (`10mg @8.00` is a time, `seen @St.Marys` a place, and
#: `@ home`, apart on both sides, no address).
_EMAIL_BROKEN = r"[\w.+-]+(?:@ | @)[^\W\d_][\w-]*(?:\.[\w-]+)*\.(?-i:[a-z]{2,}|[A-Z]{2,})\b"
#: An address written out to dodge a filter: `jdoe [at] example [dot] com`.
_EMAIL_SPELLED = r"[\w.+-]+\s?[\[(]at[\])]\s?[\w-]+(?:\s?(?:[\[(]dot[\])]|\.)\s?[\w-]+)+"
#: Local and numeric hosts Presidio's URL patterns leave out: `localhost:8080/case/7`.
_LOCAL_URL = r"\b(?:localhost|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?/\S*|\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)]"

#: The class each entity is reported as.
CLASS_OF: dict[str, str] = {
    "EMAIL_ADDRESS": "an e-mail address",
    "URL": "a web address",
    "IP_ADDRESS": "an IP address",
    "DATE_TIME": "a date",
    "UK_NHS": "a national number",
    "US_SSN": "a national number",
    "UK_NINO": "a national number",
    "US_MBI": "a national number",
    "CA_SIN": "a national number",
    "RECORD_NUMBER": "a record number",
    "PHONE_NUMBER": "a phone number",
    "CREDIT_CARD": "a long number",
    "IBAN_CODE": "a long number",
    "UK_POSTCODE": "a postcode",
    "CA_POSTAL_CODE": "a postcode",
    "POSTCODE": "a postcode",
    "STREET_ADDRESS": "a street address",
}

#: The lowest score each entity is taken at: Presidio's weakest date and social security shapes
#: (`3/12`, any nine digits) fit clinical text too.
_FLOOR = {"DATE_TIME": 0.5, "US_SSN": 0.5}

#: Phone numbers are read in every region a UK or US ward's patients come from.
_REGIONS = ("GB", "US", "IE", "CA", "AU", "NZ", "IN", "PK", "NG", "ZA", "DE", "FR", "ES", "IT", "NL", "PL")


def _patterns(entity: str, *regexes: str, score: float = 0.9) -> Any:
    from presidio_analyzer import Pattern, PatternRecognizer

    patterns = [Pattern(f"{entity.lower()}_{n}", rx, score) for n, rx in enumerate(regexes)]
    return PatternRecognizer(supported_entity=entity, patterns=patterns)


def _presidio() -> list[Any]:
    from presidio_analyzer import predefined_recognizers as p

    class AnyEmail(p.EmailRecognizer):
        """Presidio's e-mail recognizer checks the domain against the public suffix list, fetched over
        the network; `name@localhost` is an address all the same."""

        def validate_result(self, pattern_text: str) -> bool:
            return True

    class AnySsn(p.UsSsnRecognizer):
        """`123-45-6789` is a famous sample, yet typed about a patient it still identifies."""

        def invalidate_result(self, pattern_text: str) -> bool:
            return False

    email = AnyEmail(
        patterns=[
            *p.EmailRecognizer.PATTERNS,
            *_patterns("EMAIL_ADDRESS", _EMAIL, _EMAIL_BROKEN, _EMAIL_SPELLED).patterns,
        ]
    )
    return [
        email,
        p.UrlRecognizer(),
        p.IpRecognizer(),
        p.DateRecognizer(),
        p.NhsRecognizer(),
        AnySsn(),
        p.UkNinoRecognizer(),
        p.UsMbiRecognizer(),
        p.CaSinRecognizer(),
        p.PhoneRecognizer(supported_regions=_REGIONS, leniency=1),
        p.CreditCardRecognizer(),
        p.IbanRecognizer(),
        p.UkPostcodeRecognizer(),
        p.CaPostalCodeRecognizer(),
    ]


@cache
def recognizers() -> tuple[Any, ...]:
    """Every recognizer, built once (importing Presidio takes about a second)."""
    own = [
        _patterns("DATE_TIME", *_DATES),
        _patterns("RECORD_NUMBER", _RECORD),
        _patterns("POSTCODE", _ZIP, _EIRCODE, _DUTCH),
        _patterns("STREET_ADDRESS", _STREET, _ABROAD),
        _patterns("URL", _LOCAL_URL),
    ]
    return tuple(_presidio() + own)


def _enough(text: str, result: Any) -> bool:
    """A phone number has seven digits or more (libphonenumber takes `112` as valid); a web address
    a host of two letters or more (`E.coli` is no `e.co`)."""
    span = text[result.start : result.end]
    if result.entity_type == "STREET_ADDRESS" and not span[:1].isalpha():
        return _street(span)
    if result.entity_type == "URL":
        return not re.match(r"(?:https?://)?\w\.", span)
    return result.entity_type != "PHONE_NUMBER" or sum(c.isdigit() for c in span) >= 7


def _street(span: str) -> bool:
    """A street's name is capitalised (`27 Oak Lane`, `59 WESTFIELD GARDENS`) or no everyday word
    (`16 orchard drive`): `10 metre walk` and `5 minute drive` are no addresses."""
    from ._english import everyday_words

    words = re.findall(r"[^\W\d_][\w'’-]*", span)[:-1]  # the street type last
    return all(w[0].isupper() or w.casefold() not in everyday_words() for w in words)


#: What an e-mail or web address shows without a digit: `@`, a dot inside a word, a spelled `at`.
_ADDRESS_MARK = re.compile(r"@|\w\.\w|[\[(]at[\])]|localhost|://", re.IGNORECASE)
#: Entities that need no digit; every other recognizer looks for digits, a phone number for seven with
#: nothing but separators between them (an option list, `1. ... 7. Other`, has seven digits too).
_WORDS_ONLY = frozenset({"EMAIL_ADDRESS", "URL"})
#: Separators are anything but letters and digits, as libphonenumber reads them (`020–7946–0958` with
#: an editor's en dashes, `07700~900~123`, `(0207) [946] 0958`).
_SEVEN_DIGITS = re.compile(r"(?:\d[^\w]{0,3}){6}\d|(?:\d_{1,3}){6}\d")


def _worth(entity: str, digits: int, text: str) -> bool:
    """Whether a recognizer could find anything here: most lines a clinician or the bot writes have
    no digit, and libphonenumber's matcher, tried in 16 regions, was half the cost of an answer."""
    if entity in _WORDS_ONLY:
        return _ADDRESS_MARK.search(text) is not None
    if entity == "PHONE_NUMBER":
        return digits >= 7 and _SEVEN_DIGITS.search(text) is not None
    return digits > 0


@cache
def _screens() -> tuple[tuple[Any, ...] | None, ...]:
    """Each recognizer's patterns compiled as Presidio compiles them (the `regex` engine, the
    recognizer's own flags), or None where it is no pattern recognizer (the phone's). A recognizer
    whose every pattern misses finds nothing: one search is about a microsecond, where Presidio's
    `analyze`, timing and logging every pattern, was a quarter of an answer."""
    import regex

    return tuple(
        tuple(regex.compile(p.regex, flags=r.global_regex_flags) for p in r.patterns)
        if getattr(r, "patterns", None)
        else None
        for r in recognizers()
    )


def _could_find(screen: tuple[Any, ...] | None, text: str) -> bool:
    """Whether any of a recognizer's patterns matches `text` (always, for one without patterns: the
    recognizer then decides). No `timeout=`, which doubles a search's cost: what is read is one message,
    its length capped, and Presidio's own limit is a minute."""
    return screen is None or any(pattern.search(text) is not None for pattern in screen)


def found(text: str) -> list[tuple[int, int, str]]:
    """(start, end, entity) of every identifier the recognizers find in `text`, weak ones left out."""
    digits = sum(c.isdigit() for c in text)
    spans = []
    for recognizer, screen in zip(recognizers(), _screens(), strict=True):
        entity = recognizer.supported_entities[0]
        if not _worth(entity, digits, text) or not _could_find(screen, text):
            continue
        for result in recognizer.analyze(text, entities=recognizer.supported_entities, nlp_artifacts=None):
            if result.score >= _FLOOR.get(result.entity_type, 0.0) and _enough(text, result):
                spans.append((result.start, result.end, result.entity_type))
    return spans
