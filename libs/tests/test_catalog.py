"""The service-item catalogue (catalog/): coverage of every seed's items, the region differences that must
hold, and that a broken file fails at load with a message naming the file and the place in it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from medins.catalog import Catalog, CatalogError, Channel, Service, TimeUnit, load_catalog, schema
from medins.catalog.loader import DEFAULT_ROOT
from medins.errors import NotFound

# Every item name of every seed whose owning service is not none, verbatim from shared/spec/items.csv
# (one row per item per seed; Ruzhou's 参保个人参保信息查询 has two rows, one name). Copied here so the
# test runs without the shared folder; a name missing from the region's profile fails the test.
SEED_ITEM_NAMES: dict[str, list[str]] = {
    # 汝州市, seed 000_9b27f92c62a4a01c.txt: 27 names
    "410482": [
        "举报投诉",
        "基本医疗保险定点医疗机构费用复审",
        "医疗救助对象手工（零星）报销",
        "大病保险个人手工零星报销",
        "城乡居民参保登记",
        "城乡居民参保信息变更登记",
        "参保个人参保信息查询",
        "单位参保登记",
        "职工参保登记",
        "单位参保信息变更登记",
        "职工参保信息变更登记",
        "参保单位参保信息查询",
        "转移接续手续办理",
        "基本医疗保险参保人员享受门诊慢病及重特大疾病病种待遇认定",
        "基本医疗保险定点医疗机构费用结算",
        "生育保险费用支付",
        "职工门诊慢特病待遇认定",
        "城乡居民医保基金支付",
        "职工医保基金支付",
        "(职工、城乡居民)异地转诊人员备案",
        "城乡居民异地住院费用报销",
        "城乡居民异地门诊费用报销",
        "职工、城乡居民异地居住就医人员备案",
        "职工异地门诊费用报销",
        "职工异地住院费用报销",
        "医疗救助",
        "医药机构定点资格申报",
    ],
    # 舞钢市, seed 001_7895f71e6bef5c86.txt: 28 names
    "410481": [
        "单位参保登记",
        "职工参保登记",
        "城乡居民参保登记",
        "单位参保信息变更登记",
        "职工参保信息变更登记",
        "城乡居民参保信息变更登记",
        "参保单位参保信息查询",
        "参保人员参保信息查询",
        "参保人员个人账户一次性支取",
        "转移接续手续办理",
        "异地安置退休人员备案",
        "异地长期居住人员备案",
        "常驻异地工作人员备案",
        "异地转诊人员备案",
        "其他临时外出就医人员备案",
        "基本医疗保险参保人员享受门诊慢特病病种待遇认定",
        "门诊费用报销",
        "住院费用报销",
        "产前检查费支付",
        "生育医疗费支付",
        "计划生育医疗费支付",
        "生育津贴支付",
        "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴",
        "医疗救助对象手工(零星)报销",
        "医疗机构申请定点协议管理",
        "零售药店申请定点协议管理",
        "基本医疗保险定点医疗机构费用结算",
        "基本医疗保险定点零售药店费用结算",
    ],
    # 潍坊市, seed 002_dacd5c6ef7304b21.txt: 29 names
    "370700": [
        "单位参保登记",
        "职工参保登记",
        "城乡居民参保登记",
        "参保单位参保信息查询",
        "参保人员参保信息查询",
        "参保人员个人账户一次性支取",
        "医保关系转出",
        "医保关系转入",
        "异地长期居住人员备案",
        "临时外出就医人员备案",
        "基本医疗保障参保人员享受门诊慢特病病种待遇认定",
        "门诊费用报销",
        "住院费用报销",
        "产前检查费支付",
        "生育医疗费支付",
        "计划生育医疗费支付",
        "生育津贴支付",
        "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴",
        "医疗救助对象手工（零星）报销",
        "医疗机构申请定点协议管理",
        "零售药店申请定点协议管理",
        "基本医疗保险定点医疗机构费用结算",
        "基本医疗保险定点零售药店费用结算",
        "长期护理保险待遇申请",
        "单位参保信息变更登记",
        "职工参保信息变更登记",
        "城乡居民参保信息变更登记",
        "参保地就医持卡联网结算",
        "学生基本医疗保险参保登记",
    ],
    # 郴州市, seed 003_6d6874b4926ea73c.txt: 33 names
    "431000": [
        "单位参保登记",
        "职工参保登记",
        "城乡居民参保登记",
        "单位参保信息变更登记",
        "职工参保信息变更登记",
        "城乡居民参保信息变更登记",
        "法定断档补缴",
        "退休人员医保管理",
        "参保单位参保信息查询",
        "参保人员参保信息查询",
        "参保人员个人账户一次性支取",
        "出具《参保凭证》",
        "转移接续手续办理",
        "异地安置退休人员备案",
        "异地长期居住人员备案",
        "常驻异地工作人员备案",
        "异地转诊人员备案",
        "异地急诊人员备案",
        "基本医疗保险参保人员享受门诊慢特病病种待遇认定",
        "基本医疗保险参保人员享受“双通道”管理药品待遇认定",
        "门诊费用报销",
        "住院费用报销",
        "产前检查费支付",
        "生育医疗费支付",
        "计划生育医疗费支付",
        "生育津贴支付",
        "一次性生育补助金支付",
        "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴",
        "医疗救助对象手工（零星）报销",
        "医疗机构申请定点协议管理",
        "零售药店申请定点协议管理",
        "基本医疗保险定点医疗机构费用结算",
        "基本医疗保险定点零售药店费用结算",
    ],
    # 徐州市, seed 004_2a0b4709e64983d8.txt: 19 names
    "320300": [
        "单位参保登记",
        "单位参保信息变更登记",
        "职工参保登记",
        "职工参保信息变更登记",
        "职工医保参保人员医疗保险退休审批",
        "单位参保人员缴费基数调整",
        "基本医疗保险欠款补缴",
        "参保人员个人账户一次性支取",
        "出具《参保凭证》",
        "转移接续手续办理",
        "基本医疗保险参保人员异地就医备案",
        "基本医疗保险参保人员医疗费用手工（零星）报销",
        "医疗救助对象手工（零星）报销",
        "生育医疗费支付",
        "生育待遇支付",
        "城乡居民参保登记",
        "城乡居民参保信息变更登记",
        "家庭共济账户绑定",
        "家庭共济账户解绑",
    ],
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def published_names(catalog: Catalog, region: str) -> set[str]:
    """Every name under which the region's profile publishes an item: its own name or the national one,
    aliases (another section of the seed), scheme variants (职工… beside 城乡居民…)."""
    names: set[str] = set()
    for entry in catalog.region(region).items:
        names.add(entry.name or catalog.item(entry.item).name)
        names |= {alias.name for alias in entry.aliases}
        names |= {variant.name for variant in entry.insutype_variants if variant.name}
    return names


@pytest.mark.parametrize("region", sorted(SEED_ITEM_NAMES))
def test_every_item_name_of_the_seed_is_in_the_region_profile(catalog: Catalog, region: str) -> None:
    missing = [name for name in SEED_ITEM_NAMES[region] if name not in published_names(catalog, region)]
    assert not missing, f"{region}: items of the seed missing from catalog/regions/{region}.yaml: {missing}"


def test_the_five_regions_have_profiles_and_nothing_else(catalog: Catalog) -> None:
    assert [p.admdvs for p in catalog.regions()] == sorted(SEED_ITEM_NAMES)


def test_ruzhou_lists_its_out_of_scope_sections_with_the_reason(catalog: Catalog) -> None:
    out = {o.name: o for o in catalog.region("410482").out_of_scope}
    assert set(out) == {"行政执法案件办理", "医药价格调整及招标采购"}
    assert all(o.ruling == 8 and o.reason for o in out.values())


def test_every_national_item_has_a_valid_owning_service(catalog: Catalog) -> None:
    assert catalog.items, "no items loaded"
    for item in catalog:
        assert item.service in set(Service), item.key
    assert {item.service for item in catalog} == set(Service), "a service owns no item"
    # the owners ARCHITECTURE section 2 gives for items that could be argued either way
    owners = {
        "contribution_subsidy": Service.claims,
        "family_mutual_aid_binding": Service.registration,
        "insurance_certificate": Service.transfer,
        "complaint": Service.institutions,
        "fee_re_review": Service.settlement,
        "one_off_maternity_grant": Service.maternity,
    }
    assert {key: catalog.item(key).service for key in owners} == owners


def limit(catalog: Catalog, key: str, region: str) -> tuple[int | None, str]:
    tl = catalog.resolve(key, region).time_limit
    return tl.value, str(tl.unit)


def test_maternity_allowance_limit_differs_by_region(catalog: Catalog) -> None:
    assert limit(catalog, "maternity_allowance", "431000") == (18, "working_days")
    assert limit(catalog, "maternity_allowance", "370700") == (4, "working_days")
    assert limit(catalog, "maternity_allowance", "410481") == (10, "working_days")


def test_designation_limit_differs_by_region(catalog: Catalog) -> None:
    for key in ("hospital_designation", "pharmacy_designation"):
        assert limit(catalog, key, "370700") == (45, "working_days")
        assert limit(catalog, key, "410481") == (90, "calendar_days")
        assert limit(catalog, key, "410482") == (30, "working_days")
        assert limit(catalog, key, "431000") == (60, "calendar_days")


def test_transfer_limits_cross_and_intra_province(catalog: Catalog) -> None:
    shandong = catalog.resolve("transfer_in", "370700")
    assert (shandong.time_limit.value, shandong.name) == (15, "医保关系转入")
    intra = shandong.time_limit.applicable(situations=["intra_province"])
    assert (intra.value, intra.unit) == (9, TimeUnit.working_days)
    assert limit(catalog, "transfer_out", "370700") == (15, "working_days")
    assert limit(catalog, "transfer_in", "410482") == (20, "working_days")
    assert limit(catalog, "transfer_in", "431000") == (15, "working_days")
    stages = [(s.key, s.party, s.value) for s in catalog.resolve("transfer_in", "320300").stages]
    assert stages == [("letter", "destination", 5), ("info_table", "origin", 10), ("completion", "destination", 5)]


def test_self_contradicting_limit_takes_the_shorter_and_notes_both_sources(catalog: Catalog) -> None:
    item = catalog.resolve("childbirth_medical", "370700")
    assert (item.time_limit.value, item.time_limit.text) == (4, "不超过4个工作日")
    ruling = [n for n in item.notes if n.startswith("Ruling 5")]
    assert ruling and "L93" in ruling[0] and "L1771-1828" in ruling[0] and "10个工作日" in ruling[0]


def test_channel_and_situation_variants_pick_the_limit_of_the_case(catalog: Catalog) -> None:
    xuzhou = catalog.resolve("employee_registration", "320300").time_limit
    assert xuzhou.applicable(channel=Channel.window).unit == TimeUnit.immediate
    assert tuple(xuzhou.applicable(channel=Channel.online))[:2] == (1, TimeUnit.working_days)
    chenzhou = catalog.resolve("employee_registration", "431000").time_limit
    assert chenzhou.applicable().value == 5
    assert chenzhou.applicable(situations=["flexible_worker"]).unit == TimeUnit.immediate


def test_extension_only_where_the_region_allows_it(catalog: Catalog) -> None:
    xuzhou = catalog.resolve("manual_reimbursement", "320300")
    assert xuzhou.allows_extension and xuzhou.time_limit.extension is not None
    assert (xuzhou.time_limit.value, xuzhou.time_limit.extension.value) == (10, 20)
    assert catalog.region("410482").allows_extension  # 生育保险费用支付: 如遇特殊情况则进行适当延长
    for region in ("431000", "370700", "410481"):
        assert not catalog.region(region).allows_extension
    assert catalog.resolve("manual_reimbursement", "431000").time_limit.extension is None


def test_any_of_material_is_met_by_each_alternative_and_conditions_name_situations(catalog: Catalog) -> None:
    item = catalog.resolve("resident_registration", "431000")
    identity = next(m for m in item.materials if m.key == "identity")
    assert identity.name == "医保电子凭证或有效身份证件或社保卡"
    assert identity.alternatives == ("e_credential", "id_document", "social_security_card")
    student = next(m for m in item.materials if m.condition == "student")
    assert item.situations["student"] == "在校学生" and student.required
    employee = catalog.resolve("employee_registration", "370700")
    assert {"flexible_worker", "hk_macao_taiwan", "foreigner", "proxy"} <= employee.situation_keys
    assert employee.receipt_form_for(["flexible_worker"]) == "B.4" and employee.receipt_form_for() == "B.3"


def test_region_overrides_materials_and_keeps_the_national_key(catalog: Catalog) -> None:
    chenzhou = catalog.resolve("unit_registration", "431000")
    shandong = catalog.resolve("unit_registration", "370700")
    assert chenzhou.national_code == shandong.national_code == "002036001001"
    assert "《郴州市基本医疗保险单位参保信息登记表》（加盖单位公章）" in [m.name for m in chenzhou.materials]
    assert "《基本医疗保险单位参保信息登记表》（加盖单位公章）" in [m.name for m in shandong.materials]
    assert (chenzhou.time_limit.value, shandong.time_limit.unit) == (5, TimeUnit.immediate)


def test_scheme_variant_and_unlisted_item(catalog: Catalog) -> None:
    resident = catalog.resolve("chronic_disease_recognition", "410482")
    employee = catalog.resolve("chronic_disease_recognition", "410482", insutype="310")
    assert (resident.insutype, employee.insutype, employee.name) == ("390", "310", "职工门诊慢特病待遇认定")
    assert "近期一寸照片" in [m.name for m in employee.materials]
    assert "近期一寸照片" not in [m.name for m in resident.materials]
    unlisted = catalog.resolve("gap_backpay", "320300")
    assert not unlisted.listed and unlisted.name == "法定断档补缴"
    assert "gap_backpay" not in {i.key for i in catalog.items_for_region("320300")}
    assert [i.key for i in catalog.items_for_region("431000")][:2] == ["unit_registration", "employee_registration"]


def test_resolve_unknown_item_or_region_is_not_found_with_a_code(catalog: Catalog) -> None:
    with pytest.raises(NotFound) as item_error:
        catalog.resolve("no_such_item", "431000")
    assert item_error.value.code == "unknown_item" and item_error.value.status == 404
    assert "未知的事项" in str(item_error.value) and "no_such_item" in str(item_error.value)
    with pytest.raises(NotFound) as region_error:
        catalog.resolve("unit_registration", "999999")
    assert region_error.value.code == "unknown_region"
    assert "未知的统筹区" in str(region_error.value) and "999999" in str(region_error.value)
    assert region_error.value.to_problem()["code"] == "unknown_region"


# -- broken files --------------------------------------------------------------------------------------


@pytest.fixture
def copy_root(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    root.mkdir()
    for name in ("items", "regions"):
        shutil.copytree(DEFAULT_ROOT / name, root / name)
    shutil.copy(DEFAULT_ROOT / "forms.yaml", root / "forms.yaml")
    return root


def edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def entry(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(e for e in data["items"] if e["item"] == key)


def test_the_copied_catalogue_loads(copy_root: Path) -> None:
    assert len(load_catalog(copy_root).items) == len(load_catalog().items)


def test_unknown_field_in_an_item_fails_with_file_and_place(copy_root: Path) -> None:
    edit(copy_root / "items" / "maternity.yaml", lambda d: d["items"][0]["materials"][0].update(colour="red"))
    with pytest.raises(CatalogError, match=r"maternity\.yaml") as error:
        load_catalog(copy_root)
    assert "items[0].materials[0].colour: unknown field" in str(error.value)


def test_unknown_field_in_a_region_entry_fails(copy_root: Path) -> None:
    edit(copy_root / "regions" / "431000.yaml", lambda d: entry(d, "maternity_allowance").update(time_limits={}))
    with pytest.raises(CatalogError, match=r"431000\.yaml.*\n.*time_limits: unknown field"):
        load_catalog(copy_root)


def test_profile_naming_an_unknown_item_key_fails_clearly(copy_root: Path) -> None:
    edit(copy_root / "regions" / "370700.yaml", lambda d: entry(d, "card_settlement").update(item="card_setlement"))
    with pytest.raises(CatalogError, match=r"370700\.yaml: items\[\d+\]: unknown item key 'card_setlement'"):
        load_catalog(copy_root)


def test_material_condition_without_a_situation_label_fails(copy_root: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        entry(d, "unit_registration")["materials"][0]["condition"] = "martian"

    edit(copy_root / "regions" / "431000.yaml", change)
    with pytest.raises(CatalogError, match=r"unit_registration.*\n.*martian"):
        load_catalog(copy_root)


def test_extension_in_a_region_that_allows_none_fails(copy_root: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        e = entry(d, "maternity_allowance")
        e["time_limit"] = {"value": 18, "unit": "working_days", "text": "x", "extension": {"value": 20, "text": "y"}}

    edit(copy_root / "regions" / "431000.yaml", change)
    with pytest.raises(CatalogError, match="allows_extension is false"):
        load_catalog(copy_root)


def test_unknown_receipt_form_fails(copy_root: Path) -> None:
    edit(copy_root / "regions" / "320300.yaml", lambda d: entry(d, "unit_registration").update(receipt_form="B.14"))
    with pytest.raises(CatalogError, match=r"receipt form B\.14"):
        load_catalog(copy_root)


def test_committed_json_schema_equals_the_generated_one() -> None:
    for name, text in schema.generate().items():
        committed = DEFAULT_ROOT / "schema" / name
        assert committed.exists(), f"missing {committed}: run python -m medins.catalog --write-schema"
        assert committed.read_text(encoding="utf-8") == text, (
            f"{name} is stale: python -m medins.catalog --write-schema"
        )
