"""Plain-text rendering for the channels; the wording itself is the criteria's (one source)."""

from ..criteria import point_line, reasons_text, recommendation_line, result_text

__all__ = ["point_line", "reasons_text", "recommendation_line", "result_text"]
