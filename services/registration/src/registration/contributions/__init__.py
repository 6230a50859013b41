"""Insured periods and contribution months (参保期间与缴费月数): monthly records imported in batches."""
