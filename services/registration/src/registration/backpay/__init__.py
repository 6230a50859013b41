"""法定断档补缴 (statutory gap back-payment) and 欠款补缴 (arrears back-payment): the months and their effect."""
