"""What serves the team after a screening.

* `caseview.py`: one case read back from storage (`case_view`, `show_text`, `show_json`).
* `summary.py`: the referral summary as text or Markdown (`render_summary`); what it shows is gathered in
  `_summary_parts.py`, the printable page laid out in `_summary_html.py`.
* `listing.py`: cases as records, an aligned table, the flat CSV and the full JSON export.
* `exports.py`: the REDCap data dictionary and the FHIR R4 Questionnaire and QuestionnaireResponses.
* `reevaluation.py`: stored results against the current criteria.
* `chat.py`: the read-outs a chat asks for (/summary, /show, /cases all).
* `site.py`: the Datasette review site (the review extra); what it says of each table in `metadata.py`,
  its canned queries, as data, in `queries.py`.

Uses `criteria`, `storage` and the dialogue's public names; imports nothing of `bot` (the channels), and
runs no SQL of its own but the canned queries, which Datasette runs on storage's read-only connection.
"""
