"""The context cues the reader uses: the published NegEx/ConText lists, and this ward's additions as data.

- Negation: negspacy's `en_clinical` termset (NegEx, Chapman et al. 2001, as negspacy maintains it), less
  the cues ConText counts as uncertainty (`r/o`, `rule out`, `doubt`, `versus`), which are doubt here.
- Uncertainty, hypothetical, historical: the categories POSSIBLE_EXISTENCE, HYPOTHETICAL and HISTORICAL of
  ConText (Harkema et al. 2009) as medspaCy's default English rules list them.
- Each `WARD_*` list adds what clinicians write in a short answer and the published lists lack.
"""

from __future__ import annotations

#: Negation cues that are doubt, not denial, in a screening answer (ConText: POSSIBLE_EXISTENCE).
NOT_NEGATION = ("r/o", "ro", "rule out", "rules out", "ruled out", "doubt", "versus", "evaluate for")

#: Before the finding: "non-ambulant", "nil infection", "free of infection"...
WARD_PRECEDING_NEGATIONS = (
    "non",
    "nil",
    "none",
    "neither",
    "nor",
    "nope",
    "negative",
    "no longer",
    "not currently",
    "not now",
    "no current",
    "no active",
)

#: After the finding: "infection resolved", "UTI - none now", "allergy - no".
WARD_FOLLOWING_NEGATIONS = (
    "resolved",
    "now resolved",
    "none now",
    "no longer",
    "not present",
    "absent",
    "negative",
    "excluded",
    # "haemophilia ruled out": excluded (NegEx lists only "was ruled out"; "rule out X" before a finding
    # is doubt, in NOT_NEGATION).
    "ruled out",
    "has been ruled out",
    "not an issue",
    "not a problem",
    "not a concern",
    "not troublesome",
    "not really",
    "not any more",
    "not anymore",
    "no more",
)

#: Cancel a cue: "still being treated" is current, "not only pain" is pain.
WARD_PSEUDO_NEGATIONS = (
    "being treated",
    "still being treated",
    "under treatment",
    "not yet treated",
    "not treated",
    "not resolved",
    "not settled",
    "not cleared",
    "not better",
    "no better",
    "not gone",
    "not only",
)

#: ConText POSSIBLE_EXISTENCE (medspaCy's English rules) with the hedges of a short answer. Any of these
#: in an answer makes it doubtful: it is asked back, never stored.
UNCERTAINTY = (
    # ConText
    "concerned about",
    "did not rule out",
    "doubt",
    "may be ruled out",
    "might be",
    "not ruled out",
    "is to be ruled out",
    "possible",
    "r/o",
    "ro",
    "rule out",
    "suggestive of",
    "suspicious for",
    "worrisome for",
    "worried about",
    # this ward
    "?",
    "query",
    "queried",
    "possibly",
    "probable",
    "probably",
    "maybe",
    "perhaps",
    "suspected",
    "suspect",
    "suspicion",
    "presumed",
    "likely",
    "unlikely",
    "might",
    "may have",
    "may be",
    "could be",
    "not sure",
    "unsure",
    "uncertain",
    "unclear",
    "not clear",
    "not certain",
    "uncertain if",
    "borderline",
    "questionable",
    "awaiting",
    "pending",
    "to be confirmed",
    "tbc",
    "to be seen",
    "being investigated",
    "under investigation",
    "investigating",
    "i think",
    "think so",
    "dont think",
    "don't think",
    "dunno",
    "equivocal",
    "vs",
    "versus",
    "or not",
    "may",
    "think",
    "depends",
    "depends on",
    "some sort",
    "something",
    "not sure what",
    "some goals",
    "partly",
    "partially",
    "in part",
    "at risk of",
    "risk of",
)

#: ConText HYPOTHETICAL (medspaCy's English rules): said of what may happen, not what is.
HYPOTHETICAL = (
    "as needed",
    "risks of",
    "come back for",
    "if",
    "should he",
    "should she",
    "should the patient",
    "should there",
    "in case",
    "unless",
    "if needed",
    # this ward: what is planned has not happened yet
    "planned",
    "planning",
    "plan for",
    "plan to",
    "to start",
    "due to start",
    "referred for",
    "waiting list",
    "on the waiting list",
    "booked",
    "scheduled",
    "considering",
    "to be started",
    "will start",
    "going to",
)

#: ConText HISTORICAL (medspaCy's English rules) with this ward's words for the past.
HISTORICAL_PRECEDING = (
    "history",
    "was",
    "h/o",
    "hx",
    "hx of",
    "past history",
    "previous",
    "previously",
    "prior",
    "past",
    "old",
    "historic",
    "historical",
    "childhood",
    "years ago",
    "as a child",
    "pmh",
    "background of",
    "recurrent",
    "used to",
    "was on",
    "initially",
    "at first",
    "originally",
    "before",
    "formerly",
    "had been",
)
HISTORICAL_FOLLOWING = (
    "in the past",
    "previously",
    "years ago",
    "last year",
    "as a child",
    "as a baby",
    "as a toddler",
    "in childhood",
    "ago",
    "historical",
    "historically",
    "at first",
    "initially",
    "originally",
)

#: Where a negation's scope ends, beyond NegEx's own terminators: a new clause (";"), a cause ("due to").
WARD_TERMINATION = (
    ";",
    "due to",
    "because of",
    "because",
    "owing to",
    # "used to be none, now affecting walking": a clause about now is not denied by what came before
    # (only "now": "not currently infected" is one cue)
    "now",
)

#: Where what is said of the past ends: a clause about now ("was stable, now worsening"). Not a negation's
#: end: "not currently infected" is one cue.
PAST_TERMINATION = (
    "now",
    "currently",
    "at present",
    "presently",
    "these days",
    "since then",
)
