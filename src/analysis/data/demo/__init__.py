"""Synthetic demo data: deterministic, marked synthetic, agreeing with the seed facts.

The demo dataset lets ``make report`` run on a fresh machine. It is written to
``data/raw/demo/`` in the long layout of ``data/raw/README.md``, one file per indicator family
(``demo_digital_economy.csv``, ``demo_infrastructure.csv``, ``demo_online_services.csv``,
``demo_project06.csv``, ``demo_plan_execution.csv``) plus ``demo_revisions.csv``; each file has a
``<file>.meta.yml`` sidecar with ``synthetic: true``.

How it is made
--------------
1. A *latent* series is simulated for each of the 63 former provinces, every indicator and every
   month from 2022-01 to 2030-12 (or ``until`` if later), then cut at ``until``: for any
   ``until`` up to 2030-12 a month's figures are the same whatever ``until`` is. Ratio
   indicators get integer numerators and denominators; the one rate indicator
   (``digital_economy_share_grdp_pct``, annual) gets a value with two decimals.
2. Sizes follow population: villages ~ pop/900, households ~ pop/3.7, monthly dossiers
   ~ 5..15 per thousand people, eligible citizens ~ 0.78 x pop, e-ID applications ~ 0.7 x pop,
   procedures 1,500-2,000, Project 06 tasks and essential services 25, Decision 422 services
   11, Project 06 models 30-45, plan tasks 20-90, plan targets per pillar 3-11.
3. Shares follow logistic adoption curves with province-specific start levels, midpoints,
   speeds and ceilings (some below 100 %: plateaus). Stocks never decrease (except
   ``dx_plan_tasks_overdue_pct``, small and fluctuating); flows are binomial draws around a
   rising trend with autocorrelated noise and a Tết dip. Four provinces stall for 9-15 months
   (``STALLS``). For indicators with a target, each of the 34 current units is given a status
   for the target's deadline (early, on time, late, never) correlated with a unit-level
   "maturity", so the latest months of 2026 show a realistic mix: some units achieved, most on
   track, several at risk, a few clearly off track.
4. Province-level facts of ``reference/seed_facts.csv`` are imposed exactly (see
   :func:`seed_fact_expectations` and :func:`check_seed_facts`), including the ranks of
   Nghệ An (digital economy 2022, 32nd of 63) and Quảng Nam (e-health books 2024-12, 53rd of
   63). The 2022 digital-economy shares of the provinces named in the 2022 annual report are
   the published ones.
5. Published files: the 63 former provinces until 2025-06 (``basis`` 63, old codes) and the 34
   current units from 2025-07 (``basis`` 34): numerators and denominators of the former
   provinces are summed into their current unit (``geography.crosswalk()``); the annual rate is
   the population-weighted mean of the constituents. Annual figures from 2025 on are on the
   34-unit basis.

The gap
-------
One figure is missing on purpose (``GAP``): ``households_fibre_pct`` for Bắc Kạn (code 06,
basis 63) in 2024-03 is not in ``demo_infrastructure.csv``, as if the province had not reported.
Bắc Kạn merged into Thái Nguyên, so harmonization leaves Thái Nguyên out for that month (no
partial sums). It touches no seed fact.

The revision
------------
``demo_revisions.csv`` (sidecar ``revises: demo_online_services.csv``) holds one row
(``REVISION``): ``online_dossier_rate_pct`` for Thanh Hóa (code 38, basis 63) in 2024-06, with a
larger numerator than in ``demo_online_services.csv`` (dossiers of one district counted late);
the denominator is unchanged, so exactly one cell differs. It touches no seed fact.

Ratio indicators are written with ``numerator`` and ``denominator`` only (``value`` empty, the
reader computes it); the rate indicator with ``value`` only.

API: :func:`latest_complete_month`, :func:`generate_demo`, :func:`write_demo`,
:func:`generate_latent` (the 63-province series behind the files), :func:`seed_fact_expectations`
and :func:`check_seed_facts` (reusable to test any long table, e.g. the processed store).
"""

from __future__ import annotations

from analysis.data.demo.build import generate_demo
from analysis.data.demo.context import latest_complete_month
from analysis.data.demo.facts import EXPECTATION_COLUMNS, check_seed_facts, seed_fact_expectations
from analysis.data.demo.simulate import generate_latent, simulate_latent
from analysis.data.demo.specs import (
    COLUMNS,
    DEFAULT_SEED,
    DIGITAL_ECONOMY_2022_PUBLISHED,
    FAMILY_ORDER,
    FILE_PREFIX,
    GAP,
    LICENCE,
    MIN_HORIZON,
    REVISION,
    REVISIONS_FILE,
    SOURCE,
    SPECS,
    STALLS,
    START,
)
from analysis.data.demo.write import write_demo

__all__ = [
    "COLUMNS",
    "DEFAULT_SEED",
    "DIGITAL_ECONOMY_2022_PUBLISHED",
    "EXPECTATION_COLUMNS",
    "FAMILY_ORDER",
    "FILE_PREFIX",
    "GAP",
    "LICENCE",
    "MIN_HORIZON",
    "REVISION",
    "REVISIONS_FILE",
    "SOURCE",
    "SPECS",
    "STALLS",
    "START",
    "check_seed_facts",
    "generate_demo",
    "generate_latent",
    "latest_complete_month",
    "seed_fact_expectations",
    "simulate_latent",
    "write_demo",
]
