"""Transfer service: 基本医疗保险关系转移接续 between regions, both ways.

It issues the 《参保凭证》, exchanges the 《基本医疗保险关系转移接续联系函》 (from the transfer-in agency)
and the 《参保人员基本医疗保险信息表》 with the personal-account funds (from the transfer-out agency),
keeps the per-stage and overall deadlines, and serves the partner API other regions call.
"""
