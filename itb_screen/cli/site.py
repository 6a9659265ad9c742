"""`itb-screen review`: the team review site, the database served read-only with Datasette (review extra)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import click

from ..storage import NewerSchema, check_readable, check_schema
from ._db import db_option, existing_path
from ._errors import InputError, MissingExtra
from ._options import USERS_ENV, users_option

#: The packages of the review extra: an ImportError of anything else is a bug, not a missing extra.
_REVIEW_EXTRA = ("datasette", "uvicorn")


def site_settings(users_path: str | None) -> tuple[str, frozenset[str]]:
    """The users file's [settings] time_zone, which the site's pages give times in (UTC without a file),
    and guidance, the groups of other guidance they show (all without); a file that cannot be read or a
    bad setting is one line."""
    from ..dialogue import SettingError, TeamSettings, parse_settings

    if not users_path:
        return "UTC", TeamSettings().guidance

    try:
        data = tomllib.loads(Path(users_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"cannot read the users file {users_path}: {error}") from None
    settings = data.get("settings")
    if not isinstance(settings, dict):
        return "UTC", TeamSettings().guidance
    try:
        parsed = parse_settings(settings, f"{users_path}: [settings]")
    except SettingError as error:
        raise InputError(str(error)) from None
    return str(settings.get("time_zone", "UTC")).strip(), parsed.guidance


#: The users file of `show` and `summary`: their member names and the other guidance the site shows.
users_file_option = users_option(
    "The users file (TOML): the members' names, and in its [settings] the guidance the site shows "
    "(default: all)."
)


def shown_guidance(users_path: str | None = None) -> frozenset[str]:
    """The groups of other guidance `show` and `summary` show: the users file's [settings] guidance (the
    file `users_path` names, else ITB_SCREEN_USERS), all without one. Read as leniently as the names
    (a file missing or not TOML shows all), but a bad guidance value is one line, not a silent default."""
    from ..dialogue import SettingError, TeamSettings, parse_guidance

    path = users_path or os.environ.get(USERS_ENV)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    settings = data.get("settings")
    if not isinstance(settings, dict) or "guidance" not in settings:
        return TeamSettings().guidance
    try:
        return parse_guidance(settings["guidance"], f"{path}: [settings]")
    except SettingError as error:
        raise InputError(str(error)) from None


@click.command()
@db_option
@users_option(
    "The users file, whose [settings] time_zone the pages give times in (default: UTC) and whose "
    "guidance picks the other guidance they show (default: all)."
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8001,
    show_default=True,
    help="Port on 127.0.0.1 to serve on.",
)
def review(db_path: str, users_path: str | None, port: int) -> None:
    """Serve the database read-only to the team: a Datasette site on http://127.0.0.1:PORT/.

    The team's home page (cases needing review, open cases and how long each has waited, the week's
    results), a page per case (/case/REF, its PDF at /case/REF.pdf) and the meeting's agenda (/agenda);
    then tables with descriptions, and canned queries: open cases, results by recommendation, cases
    needing review, answers changed after review, transcript search (void cases left out of each), and
    the void cases. Needs the review extra.

    Example:

    \b
        itb-screen review --db itb-screen.db --port 8001
    """
    path = existing_path(db_path)  # before the import: a missing file is the first thing to say
    time_zone, guidance = site_settings(users_path)
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
    site.serve(path, port, time_zone, guidance)
