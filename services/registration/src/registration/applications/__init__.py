"""Applications (申请) that start a case: 单位参保登记, 职工参保登记."""
