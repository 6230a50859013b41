"""Two regions' transfer services on real PostgreSQL, talking through a partner network in the test.

Each region has its own database, key, case kit and partner sender. The network delivers a partner request
as a region's gateway and route would: it checks the request signature (``verify_partner_request``) and
hands the document to ``partner.inbox.receive``; a region can be taken down (connection refused).
Registration is played by the test, through its events (the service never sees anything else of it).
"""

import itertools
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from stdnum.cn import ric

from medins.bus.envelope import Envelope, IntegrationEvent
from medins.cases.service import CaseKit
from medins.db import UnitOfWork, make_engine, make_sessionmaker
from medins.errors import ProblemError
from medins.identity import Principal, PrincipalKind, generate_ed25519_keypair
from medins.partners import PartnerClient, RegionSigner, keys_of_jwks, public_jwk, verify_partner_request
from medins.service_app import shared_catalog
from medins.workdays import get_calendar
from transfer.agencies import agency_of
from transfer.context import TransferContext
from transfer.events import TransferInMerged, TransferOutPrepared, TransferOutRefused, TransferredPeriod
from transfer.partner.directory import upsert_partner
from transfer.partner.inbox import receive
from transfer.partner.models import PartnerMessage
from transfer.partner.outbox import PartnerSender
from transfer.persons.handlers import HANDLERS as PERSON_HANDLERS
from transfer.transfers import certificates, delivery
from transfer.transfers.models import Transfer

_SERIALS = itertools.count(uuid.uuid4().int % 1000)  # distinct serials within a run: random ones collided


def new_certno(born: date | None = None) -> str:
    born = born or date(1985, 1, 1)
    body = f"431002{born:%Y%m%d}{next(_SERIALS) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def staff(region: str) -> Principal:
    return Principal(PrincipalKind.staff, f"staff-{region}", region, frozenset({"intake", "review"}), "窗口经办员")


@dataclass
class Side:
    """One region's transfer service, as its process would hold it."""

    region: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    ctx: TransferContext
    public_pem: bytes
    private_pem: bytes
    sender: PartnerSender | None = None
    answered: set[str] = field(default_factory=set)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, source="transfer", region=self.region)

    async def handle(self, event: IntegrationEvent) -> None:
        """Deliver an event of another service (registration) to this service's consumer."""
        envelope = Envelope(
            type=event.event_type,
            source="registration",
            region=self.region,
            correlation_id="t",
            data=event.model_dump(mode="json"),
        )
        handlers = PERSON_HANDLERS | delivery.saga_handlers(self.ctx)
        async with self.sessionmaker() as session, session.begin():
            await handlers[event.event_type](session, envelope)

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT body FROM outbox WHERE type = :t ORDER BY created_at"), {"t": event_type}
                )
            ).all()
        return [json.loads(r.body) for r in rows]

    async def transfers(self, **where: Any) -> list[Transfer]:
        async with self.sessionmaker() as session:
            query = select(Transfer).filter_by(**where).order_by(Transfer.created_at)
            return list((await session.scalars(query)).all())

    async def flush(self) -> int:
        """One pass over the partner messages due now (a failed one is left for the next pass)."""
        assert self.sender is not None
        async with self.sessionmaker() as session:
            due = (
                await session.execute(
                    select(func.count())
                    .select_from(PartnerMessage)
                    .where(PartnerMessage.delivered_at.is_(None), PartnerMessage.refused_at.is_(None))
                )
            ).scalar_one()
        for _ in range(due):
            await self.sender.send_one()
        return int(due)


class Network:
    """Partner requests between the regions, checked as a gateway checks them; regions can be down."""

    def __init__(self) -> None:
        self.sides: dict[str, Side] = {}
        self.down: set[str] = set()
        self.requests: list[tuple[str, str, int]] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        target = request.url.host.split(".")[0]
        if target in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        side = self.sides[target]
        token = request.headers["authorization"].removeprefix("Bearer ")
        sender = jwt.decode(token, options={"verify_signature": False})["iss"]
        keys = keys_of_jwks({"keys": [public_jwk(self.sides[sender].public_pem)]})
        verify_partner_request(
            token,
            keys=keys,
            issuer=sender,
            audience=target,
            method=request.method,
            path=request.url.raw_path.decode(),
            body=request.content,
        )
        body = json.loads(request.content)
        response = await self.post(side, sender, body["kind"], body["document"])
        self.requests.append((sender, body["kind"], response.status_code))
        return response

    async def post(self, side: Side, sender: str, kind: str, jws: str) -> httpx.Response:
        """What the receiving route answers."""
        try:
            async with side.uow() as uow:
                result = await receive(uow, side.ctx, delivery.dispatch, sender=sender, kind=kind, jws=jws)
                await uow.commit()
        except ProblemError as exc:
            return httpx.Response(exc.status, json=exc.to_problem())
        return httpx.Response(200, json=result)


