"""Local server processes for machines without a Docker engine: PostgreSQL and RabbitMQ under a folder.

Used by ``make run`` (the native local stack) and by the test suite when neither ``TEST_DATABASE_URL``
/ ``TEST_AMQP_URL`` nor a Docker engine is available. Every process started here is stopped by its PID.
"""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def bindable(port: int, host: str = "") -> bool:
    """Whether a server could listen on ``host``:``port`` now (every interface by default), checked as the servers
    bind (SO_REUSEADDR): another program's connection from that port, or one that ended and is in TIME_WAIT,
    still holds it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def wait_bindable(port: int, timeout: float, *, what: str, host: str = "") -> None:
    """Waits until ``port`` is free to listen on; a RuntimeError naming it after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not bindable(port, host):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} {port} is in use by another process")
        time.sleep(0.5)


def wait_port(port: int, timeout: float, *, proc: subprocess.Popen[bytes] | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before opening port {port}")
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not open port {port} within {timeout:.0f}s")


def drop_databases(database_server_url: str, names: list[str]) -> None:
    """Drops the named databases of a PostgreSQL server that outlives the caller (``TEST_DATABASE_URL``, the
    benchmarks' shared server), even with sessions still connected. ``database_server_url`` is the server part
    of a SQLAlchemy URL (``postgresql+asyncpg://user:pass@host:port``)."""
    if not names:
        return
    import asyncio

    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(database_server_url.rstrip("/") + "/postgres").set(drivername="postgresql")

    async def drop() -> None:
        conn = await asyncpg.connect(url.render_as_string(hide_password=False))
        try:
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def _is_root() -> bool:
    return os.geteuid() == 0


def apt_install(*packages: str) -> None:
    """Install Debian packages (root only); a policy-rc.d keeps the system services from starting."""
    if not _is_root() or shutil.which("apt-get") is None:
        raise RuntimeError(f"please install the Debian packages: {' '.join(packages)}")
    policy = Path("/usr/sbin/policy-rc.d")
    created = False
    if not policy.exists():
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        created = True
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    try:
        result = subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", *packages],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, check=True, capture_output=True)
            subprocess.run(
                ["apt-get", "install", "-y", "--no-install-recommends", *packages],
                env=env,
                check=True,
                capture_output=True,
            )
    finally:
        if created:
            policy.unlink()


def postgres_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        apt_install("postgresql")
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent


RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


def ensure_rabbitmq_installed() -> None:
    if not RABBITMQ_SERVER.exists():
        apt_install("rabbitmq-server")


class LocalPostgres:
    """A private PostgreSQL cluster (initdb'd on first start) listening on 127.0.0.1:port."""

    def __init__(
        self,
        base_dir: Path,
        port: int,
        *,
        durable: bool = True,
        user: str = "medins",
        password: str = "medins",
    ) -> None:
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.socket_dir = base_dir / "socket"
        self.log_file = base_dir / "postgres.log"
        self.port = port
        self.durable = durable
        self.user = user
        self.password = password
        self.bindir = postgres_bindir()

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if _is_root():
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False)

    def _prepare_dirs(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        self.log_file.touch()
        if _is_root():
            for path in (self.base_dir, self.socket_dir, self.log_file):
                shutil.chown(path, "postgres", "postgres")
            # the postgres user must be able to reach the folder through its parents
            parent = self.base_dir.parent
            while parent != parent.parent:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    parent.chmod(mode | 0o001)
                parent = parent.parent

    def start(self) -> None:
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            pwfile = self.base_dir / "pwfile"
            pwfile.write_text(self.password + "\n")
            if _is_root():
                shutil.chown(pwfile, "postgres", "postgres")
            result = self._run(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                self.user,
                f"--pwfile={pwfile}",
                "-A",
                "scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
            pwfile.unlink()
            if result.returncode != 0:
                raise RuntimeError(f"initdb failed: {result.stderr}")
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already in use: is another PostgreSQL running?")
        # a fixed port (make run's 55432) lies in Linux's range of ephemeral ports: a connection that just ended
        # (a test run's, TIME_WAIT) can hold it for a minute, and the postmaster then cannot listen
        wait_bindable(self.port, timeout=75, what="PostgreSQL's port", host="127.0.0.1")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
            f"-c max_connections=300 -c shared_buffers=128MB"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        result = self._run(
            str(self.bindir / "pg_ctl"),
            "start",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.log_file),
            "-o",
            options,
        )
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{self.log_file.read_text()[-2000:]}")

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w")


class LocalRabbitMQ:
    """A private RabbitMQ node with its own name, ports, data, logs and HOME."""

    def __init__(
        self,
        base_dir: Path,
        port: int,
        *,
        dist_port: int | None = None,
        management_port: int | None = None,
        node_name: str | None = None,
    ) -> None:
        self.base_dir = base_dir
        self.port = port
        self.dist_port = dist_port or free_port()
        self.management_port = management_port
        self.node_name = node_name or f"medins{port}@localhost"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_file = base_dir / "rabbitmq.out"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        home = self.base_dir / "home"
        home.mkdir(parents=True, exist_ok=True)
        config = self.base_dir / "rabbitmq.conf"
        lines = [f"listeners.tcp.default = 127.0.0.1:{self.port}", "loopback_users = none"]
        if self.management_port:
            lines.append(f"management.tcp.port = {self.management_port}")
            lines.append("management.tcp.ip = 127.0.0.1")
        config.write_text("\n".join(lines) + "\n")
        plugins = self.base_dir / "enabled_plugins"
        plugins.write_text("[rabbitmq_management].\n" if self.management_port else "[].\n")
        return os.environ | {
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.node_name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base_dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base_dir / "log"),
            "RABBITMQ_CONFIG_FILE": str(config.with_suffix("")),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_PID_FILE": str(self.base_dir / "rabbitmq.pid"),
            "RABBITMQ_CONF_ENV_FILE": str(self.base_dir / "rabbitmq-env.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.base_dir / "advanced.config"),
            "ERL_CRASH_DUMP": str(self.base_dir / "erl_crash.dump"),
        }

    def start(self, timeout: float = 90) -> None:
        ensure_rabbitmq_installed()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already in use: is another RabbitMQ running?")
        # fixed ports (make run's 55672-55674) lie in Linux's range of ephemeral ports: another program's
        # connection can hold one for a while, and the node then dies at once (dist_port_already_used)
        wait_bindable(self.port, timeout=75, what="RabbitMQ's port", host="127.0.0.1")
        wait_bindable(self.dist_port, timeout=75, what="RabbitMQ's distribution port")
        if self.management_port:
            wait_bindable(self.management_port, timeout=75, what="RabbitMQ's management port")
        out = self.log_file.open("ab")
        self.proc = subprocess.Popen(
            [str(RABBITMQ_SERVER)],
            env=self._env(),
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()
        try:
            wait_port(self.port, timeout, proc=self.proc, what="RabbitMQ")
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            tail = self.log_file.read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{exc}; its output ends with:\n{tail}") from exc

    def _signal(self, sig: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 30) -> None:
        self._signal(signal.SIGTERM)
        if self.proc is not None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(10)

    def kill(self) -> None:
        """Kill the node without warning (the reliability tests' broker crash)."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)
        # the shell script is gone; the Erlang VM lets go of the port a moment later
        deadline = time.monotonic() + 10
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
