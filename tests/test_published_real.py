"""Real published figures (data/raw/published/real): shipped as collected, read unchanged."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "data" / "raw" / "published" / "real"
LICENCE = "none stated; facts from government portals; collected by third parties"


def _data_files() -> list[Path]:
    return sorted(
        p for p in REAL.iterdir() if p.suffix in (".csv", ".json") and not p.name.startswith(".")
    )


def test_every_real_file_ships_with_its_provenance_and_unchanged_bytes():
    files = _data_files()
    assert len(files) == 7
    for path in files:
        meta = yaml.safe_load(path.with_name(path.name + ".meta.yml").read_text("utf-8"))
        assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), path.name
        assert meta["licence"] == LICENCE
        assert meta["synthetic"] is False
        origin = meta["collected_from"]
        assert re.fullmatch(r"[0-9a-f]{40}", origin["commit"]), path.name
        assert origin["repository"] in ("PhamQuyNam/PMNM_HaUI.DNK_2025", "duynghiaqn/Crawler-766")
        assert ".gov.vn" in meta["source_url"], path.name
        assert meta["source"] and meta["covers"] and meta["basis"] in ("63", "34", "national")


def test_the_commune_crosswalk_is_not_shipped_here():
    assert not [p for p in REAL.iterdir() if "crosswalk" in p.name]
