"""The team review site: the database served read-only with Datasette (`itb-screen review`).

Needs the `review` extra (`pip install -e '.[review]'`); importing this module without Datasette raises
ImportError, which the command turns into one line.

Read-only, three ways over:

* every connection is storage's `connect_readonly` (the file opened `?mode=ro`, `PRAGMA query_only`);
  the database object refuses to open a write connection at all, so a write plugin or a write canned
  query fails.
* the site answers only GET and HEAD; any other method is refused with 405 before Datasette sees it, so
  there is no form to post and nothing for a cross-site request to forge.
* only the plugins bundled with Datasette run, and the dashboard's (datasette-dashboards and the two its
  templates use, datasette-leaflet and datasette-render-markdown: pages and static files, read through
  the same read-only database; see `review/dashboard.py`): every other third-party Datasette plugin
  installed in the environment (datasette-write, datasette-insert and the like) is unregistered.

What the site says about each table is in `review/metadata.py`, its canned queries in `review/queries.py`,
its dashboard in `review/dashboard.py`, the team's pages (home, case, agenda; the canned queries' cells in
words) in `review/pages.py`, a Datasette plugin registered here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import DEFAULT_PLUGINS, pm
from datasette.utils import escape_fts

from ..criteria import ALL_GROUPS
from ..storage import check_readable, connect_readonly
from . import pages
from .dashboard import PLUGIN_MODULES
from .metadata import DATABASE, build_metadata

if TYPE_CHECKING:  # for the annotation only: storage opens every connection
    from sqlite3 import Connection

HOST = "127.0.0.1"
DEFAULT_PORT = 8001
#: Templates overriding Datasette's (package data: see pyproject.toml).
TEMPLATES = Path(__file__).with_name("templates")


#: Datasette settings: no file download, no caching of live data, no debug views, and no facet
#: suggestions (a table page tried one query per column and kind of facet, each up to Datasette's 50 ms:
#: 1.5 s for the answers at 100,000 cases, 0.04 s without; facets asked for with ?_facet= still work).
SETTINGS = {
    "allow_download": False,
    "default_cache_ttl": 0,
    "template_debug": False,
    "trace_debug": False,
    "suggest_facets": False,
}


def fts_words(text: str | None) -> str | None:
    """The words of a search box as an FTS5 query of quoted words (all must match); None if no words.

    Quoting makes FTS5 operators and stray quotes plain words, so no input is a syntax error.
    """
    return escape_fts(text or "") or None


class ReadOnlyDatabase(Database):
    """A Datasette database whose every connection is storage's read-only one; none opens for writing."""

    def __init__(self, ds: Datasette, path: str) -> None:
        super().__init__(ds, path=path, is_mutable=True)

    def connect(self, write: bool = False) -> Connection:
        if write:
            raise PermissionError("the ITB Screen review site is read-only")
        # Not Datasette's own connect(), which would paste the path into the URI unescaped.
        conn = connect_readonly(self.path)
        # Deterministic, so SQLite tests `fts_words(:q) IS NOT NULL` once, before FTS5 parses the query.
        conn.create_function("fts_words", 1, fts_words, deterministic=True)
        self._all_file_connections.append(conn)
        return conn


ALLOWED_METHODS = ("GET", "HEAD")


def get_only(app: Callable) -> Callable:
    """ASGI middleware: HTTP requests other than GET and HEAD get 405, before the app sees them."""

    async def asgi(scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in ALLOWED_METHODS:
            body = b"405 Method Not Allowed: the ITB Screen review site is read-only.\n"
            await send(
                {
                    "type": "http.response.start",
                    "status": 405,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"allow", ", ".join(ALLOWED_METHODS).encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return asgi


def bundled_plugins_only() -> list[str]:
    """Unregister every Datasette plugin neither bundled with Datasette nor the dashboard's nor the site's
    own pages; the names unregistered. Registers the site's pages (`review/pages.py`)."""
    removed = []
    for name, plugin in list(pm.list_name_plugin()):
        module = getattr(plugin, "__name__", None)
        if name not in DEFAULT_PLUGINS and module not in PLUGIN_MODULES and plugin is not pages:
            pm.unregister(plugin)
            removed.append(name)
    if not pm.is_registered(pages):
        pm.register(pages, name=pages.__name__)
    return removed


def check_port(port: int) -> None:
    """Raise OSError if nothing can listen on 127.0.0.1:port (another server has it)."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is no obstacle
        probe.bind((HOST, port))


def build_datasette(
    db_path: str | os.PathLike, time_zone: str = "UTC", guidance: Collection[str] = tuple(ALL_GROUPS)
) -> Datasette:
    """The review site over the database at `db_path`, read-only (see the module docstring); its pages
    give times in `time_zone` (an IANA name: the users file's [settings] time_zone) and show the flags of
    the `guidance` groups (its [settings] guidance)."""
    bundled_plugins_only()
    metadata = build_metadata()
    metadata["plugins"][pages.PLUGIN] = {"time_zone": time_zone, "guidance": sorted(guidance)}
    ds = Datasette(metadata=metadata, settings=SETTINGS, cors=False, template_dir=str(TEMPLATES))
    # With no files Datasette adds an in-memory database; the site serves one database only.
    if "_memory" in ds.databases:
        ds.remove_database("_memory")
    ds.add_database(ReadOnlyDatabase(ds, str(Path(db_path).resolve())), name=DATABASE)
    return ds


def serve(
    db_path: str | os.PathLike,
    port: int = DEFAULT_PORT,
    time_zone: str = "UTC",
    guidance: Collection[str] = tuple(ALL_GROUPS),
) -> None:
    """Serve the review site on http://127.0.0.1:PORT/ until interrupted."""
    import uvicorn

    ds = build_datasette(check_readable(db_path), time_zone, guidance)
    print(
        f"ITB Screen review site (read-only) on http://{HOST}:{port}/, the database at "
        f"http://{HOST}:{port}/{DATABASE} - Ctrl-C stops it",
        flush=True,
    )
    uvicorn.run(ds.app(), host=HOST, port=port, log_level="warning")
