"""How fast the tax bureau's contribution files go in through the batch API, against a raw PostgreSQL COPY.

    .venv/bin/python bench/contribution_import.py [--rows 100000] [--big-rows 1000000] [--rounds 3]

Starts PostgreSQL and RabbitMQ (its own under a temporary folder, or the servers of ``TEST_DATABASE_URL`` /
``TEST_AMQP_URL`` when set) and only the registration service (uvicorn, as ``make run`` starts it), with
100,000 registered persons. Then, in alternating order per round, on the same rows:

- **api**: ``POST /api/v1/registration/contribution-batches`` over real HTTP, the file streamed from disk,
  with the internal principal token the gateway would send for a 财务 staff member; the clock runs from the
  first byte sent to the response (parse, check, COPY to staging, resolve, insert, row report, events, commit);
- **copy**: ``COPY … FROM STDIN (FORMAT csv, HEADER)`` of the same file into a table of the same columns
  with the same key, nothing checked.

Prints rows/s of both and ``api / copy`` against the target (>= 0.30), and the registration process's RSS
(before, and the peak sampled every 10 ms during the import) for the 100k file and for a 1M-row file
(the same persons, ten months each), which shows whether memory stays flat as the file grows.
"""

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import httpx
from gateway_overhead import servers  # the same folder
from sqlalchemy.engine import make_url
from stdnum.cn import ric

from medins.cli import ensure_keypair
from medins.devstack import LocalPostgres, drop_databases, free_port
from medins.identity import INTERNAL_HEADER, InternalTokenSigner, Principal, PrincipalKind
from medins.migrate import upgrade
from medins.stack import Stack, StackConfig

TARGET = 0.30
PATH = "/api/v1/registration/contribution-batches"
HEADER = "certno,psn_name,insutype,month,contribution_base,employer_amount,person_amount,employer_uscc,paid_on\n"
USCC = "91431000MA4L0XXK0G"
BASELINE_TABLE = """
    CREATE TABLE contribution_copy (
        certno varchar(18) NOT NULL, psn_name text, insutype varchar(3) NOT NULL, month varchar(7) NOT NULL,
        contribution_base numeric(14, 2), employer_amount numeric(14, 2) NOT NULL,
        person_amount numeric(14, 2) NOT NULL, employer_uscc varchar(18), paid_on date,
        PRIMARY KEY (certno, insutype, month)
    )
"""


