"""Rules of contribution files and months, no I/O: rows, header, lines, periods and counts."""

import random
from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import ric

from medins.ids import validate_certno
from registration.contributions.csvfile import FileNotDecodable, UnsupportedCharset, codec_for, iter_lines, split_fields
from registration.contributions.domain import InsuredPeriod, merge_months, parse_month, summarize
from registration.contributions.rows import (
    ContributionRow,
    HeaderProblem,
    RowParser,
    RowRejection,
    check_certno,
    read_header,
)

HEADER = "certno,psn_name,insutype,month,contribution_base,employer_amount,person_amount,employer_uscc,paid_on"
PERSON = "43100219800501001" + ric.calc_check_digit("43100219800501001" + "0")
USCC = "91431000MA4L0XXK0G"


def parser(header: str = HEADER, period: date = date(2024, 3, 1)) -> RowParser:
    return RowParser(read_header(header.split(",")), period=period, today=date(2024, 4, 10))


def parse(line: str, **kwargs) -> ContributionRow | RowRejection:
    fields = split_fields(line)
    assert fields is not None
    return parser(**kwargs).parse(7, fields)


def good(**changes: str) -> str:
    values = {
        "certno": PERSON,
        "psn_name": "张三",
        "insutype": "310",
        "month": "2024-03",
        "contribution_base": "5000.00",
        "employer_amount": "400.00",
        "person_amount": "100.00",
        "employer_uscc": USCC,
        "paid_on": "2024-03-15",
    }
    return ",".join((values | changes).values())


def test_a_good_row_becomes_a_record_with_exact_amounts():
    row = parse(good(person_amount="100.5"))
    assert row == ContributionRow(
        7, PERSON, "310", date(2024, 3, 1), "5000.00", "400.00", "100.5", USCC, date(2024, 3, 15)
    )
    assert Decimal(row.person_amount) == Decimal("100.50")  # the checked text, exact; the database takes NUMERIC


@pytest.mark.parametrize(
    ("changes", "code", "field", "reason"),
    [
        ({"certno": PERSON[:-1] + ("0" if PERSON[-1] != "0" else "1")}, "certno_invalid", "certno", "校验码"),
        ({"certno": "4310021980050100"}, "certno_invalid", "certno", "身份证号不正确"),
        ({"certno": "431002198002300011"}, "certno_invalid", "certno", "出生日期"),
        ({"insutype": "320"}, "insutype_invalid", "insutype", "险种类型应为 310"),
        ({"month": "2024-13"}, "month_invalid", "month", "费款所属期格式不正确"),
        ({"month": "2024/03"}, "month_invalid", "month", "费款所属期格式不正确"),
        ({"month": "2024-04"}, "month_invalid", "month", "晚于本批次所属期 2024-03"),
        ({"month": "1989-12"}, "month_invalid", "month", "早于1990年1月"),
        ({"employer_amount": "-400.00"}, "amount_invalid", "employer_amount", "单位缴费金额不能为负数"),
        ({"person_amount": "一百"}, "amount_invalid", "person_amount", "个人缴费金额格式不正确"),
        ({"person_amount": "100.001"}, "amount_invalid", "person_amount", "最多两位小数"),
        ({"person_amount": "1e3"}, "amount_invalid", "person_amount", "格式不正确"),
        ({"person_amount": ""}, "amount_invalid", "person_amount", "个人缴费金额不能为空"),
        ({"employer_amount": "1000000000000.00"}, "amount_invalid", "employer_amount", "不超过12位整数"),
        ({"contribution_base": ""}, "amount_invalid", "contribution_base", "缴费基数不能为空"),
        ({"contribution_base": "0"}, "amount_invalid", "contribution_base", "缴费基数必须大于0"),
        ({"employer_amount": "0", "person_amount": "0.00"}, "amount_zero", "employer_amount", "合计必须大于0"),
        ({"employer_uscc": "91431000MA4L0XXK0A"}, "uscc_invalid", "employer_uscc", "统一社会信用代码不正确"),
        ({"paid_on": "2024-02-30"}, "paid_on_invalid", "paid_on", "缴费日期格式不正确"),
        ({"paid_on": "2024-04-11"}, "paid_on_invalid", "paid_on", "不能晚于今天"),
    ],
)
def test_a_bad_row_is_refused_with_a_stable_code_and_a_chinese_reason(changes, code, field, reason):
    row = parse(good(**changes))
    assert isinstance(row, RowRejection), row
    assert (row.line, row.code, row.field) == (7, code, field)
    assert reason in row.reason


