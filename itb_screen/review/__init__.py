"""What serves the team after a screening: case views, referral summaries, listings and exports (CSV,
JSON, FHIR, the data dictionary), re-evaluation and the Datasette review site.

Uses `criteria`, `storage` and the dialogue's public names; imports nothing of `bot` (the channels).
"""
