"""参保人员: insured persons and their enrolments (参保登记)."""