def test_every_problem_of_a_row_is_named_and_a_certno_is_shown_masked():
    row = parse(good(certno=PERSON[:-1] + "9" if PERSON[-1] != "9" else PERSON[:-1] + "8", month="2024-3"))
    assert isinstance(row, RowRejection)
    assert row.code == "certno_invalid" and "；费款所属期格式不正确" in row.reason
    assert row.value is not None and row.value.startswith("431002") and "*" in row.value and len(row.value) == 18


def test_residents_may_leave_the_base_empty_and_months_may_be_written_yyyymm():
    row = parse(good(insutype="390", contribution_base="", month="202401", employer_uscc="", paid_on=""))
    assert isinstance(row, ContributionRow)
    assert (row.contribution_base, row.month, row.employer_uscc, row.paid_on) == (None, date(2024, 1, 1), None, None)


def test_a_short_row_is_refused_by_its_column_count():
    row = parse("431002,310,2024-03")
    assert isinstance(row, RowRejection) and row.code == "column_count" and "列数不足" in row.reason


def test_the_header_takes_chinese_names_in_any_order_and_ignores_other_columns():
    positions = read_header(["序号", "姓名", "险种类型", "身份证号", "费款所属期", "缴费基数", "个人缴费", "单位缴费"])
    assert positions == {
        "insutype": 2,
        "certno": 3,
        "month": 4,
        "contribution_base": 5,
        "person_amount": 6,
        "employer_amount": 7,
    }
    row = RowParser(positions, period=date(2024, 3, 1), today=date(2024, 3, 31)).parse(
        2, ["1", "张三", "510", PERSON, "2024-03", "5000", "0", "40.00"]
    )
    assert isinstance(row, ContributionRow) and (row.employer_amount, row.person_amount) == ("40.00", "0")


def test_a_header_without_the_required_columns_or_with_one_twice_is_refused():
    with pytest.raises(HeaderProblem, match="缺少以下列：费款所属期（month）"):
        read_header(["certno", "insutype", "contribution_base", "employer_amount", "person_amount"])
    with pytest.raises(HeaderProblem, match="出现了两次"):
        read_header([*HEADER.split(","), "身份证号"])


def certno_like(rng: random.Random) -> str:
    body = f"{rng.choice(['11', '43', '44', '82', '91', '00'])}{rng.randrange(10**4):04d}"
    body += f"{rng.randrange(1890, 2030)}{rng.randrange(0, 14):02d}{rng.randrange(0, 33):02d}{rng.randrange(1000):03d}"
    return body + (ric.calc_check_digit(body + "0") if rng.random() < 0.7 else rng.choice("0123456789X"))


def test_the_fast_certno_check_agrees_with_the_shared_validator():
    rng = random.Random(5)
    for _ in range(5000):
        number = certno_like(rng)
        try:
            expected: str | None = validate_certno(number)
        except ValueError:
            expected = None
        assert check_certno(number) == expected, number
    assert check_certno(PERSON.lower()) == PERSON.upper()


def lines(data: bytes, size: int, codec: str = "utf-8-sig") -> list[tuple[int, str | None]]:
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    return list(iter_lines(iter(chunks), codec))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_lines_are_numbered_the_same_whatever_the_chunks(size):
    data = "\ufeff表头,b\r\n张三,1\n\n李四,2\n".encode()
    assert lines(data, size) == [(1, "表头,b"), (2, "张三,1"), (3, ""), (4, "李四,2")]
    assert lines(data[:-1], size)[-1] == (4, "李四,2")


def test_a_gb18030_file_reads_as_declared_and_a_wrong_encoding_is_refused():
    assert codec_for("GBK") == "gb18030" and codec_for(None) == "utf-8-sig"
    assert lines("身份证号,险种\n".encode("gb18030"), 3, "gb18030") == [(1, "身份证号,险种")]
    with pytest.raises(FileNotDecodable, match="第 2 行附近"):
        lines("a\n身份证号\n".encode("gb18030"), 100)
    with pytest.raises(UnsupportedCharset):
        codec_for("latin-1")


