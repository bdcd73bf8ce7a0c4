"""Getting briefings to their readers: index pages, bundles for download, e-mail.

:mod:`.index` writes ``reports/<period>/index.html`` and ``reports/index.html``; :mod:`.bundle`
packs each unit's reports into zip files; :mod:`.send` e-mails each unit's PDF to its readers.
All three read what a run made from the period's manifest (:mod:`analysis.running.manifest`).
"""
