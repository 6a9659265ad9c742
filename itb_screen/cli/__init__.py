"""The `itb-screen` command line: one module per theme, each loaded only when one of its commands runs.

* `evaluate.py`: `evaluate`, which loads the criteria and nothing else of ours, so it starts fast.
* `records.py`: the stored cases: `cases`, `show`, `summary`, `search`, `reevaluate`.
* `exports.py`: `export` and `dictionary`, for other systems (REDCap, FHIR).
* `channels.py`: `console` and `run` (the bot), and `diagram` of the dialogue.
* `site.py`: `review`, the team review site (the review extra).
* `upgrade.py`: `upgrade`, a database of an older version migrated, after a copy of it is kept.
* `_errors.py`, `_options.py` and `_db.py`: the errors, options and database access the commands share;
  `_printable.py`: what users typed is printed with its control and bidirectional characters escaped.

Listing the commands (`itb-screen --help`) loads them all; running one loads its module only.
"""

from __future__ import annotations

import click

from .. import __version__
from ._lazy import LazyGroup

#: Every command: its name and where it is defined (module of this package : function).
COMMANDS = {
    "evaluate": "evaluate:evaluate",
    "cases": "records:cases",
    "show": "records:show",
    "summary": "records:summary",
    "search": "records:search",
    "reevaluate": "records:reevaluate",
    "export": "exports:export",
    "dictionary": "exports:dictionary",
    "console": "channels:console",
    "run": "channels:run",
    "diagram": "channels:diagram",
    "review": "site:review",
    "verify": "integrity:verify",
    "backup": "integrity:backup",
    "purge": "retention:purge",
    "upgrade": "upgrade:upgrade",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="itb-screen")
def cli() -> None:
    """ITB Screen: pre-screening for an intrathecal baclofen (ITB) screening test.

    Decision support only: it does not replace the ITB screening test or clinical judgement.
    """


def main() -> None:
    """Entry point of the `itb-screen` console script (and of `python -m itb_screen`)."""
    cli(prog_name="itb-screen")
