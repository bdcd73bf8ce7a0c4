"""Collecting the month's figures from the provinces.

``collect`` writes the workbooks to send (:mod:`.template`, laid out by :mod:`.layout`, asking
for what :mod:`.due` says is due); ``check`` and ``ingest`` read them back filled
(:mod:`.readback`) and record who sent what and when (:mod:`.submissions`); ``status`` says
where the month stands per province and indicator (:mod:`.status`, with the files not yet in
the store from :mod:`.pending`) and ``remind`` writes who owes what (:mod:`.reminders`).
"""
