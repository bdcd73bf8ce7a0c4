"""Reference data: the indicator catalog, the 34 / 63 provincial units and their crosswalk,
and the name matching every later stage relies on."""
