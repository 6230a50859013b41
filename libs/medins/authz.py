"""Authorization every service enforces: who may call a route, and whose data a principal may see.

Two layers:

- **The route's audience.** A route declares which kinds of principal may call it with
  ``openapi_extra=audience(...)`` (it also shows in the OpenAPI as ``x-medins-audience``). A route that
  declares nothing is for the deployment's staff only. ``create_service_app`` puts ``authorize_route`` in
  front of every route, so no service can forget it. Staff are further held to the deployment's region
  and, where the audience names roles, to those roles.
- **The data's owner.** Inside a route, ``require_owner`` / ``owner_filter`` say whose rows a principal
  may see: a person their own (id = 身份证号), an employer its own and its employees' (id = 统一社会信用代码),
  an institution its own (id = ``fixmedins_code``), a partner region what is addressed to it (id = admdvs),
  staff everything of their region.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from medins.errors import Forbidden
from medins.identity import ROLE_NAMES, Principal, PrincipalKind, StaffRole, require_principal

AUDIENCE_KEY = "x-medins-audience"

KIND_NAMES = {
    PrincipalKind.staff: "经办人员",
    PrincipalKind.person: "参保人",
    PrincipalKind.employer: "参保单位",
    PrincipalKind.institution: "定点医药机构",
    PrincipalKind.partner: "外地经办机构",
    PrincipalKind.service: "内部服务",
}

#: every kind a person, unit, institution, partner or staff member can be; not internal services
EVERYONE = (
    PrincipalKind.staff,
    PrincipalKind.person,
    PrincipalKind.employer,
    PrincipalKind.institution,
    PrincipalKind.partner,
)
#: those who can be applicants of a case (申请人)
APPLICANTS = (PrincipalKind.person, PrincipalKind.employer, PrincipalKind.institution)


@dataclass(frozen=True)
class Audience:
    kinds: frozenset[PrincipalKind]
    staff_roles: frozenset[StaffRole] = frozenset()

    def as_extra(self) -> dict[str, Any]:
        return {
            AUDIENCE_KEY: {"kinds": sorted(map(str, self.kinds)), "staff_roles": sorted(map(str, self.staff_roles))}
        }

    @classmethod
    def of_route(cls, route: object) -> "Audience":
        extra = getattr(route, "openapi_extra", None) or {}
        declared = extra.get(AUDIENCE_KEY)
        if not declared:
            return STAFF_ONLY
        return cls(
            kinds=frozenset(PrincipalKind(k) for k in declared.get("kinds", ())),
            staff_roles=frozenset(StaffRole(r) for r in declared.get("staff_roles", ())),
        )


STAFF_ONLY = Audience(frozenset({PrincipalKind.staff}))


def audience(*kinds: PrincipalKind, staff_roles: Iterable[StaffRole] = ()) -> dict[str, Any]:
    """``openapi_extra`` for a route: the kinds of principal that may call it (and, for staff, which roles)."""
    return Audience(frozenset(kinds), frozenset(staff_roles)).as_extra()


def declare_audiences(routes: Iterable[object], rules: dict[tuple[str, str], dict[str, Any]], prefix: str) -> None:
    """Set the audience of routes someone else wrote, by (method, path below ``prefix``)."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods or ():
            rule = rules.get((method, route.path.removeprefix(prefix)))
            if rule is not None:
                route.openapi_extra = (route.openapi_extra or {}) | rule


def check_audience(principal: Principal, rule: Audience, region: str) -> None:
    """403 unless the principal's kind is in the audience; staff only of ``region`` and with a named role."""
    if principal.kind not in rule.kinds:
        allowed = "、".join(KIND_NAMES[k] for k in sorted(rule.kinds))
        raise Forbidden(
            f"该接口仅向{allowed}开放，{KIND_NAMES[principal.kind]}无权调用",
            code="audience_not_allowed",
            title="无权调用该接口",
        )
    if principal.kind is PrincipalKind.staff:
        if principal.region != region:
            raise Forbidden("只能办理本统筹区的业务", code="wrong_region", title="非本统筹区经办人员")
        if rule.staff_roles and not (principal.roles & {str(r) for r in rule.staff_roles}):
            names = "、".join(ROLE_NAMES[r] for r in sorted(rule.staff_roles))
            raise Forbidden(f"需要以下岗位之一：{names}", code="role_required")


def authorize_route(request: Request, principal: Principal = Depends(require_principal)) -> Principal:
    """FastAPI dependency in front of every service route: the route's audience, the region of staff."""
    rule = Audience.of_route(request.scope.get("route"))
    check_audience(principal, rule, request.app.state.settings.region)
    return principal


def require_owner(principal: Principal, owner_kind: PrincipalKind, owner_id: str, *, region: str) -> None:
    """The owner of a record, or staff of the record's region; anyone else gets 403."""
    if principal.kind is PrincipalKind.staff:
        if principal.region != region:
            raise Forbidden("只能查看本统筹区的数据", code="wrong_region", title="非本统筹区经办人员")
        return
    if principal.kind is not owner_kind or principal.id != owner_id:
        raise Forbidden(
            f"{KIND_NAMES[principal.kind]}只能查看本人（本单位、本机构）的数据",
            code="not_owner",
            title="无权查看他人的数据",
        )


def owner_filter(principal: Principal, owner_kind: PrincipalKind) -> str | None:
    """For lists: the owner id to filter by (None for staff, who see their whole region); 403 for other kinds."""
    if principal.kind is PrincipalKind.staff:
        return None
    if principal.kind is owner_kind:
        return principal.id
    raise Forbidden(
        f"{KIND_NAMES[principal.kind]}无权查看此类数据", code="audience_not_allowed", title="无权调用该接口"
    )
