"""家庭共济 binding and unbinding as cases, in process on a real PostgreSQL: who may be bound, B.13, one per pair."""

from datetime import date

import pytest
from sqlalchemy import text

from medins.cases.service import china_today
from medins.identity import Principal, PrincipalKind

pytestmark = pytest.mark.integration

REGION = "431000"
STAFF = Principal(PrincipalKind.staff, "s-intake", REGION, frozenset({"intake", "review"}), "受理员")
BIND = "/api/v1/registration/accounts/mutual-aid/bindings"
UNBIND = "/api/v1/registration/accounts/mutual-aid/unbindings"
MATERIALS = ["id_document", "family_member_id"]


def binding(holder: str, user: str, relationship: str = "child", *, names=("王五", "王小五")) -> dict:
    form = {
        "authoriser_certno": holder,
        "authoriser_name": names[0],
        "user_certno": user,
        "user_name": names[1],
        "relationship": relationship,
        "phone": "13800138000",
    }
    return {"form": form, "materials": MATERIALS}


async def family(db) -> tuple[str, str, str]:
    """An employee (310), their child insured as a resident (390), their mother insured as an employee."""
    holder = await db.enrol("王五", born=date(1980, 5, 1))
    child = await db.enrol("王小五", born=date(2008, 9, 1), insutype="390")
    mother = await db.enrol("李秀英", born=date(1955, 3, 1))
    return holder, child, mother


async def test_binding_a_child_completes_at_the_window_with_a_b13_receipt(db, api):
    holder, child, _ = await family(db)
    response = await api.client.post(BIND, json=binding(holder, child), headers=api.headers(STAFF))
    assert response.status_code == 201, response.text
    case = response.json()["case"]
    assert case["status"] == "completed" and case["item_name"] == "家庭共济账户绑定"  # 即时办结
    assert case["result"]["relationship_label"] == "子女"
    assert case["result"]["start_on"] == china_today().isoformat()
    receipt_ref = next(d for d in case["documents"] if d["kind"] == "receipt")
    receipt = await api.client.get(
        f"/api/v1/registration/cases/{case['case_no']}/documents/{receipt_ref['id']}", headers=api.headers(STAFF)
    )
    fields = {f["key"]: f["value"] for f in receipt.json()["fields"]}
    assert receipt.json()["form"] == "B.13"
    assert (fields["grantor_name"], fields["grantor_certno"], fields["user_name"], fields["user_certno"]) == (
        "王五",
        holder,
        "王小五",
        child,
    )
    assert (fields["relationship"], fields["grant_start"]) == ("子女", china_today().isoformat())
    listed = await api.client.get(f"/api/v1/registration/accounts/{child}/mutual-aid", headers=api.headers(STAFF))
    assert [(b["authoriser_name"], b["relationship_label"], b["active"]) for b in listed.json()] == [
        ("王五", "子女", True)
    ]


async def test_a_pair_is_bound_once_and_unbinding_ends_it_on_the_day(db, api):
    holder, _, mother = await family(db)
    body = binding(holder, mother, "parent", names=("王五", "李秀英"))
    assert (await api.client.post(BIND, json=body, headers=api.headers(STAFF))).status_code == 201
    twice = await api.client.post(BIND, json=body, headers=api.headers(STAFF))
    assert twice.status_code == 409 and twice.json()["code"] == "already_bound"
    unbind = {"form": {"authoriser_certno": holder, "authoriser_name": "王五", "user_certno": mother}}
    unbind["materials"] = MATERIALS
    ended = await api.client.post(UNBIND, json=unbind, headers=api.headers(STAFF))
    assert ended.status_code == 201 and ended.json()["case"]["status"] == "completed", ended.text
    assert ended.json()["case"]["result"]["end_on"] == china_today().isoformat()
    again = await api.client.post(UNBIND, json=unbind, headers=api.headers(STAFF))
    assert again.status_code == 404 and again.json()["code"] == "binding_not_found"
    rebound = await api.client.post(BIND, json=body, headers=api.headers(STAFF))  # an ended binding may start anew
    assert rebound.status_code == 201
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT end_on FROM family_mutual_aid ORDER BY created_at"))).scalars().all()
    assert rows == [china_today(), None]


@pytest.mark.parametrize(
    ("relationship", "who", "code"),
    [
        ("parent_in_law", "mother", "relationship_not_allowed"),  # 岳父母等非直系亲属不在适用范围
        ("sibling", "child", "relationship_not_allowed"),
        ("parent", "child", "relationship_inconsistent"),  # the "parent" was born after the holder
        ("child", "self", "mutual_aid_not_allowed"),
    ],
)
async def test_who_may_not_be_bound_is_refused_and_nothing_is_bound(db, api, relationship, who, code):
    holder, child, mother = await family(db)
    user, name = {"mother": (mother, "李秀英"), "child": (child, "王小五"), "self": (holder, "王五")}[who]
    refused = await api.client.post(
        BIND, json=binding(holder, user, relationship, names=("王五", name)), headers=api.headers(STAFF)
    )
    assert refused.status_code == 422 and refused.json()["code"] == code, refused.text
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM family_mutual_aid"))).scalar_one() == 0
        assert (await conn.execute(text("SELECT count(*) FROM case_record"))).scalar_one() == 0


async def test_the_authoriser_must_be_an_insured_employee_and_the_user_insured(db, api):
    holder, child, mother = await family(db)
    await db.set_status(mother, "terminated")
    refused = await api.client.post(
        BIND, json=binding(holder, mother, "parent", names=("王五", "李秀英")), headers=api.headers(STAFF)
    )
    assert refused.status_code == 422 and refused.json()["code"] == "user_not_insured"
    # a resident (390) has no personal account to share
    reverse = binding(child, holder, "parent", names=("王小五", "王五"))
    refused = await api.client.post(BIND, json=reverse, headers=api.headers(STAFF))
    assert refused.status_code == 422 and refused.json()["code"] == "authoriser_not_insured"
    stranger = await api.client.post(
        BIND, json=binding(holder, "11010519491231002X", names=("王五", "张三")), headers=api.headers(STAFF)
    )
    assert stranger.status_code == 404 and stranger.json()["code"] == "person_not_found"


async def test_a_person_applies_for_their_own_binding_only(db, api):
    holder, child, mother = await family(db)
    as_child = Principal(PrincipalKind.person, child, REGION)
    refused = await api.client.post(BIND, json=binding(holder, child), headers=api.headers(as_child))
    assert refused.status_code == 403 and refused.json()["code"] == "not_owner"
    as_holder = Principal(PrincipalKind.person, holder, REGION)
    applied = await api.client.post(BIND, json=binding(holder, child), headers=api.headers(as_holder))
    assert applied.status_code == 201 and applied.json()["case"]["status"] == "submitted"  # staff accept it
    mine = await api.client.get(f"/api/v1/registration/accounts/{holder}/mutual-aid", headers=api.headers(as_holder))
    assert mine.status_code == 200 and mine.json() == []
    theirs = await api.client.get(f"/api/v1/registration/accounts/{mother}/mutual-aid", headers=api.headers(as_holder))
    assert theirs.status_code == 403