def certnos(count: int) -> list[str]:
    """``count`` different valid 身份证号: a thousand serials on each birthday from 1970 on."""
    out = []
    for n in range(count):
        born = date.fromordinal(date(1970, 1, 1).toordinal() + n // 1000)
        body = f"431002{born:%Y%m%d}{n % 1000:03d}"
        out.append(body + ric.calc_check_digit(body + "0"))
    return out


def write_file(path: Path, persons: list[str], months: list[str], *, shuffled: bool = False) -> int:
    """One row per person and month, as the tax bureau's file has them; returns the number of rows. The persons
    in the order of their 身份证号, or ``shuffled`` (the same order every run)."""
    if shuffled:
        persons = persons.copy()
        random.Random(20261123).shuffle(persons)
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        for month in months:
            paid = f"{month}-15"
            f.writelines(f"{c},张三,310,{month},6500.00,520.00,130.00,{USCC},{paid}\n" for c in persons)
    return len(persons) * len(months)


def month_list(last: str, count: int) -> list[str]:
    year, month = map(int, last.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def pg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def add_persons(dsn: str, numbers: list[str]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        now = datetime.now(UTC)
        await conn.copy_records_to_table(
            "insured_person",
            records=((uuid.uuid4(), f"431000{i:010d}", "01", c, "张三", "431000", now) for i, c in enumerate(numbers)),
            columns=["id", "psn_no", "cert_type", "certno", "name", "region", "created_at"],
        )
        await conn.execute("ANALYZE insured_person")
    finally:
        await conn.close()


async def reset(dsn: str) -> None:
    """Empties what an import wrote, so that every round records the same rows anew."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE contribution_record, contribution_rejection, contribution_batch, outbox")
        await conn.execute("DROP TABLE IF EXISTS contribution_copy")
        await conn.execute("VACUUM ANALYZE insured_person")
    finally:
        await conn.close()


async def copy_file(dsn: str, path: Path, *, postmaster: int | None) -> tuple[float, float]:
    """The baseline: the file straight into a table with COPY. Returns the seconds it took and the CPU seconds
    PostgreSQL spent meanwhile (read while the backend is alive: a closed backend is counted late)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(BASELINE_TABLE)
        cpu = postgres_cpu_seconds(postmaster)
        started = time.perf_counter()
        await conn.copy_to_table("contribution_copy", source=path, format="csv", header=True)
        elapsed = time.perf_counter() - started
        cpu = postgres_cpu_seconds(postmaster) - cpu
        await conn.execute("DROP TABLE contribution_copy")
        return elapsed, cpu
    finally:
        await conn.close()


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(postmaster: int | None) -> float:
    """CPU (user + system) of the benchmark's own PostgreSQL so far: the postmaster with the backends it has
    reaped, and its live children; 0 when the server is not this run's."""
    if postmaster is None:
        return 0.0
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(entry) == postmaster:
            ticks += sum(int(f) for f in fields[11:15])
        elif int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Upload:
    seconds: float
    rss_before_kib: int
    rss_peak_kib: int
    cpu_s: float
    postgres_cpu_s: float
    body: dict


def upload(url: str, token: str, path: Path, *, period: str, pid: int, postmaster: int | None = None) -> Upload:
    """Streams the file to the API while another thread samples the service's RSS."""
    peak = rss_kib(pid)
    before = peak
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            time.sleep(0.01)

    def chunks():
        with path.open("rb") as f:
            while chunk := f.read(256 * 1024):
                yield chunk

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu, pg_cpu = cpu_seconds(pid), postgres_cpu_seconds(postmaster)
    started = time.perf_counter()
    try:
        response = httpx.post(
            url + PATH,
            params={"period": period, "file_name": path.name},
            content=chunks(),
            headers={
                INTERNAL_HEADER: token,
                "content-type": "text/csv; charset=utf-8",
                "content-length": str(path.stat().st_size),
            },
            timeout=1800,
        )
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
    if response.status_code != 201:
        raise RuntimeError(f"the import failed: {response.status_code} {response.text[:2000]}")
    return Upload(
        elapsed, before, peak, cpu_seconds(pid) - cpu, postgres_cpu_seconds(postmaster) - pg_cpu, response.json()
    )


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def print_copy(label: str, rows: int, seconds: float, pg_cpu: float) -> None:
    print(f"{label:<6} copy  {rows:>9,} {seconds:>8.2f} {rows / seconds:>9,.0f}  -, {pg_cpu:.2f}", flush=True)


def print_api(label: str, rows: int, done: Upload) -> None:
    print(
        f"{label:<6} api   {rows:>9,} {done.seconds:>8.2f} {rows / done.seconds:>9,.0f}  "
        f"{done.cpu_s:.2f}, {done.postgres_cpu_s:.2f}; {mib(done.rss_before_kib)} → {mib(done.rss_peak_kib)}",
        flush=True,
    )


def measure(args: argparse.Namespace, stack: Stack, dsn: str, tmp: Path, postmaster: int | None) -> None:
    pid = stack.procs["registration"].pid
    url = stack.cfg.url("registration")
    signer = InternalTokenSigner((stack.cfg.keys_dir / "internal-private.pem").read_bytes(), ttl_seconds=3600)
    token = signer.sign(
        Principal(PrincipalKind.staff, "demo-admin", stack.cfg.region, frozenset({"finance", "admin"}), "管理员")
    )
    persons = certnos(args.rows)
    print(f"registering {len(persons):,} persons (COPY into insured_person)", flush=True)
    asyncio.run(add_persons(dsn, persons))
    small, big, warm = tmp / "contributions-100k.csv", tmp / "contributions-1m.csv", tmp / "warm-up.csv"
    shuffled = args.order == "shuffled"
    rows = write_file(small, persons, ["2024-03"], shuffled=shuffled)
    big_months = month_list("2024-02", max(1, args.big_rows // len(persons)))
    big_rows = write_file(big, persons, big_months, shuffled=shuffled)
    write_file(warm, persons[:1000], ["2023-01"])
    print(
        f"files: {rows:,} rows {small.stat().st_size / 1e6:.1f} MB; {big_rows:,} rows "
        f"{big.stat().st_size / 1e6:.1f} MB ({len(big_months)} months {big_months[0]} … {big_months[-1]}); "
        f"persons {'shuffled' if shuffled else 'in the order of 身份证号'}",
        flush=True,
    )
    upload(url, token, warm, period="2023-01", pid=pid)  # imports and caches warm, as after the first file of a day

    print(
        f"\n{'round':<6} {'path':<5} {'rows':>9} {'seconds':>8} {'rows/s':>9}  "
        "CPU s: service, PostgreSQL; RSS of the service: before → peak"
    )
    api_s: list[float] = []
    copy_s: list[float] = []
    peaks_small = []
    cpu = {"api service": 0.0, "api postgres": 0.0, "copy postgres": 0.0}
    for i in range(args.rounds):
        asyncio.run(reset(dsn))
        for path in ("api", "copy") if i % 2 == 0 else ("copy", "api"):
            if path == "copy":
                seconds, pg_cpu = asyncio.run(copy_file(dsn, small, postmaster=postmaster))
                copy_s.append(seconds)
                cpu["copy postgres"] += pg_cpu
                print_copy(str(i + 1), rows, seconds, pg_cpu)
            else:
                done = upload(url, token, small, period="2024-03", pid=pid, postmaster=postmaster)
                assert done.body["rows_recorded"] == rows, done.body
                api_s.append(done.seconds)
                peaks_small.append(done.rss_peak_kib)
                cpu["api service"] += done.cpu_s
                cpu["api postgres"] += done.postgres_cpu_s
                print_api(str(i + 1), rows, done)
    big_api = big_copy = None
    if args.big_rows:
        asyncio.run(reset(dsn))
        big_copy, pg_cpu = asyncio.run(copy_file(dsn, big, postmaster=postmaster))
        print_copy("big", big_rows, big_copy, pg_cpu)
        big_api = upload(url, token, big, period="2024-02", pid=pid, postmaster=postmaster)
        assert big_api.body["rows_recorded"] == big_rows, big_api.body
        print_api("big", big_rows, big_api)

    api_rate = rows * len(api_s) / sum(api_s)
    copy_rate = rows * len(copy_s) / sum(copy_s)
    ratio = api_rate / copy_rate
    pairs = [c / a for a, c in zip(api_s, copy_s, strict=True)]
    print(f"\nsummary ({os.cpu_count()} CPUs; rows/s over all rounds)")
    print(f"  {rows:,} rows: api {api_rate:,.0f} rows/s, copy {copy_rate:,.0f} rows/s")
    print(f"  api / copy per round: {', '.join(f'{p:.3f}' for p in pairs)} (median {statistics.median(pairs):.3f})")
    if postmaster is not None:
        per_row = {name: 1e6 * seconds / (rows * args.rounds) for name, seconds in cpu.items()}
        api_cpu = per_row["api service"] + per_row["api postgres"]
        print(
            f"  CPU µs per row: api {api_cpu:.1f} (service {per_row['api service']:.1f} + PostgreSQL "
            f"{per_row['api postgres']:.1f}), copy {per_row['copy postgres']:.1f} (PostgreSQL); "
            f"copy / api CPU = {per_row['copy postgres'] / api_cpu:.3f}, what the ratio would be on one CPU"
        )
    if big_api is not None and big_copy is not None:
        big_ratio = (big_rows / big_api.seconds) / (big_rows / big_copy)
        print(
            f"  {big_rows:,} rows: api {big_rows / big_api.seconds:,.0f} rows/s, copy {big_rows / big_copy:,.0f} "
            f"rows/s, api / copy {big_ratio:.3f}"
        )
        print(
            f"  peak RSS of the registration process: {mib(max(peaks_small))} for {rows:,} rows, "
            f"{mib(big_api.rss_peak_kib)} for {big_rows:,} rows (VmHWM {mib(rss_kib(pid, 'VmHWM'))})"
        )
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"\napi_rows_per_s / copy_rows_per_s = {ratio:.3f}   (target >= {TARGET:.2f}: {verdict})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/contribution_import.py", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="persons, and rows of the monthly file")
    parser.add_argument("--big-rows", type=int, default=1_000_000, help="rows of the big file (0: none)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (api, copy) on the monthly file")
    parser.add_argument(
        "--order",
        choices=["certno", "shuffled"],
        default="certno",
        help="the files' persons in the order of their 身份证号 (default) or shuffled",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="medins-bench-contrib-"))
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
            ports={"registration": free_port()},
            database_prefix=prefix,
            log_level="WARNING",
        )
        # the import writes its events to the outbox in its transaction; publishing them is the relay's
        # later work, off the measured path (and on a shared broker it would feed other stacks' queues)
        off = {"REGISTRATION_RELAY_ENABLED": "false", "REGISTRATION_CONSUMERS_ENABLED": "false"}
        stack = Stack(cfg, extra_env={"registration": off})
        cfg.base_dir.mkdir(parents=True, exist_ok=True)
        ensure_keypair(cfg.keys_dir / "internal-private.pem", cfg.keys_dir / "internal-public.pem")
        upgrade("registration", cfg.database_url("registration"))
        stack.start_process("registration")
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(cfg.url("registration") + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or stack.procs["registration"].poll() is not None:
                raise RuntimeError(f"the registration service did not become ready (logs in {stack.log_dir})")
            time.sleep(0.3)
        local_pg = next((thing for thing in cleanup if isinstance(thing, LocalPostgres)), None)
        postmaster = int((local_pg.data_dir / "postmaster.pid").read_text().split()[0]) if local_pg else None
        measure(args, stack, pg_dsn(cfg.database_url("registration")), tmp, postmaster)
    finally:
        if stack is not None:
            stack.stop()
        try:
            if external_db:
                drop_databases(database_server_url, [prefix + "registration"])
        except Exception as exc:
            print(f"could not drop the benchmark's database ({prefix}registration): {exc}", file=sys.stderr)
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
