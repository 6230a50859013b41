"""FastAPI dependencies of the gateway's own routes: the caller, within its rate, of the route's audience.

A gateway route declares its audience as the services' routes do (``openapi_extra=audience(...)``,
``medins.authz``); one that declares none is for staff of this region only.
"""

from typing import Annotated

from fastapi import Depends, Request

from gateway.authn import Authenticator, Caller
from gateway.ratelimit import RateLimiter
from medins.authz import Audience, check_audience
from medins.identity import Principal


async def current_caller(request: Request) -> Caller:
    """Authenticates once per request and takes the request from the caller's rate."""
    cached = getattr(request.state, "caller", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    auth: Authenticator = request.app.state.authenticator
    caller = await auth.authenticate(request)
    request.state.principal_label = caller.principal.label
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.hit(caller.principal.label, caller.rate_per_minute)
    request.state.caller = caller
    return caller


async def route_principal(request: Request) -> Principal:
    """The caller's principal, when the route's audience admits it."""
    caller = await current_caller(request)
    check_audience(caller.principal, Audience.of_route(request.scope.get("route")), request.app.state.settings.region)
    return caller.principal


GatewayPrincipal = Annotated[Principal, Depends(route_principal)]
