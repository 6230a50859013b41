"""The catalogue files as pydantic models: service items (事项), region profiles, appendix forms.

These models are the schema of ``catalog/items/*.yaml``, ``catalog/regions/<admdvs>.yaml`` and
``catalog/forms.yaml`` (exported to ``catalog/schema/*.json``). Unknown fields are refused everywhere,
so a misspelt key fails at load instead of being silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Service(StrEnum):
    """The service that owns an item (ARCHITECTURE section 2)."""

    registration = "registration"
    transfer = "transfer"
    claims = "claims"
    maternity = "maternity"
    institutions = "institutions"
    settlement = "settlement"


class Channel(StrEnum):
    """办理渠道: 现场 window, 网上 online, 掌上 mobile, 电话 phone, 自助 self-service terminal,
    医疗机构 at a designated hospital (incl. the maternity 一窗受理), 药店 at a designated pharmacy."""

    window = "window"
    online = "online"
    mobile = "mobile"
    phone = "phone"
    self_service = "self_service"
    hospital = "hospital"
    pharmacy = "pharmacy"


class HandlingMode(StrEnum):
    """经办模式: 即时办结; 前台一窗受理、后台协同办理; 实地调查; 免申即享 (no application, system-driven)."""

    immediate = "immediate"
    acceptance_then_processing = "acceptance_then_processing"
    on_site_investigation = "on_site_investigation"
    no_application = "no_application"


class TimeUnit(StrEnum):
    """``unspecified``: the seed gives no countable limit (集中缴费期内办结, 及时、足额拨付)."""

    working_days = "working_days"
    calendar_days = "calendar_days"
    immediate = "immediate"
    unspecified = "unspecified"


class ProvidedAs(StrEnum):
    """How a material is handed in: 原件, 复印件, 原件及复印件, 原件或盖章电子发票, 电子档, 系统自动获取."""

    original = "original"
    copy = "copy"
    original_and_copy = "original_and_copy"
    original_or_electronic = "original_or_electronic"
    electronic = "electronic"
    system = "system"


Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]
FormCode = Annotated[str, Field(pattern=r"^[AB]\.\d{1,2}$", description="appendix form of the Xuzhou standard")]
Insutype = Literal["310", "390"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """Where a statement comes from: a seed file in ``shared/seeds`` and its line ranges."""

    seed: Annotated[str, Field(pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")]
    lines: Annotated[str, Field(pattern=r"^\d+(-\d+)?(;\d+(-\d+)?)*$")]


class Alternative(Strict):
    """One document that satisfies an any-of material (「医保电子凭证或有效身份证件或社保卡」)."""

    key: Key
    name: Text


class Material(Strict):
    """申办材料. ``required`` holds when the material's ``condition`` (a situation key) applies, or always
    when it has none; with ``any_of`` the applicant hands in one of the alternatives."""

    key: Key
    name: Text
    any_of: list[Alternative] = Field(default_factory=list)
    required: bool = True
    condition: Key | None = None
    provided_as: ProvidedAs | None = None
    note: str | None = None

    @property
    def alternatives(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.any_of)

    @model_validator(mode="after")
    def _any_of(self) -> Material:
        keys = [a.key for a in self.any_of]
        if self.any_of and len(keys) < 2:
            raise ValueError("any_of needs at least two alternatives")
        if len(set(keys)) != len(keys):
            raise ValueError(f"any_of repeats a key: {keys}")
        return self


def _check_value(value: int | None, unit: TimeUnit) -> None:
    countable = unit in (TimeUnit.working_days, TimeUnit.calendar_days)
    if countable and value is None:
        raise ValueError(f"a limit in {unit} needs a value")
    if not countable and value is not None:
        raise ValueError(f"a limit in {unit} takes no value")


class Limit(NamedTuple):
    value: int | None
    unit: TimeUnit
    text: str


class TimeLimitVariant(Strict):
    """A limit that replaces the base one on some channels (线上) or in one situation (灵活就业人员, 省内转移接续)."""

    value: Annotated[int, Field(ge=1)] | None = None
    unit: TimeUnit
    channels: list[Channel] = Field(default_factory=list)
    situation: Key | None = None
    label: Text

    @model_validator(mode="after")
    def _one_selector(self) -> TimeLimitVariant:
        _check_value(self.value, self.unit)
        if bool(self.channels) == (self.situation is not None):
            raise ValueError("a variant applies either to channels or to one situation")
        return self


class Extension(Strict):
    """特殊情况 extension the seed allows: ``value`` is the extended total (null: the seed gives no length)."""

    value: Annotated[int, Field(ge=1)] | None = None
    unit: TimeUnit = TimeUnit.working_days
    text: Text


class TimeLimit(Strict):
    """办理时限, counted from acceptance; ``text`` is the seed's wording."""

    value: Annotated[int, Field(ge=1)] | None = None
    unit: TimeUnit
    text: Text
    variants: list[TimeLimitVariant] = Field(default_factory=list)
    extension: Extension | None = None

    @model_validator(mode="after")
    def _value(self) -> TimeLimit:
        _check_value(self.value, self.unit)
        return self

    def applicable(self, channel: str | None = None, situations: Iterable[str] = ()) -> Limit:
        """The limit for a case on ``channel`` with ``situations``: the first matching variant, else the base."""
        present = set(situations)
        for v in self.variants:
            if (v.situation and v.situation in present) or (channel and channel in v.channels):
                return Limit(v.value, v.unit, v.label)
        return Limit(self.value, self.unit, self.text)


