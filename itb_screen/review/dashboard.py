"""The review site's dashboard (http://127.0.0.1:8001/-/dashboards/screening): four charts, each drawn
from one canned query of `review/queries.py` (`DASHBOARD_QUERIES`), so its rows are also at
/itb-screen/NAME.json and .csv.

Drawn with datasette-dashboards (https://github.com/rclement/datasette-dashboards), a maintained Datasette
plugin: each chart is a Vega-Lite spec, rendered in the browser by Vega, Vega-Lite and vega-embed, which
the plugin ships in its own static files (the site's pages load no script from any other host). It needs
datasette-leaflet and datasette-render-markdown (its templates use both); these three are the only
third-party plugins the site keeps (`review/site.py`). The chart fetches its canned query's SQL from the
database's read-only `?sql=` endpoint: the same text, so the same rows.

Chosen over datasette-vega (no release since 2018) and over vl-convert-python (the Vega project's
server-side renderer: a large native wheel, and static pictures without tooltips): the plugin is released
regularly, is made for Datasette, and keeps each chart a declarative Vega-Lite spec.
"""

from __future__ import annotations

from typing import Any

from .queries import DASHBOARD_QUERIES

#: The dashboard's name in its URL: /-/dashboards/screening
SLUG = "screening"
#: The plugin's module names (as registered with Datasette), kept when other plugins are unregistered.
PLUGIN_MODULES = frozenset({"datasette_dashboards", "datasette_leaflet", "datasette_render_markdown"})

_WEEK = {"field": "week", "type": "ordinal", "title": "Week starting (Monday)"}

#: Drawn as SVG rather than canvas (vega-embed reads its options from usermeta): marks a reader can select
#: and a test can count. No actions menu: vega-embed's is a <summary> with an unnamed icon (axe-core:
#: serious), and each chart's rows are a CSV link on the page already.
_SVG = {
    "usermeta": {"embedOptions": {"renderer": "svg", "actions": False}},
    # The Vega-Lite the plugin ships (a name, never fetched): the plugin's default, v5, logs a warning.
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
}

#: Each chart's Vega-Lite spec, less its data (the plugin adds the query's rows), by canned query.
SPECS: dict[str, dict[str, Any]] = {
    "cases_per_week": {
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": _WEEK,
            "y": {"field": "cases", "type": "quantitative", "title": "Cases", "axis": {"tickMinStep": 1}},
            "color": {"field": "recommendation", "type": "nominal", "title": "Recommendation"},
        },
    },
    "time_to_confirm": {
        "encoding": {"x": _WEEK},
        "layer": [
            {
                "mark": {"type": "rule"},
                "encoding": {
                    # symlog: a case left open for days does not flatten the others' boxes.
                    "y": {
                        "field": "fastest",
                        "type": "quantitative",
                        "title": "Minutes (symlog scale)",
                        "scale": {"type": "symlog"},
                    },
                    "y2": {"field": "slowest"},
                },
            },
            {
                "mark": {"type": "bar", "size": 14, "tooltip": {"content": "data"}},
                "encoding": {
                    "y": {"field": "lower_quartile", "type": "quantitative"},
                    "y2": {"field": "upper_quartile"},
                },
            },
            {
                "mark": {"type": "tick", "color": "black", "size": 14, "thickness": 2},
                "encoding": {"y": {"field": "median", "type": "quantitative"}},
            },
        ],
    },
    "where_cases_stopped": {
        "transform": [{"fold": ["open", "cancelled"], "as": ["status", "cases"]}],
        "height": 380,  # a fixed height: a height by step (the default for rows) makes Vega-Lite warn
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "step", "type": "nominal", "sort": {"field": "position"}, "title": None},
            "x": {"field": "cases", "type": "quantitative", "title": "Cases", "axis": {"tickMinStep": 1}},
            "color": {"field": "status", "type": "nominal", "title": "Status"},
        },
    },
    "handoffs_and_amendments": {
        "transform": [{"fold": ["handoffs", "amendments"], "as": ["event", "count"]}],
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": "Month"},
            "xOffset": {"field": "event", "type": "nominal"},
            "y": {"field": "count", "type": "quantitative", "title": "Events", "axis": {"tickMinStep": 1}},
            "color": {"field": "event", "type": "nominal", "title": "Event"},
        },
    },
}


def _sources(database: str) -> str:
    """The markdown card under the charts: each chart's canned query, linked."""
    lines = [
        f"- {query['title']}: [{name}](/{database}/{name}), also as [.json](/{database}/{name}.json) "
        f"and [.csv](/{database}/{name}.csv)"
        for name, query in DASHBOARD_QUERIES.items()
    ]
    return "Each chart's data is one canned query:\n\n" + "\n".join(lines)


#: datasette-render-markdown renders no cell of any table or query (by default it renders columns named
#: *_markdown): it is there for the dashboard's card of links only.
RENDER_MARKDOWN: dict[str, Any] = {"patterns": []}


def dashboard_config(database: str) -> dict[str, Any]:
    """The datasette-dashboards configuration (metadata `plugins`): one dashboard, a chart per query."""
    charts: dict[str, Any] = {
        name: {
            "title": query["title"],
            "db": database,
            "query": query["sql"],
            "library": "vega-lite",
            "display": {**_SVG, **SPECS[name]},
        }
        for name, query in DASHBOARD_QUERIES.items()
    }
    charts["sources"] = {"library": "markdown", "display": _sources(database)}
    return {
        SLUG: {
            "title": "Screening dashboard",
            "description": "Cases per week, time to confirm, where unfinished cases stopped, and "
            "hand-offs and amendments per month. Void cases are left out.",
            "layout": [[*DASHBOARD_QUERIES][:2], [*DASHBOARD_QUERIES][2:], ["sources", "sources"]],
            "charts": charts,
        }
    }
