"""Claims service: 异地就医备案 (5 kinds), 门诊慢特病 and 双通道药品 待遇认定, 零星(手工)报销, 医疗救助.

Manual reimbursement covers outpatient, inpatient, emergency and off-site care; 医疗救助 covers the
contribution subsidy and manual reimbursement. The benefit calculation (起付线, ratios, caps) runs on
effective-dated policy parameters per region.
"""
