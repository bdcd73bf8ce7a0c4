"""The shared pieces at the bottom of the import graph, used by every stage.

``i18n`` (every word of the product in Vietnamese and English, with vi-VN number and date
formats), ``periods`` (the one way to read a period), ``clock`` (today, pinnable) and
``version`` (the code version every output records). Nothing here imports another subpackage
of :mod:`analysis`.
"""
