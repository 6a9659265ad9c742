"""The criteria version, stored with every result.

Bump it whenever a rule, a point, a code or their order changes (screening-spec.md), so stored results
say which rules produced them and `itb-screen reevaluate` can find the cases a change affects.
"""

CRITERIA_VERSION = "itb-selection-2016.1"

#: The version of other-guidance.md's follow-ups and flags, stored beside CRITERIA_VERSION with every result.
#: Bump it whenever a flag, its condition, text, sources or order changes; the consensus version stays.
GUIDANCE_VERSION = "itb-other-guidance-2026.1"
