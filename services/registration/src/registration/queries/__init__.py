"""参保信息查询: what a person (参保人员参保信息查询) and a unit (参保单位参保信息查询) are shown."""
