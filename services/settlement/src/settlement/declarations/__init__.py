"""月度费用申报: the monthly declarations designated institutions send from their HIS."""
