"""定点医药机构: the directory of hospitals and pharmacies and where each stands in designation."""
