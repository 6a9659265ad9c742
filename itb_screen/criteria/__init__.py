"""The screening criteria: the questionnaire as data and pure rules from answers to a result.

Imports nothing else of ITB Screen and does no I/O. Every rule, point and question cites the seed
statements (S1..S13) of the consensus abstract.
"""

from ._answers import UNKNOWN, AnswerError, Answers, Value, check_value, to_json_value, validate_answers
from ._catalogue import (
    FIELDS,
    NONE_CODE,
    QUESTIONS,
    QUESTIONS_BY_FIELD,
    AskedWhen,
    Concept,
    FollowUp,
    Option,
    Question,
    asked_fields,
    asked_questions,
    field_label,
    match_key,
    progress,
    value_label,
)
from ._evaluate import applicable, evaluate, unanswered
from ._labels import SHORT_LABELS, short_label
from ._points import POINTS, PointRule
from ._result import DISCLAIMER, DiscussionPoint, Reason, Recommendation, Result
from ._rules import RECOMMENDATIONS, RELATIVE_ITEMS, REQUIRED_FIELDS, RULES, Rule
from ._seed import CITATION, SEED_STATEMENTS, SOURCE
from ._text import (
    because_line,
    join_words,
    labels_text,
    missing_heading,
    point_line,
    reason_phrase,
    reasons_text,
    recommendation_line,
    result_text,
)
from ._version import CRITERIA_VERSION
from ._vocabulary import CONCEPT_TERMS, CONDITIONS, ICD10CM_DESCRIPTIONS, TERMS, Condition, category_of

__all__ = [
    "CONCEPT_TERMS",
    "CONDITIONS",
    "ICD10CM_DESCRIPTIONS",
    "TERMS",
    "Concept",
    "Condition",
    "FollowUp",
    "category_of",
    "CRITERIA_VERSION",
    "DISCLAIMER",
    "FIELDS",
    "NONE_CODE",
    "POINTS",
    "QUESTIONS",
    "QUESTIONS_BY_FIELD",
    "RECOMMENDATIONS",
    "RELATIVE_ITEMS",
    "REQUIRED_FIELDS",
    "RULES",
    "SEED_STATEMENTS",
    "SHORT_LABELS",
    "CITATION",
    "SOURCE",
    "UNKNOWN",
    "AnswerError",
    "Answers",
    "AskedWhen",
    "DiscussionPoint",
    "Option",
    "PointRule",
    "Question",
    "Reason",
    "Recommendation",
    "Result",
    "Rule",
    "Value",
    "applicable",
    "asked_fields",
    "asked_questions",
    "because_line",
    "check_value",
    "evaluate",
    "field_label",
    "join_words",
    "labels_text",
    "match_key",
    "missing_heading",
    "point_line",
    "progress",
    "reason_phrase",
    "reasons_text",
    "recommendation_line",
    "result_text",
    "short_label",
    "to_json_value",
    "unanswered",
    "validate_answers",
    "value_label",
]
