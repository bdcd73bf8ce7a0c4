"""Earlier figures that a later file replaced: the store's ``revisions`` table.

A file whose sidecar says ``revises: <earlier file>`` replaces that file's figures of the same
unit, indicator and period (:func:`analysis.data.ingest.validate.apply_revisions`). The ingest
keeps only the new figure; this table keeps both, for every dataset, so that a report can say
"was X, now Y, in file Z":

* one row per replaced figure, on the basis it was reported (``reported_code``), with the unit
  it belongs to on the 34-unit basis (``province_code``);
* ``old_value``, ``old_file``: the figure replaced and the file it came from; ``new_value``,
  ``new_file``: the figure that replaced it;
* ``received``: when the revising file arrived (ISO date): its sidecar's ``received``, else,
  for submitted files, the day an ingest first read it (``submission_files.first_seen``); empty
  when neither is known (the generated demo data).

Built by every ingest from what it read and written with the store, atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.data.ingest import IngestResult, read_sidecar
from analysis.data.submissions import DATASET
from analysis.reference import geography

TABLE = "revisions"
COLUMNS = [
    "dataset",
    "indicator",
    "freq",
    "period",
    "basis",
    "reported_code",
    "province_code",
    "old_value",
    "new_value",
    "old_file",
    "new_file",
    "received",
]
_TYPES = {**dict.fromkeys(COLUMNS, "string"), "old_value": "float64", "new_value": "float64"}
KEYS = ["dataset", "basis", "province_code", "indicator", "period"]


def build_table(result: IngestResult, seen: dict[str, str], now: str) -> pd.DataFrame:
    """The ``revisions`` table of an ingest's result (see the module docstring).

    ``seen`` maps a file's sha256 to the time an earlier ingest first read it; ``now`` is this
    ingest's time (a submitted file read for the first time arrived now).
    """
    sent, kept = result.submitted, result.observations
    if sent.empty or kept.empty or "source_file" not in sent:
        return pd.DataFrame(columns=COLUMNS).astype(_TYPES)
    revising = {f["file"]: f for f in result.files if f.get("revises")}
    if not revising:
        return pd.DataFrame(columns=COLUMNS).astype(_TYPES)
    new_rows = kept[kept["source_file"].isin(revising)]
    by_key = {
        tuple(map(str, k)): (float(v), str(f))
        for k, v, f in zip(
            new_rows[KEYS].to_numpy(), new_rows["value"], new_rows["source_file"], strict=True
        )
    }
    rows = []
    for k, freq, v, f in zip(
        sent[KEYS].to_numpy(), sent["freq"], sent["value"], sent["source_file"], strict=True
    ):
        key = tuple(map(str, k))
        new = by_key.get(key)
        if new is None or new[1] == str(f):
            continue
        dataset, basis, code, indicator, period = key
        rows.append(
            {
                "dataset": dataset,
                "indicator": indicator,
                "freq": str(freq),
                "period": period,
                "basis": basis,
                "reported_code": code,
                "province_code": code if basis == "34" else geography.successor(code).code,
                "old_value": float(v),
                "new_value": new[0],
                "old_file": str(f),
                "new_file": new[1],
                "received": _received(revising[new[1]], seen, now),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS).astype(_TYPES)


def _received(file: dict, seen: dict[str, str], now: str) -> str | None:
    """When a revising file arrived: its sidecar's date, else (a submitted file) when an ingest
    first read it; ``None`` when not known."""
    path = paths.project_root() / file["file"]
    if not path.exists():
        path = Path(file["file"])
    try:
        received = read_sidecar(path).get("received")
    except Exception:  # the ingest read this sidecar already; nothing more to learn from it
        received = None
    if received:
        return str(pd.Timestamp(received).date())
    if file.get("dataset") == DATASET:
        return str(pd.Timestamp(seen.get(str(file.get("sha256")), now)).date())
    return None
