"""Reporting: what goes into a briefing (``briefing``), charts (``charts``), labels and vi-VN
formats (``i18n`` with ``messages.yml``), and rendering to offline HTML and PDF (``render``)."""
