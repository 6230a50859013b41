"""What the transfer service knows of insured persons: a read model fed by registration's events."""
