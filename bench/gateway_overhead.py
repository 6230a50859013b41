"""How much throughput the gateway costs: one authenticated read, straight to the service and through it.

    .venv/bin/python bench/gateway_overhead.py [--concurrency 32] [--duration 10] [--rounds 3]

Starts its own stack (PostgreSQL with durable=False and RabbitMQ under a temporary folder, or the servers
of ``TEST_DATABASE_URL`` / ``TEST_AMQP_URL`` when set), logs in as ``demo-admin`` with its password,
registers one unit through the gateway with that token, then loads ``GET /api/v1/registration/units/{id}``

- direct: at the registration service, with an internal principal token signed by the stack's key, and
- gateway: at the gateway, with the staff bearer token (authentication, the account, the rate limiter),

with the same load generator (``bench/loadgen.py``, its own process), concurrency and duration, a warm-up
on each path first, then alternating rounds. Prints requests/s (200 responses only), p50 and p99, the
errors, the CPU each process spent per request, and the ratio gateway / direct against the target.
See bench/README.md for what the figures mean on a small machine.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from stdnum.cn import uscc as uscc_code

from gateway.demo import DEMO_STAFF
from medins.devstack import LocalPostgres, LocalRabbitMQ, drop_databases, free_port
from medins.identity import INTERNAL_HEADER, InternalTokenSigner, Principal, PrincipalKind
from medins.migrate import COMPONENTS, SERVICES
from medins.stack import DEFAULT_PORTS, Stack, StackConfig

TARGET = 0.70
STAFF_ID = "demo-admin"
LOADGEN = Path(__file__).with_name("loadgen.py")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def new_uscc(region: str) -> str:
    """A valid 统一社会信用代码 for the unit the benchmark registers."""
    body = "91" + region + "".join(random.choice(string.digits + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_code.calc_check_digit(body)


def unit_form(uscc: str) -> dict[str, object]:
    return {
        "uscc": uscc,
        "name": "郴州市压测示例有限公司",
        "address": "湖南省郴州市北湖区人民西路1号",
        "unit_nature": "企业",
        "legal_rep_name": "张三",
        "legal_rep_phone": "0735-2221234",
        "legal_rep_certno": "11010519491231002X",
        "bank_name": "中国工商银行郴州分行",
        "bank_account_name": "郴州市压测示例有限公司",
        "bank_account_no": "1907012345678901234",
        "handler_name": "李四",
        "handler_department": "人事部",
        "handler_mobile": "13800138000",
        "insured_products": ["employee_medical"],
    }


def cpu_snapshot(stack: Stack, postmaster: int | None) -> dict[str, dict[int, float]]:
    """CPU seconds (user + system) so far of the processes that serve the read, by role.

    registration / gateway: every process in the server's process group (a server and any workers it
    forks). postgres, only for the local cluster this benchmark started (it serves nothing else): the
    postmaster with the time of the backends it has reaped, and its live children.
    """
    groups = {proc.pid: name for name, proc in stack.procs.items() if name in ("registration", "gateway")}
    snapshot: dict[str, dict[int, float]] = {"registration": {}, "gateway": {}}
    if postmaster is not None:
        snapshot["postgres"] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])
        name = groups.get(int(fields[2]))
        if postmaster is not None and pid == postmaster:
            name, ticks = "postgres", ticks + int(fields[13]) + int(fields[14])  # + reaped children
        elif postmaster is not None and int(fields[1]) == postmaster:
            name = "postgres"
        if name is not None:
            snapshot[name][pid] = ticks / CLOCK_TICKS
    return snapshot


def cpu_spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    return {name: sum(after[name].values()) - sum(before[name].values()) for name in after}


@dataclass
class Round:
    path: str
    ok: int
    elapsed_s: float
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    errors: dict[str, int]
    answered: int  # 200s and error statuses: what the servers' CPU was spent on
    cpu_s: dict[str, float] = field(default_factory=dict)

    def cpu_ms_per_request(self) -> dict[str, float]:
        return {name: 1000 * seconds / max(1, self.answered) for name, seconds in self.cpu_s.items()}


@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str]


class Bench:
    def __init__(self, stack: Stack, *, concurrency: int, duration: float, postmaster: int | None) -> None:
        self.stack = stack
        self.postmaster = postmaster
        self.concurrency = concurrency
        self.duration = duration

    def load(self, target: Target, duration: float) -> Round:
        before = cpu_snapshot(self.stack, self.postmaster)
        command = [
            sys.executable,
            str(LOADGEN),
            target.url,
            "--concurrency",
            str(self.concurrency),
            "--duration",
            str(duration),
        ]
        for name, value in target.headers.items():
            command += ["--header", f"{name}: {value}"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the load generator failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout)
        spent = cpu_spent(before, cpu_snapshot(self.stack, self.postmaster))
        if target.name == "direct":
            del spent["gateway"]  # idle: only its background work
        spent["client"] = result["client_cpu_s"]
        return Round(
            path=target.name,
            ok=result["ok"],
            elapsed_s=result["elapsed_s"],
            rps=result["rps"],
            p50_ms=result["p50_ms"],
            p99_ms=result["p99_ms"],
            errors=result["errors"],
            answered=result["ok"] + sum(result["errors"].values()),
            cpu_s=spent,
        )


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_round(label: str, r: Round) -> None:
    cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in r.cpu_ms_per_request().items())
    errors = sum(r.errors.values())
    error_text = str(errors) + (f" {r.errors}" if errors else "")
    print(
        f"{label:<7} {r.path:<8} {r.rps:>9.1f} {fmt(r.p50_ms):>8} {fmt(r.p99_ms):>8}  {error_text:<8} {cpu}",
        flush=True,
    )


@dataclass
class Summary:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: dict[str, float]  # per request, over all rounds

    @property
    def server_cpu_ms(self) -> float:
        return sum(ms for name, ms in self.cpu_ms.items() if name != "client")


def summary(rounds: list[Round]) -> Summary:
    ok = sum(r.ok for r in rounds)
    answered = max(1, sum(r.answered for r in rounds))
    p50s = [r.p50_ms for r in rounds if r.p50_ms is not None]
    p99s = [r.p99_ms for r in rounds if r.p99_ms is not None]
    return Summary(
        rps=ok / sum(r.elapsed_s for r in rounds),
        p50_ms=statistics.median(p50s) if p50s else float("nan"),
        p99_ms=statistics.median(p99s) if p99s else float("nan"),
        errors=sum(sum(r.errors.values()) for r in rounds),
        cpu_ms={name: 1000 * sum(r.cpu_s[name] for r in rounds) / answered for name in rounds[0].cpu_s},
    )


def servers(tmp: Path, cleanup: list[object]) -> tuple[str, str, bool]:
    """(database server URL, AMQP URL, whether the database server is someone else's)."""
    db_env, amqp_env = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_AMQP_URL")
    if db_env:
        url = make_url(db_env).set(drivername="postgresql+asyncpg", database="")
        database_server_url = url.render_as_string(hide_password=False).rstrip("/")
    else:
        pg = LocalPostgres(tmp / "pg", free_port(), durable=False)
        print(f"starting a local PostgreSQL on 127.0.0.1:{pg.port}", flush=True)
        pg.start()
        cleanup.append(pg)
        database_server_url = pg.url("postgres").rsplit("/", 1)[0]
    if amqp_env:
        amqp_url = amqp_env
    else:
        rabbit = LocalRabbitMQ(tmp / "rabbit", free_port(), node_name=f"medinsbench{uuid.uuid4().hex[:8]}@localhost")
        print(f"starting a local RabbitMQ on 127.0.0.1:{rabbit.port}", flush=True)
        rabbit.start()
        cleanup.append(rabbit)
        amqp_url = rabbit.url
    return database_server_url, amqp_url, bool(db_env)


def register_unit(gateway: str, headers: dict[str, str], region: str) -> str:
    """单位参保登记 through the gateway (a case: accepted at the window, then completed); the unit's id."""
    uscc = new_uscc(region)
    body = {"form": unit_form(uscc), "materials": ["uscc_certificate", "unit_registration_form"]}
    applied = httpx.post(gateway + "/api/v1/registration/unit-registrations", json=body, headers=headers, timeout=30)
    if applied.status_code != 201:
        raise RuntimeError(f"registering the unit failed: {applied.status_code} {applied.text}")
    case_no = applied.json()["case"]["case_no"]
    done = httpx.post(
        f"{gateway}/api/v1/registration/cases/{case_no}/actions/complete", json={}, headers=headers, timeout=30
    )
    if done.status_code != 200:
        raise RuntimeError(f"completing {case_no} failed: {done.status_code} {done.text}")
    units = httpx.get(gateway + "/api/v1/registration/units", params={"uscc": uscc}, headers=headers, timeout=30)
    return str(units.json()[0]["id"])


def measure(stack: Stack, args: argparse.Namespace, postmaster: int | None) -> None:
    cfg = stack.cfg
    # authentication on: demo-admin logs in with its password and reads with the gateway's token
    password = next(p for s, _, _, p in DEMO_STAFF if s == STAFF_ID)
    login = {"staff_id": STAFF_ID, "password": password}
    issued = httpx.post(cfg.url("gateway") + "/api/v1/auth/staff/token", json=login, timeout=30)
    issued.raise_for_status()
    staff_token = issued.json()["access_token"]
    unit_id = register_unit(cfg.url("gateway"), {"authorization": f"Bearer {staff_token}"}, cfg.region)
    path = f"/api/v1/registration/units/{unit_id}"

    # the principal the gateway would sign for demo-admin, with a token that outlives the run
    name, roles = next((n, r) for s, n, r, _ in DEMO_STAFF if s == STAFF_ID)
    principal = Principal(kind=PrincipalKind.staff, id=STAFF_ID, region=cfg.region, roles=frozenset(roles), name=name)
    signer = InternalTokenSigner((cfg.keys_dir / "internal-private.pem").read_bytes(), ttl_seconds=6 * 3600)
    targets = [
        Target("direct", cfg.url("registration") + path, {INTERNAL_HEADER: signer.sign(principal)}),
        Target("gateway", cfg.url("gateway") + path, {"authorization": f"Bearer {staff_token}"}),
    ]
    bodies = []
    for target in targets:
        response = httpx.get(target.url, headers=target.headers, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"{target.name}: {response.status_code} {response.text}")
        bodies.append(response.json())
    if bodies[0] != bodies[1]:
        raise RuntimeError(f"the two paths answer differently: {bodies}")

    bench = Bench(stack, concurrency=args.concurrency, duration=args.duration, postmaster=postmaster)
    print(
        f"\nGET {path}\n"
        f"{args.concurrency} concurrent connections, {args.warmup:g} s warm-up per path, then "
        f"{args.rounds} × (direct, gateway) rounds of {args.duration:g} s; {os.cpu_count()} CPUs; "
        f"load generator: {LOADGEN.name} (aiohttp, own process)"
        + ("" if postmaster else "; PostgreSQL not local to this run: its CPU is not counted")
        + "\n",
        flush=True,
    )
    print(f"{'round':<7} {'path':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  {'errors':<8} CPU ms per request")
    for target in targets:
        print_round("warm-up", bench.load(target, args.warmup))
    rounds: dict[str, list[Round]] = {"direct": [], "gateway": []}
    for i in range(args.rounds):
        order = targets if i % 2 == 0 else targets[::-1]
        for target in order:
            r = bench.load(target, args.duration)
            rounds[target.name].append(r)
            print_round(str(i + 1), r)
    direct = summary(rounds["direct"])
    gateway = summary(rounds["gateway"])
    ratio = gateway.rps / direct.rps if direct.rps else float("nan")
    pair_ratios = [g.rps / d.rps for d, g in zip(rounds["direct"], rounds["gateway"], strict=True) if d.rps]
    print("\nsummary (req/s: 200s over all rounds; p50/p99: median of the rounds; CPU ms per request)")
    for label, s in (("direct", direct), ("gateway", gateway)):
        cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in s.cpu_ms.items())
        print(
            f"  {label:<8} {s.rps:>8.1f} req/s   p50 {s.p50_ms:6.1f} ms   p99 {s.p99_ms:6.1f} ms   "
            f"errors {s.errors}   CPU {cpu}"
        )
    print(f"  gateway / direct per round: {', '.join(f'{x:.3f}' for x in pair_ratios)}")
    if gateway.server_cpu_ms:
        print(
            f"  server CPU per request (all but the client): direct {direct.server_cpu_ms:.2f} ms, "
            f"gateway {gateway.server_cpu_ms:.2f} ms; ratio {direct.server_cpu_ms / gateway.server_cpu_ms:.3f}, "
            "the throughput ratio if the servers had to share one fixed CPU budget"
        )
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"\ngateway_rps / direct_rps = {ratio:.3f}   (target >= {TARGET:.2f}: {verdict})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/gateway_overhead.py", description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per path (default 3)")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds per path (default 5)")
    parser.add_argument("--log-level", default="INFO", help="the servers' log level (default INFO, as `make run`)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="medins-bench-"))
    cleanup: list[object] = []
    stack: Stack | None = None
    database_server_url = ""
    external_db = False
    prefix = f"bench{uuid.uuid4().hex[:6]}_"
    try:
        database_server_url, amqp_url, external_db = servers(tmp, cleanup)
        cfg = StackConfig(
            base_dir=tmp / "stack",
            database_server_url=database_server_url,
            amqp_url=amqp_url,
            ports={name: free_port() for name in DEFAULT_PORTS},
            database_prefix=prefix,
            log_level=args.log_level,
        )
        # On a broker others use, queues named <service>.<purpose> are shared with their stacks: this
        # stack would take their events and publish its own to them. The read measured uses neither.
        shared_broker = amqp_url == os.environ.get("TEST_AMQP_URL")
        extra_env = {
            service: {f"{service.upper()}_RELAY_ENABLED": "false", f"{service.upper()}_CONSUMERS_ENABLED": "false"}
            for service in SERVICES
        }
        # the limiter runs on every request as always; its limit is raised so that it does not cap the load
        gateway_env = {"gateway": {"GATEWAY_RATE_LIMIT_STAFF_PER_MINUTE": str(10**9)}}
        stack = Stack(cfg, extra_env=(extra_env if shared_broker else {}) | gateway_env)
        if shared_broker:
            print("TEST_AMQP_URL's broker is shared: the services' outbox relays and consumers stay off", flush=True)
        print("migrating the databases and starting the stack", flush=True)
        started = time.monotonic()
        stack.prepare()
        stack.start(timeout=180)
        print(f"stack ready in {time.monotonic() - started:.0f} s (logs in {stack.log_dir})", flush=True)
        local_pg = next((thing for thing in cleanup if isinstance(thing, LocalPostgres)), None)
        postmaster = int((local_pg.data_dir / "postmaster.pid").read_text().split()[0]) if local_pg else None
        measure(stack, args, postmaster)
    finally:
        if stack is not None:
            stack.stop()
        try:
            if external_db:
                drop_databases(database_server_url, [prefix + c for c in COMPONENTS])
        except Exception as exc:
            print(f"could not drop the benchmark's databases ({prefix}*): {exc}", file=sys.stderr)
        for thing in reversed(cleanup):
            try:
                thing.stop()  # type: ignore[attr-defined]
            except Exception as exc:  # report, and keep stopping the others
                print(f"could not stop {thing}: {exc}", file=sys.stderr)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
