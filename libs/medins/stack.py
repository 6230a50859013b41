"""The whole system as local processes: PostgreSQL, RabbitMQ, six services, the dev issuer, the gateway.

``make run`` calls ``python -m medins.stack run``; the system tests start the same stack with free
ports. ``component_environment`` is the one place that says which variables each process gets (the
compose file is checked against it).
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from medins.cli import DEPLOYMENT_KEYS, ensure_keypair
from medins.devstack import LocalPostgres, LocalRabbitMQ, wait_port
from medins.migrate import COMPONENTS, SERVICES, upgrade


@dataclass
class StackConfig:
    base_dir: Path
    database_server_url: str  # postgresql+asyncpg://user:pass@host:port (no database)
    amqp_url: str
    region: str = "431000"
    ports: dict[str, int] = field(default_factory=dict)
    database_prefix: str = ""
    log_level: str = "INFO"
    #: set when several deployments share one broker: their own exchange and queue names
    bus_prefix: str = ""

    @property
    def keys_dir(self) -> Path:
        return self.base_dir / "keys"

    def database_url(self, component: str) -> str:
        return f"{self.database_server_url}/{self.database_prefix}{component}"

    def url(self, component: str) -> str:
        return f"http://127.0.0.1:{self.ports[component]}"


DEFAULT_PORTS = {
    "gateway": 8000,
    "registration": 8001,
    "transfer": 8002,
    "claims": 8003,
    "maternity": 8004,
    "institutions": 8005,
    "settlement": 8006,
    "devissuer": 8009,
}


def component_environment(cfg: StackConfig) -> dict[str, dict[str, str]]:
    """The environment variables of every process of the stack."""
    env: dict[str, dict[str, str]] = {}
    for service in SERVICES:
        prefix = service.upper()
        env[service] = {
            f"{prefix}_DATABASE_URL": cfg.database_url(service),
            f"{prefix}_AMQP_URL": cfg.amqp_url,
            f"{prefix}_REGION": cfg.region,
            f"{prefix}_INTERNAL_PUBLIC_KEY_FILE": str(cfg.keys_dir / "internal-public.pem"),
        }
        if service == "transfer":
            env[service]["TRANSFER_REGION_KEY_FILE"] = str(cfg.keys_dir / "region-private.pem")
        if cfg.bus_prefix:
            env[service] |= {
                f"{prefix}_EXCHANGE": f"{cfg.bus_prefix}medins.events",
                f"{prefix}_QUEUE_PREFIX": cfg.bus_prefix,
            }
    env["gateway"] = {
        "GATEWAY_REGION": cfg.region,
        "GATEWAY_DATABASE_URL": cfg.database_url("gateway"),
        "GATEWAY_INTERNAL_PRIVATE_KEY_FILE": str(cfg.keys_dir / "internal-private.pem"),
        "GATEWAY_STAFF_JWKS": cfg.url("devissuer") + "/jwks.json",
        "GATEWAY_STAFF_ISSUER": "medins-dev-issuer",
        "GATEWAY_ECREDENTIAL_JWKS": cfg.url("devissuer") + "/jwks.json",
        "GATEWAY_ECREDENTIAL_ISSUER": "medins-dev-ecredential",
        **{f"GATEWAY_{s.upper()}_URL": cfg.url(s) for s in SERVICES},
    }
    env["devissuer"] = {
        "DEVISSUER_KEY_FILE": str(cfg.keys_dir / "devissuer-private.pem"),
        "DEVISSUER_ISSUER": "medins-dev-issuer",
        "DEVISSUER_ECREDENTIAL_ISSUER": "medins-dev-ecredential",
    }
    return env


APPS = {
    **{s: f"{s}.main:create_app" for s in SERVICES},
    "gateway": "gateway.main:create_app",
    "devissuer": "gateway.devissuer:create_app",
}


class Stack:
    """Migrates and starts the processes of one deployment; stops them by PID."""

    def __init__(self, cfg: StackConfig, *, extra_env: dict[str, dict[str, str]] | None = None) -> None:
        self.cfg = cfg
        for name, port in DEFAULT_PORTS.items():
            cfg.ports.setdefault(name, port)
        self.extra_env = extra_env or {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.log_dir = cfg.base_dir / "logs"

    def prepare(self) -> None:
        self.cfg.base_dir.mkdir(parents=True, exist_ok=True)
        for name in DEPLOYMENT_KEYS:
            ensure_keypair(self.cfg.keys_dir / f"{name}-private.pem", self.cfg.keys_dir / f"{name}-public.pem")
        for component in COMPONENTS:
            upgrade(component, self.cfg.database_url(component))
        self.seed_demo_staff()

    def seed_demo_staff(self) -> None:
        """Demo staff accounts in the gateway's database (an upsert: running twice is harmless)."""
        subprocess.run(
            [
                sys.executable,
                "-m",
                "gateway.admin",
                "seed-demo",
                "--region",
                self.cfg.region,
                "--database-url",
                self.cfg.database_url("gateway"),
            ],
            check=True,
            capture_output=True,
        )

    def start_process(self, name: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = os.environ | component_environment(self.cfg)[name] | self.extra_env.get(name, {})
        env[f"{name.upper()}_LOG_LEVEL"] = self.cfg.log_level
        log = (self.log_dir / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                APPS[name],
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.cfg.ports[name]),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "5",
            ],
            env=env,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.cfg.base_dir,
        )
        log.close()

    def start(self, timeout: float = 120) -> None:
        self.start_process("devissuer")
        for service in SERVICES:
            self.start_process(service)
        wait_port(self.cfg.ports["devissuer"], 30, proc=self.procs["devissuer"], what="devissuer")
        self.start_process("gateway")
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{name} exited with code {proc.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(self.cfg.url("gateway") + "/readyz", timeout=5) as response:
                    return dict(json.loads(response.read()))
            except OSError as exc:
                last = exc.read() if isinstance(exc, urllib.error.HTTPError) else str(exc)
            time.sleep(0.5)
        raise TimeoutError(f"the gateway did not become ready within {timeout:.0f}s: {last!r}")

    def stop_process(self, name: str, *, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def stop(self) -> None:
        for name in ["gateway", *SERVICES, "devissuer"]:
            self.stop_process(name)


def _docker_engine_available() -> bool:
    if shutil.which("docker") is None:
        return False
    result = subprocess.run(["docker", "info"], capture_output=True, check=False)
    return result.returncode == 0


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if _docker_engine_available() and not args.native:
        print("Docker engine found: docker compose up (use --native for local processes)")
        return subprocess.call(["docker", "compose", "up", "--build"], cwd=root)
    base = root / ".run"
    pg = LocalPostgres(base / "postgres", args.pg_port, durable=True)
    rabbit = LocalRabbitMQ(
        base / "rabbitmq",
        args.amqp_port,
        dist_port=args.dist_port,
        management_port=args.management_port,
        node_name=f"medins-run-{args.amqp_port}@localhost",
    )
    cfg = StackConfig(
        base_dir=base,
        database_server_url=f"postgresql+asyncpg://medins:medins@127.0.0.1:{args.pg_port}",
        amqp_url=rabbit.url,
        region=args.region,
    )
    stack = Stack(cfg)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    # Ctrl-C stops everything, even where SIGINT was ignored by whoever started us (a background job)
    signal.signal(signal.SIGINT, on_signal)
    try:
        print(f"starting PostgreSQL on 127.0.0.1:{args.pg_port} (data in {pg.data_dir})", flush=True)
        pg.start()
        print(
            f"starting RabbitMQ on 127.0.0.1:{args.amqp_port} (management http://127.0.0.1:{args.management_port})",
            flush=True,
        )
        rabbit.start()
        print("migrating databases and seeding the demo accounts", flush=True)
        stack.prepare()
        print("starting the six services, the development token issuer and the gateway", flush=True)
        stack.start()
        gateway = cfg.url("gateway")
        print(
            f"""
医保经办平台 is running for region {cfg.region}.
  API docs:   {gateway}/docs
  readiness:  {gateway}/readyz
  staff login: curl -s -X POST {gateway}/api/v1/auth/staff/token -H 'content-type: application/json' \\
                 -d '{{"staff_id": "demo-admin", "password": "Demo-admin-2026"}}'
  person (医保电子凭证): curl -s -X POST {cfg.url("devissuer")}/ecredential-token \\
                 -H 'content-type: application/json' -d '{{"certno": "431002199503120018"}}'
  demo persons, units, hospitals and passwords: README.md, "Logging in"
  logs:       {stack.log_dir}
Press Ctrl-C to stop everything.""",
            flush=True,
        )
        while True:
            time.sleep(1)
            for name, proc in list(stack.procs.items()):
                if proc.poll() is not None:
                    print(
                        f"{name} exited with code {proc.returncode}; see {stack.log_dir / (name + '.log')}",
                        flush=True,
                    )
                    stack.procs.pop(name)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        stack.stop()
        rabbit.stop()
        pg.stop()
        print("stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medins.stack")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run the whole system until Ctrl-C")
    run_p.add_argument("--root", default=".")
    run_p.add_argument("--region", default=os.environ.get("MEDINS_REGION", "431000"))
    run_p.add_argument("--pg-port", type=int, default=55432)
    run_p.add_argument("--amqp-port", type=int, default=55672)
    run_p.add_argument("--management-port", type=int, default=55673)
    run_p.add_argument("--dist-port", type=int, default=55674, help="RabbitMQ's Erlang distribution port")
    run_p.add_argument("--native", action="store_true", help="local processes even where Docker runs")
    run_p.set_defaults(func=run)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
