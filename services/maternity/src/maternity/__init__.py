"""Maternity service: 产前检查费, 生育医疗费, 计划生育医疗费, 生育津贴, 一次性生育补助金.

Claims come by the window, the commitment (承诺制) and the hospital one-window (一窗受理) routes. The
service keeps a read model of employers (参保单位) fed by registration's events.
"""
