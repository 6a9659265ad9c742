"""The referral summary as a PDF a letter can carry (`itb-screen summary REF --format pdf`, and the case
page's PDF link): the page `summary --format html` writes, printed on A4 by WeasyPrint.

WeasyPrint is imported only here, when a PDF is asked for: it loads Pango through cffi (about half a
second), which nothing else needs. The page has no external resource, and the fetcher refuses any URL
all the same, so a PDF is made from the case alone.
"""

from __future__ import annotations

from .summary import CaseView, render_summary

#: A4 with margins a letter's header and a hole punch leave alone; the page number at the foot, so a
#: printed summary shows whether a page is missing.
PAGE_CSS = """\
@page {
  size: A4;
  margin: 14mm 15mm 16mm;
  @bottom-right {
    content: "Page " counter(page) " of " counter(pages);
    font: 8pt Arial, "Liberation Sans", sans-serif; color: #444;
  }
}
body { font-size: 9pt; line-height: 1.3; margin: 0; max-width: none; }
h1 { font-size: 14pt; margin: 0 0 .3rem; }
h2 { font-size: 10.5pt; margin: .7rem 0 .3rem; }
p { margin: .25rem 0; }
/* Sections flow across pages (a whole section moved on would leave a page half empty); rows and
   points stay whole. */
section, footer { break-inside: auto; }
th, td { padding: .1rem .4rem; }
.sources dd { margin-bottom: .2rem; }
footer { margin-top: .8rem; }
"""


class NoFetching(ValueError):
    """A URL the summary's page was asked to fetch: there should be none."""


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict:
    raise NoFetching(f"the referral summary fetches nothing ({url[:60]})")


def render_pdf(view: CaseView) -> bytes:
    """The referral summary of one case as a PDF: the HTML summary's page on A4."""
    from weasyprint import HTML

    # Added to the page's own styles (author styles, after them), so it wins where the screen's differ:
    # WeasyPrint's `stylesheets` are user styles, which an author's rule outweighs.
    page = render_summary(view, "html").replace("</head>", f"<style>\n{PAGE_CSS}</style>\n</head>", 1)
    pdf: bytes = HTML(string=page, url_fetcher=_no_fetch).write_pdf()
    return pdf
