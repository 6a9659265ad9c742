"""`itb-screen review`: the team review site, the database served read-only with Datasette (review extra)."""

from __future__ import annotations

import click

from ..storage import NewerSchema, check_readable, check_schema
from ._db import db_option, existing_path
from ._errors import InputError, MissingExtra

#: The packages of the review extra: an ImportError of anything else is a bug, not a missing extra.
_REVIEW_EXTRA = ("datasette", "uvicorn")


@click.command()
@db_option
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8001,
    show_default=True,
    help="Port on 127.0.0.1 to serve on.",
)
def review(db_path: str, port: int) -> None:
    """Serve the database read-only to the team: a Datasette site on http://127.0.0.1:PORT/.

    Tables with descriptions, and canned queries: open cases, results by recommendation, cases needing
    review, answers changed after review, transcript search (void cases left out of each), and the void
    cases. Needs the review extra.

    Example:

    \b
        itb-screen review --db itb-screen.db --port 8001
    """
    path = existing_path(db_path)  # before the import: a missing file is the first thing to say
    try:
        from ..review import site
    except ImportError as error:
        if (error.name or "").partition(".")[0] not in _REVIEW_EXTRA:
            raise
        raise MissingExtra("the review site needs Datasette", "pip install -e '.[review]'") from None
    try:
        check_schema(check_readable(path))
    except NewerSchema as error:
        raise InputError(str(error)) from None
    except Exception as error:  # not a database, unreadable
        raise click.ClickException(f"cannot open the database: {error}") from None
    try:
        site.check_port(port)
    except OSError as error:
        raise click.ClickException(
            f"cannot serve on 127.0.0.1:{port}: {error.strerror}; --port picks another port"
        ) from None
    site.serve(path, port)
