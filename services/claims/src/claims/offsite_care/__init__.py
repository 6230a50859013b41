"""异地就医备案: filings of insured persons who seek care outside the pooling region."""
