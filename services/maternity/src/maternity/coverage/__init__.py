"""参保状态与缴费月数: the maternity service's read model of who was insured when, fed by registration's events.

生育津贴 and the other maternity benefits ask "was this person insured under 510 on this date, and for how many
consecutive and cumulative months had they contributed"; this package keeps the facts to answer it.
"""
