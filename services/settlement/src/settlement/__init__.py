"""Settlement service: monthly 定点医疗机构/零售药店 费用结算.

Declarations with totals and detail files from HIS, reconciliation (对总账/对明细账) with line-level
discrepancies, rule review and deductions (审核扣款), 拨付 with 质量保证金 withholding, and 复审.
"""
