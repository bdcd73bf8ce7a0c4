"""Who receives which unit's briefing: ``data/recipients.yml``.

The file lists one entry per person and unit::

    recipients:
      - unit: Nghệ An          # code (40), codename (nghe_an) or name; "national" for the overview
        name: Văn phòng UBND tỉnh Nghệ An
        address: vanphong@nghean.gov.vn
        language: vi           # vi (default) or en: the language of the e-mail and its PDF

Units are matched like ``--province`` (:func:`analysis.reference.geography.match_province`).
The whole file is checked before anything is sent: every problem is listed at once, each with
the entry's number and name, the field and what to do. A name is one line of text; an address
is ``local@domain`` as RFC 5322 writes it (a dot-atom: no spaces, no ``..``, no leading or
trailing dot), with a domain of at least two labels; the same unit and address twice is a
mistake.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.reference.geography import UnknownProvince
from analysis.running.delivery.outputs import resolve_unit

LANGUAGES = ("vi", "en")


def default_recipients_path() -> Path:
    """``data/recipients.yml``: the file ``send`` reads, and ``run`` reads for the languages."""
    return paths.data_dir() / "recipients.yml"


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


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+"
_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = re.compile(r"[^\W_](?:[\w-]{0,61}[^\W_])?")
MAX_NAME = 200


def _control(text: str) -> bool:
    """Whether ``text`` holds a line break, tab or other control character."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a usable e-mail address (``None`` when it is)."""
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or _control(address)
        or not _LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or len(address) > 254
    ):
        return "not an e-mail address (name@domain.vn: no spaces, no '..', no path)"
    return None


def _name_problem(value: Any) -> str | None:
    name = str(value)
    if _control(name):
        return "contains a line break or another control character; write the name on one line"
    if len(name) > MAX_NAME:
        return f"longer than {MAX_NAME} characters"
    return None


def _shown(value: Any, width: int = 40) -> str:
    """A value as a message shows it: control characters visible, long text cut."""
    text = repr(str(value))[1:-1]
    return text if len(text) <= width else text[: width - 1] + "…"


def _recipient(entry: Any) -> tuple[Recipient | None, list[str]]:
    """One entry as a :class:`Recipient`, or the problems (``field: what``) that prevent it."""
    if not isinstance(entry, dict):
        return None, [f"expected unit, name, address and language, found {_shown(entry)!r}"]
    problems = [f"{key}: missing" for key in ("unit", "name", "address") if not entry.get(key)]
    unknown = sorted(set(map(str, entry)) - {"unit", "name", "address", "language"})
    problems += [f"{key}: unknown field (use unit, name, address, language)" for key in unknown]
    language = str(entry.get("language") or "vi").strip()
    if language not in LANGUAGES:
        problems.append(f"language: {_shown(language)!r}: use vi or en")
    name = str(entry.get("name") or "").strip()
    if name and (why := _name_problem(name)):
        problems.append(f"name: {why}")
    address = str(entry.get("address") or "").strip()
    if address and (why := address_problem(address)):
        problems.append(f"address: {_shown(address, 80)!r}: {why}")
    unit = ""
    if entry.get("unit"):
        try:
            unit = resolve_unit(str(entry["unit"]))
        except UnknownProvince as exc:
            problems.append(f"unit: {exc}")
    if problems:
        return None, problems
    return Recipient(unit, name, address, language), []


def _entry_label(number: int, entry: Any) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"entry {number}" + (f" ({_shown(name)})" if name else "")


def load_recipients(path: Path) -> list[Recipient]:
    """The recipients listed in ``path``; :class:`RecipientsError` lists every problem.

    Each problem names the entry (its number, from 1, and its name) and the field.
    """
    recipients, problems = [], []
    seen: dict[tuple[str, str], int] = {}
    for number, entry in enumerate(_entries(path), start=1):
        recipient, found = _recipient(entry)
        label = _entry_label(number, entry)
        problems += [f"{path}, {label}, {p}" for p in found]
        if recipient is None:
            continue
        key = (recipient.unit, recipient.address.lower())
        if key in seen:
            problems.append(
                f"{path}, {label}, address: the same unit and address as entry {seen[key]}; "
                "remove one"
            )
            continue
        seen[key] = number
        recipients.append(recipient)
    if problems:
        raise RecipientsError("\n".join(problems))
    return recipients


def languages_wanted(path: Path | None = None) -> dict[str, set[str]]:
    """Unit -> the languages other than Vietnamese its recipients ask for (``{"hcm": {"en"}}``),
    read from ``path`` (default :func:`default_recipients_path`); empty without the file.

    The run makes these languages of each unit's main report, so that ``send`` gives every
    recipient the report in their language. Raises :class:`RecipientsError` for a bad file.
    """
    file = path or default_recipients_path()
    if not file.is_file():
        return {}
    wanted: dict[str, set[str]] = {}
    for r in load_recipients(file):
        if r.language != "vi":
            wanted.setdefault(r.unit, set()).add(r.language)
    return wanted