def test_a_line_longer_than_the_limit_is_reported_and_skipped_in_bounded_memory():
    from registration.contributions.csvfile import LineSplitter

    splitter = LineSplitter("utf-8", max_line_chars=10)
    seen = []
    for chunk in [b"ok\n", b"x" * 8, b"x" * 8, b"x" * 8, b"x\nnext\n", b"y" * 30]:
        seen += splitter.feed(chunk)
        assert len(splitter._pending) <= 10
    seen += splitter.finish()
    assert seen == [(1, "ok"), (2, None), (3, "next"), (4, None)]


def test_quoted_fields_keep_their_commas_and_unclosed_quotes_are_caught():
    assert split_fields('a,"b,c",d') == ["a", "b,c", "d"]
    assert split_fields('a,"b,c') is None


def m(text: str) -> date:
    month = parse_month(text)
    assert month is not None
    return month


def test_consecutive_months_merge_into_periods_across_years():
    months = [m("2023-11"), m("2023-12"), m("2024-01"), m("2024-03"), m("2024-01")]
    assert merge_months(months) == [
        InsuredPeriod(m("2023-11"), m("2024-01")),
        InsuredPeriod(m("2024-03"), m("2024-03")),
    ]
    assert [p.months for p in merge_months(months)] == [3, 1]
    assert merge_months([]) == []


def test_counts_as_of_a_day_count_only_months_up_to_it():
    months = [m("2022-01"), m("2022-02"), *(m(f"2023-{n:02d}") for n in range(3, 13)), m("2024-01"), m("2024-02")]
    now = summarize(months, as_of=date(2024, 3, 5), deemed_months=24)
    assert now.actual_months == 14 and now.cumulative_months == 38
    assert now.continuous_months == 12  # 2023-03 … 2024-02: the March file has not come in yet
    assert now.insured_in_month is False and now.last_month == m("2024-02")
    earlier = summarize(months, as_of=date(2023, 12, 31))
    assert (earlier.actual_months, earlier.continuous_months, earlier.insured_in_month) == (12, 10, True)
    broken = summarize(months, as_of=date(2024, 5, 1))
    assert broken.continuous_months == 0  # the last month paid is 2024-02: 断缴
    assert summarize([], as_of=date(2024, 1, 1)).last_month is None


def test_the_fast_staging_path_decides_every_row_as_the_full_rules_do():
    """``RowParser.stage`` checks a good row straight through and sends any other to ``parse``: over every
    combination of good and bad values (including those only the full rules accept, such as a lower-case x,
    and cached and uncached months and days), it gives the staging record ``parse`` implies, and for some
    headers without the optional columns too."""
    lower_x = next(
        body + "X" for n in range(1000) if ric.calc_check_digit((body := f"43100219800501{n:03d}") + "0") == "X"
    )
    values = {
        "certno": [PERSON, lower_x.lower(), lower_x, PERSON[:-1] + "0" if PERSON[-1] != "0" else PERSON[:-1] + "1", ""],
        "insutype": ["310", "390", "510", "320", ""],
        "month": ["2024-03", "202402", "2024-3", "2024-04", "1989-12", "三月"],
        "contribution_base": ["5000.00", "", "0", "0.00", "12.345", "-1"],
        "employer_amount": ["400.00", "0", "", "1e3", "٤٠٠"],
        "person_amount": ["100.5", "0.00", "-5.00"],
        "employer_uscc": [USCC, "", "91431000MA4L0XXK0A"],
        "paid_on": ["2024-03-15", "", "20240316", "2024-02-30", "2024-05-01"],
    }
    names = list(values)
    rng = random.Random(20261123)
    for header in (HEADER, "certno,insutype,month,contribution_base,employer_amount,person_amount"):
        columns = header.split(",")
        fast, full = parser(header), parser(header)
        for line in range(2, 6002):
            row = {name: rng.choice(values[name]) for name in names if name in columns}
            fields = [row.get(column, "张三") for column in columns]
            expected = full.parse(line, fields)
            if isinstance(expected, ContributionRow):
                record = (*expected, None, None, None, None)
            else:  # no values, certno neither: the recording statement joins nothing for a bad row
                record = (expected.line, *(None,) * 8, *expected[1:])
            assert fast.stage(line, fields) == record, (header, fields)
