"""Institutions service: 医疗机构/零售药店 申请定点协议管理 and the designated institutions.

It runs the designation process (申请—受理—审核评估—协商谈判—结果公示—协议签订), keeps the service
agreements (categories, term, 质量保证金 rate, bank account) and the public directory of designated
institutions (定点医药机构), and handles 举报投诉 about institutions.
"""
