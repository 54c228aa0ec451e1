"""Letters as PDF, with WeasyPrint.

Letter HTML can be edited by staff, so rendering fetches nothing: every URL (images,
stylesheets, ``file://``) is refused, and the page style is ours, not the letter's.
"""

from weasyprint import CSS, HTML, URLFetcher

PAGE_CSS = CSS(
    string="""
    @page { size: Letter; margin: 2cm 2.2cm; @bottom-right { content: counter(page) " / "
            counter(pages); font-size: 8pt; color: #555; } }
    body { font-family: "DejaVu Serif", serif; font-size: 10.5pt; line-height: 1.4; }
    h1 { font-size: 14pt; margin: 0 0 .6em; }
    h2 { font-size: 11.5pt; margin: 1.2em 0 .4em; }
    blockquote { margin: .4em 1.2em; padding-left: .6em; border-left: 2px solid #999; }
    .letterhead { border-bottom: 1px solid #333; margin-bottom: 1em; padding-bottom: .4em; }
    table { border-collapse: collapse; } td, th { padding: 2px 6px; vertical-align: top; }
    """
)


class NoFetching(URLFetcher):
    """Refuses every resource a letter names: no network, no local files."""

    def fetch(self, url, headers=None):
        raise ValueError(f"Letters may not load {url[:80]}")


def html_to_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=NoFetching(), base_url=None).write_pdf(
        stylesheets=[PAGE_CSS]
    )
