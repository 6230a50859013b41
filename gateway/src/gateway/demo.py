"""The development deployment's demo identities (``make run``, the compose ``seed`` container, the tests).

Their passwords and secrets are published in the README: never seed them in production.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPerson:
    certno: str
    name: str
    region: str


#: insured persons the development issuer signs 医保电子凭证 for (身份证号 with valid check digits)
DEMO_PERSONS = (
    DemoPerson("431002199503120018", "张医保", "431000"),
    DemoPerson("431002199807150021", "李参保", "431000"),
    DemoPerson("432801197801010035", "王凭证", "431000"),
)

#: staff accounts: (id, name, roles, password)
DEMO_STAFF = (
    ("demo-intake", "示例受理员", ["intake", "review"], "Demo-intake-2026"),
    ("demo-admin", "示例管理员", ["intake", "review", "second_review", "finance", "admin"], "Demo-admin-2026"),
)

#: a unit account (单位网厅账号): USCC, name, password
DEMO_EMPLOYER = ("91431000MA4L0XXK0G", "郴州市示例科技有限公司", "Demo-employer-2026")

#: a designated hospital's HIS client: fixmedins_code, name, secret
DEMO_INSTITUTION = ("H43100200001", "郴州市示例人民医院", "demo-his-secret-2026")