async def _side(make_database, region: str, network: Network) -> Side:
    engine = make_engine(make_database("transfer"), pool_size=5)
    private, public = generate_ed25519_keypair()
    catalog = shared_catalog()
    ctx = TransferContext(
        region=region,
        region_name=catalog.region(region).name,
        agency=agency_of(region),
        signer=RegionSigner(region, private),
    )
    ctx.kit = CaseKit(
        service="transfer",
        region=region,
        catalog=catalog,
        calendar=get_calendar(region),
        completion_handlers={
            certificates.CERTIFICATE_ITEM: certificates.completion_handler(ctx),
            "transfer_in": delivery.completion_guard(ctx),
            "transfer_out": delivery.completion_guard(ctx),
        },
    )
    side = Side(region, engine, make_sessionmaker(engine), ctx, public, private)
    on_delivered, on_refused = delivery.partner_hooks(ctx)
    side.sender = PartnerSender(
        side.sessionmaker,
        PartnerClient(ctx.signer, transport=httpx.MockTransport(network.handle)),
        on_delivered=on_delivered,
        on_refused=on_refused,
        sweep=lambda: delivery.sweep(side.sessionmaker, ctx),
        base_delay=0.0,
        max_delay=0.0,
    )
    network.sides[region] = side
    return side


@pytest.fixture
async def regions(make_database) -> AsyncIterator[tuple[Side, Side, Network]]:
    """郴州市 431000 and 潍坊市 370700, each trusting the other."""
    network = Network()
    chenzhou = await _side(make_database, "431000", network)
    weifang = await _side(make_database, "370700", network)
    names = {"431000": "郴州市医疗保障事务中心", "370700": "潍坊市医疗保障服务中心"}
    for side, other in ((chenzhou, weifang), (weifang, chenzhou)):
        async with side.uow() as uow:
            await upsert_partner(
                uow.session,
                admdvs=other.region,
                name=names[other.region],
                base_url=f"http://{other.region}.partner",
                jwks={"keys": [public_jwk(other.public_pem)]},
            )
            await uow.commit()
    try:
        yield chenzhou, weifang, network
    finally:
        for side in (chenzhou, weifang):
            await side.engine.dispose()


async def enrol(
    side: Side, certno: str, name: str, *, start: date, stopped: date | None = None, balance: Decimal | None = None
) -> None:
    """What registration's events tell the transfer service: enrolled (and 停保), and the account balance."""
    from transfer.events import AccountCredited, PersonEnrolled, PersonSuspended

    await side.handle(
        PersonEnrolled(
            psn_no=f"P{certno}", certno=certno, name=name, insutype="310", start_on=start, region=side.region
        )
    )
    if stopped is not None:
        await side.handle(
            PersonSuspended(
                psn_no=f"P{certno}", certno=certno, name=name, insutype="310", effective_on=stopped, region=side.region
            )
        )
    if balance is not None:
        await side.handle(
            AccountCredited(certno=certno, balance_after=balance, entry_no=1, occurred_at=datetime.now(UTC))
        )


async def registration_prepares(
    side: Side, *, amount: Decimal, start: str = "2018-07", end: str = "2026-10", refuse: str | None = None
) -> list[str]:
    """Registration at the 转出地 answers each new ``transfer.outbound.requested.v1``: the periods and the debit."""
    letters = []
    for envelope in await side.events("transfer.outbound.requested.v1"):
        if envelope["id"] in side.answered:
            continue
        side.answered.add(envelope["id"])
        data = envelope["data"]
        letters.append(data["letter_no"])
        if refuse:
            await side.handle(
                TransferOutRefused(
                    transfer_id=data["transfer_id"],
                    letter_no=data["letter_no"],
                    certno=data["certno"],
                    reason=refuse,
                    detail="",
                    region=side.region,
                )
            )
            continue
        months = (int(end[:4]) - int(start[:4])) * 12 + int(end[5:]) - int(start[5:]) + 1
        period = TransferredPeriod(start_month=start, end_month=end, insutype="310", months=months, admdvs=side.region)
        await side.handle(
            TransferOutPrepared(
                transfer_id=data["transfer_id"],
                letter_no=data["letter_no"],
                certno=data["certno"],
                name=data["name"],
                sex=None,
                insutype="310",
                periods=[period],
                amount_debited=amount if isinstance(amount, Decimal) else amount[data["certno"]],
                region=side.region,
            )
        )
    return letters


async def registration_merges(side: Side) -> list[Decimal]:
    """Registration at the 转入地 credits what each ``transfer.inbound.matched.v1`` carries."""
    credited = []
    for envelope in await side.events("transfer.inbound.matched.v1"):
        if envelope["id"] in side.answered:
            continue
        side.answered.add(envelope["id"])
        data = envelope["data"]
        amount = Decimal(data["amount"])
        credited.append(amount)
        await side.handle(
            TransferInMerged(
                transfer_id=data["transfer_id"],
                letter_no=data["letter_no"],
                certno=data["certno"],
                amount_credited=amount,
                cumulative_months=sum(p["months"] for p in data["periods"]),
                region=side.region,
            )
        )
    return credited
