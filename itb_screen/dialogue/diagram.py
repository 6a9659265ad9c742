"""The dialogue machine as a Mermaid state diagram, drawn by transitions' own diagram support."""

from __future__ import annotations

from transitions.extensions.diagrams import GraphMachine

from ._machine import build_machine

TITLE = "ITB Screen dialogue"


class _Model:
    """A bare model: the diagram needs one to draw from."""


def mermaid() -> str:
    """Mermaid source of every state and transition, conditions shown on the edges."""
    machine = build_machine(GraphMachine, graph_engine="mermaid", show_conditions=True, title=TITLE)
    model = _Model()
    machine.add_model(model)
    graph = model.get_graph()  # type: ignore[attr-defined]  # added by GraphMachine
    return str(graph.draw(None)).rstrip()
