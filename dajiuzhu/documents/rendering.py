"""HTML → PDF with WeasyPrint (on Debian's pango; the CJK font comes from fonts-wqy-microhei)."""

from __future__ import annotations

from typing import Any


def _weasyprint() -> Any:
    # Imported when first needed: loading pango costs ~0.3 s, and a page that never issues a document
    # should not pay for it (nor fail on a machine without the library; the system check says so).
    import weasyprint

    return weasyprint


def pdf_from_html(html: str) -> bytes:
    """The PDF of a standalone HTML document (no external resources: styles are inline)."""
    document = _weasyprint().HTML(string=html, base_url=None)
    return bytes(document.write_pdf())


def weasyprint_problem() -> str:
    """Why PDFs cannot be rendered on this machine, or "" when they can."""
    try:
        _weasyprint()
    except (ImportError, OSError) as exc:
        return str(exc)
    return ""
