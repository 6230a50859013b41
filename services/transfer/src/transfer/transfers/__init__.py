"""基本医疗保险关系转移接续: transfers of a person's insurance between regions."""
