"""个人账户一次性支取 as a case, in process on a real PostgreSQL: paid once, only when allowed, never an overdraft."""

import asyncio
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from medins.cases.service import Applicant
from medins.identity import Principal, PrincipalKind
from registration.accounts import service, withdrawals
from registration.accounts.domain import EntryReason
from registration.accounts.schemas import WithdrawalForm

pytestmark = pytest.mark.integration

REGION = "431000"
STAFF = Principal(PrincipalKind.staff, "s-all", REGION, frozenset({"intake", "review", "finance"}), "经办员")
WITHDRAWALS = "/api/v1/registration/accounts/withdrawals"
MATERIALS = ["id_document", "withdrawal_form"]  # 郴州: 有效身份证件或社保卡, 样表13


def application(number: str, holder: str, **form) -> dict:
    bank = {"bank_name": "中国工商银行郴州分行", "account_name": holder, "account_no": "6222020000001234567"}
    base = {"certno": number, "name": holder, "reason": "settled_abroad", "bank": bank}
    return {"form": base | form, "materials": MATERIALS}


async def stopped_with_balance(db, api, name: str, amount: str) -> str:
    number = await db.enrol(name)
    credit = {"lines": [{"certno": number, "amount": amount, "reference": "opening"}]}
    response = await api.client.post(
        "/api/v1/registration/accounts/credits", json=credit, headers=api.headers(STAFF, str(uuid.uuid4()))
    )
    assert response.status_code == 201, response.text
    await db.set_status(number, "terminated")
    return number


async def act(api, case_no: str, action: str):
    return await api.client.post(
        f"/api/v1/registration/cases/{case_no}/actions/{action}", json={}, headers=api.headers(STAFF)
    )


async def apply(api, body: dict, key: str | None = None):
    return await api.client.post(WITHDRAWALS, json=body, headers=api.headers(STAFF, key or str(uuid.uuid4())))


async def counts(db) -> tuple[int, int, int]:
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM case_record), (SELECT count(*) FROM account_withdrawal),"
                    " (SELECT count(*) FROM outbox WHERE type = 'registration.account.debited.v1')"
                )
            )
        ).one()
    return row[0], row[1], row[2]


async def test_a_withdrawal_is_accepted_reviewed_and_paid_into_the_persons_bank_account(db, api):
    number = await stopped_with_balance(db, api, "王五", "1234.56")
    applied = await apply(api, application(number, "王五"))
    assert applied.status_code == 201, applied.text
    case = applied.json()["case"]
    assert (case["status"], case["item_name"], case["applicant_id"]) == (
        "accepted",
        "参保人员个人账户一次性支取",
        number,
    )
    receipt_ref = next(d for d in case["documents"] if d["kind"] == "receipt")
    receipt = await api.client.get(
        f"/api/v1/registration/cases/{case['case_no']}/documents/{receipt_ref['id']}", headers=api.headers(STAFF)
    )
    fields = {f["key"]: f["value"] for f in receipt.json()["fields"]}
    assert (receipt.json()["title"], fields["name"], fields["certno"]) == ("职工医保账户提现受理回执单", "王五", number)
    assert fields["account_balance"] == "1234.56"  # 个人账户余额（元）
    assert await db.balance(number) == Decimal("1234.56")  # nothing moves before 拨付
    for action, status in (("start-review", "in_review"), ("approve", "in_payment"), ("pay", "completed")):
        moved = await act(api, case["case_no"], action)
        assert moved.status_code == 200 and moved.json()["status"] == status, moved.text
    result = moved.json()["result"]
    assert (result["amount"], result["balance_after"], result["reason_label"]) == ("1234.56", "0.00", "出国定居")
    assert result["payment"] == {
        "status": "instructed",
        "bank_name": "中国工商银行郴州分行",
        "account_name": "王五",
        "account_no_masked": "*" * 15 + "4567",
        "payee_certno_masked": number[:6] + "********" + number[-4:],
    }
    assert await db.balance(number) == Decimal("0.00")
    assert await db.ledger(number) == (Decimal("0.00"), 2)
    async with db.engine.connect() as conn:
        paid = (await conn.execute(text("SELECT * FROM account_withdrawal"))).mappings().one()
        entry = (await conn.execute(text("SELECT * FROM account_entry WHERE direction = 'debit'"))).mappings().one()
    assert (paid["bank_account_no"], paid["bank_account_name"], paid["amount"]) == (
        "6222020000001234567",
        "王五",
        Decimal("1234.56"),
    )
    assert (entry["reason"], entry["reference"], entry["id"]) == ("withdrawal", case["case_no"], paid["entry_id"])
    assert (await counts(db))[2] == 1  # registration.account.debited.v1 in the outbox


