"""A system check: issuing a document needs WeasyPrint and Debian's pango (see the Makefile's pdf-libs)."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register("documents", deploy=True)
def weasyprint_loads(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from dajiuzhu.documents.rendering import weasyprint_problem

    problem = weasyprint_problem()
    if not problem:
        return []
    return [
        checks.Warning(
            f"WeasyPrint cannot load, so no 决定书/回执 can be issued: {problem}",
            hint="apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei (make pdf-libs)",
            id="documents.W001",
        )
    ]
