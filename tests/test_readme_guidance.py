"""README.md's "Other guidance" section against the contract (tests/data/other-guidance.md), read from the
contract's own tables: every flag with its sources in words and ids, in the contract's order; every
follow-up question with its condition; the settings example."""

from __future__ import annotations

import re
import tomllib

from .conftest import DATA, ROOT

CONTRACT = DATA / "other-guidance.md"
#: How the issue names each source's group in words (issue 19: "US label", "NICE CG145, under 19s").
WORDS = {"L": "US label", "N": "NICE CG145, under 19s", "S": "consensus"}


def _section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def _rows(section: str) -> list[list[str]]:
    """The cells of each table row whose first cell is a `code`."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if re.match(r"\|\s*`\w+`\s*\|", line)
    ]


def contract_flags() -> dict[str, tuple[str, ...]]:
    """Flag code -> its source ids, in the contract's order."""
    rows = _rows(_section(CONTRACT.read_text(), "## Flags, in this order"))
    return {row[0].strip("`"): tuple(re.findall(r"\b[LNS]\d+\b", row[-1])) for row in rows}


def contract_follow_ups() -> dict[str, str]:
    """Follow-up field -> its condition, as the contract writes it."""
    rows = _rows(
        _section(CONTRACT.read_text(), "## Follow-up questions (asked only when their condition holds)")
    )
    return {row[0].strip("`"): row[2] for row in rows}


def readme_section() -> str:
    return _section((ROOT / "README.md").read_text(), "## Other guidance")


def test_the_contract_is_read_whole():
    # Twelve flags and five follow-ups (issue 19), each flag with a source: the parsing above is not empty.
    flags = contract_flags()
    assert len(flags) == 12 and all(flags.values())
    assert len(contract_follow_ups()) == 5


def test_the_readme_lists_every_flag_with_its_sources_in_words_and_ids_in_the_contracts_order():
    rows = {
        row[0].strip("`"): row for row in _rows(readme_section()) if row[0].strip("`") in contract_flags()
    }
    assert list(rows) == list(contract_flags())
    for code, sources in contract_flags().items():
        source_cell = rows[code][-1]
        for source in sources:
            assert re.search(rf"\b{source}\b", source_cell), (code, source, source_cell)
            assert WORDS[source[0]] in source_cell, (code, source, source_cell)


def test_the_readme_lists_every_follow_up_with_its_condition():
    lines = readme_section().splitlines()
    for fld, condition in contract_follow_ups().items():
        row = next((line for line in lines if f"| `{fld}` |" in line), None)
        assert row is not None, f"README's Other guidance does not list {fld}"
        assert f"| {condition} |" in row, (fld, condition)


def test_the_readme_settings_example_is_the_default_and_says_how_to_choose():
    section = readme_section()
    [block] = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert tomllib.loads(block)["settings"]["guidance"] == ["label", "nice"]
    assert "[]" in block and "one line" in section