async def test_a_withdrawal_larger_than_the_balance_is_refused_and_nothing_changes(db, api):
    number = await stopped_with_balance(db, api, "赵六", "100.00")
    before = await counts(db)
    refused = await apply(api, application(number, "赵六", amount="100.01"))
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "insufficient_balance" and "100.01" in refused.json()["detail"]
    assert await counts(db) == before and await db.balance(number) == Decimal("100.00")


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"reason": "offsite_resettlement"}, "withdrawal_reason_not_allowed"),  # 山东 only, not 郴州
        ({"reason": "transfer_to_another_region"}, "validation_error"),  # the balance moves with a transfer
        ({"reason": "other"}, "reason_note_required"),
        ({"reason": "death", "death_date": "2026-10-01"}, "heir_required"),
        (
            {"bank": {"bank_name": "中国银行", "account_name": "李四", "account_no": "6222020000001234567"}},
            "payee_not_entitled",
        ),
        ({"name": "钱八"}, "name_mismatch"),
    ],
)
async def test_a_withdrawal_the_rules_do_not_allow_is_refused_in_chinese_and_nothing_changes(db, api, form, code):
    number = await stopped_with_balance(db, api, "钱七", "500.00")
    before = await counts(db)
    refused = await apply(api, application(number, "钱七", **form))
    assert refused.status_code == 422 and refused.json()["code"] == code, refused.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.json()["title"])
    assert await counts(db) == before and await db.balance(number) == Decimal("500.00")


async def test_a_person_still_insured_cannot_withdraw(db, api):
    number = await stopped_with_balance(db, api, "孙八", "500.00")
    await db.set_status(number, "enrolled")
    refused = await apply(api, application(number, "孙八"))
    assert refused.status_code == 422 and refused.json()["code"] == "insurance_not_stopped"
    assert "停保" in refused.json()["detail"]


async def test_on_death_the_heir_applies_and_is_paid(db, api):
    number = await stopped_with_balance(db, api, "周九", "300.00")
    heir = {"name": "周小九", "relationship": "子女", "certno": "11010519491231002X", "phone": "13800138000"}
    body = application(
        number,
        "周九",
        reason="death",
        death_date="2026-10-01",
        heir=heir,
        bank={"bank_name": "中国农业银行", "account_name": "周小九", "account_no": "6228480000000000011"},
    )
    body["materials"] = MATERIALS
    applied = await apply(api, body)
    assert applied.status_code == 201, applied.text
    case = applied.json()["case"]
    assert (case["applicant_id"], case["applicant_name"]) == ("11010519491231002X", "周小九")
    for action in ("start-review", "approve", "pay"):
        done = await act(api, case["case_no"], action)
    assert done.json()["result"]["payment"]["account_name"] == "周小九"
    assert await db.balance(number) == Decimal("0.00")


async def test_the_same_application_posted_twice_with_one_key_makes_one_case_and_a_second_one_waits(db, api):
    number = await stopped_with_balance(db, api, "吴十", "80.00")
    key = str(uuid.uuid4())
    first, again = (
        await apply(api, application(number, "吴十"), key),
        await apply(api, application(number, "吴十"), key),
    )
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert (await counts(db))[0] == 1
    second = await apply(api, application(number, "吴十"))
    assert second.status_code == 409 and second.json()["code"] == "withdrawal_in_progress"


