"""参保单位: the maternity service's read model of employers, fed by registration's events."""
