"""Materials check: given what was submitted and the applicant's situation, exactly what is missing."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from medins.cases.errors import UnknownMaterial, UnknownSituation


class MaterialLike(Protocol):
    key: str
    name: str
    required: bool
    condition: str | None

    @property
    def alternatives(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class MaterialsCheck:
    present: list[str]  # names of the required materials that were submitted
    missing: list[str]  # names of the required materials that were not
    missing_keys: list[str]


def accepted_keys(material: MaterialLike) -> set[str]:
    return {material.key, *material.alternatives}


def check_materials(
    materials: Sequence[MaterialLike],
    submitted: Iterable[str],
    situations: Iterable[str],
    known_situations: Iterable[str],
) -> MaterialsCheck:
    """A requirement applies when it has no condition or its condition is one of the applicant's situations;
    an any-of requirement is met by any one of its alternatives."""
    submitted = set(submitted)
    situations = set(situations)
    unknown_situations = situations - set(known_situations)
    if unknown_situations:
        raise UnknownSituation(f"该事项没有以下申请情形：{'、'.join(sorted(unknown_situations))}")
    known = set().union(*(accepted_keys(m) for m in materials)) if materials else set()
    unknown = submitted - known
    if unknown:
        raise UnknownMaterial(f"以下材料不在该事项的材料清单中：{'、'.join(sorted(unknown))}")
    present, missing, missing_keys = [], [], []
    for material in materials:
        if material.condition is not None and material.condition not in situations:
            continue
        if accepted_keys(material) & submitted:
            present.append(material.name)
        elif material.required:
            missing.append(material.name)
            missing_keys.append(material.key)
    return MaterialsCheck(present, missing, missing_keys)