class Stage(Strict):
    """A per-stage clock (ruling 1): who must act, from which event, within how long."""

    key: Key
    name: Text
    party: Literal["destination", "origin"]
    starts_at: Literal["acceptance", "letter_received", "info_table_received"]
    value: Annotated[int, Field(ge=1)]
    unit: Literal[TimeUnit.working_days, TimeUnit.calendar_days] = TimeUnit.working_days
    text: str | None = None


class Route(Strict):
    """Another way through the process on some channels (the seed's 【网上】…, 【自助】… chains)."""

    label: Text
    channels: list[Channel] = Field(min_length=1)
    steps: list[Text] = Field(min_length=1)


class Item(Strict):
    """A national default service item (事项), keyed by a stable English ``key``."""

    key: Key
    national_code: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    name: Text
    name_en: Text
    service: Service
    category: str | None = None
    applicants: str | None = None
    handling_mode: HandlingMode
    time_limit: TimeLimit
    stages: list[Stage] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    steps: list[Text] = Field(min_length=1)
    routes: list[Route] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list)
    situations: dict[Key, Text] = Field(default_factory=dict)
    receipt_form: FormCode | None = None
    receipt_form_by_situation: dict[Key, FormCode] = Field(default_factory=dict)
    payment: bool = False
    second_review: bool = False
    forms: list[Text] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


class ItemsFile(Strict):
    """``catalog/items/<service>.yaml``."""

    items: list[Item] = Field(min_length=1)


class Overlay(Strict):
    """Fields a region entry (or one of its insurance-type variants) may override; a field left out is
    inherited, a field given (even empty or null) replaces the national value; ``situations`` adds labels."""

    name: Text | None = None
    applicants: str | None = None
    handling_mode: HandlingMode | None = None
    time_limit: TimeLimit | None = None
    stages: list[Stage] | None = None
    channels: list[Channel] | None = None
    steps: list[Text] | None = None
    routes: list[Route] | None = None
    materials: list[Material] | None = None
    situations: dict[Key, Text] | None = None
    receipt_form: FormCode | None = None
    receipt_form_by_situation: dict[Key, FormCode] | None = None
    payment: bool | None = None
    second_review: bool | None = None
    forms: list[Text] | None = None
    notes: list[Text] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


class InsutypeVariant(Overlay):
    """The same item under another scheme (险种) where a region's seed has a separate section for it,
    e.g. Ruzhou's 职工门诊慢特病待遇认定 beside its resident version."""

    insutype: Insutype


class Alias(Strict):
    """Another section of the same seed describing the same item under another name."""

    name: Text
    notes: list[Text] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


class RegionEntry(Overlay):
    """One item as a region publishes it: the national ``item`` it overlays and what differs."""

    item: Key
    insutype: Insutype | None = None
    aliases: list[Alias] = Field(default_factory=list)
    insutype_variants: list[InsutypeVariant] = Field(default_factory=list)


class OutOfScope(Strict):
    """A seed section that is not an agency service item (ruling 8), listed so coverage is explicit."""

    name: Text
    reason: Text
    ruling: int | None = None
    sources: list[Source] = Field(min_length=1)


class RegionProfile(Strict):
    """``catalog/regions/<admdvs>.yaml``: one pooling region's items, overlaying the national defaults."""

    admdvs: Annotated[str, Field(pattern=r"^\d{6}$")]
    name: Text
    province: Text
    seed: Annotated[str, Field(pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")]
    document: Text
    allows_extension: bool = Field(description="特殊情况 extension (ruling 2): only where the region's seed allows one")
    extension_note: Text
    notes: list[Text] = Field(default_factory=list)
    items: list[RegionEntry] = Field(min_length=1)
    out_of_scope: list[OutOfScope] = Field(default_factory=list)


class FormDef(Strict):
    """An appendix form of the Xuzhou standard: A.1 notice, B.1–B.13 receipts."""

    code: FormCode
    title: Text
    kind: Literal["notice", "receipt"]
    source: Source


class FormsFile(Strict):
    """``catalog/forms.yaml``."""

    forms: list[FormDef] = Field(min_length=1)