async def test_a_balance_that_fell_below_the_amount_before_payment_refuses_the_payment_and_changes_nothing(db, api):
    number = await stopped_with_balance(db, api, "郑十一", "1000.00")
    case = (await apply(api, application(number, "郑十一", amount="800.00"))).json()["case"]
    await act(api, case["case_no"], "start-review")
    await act(api, case["case_no"], "approve")
    clawback = await api.client.post(
        f"/api/v1/registration/accounts/{number}/debits",
        json={"amount": "300.00", "reason": "clawback", "reference": "扣回-2026-10"},
        headers=api.headers(STAFF, str(uuid.uuid4())),
    )
    assert clawback.status_code == 201, clawback.text
    pay = await act(api, case["case_no"], "pay")
    assert pay.status_code == 422 and pay.json()["code"] == "insufficient_balance"
    status = await api.client.get(f"/api/v1/registration/cases/{case['case_no']}", headers=api.headers(STAFF))
    assert status.json()["status"] == "in_payment"
    assert await db.balance(number) == Decimal("700.00")
    assert (await counts(db))[1] == 0


async def test_a_payment_racing_a_clawback_never_overdraws(db, api):
    for attempt in range(5):
        name = f"王{attempt}号"
        number = await stopped_with_balance(db, api, name, "1000.00")
        case = (await apply(api, application(number, name))).json()["case"]
        await act(api, case["case_no"], "start-review")
        await act(api, case["case_no"], "approve")
        clawback = api.client.post(
            f"/api/v1/registration/accounts/{number}/debits",
            json={"amount": "300.00", "reason": "clawback", "reference": f"race-{attempt}"},
            headers=api.headers(STAFF, str(uuid.uuid4())),
        )
        pay, taken = await asyncio.gather(act(api, case["case_no"], "pay"), clawback)
        # the whole balance is paid and the clawback finds nothing, or the clawback first and 700.00 is paid
        outcomes = {(pay.status_code, taken.status_code)}
        assert outcomes <= {(200, 422), (200, 201)}, (pay.text, taken.text)
        paid = Decimal(pay.json()["result"]["amount"])
        assert paid == (Decimal("700.00") if taken.status_code == 201 else Decimal("1000.00"))
        assert await db.balance(number) == Decimal("0.00")
        assert (await db.ledger(number))[0] == Decimal("0.00")


async def test_money_leaves_only_through_payment_by_finance_not_by_completing_the_case(db, api):
    number = await stopped_with_balance(db, api, "冯十三", "66.00")
    case = (await apply(api, application(number, "冯十三"))).json()["case"]
    skipped = await act(api, case["case_no"], "complete")  # an item with 拨付 is completed only through it
    assert skipped.status_code == 409 and skipped.json()["code"] == "illegal_transition"
    assert "须经审核、拨付后办结" in skipped.json()["detail"]
    status = await api.client.get(f"/api/v1/registration/cases/{case['case_no']}", headers=api.headers(STAFF))
    assert status.json()["status"] == "accepted"
    assert await db.balance(number) == Decimal("66.00") and (await counts(db))[1] == 0


async def test_in_shandong_offsite_resettlement_is_paid_at_the_window_without_stopping_the_insurance(db, make_kit):
    number = await db.enrol("山东人")  # still insured: 异地安置 keeps the insurance
    async with db.uow("370700") as uow:
        await service.credit(
            uow, certno=number, amount=Decimal("450.00"), reason=EntryReason.transfer_in, reference="T1", actor="t"
        )
        await uow.commit()
    kit = make_kit("370700")
    form = WithdrawalForm.model_validate(application(number, "山东人", reason="offsite_resettlement")["form"])
    staff = Principal(PrincipalKind.staff, "s-sd", "370700", frozenset({"intake", "review"}), "经办员")
    async with db.uow("370700") as uow:
        prepared = await withdrawals.prepare_withdrawal(
            uow, form, known_situations=set(kit.item("account_withdrawal").situation_keys)
        )
        assert prepared.applicant == Applicant("person", number, "山东人")
        row = await kit.submit(
            uow,
            item_key="account_withdrawal",
            applicant=prepared.applicant,
            actor=staff,
            channel="window",
            form=prepared.form,
            materials=["id_document"],
            situations=prepared.situations,
        )
        await uow.commit()
    assert row["status"] == "completed" and row["result"]["amount"] == "450.00"  # 即时办结 (山东)
    assert await db.balance(number) == Decimal("0.00")
