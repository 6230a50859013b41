"""参保单位: employers and their registration."""
