"""个人账户: the personal account ledger, one-time withdrawal (一次性支取) and family mutual aid (家庭共济)."""
