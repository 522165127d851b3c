"""Registry pages (thin: parse the request, call a selector or service, render)."""
# Filled in by the pages work; every view name in urls.py must exist here.
