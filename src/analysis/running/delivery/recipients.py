"""Who receives which unit's briefing: ``data/recipients.yml``.

The file lists one entry per person and unit::

    recipients:
      - unit: Nghệ An          # code (40), codename (nghe_an) or name; "national" for the overview
        name: Văn phòng UBND tỉnh Nghệ An
        address: vanphong@nghean.gov.vn
        language: vi           # vi (default) or en: the language of the e-mail and its PDF

Units are matched like ``--province`` (:func:`analysis.reference.geography.match_province`).
Every problem of the file is listed at once, each with the entry's number and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import yaml

from analysis.reference.geography import UnknownProvince
from analysis.running.delivery.outputs import resolve_unit

LANGUAGES = ("vi", "en")


class RecipientsError(ValueError):
    """The recipients file cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Recipient:
    """One person who receives one unit's briefing."""

    unit: str
    """The unit's codename, or ``national``."""
    name: str
    address: str
    language: str = "vi"


def _entries(path: Path) -> list[Any]:
    if not path.is_file():
        raise RecipientsError(
            f"{path}: no recipients file; copy data/recipients.example.yml there and edit it, "
            "or give one with --recipients FILE"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RecipientsError(f"{path}: not valid YAML: {exc}") from None
    entries = raw.get("recipients") if isinstance(raw, dict) else raw
    if not isinstance(entries, list) or not entries:
        raise RecipientsError(f"{path}: expected a list of entries under 'recipients:'")
    return entries


def _recipient(entry: Any) -> tuple[Recipient | None, list[str]]:
    """One entry as a :class:`Recipient`, or the problems that prevent it."""
    if not isinstance(entry, dict):
        return None, [f"expected unit, name, address and language, found {entry!r}"]
    problems = [f"missing '{key}'" for key in ("unit", "name", "address") if not entry.get(key)]
    unknown = sorted(set(entry) - {"unit", "name", "address", "language"})
    problems += [f"unknown key '{key}' (use unit, name, address, language)" for key in unknown]
    language = str(entry.get("language") or "vi").strip()
    if language not in LANGUAGES:
        problems.append(f"language {language!r}: use vi or en")
    address = str(entry.get("address") or "").strip()
    if address and ("@" not in parseaddr(address)[1] or parseaddr(address)[1] != address):
        problems.append(f"address {address!r} is not an e-mail address (name@domain)")
    unit = ""
    if entry.get("unit"):
        try:
            unit = resolve_unit(str(entry["unit"]))
        except UnknownProvince as exc:
            problems.append(f"unit: {exc}")
    if problems:
        return None, problems
    return Recipient(unit, str(entry["name"]).strip(), address, language), []


def load_recipients(path: Path) -> list[Recipient]:
    """The recipients listed in ``path``; :class:`RecipientsError` lists every problem."""
    recipients, problems = [], []
    for number, entry in enumerate(_entries(path), start=1):
        recipient, found = _recipient(entry)
        problems += [f"{path}, entry {number}: {p}" for p in found]
        if recipient is not None:
            recipients.append(recipient)
    if problems:
        raise RecipientsError("\n".join(problems))
    return recipients
