"""docker-compose.yml, deploy/Dockerfile and friends: checked by reading the files, no Docker needed.

The compose file is validated against the Compose Specification JSON schema vendored in
deploy/compose-spec.schema.json (taken from the PyPI package check-jsonschema 0.39.0, which ships the
compose-spec project's schema/compose-spec.json; the file's ``$comment`` says how to update it), and
against the native stack's environment contract (``medins.stack.component_environment``): compose sets
the same variable names with the same values, except host URLs, which name containers instead.
"""

import importlib.util
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from medins.migrate import COMPONENTS, SERVICES
from medins.stack import APPS, DEFAULT_PORTS, StackConfig, component_environment

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = ROOT / "deploy" / "compose-spec.schema.json"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
POSTGRES_INIT = ROOT / "deploy" / "postgres-init"

ONE_SHOT = ("keys", "migrate", "seed")
INFRA = ("postgres", "rabbitmq")

# The native stack's configuration as Docker sees it: one PostgreSQL server and one broker by host name,
# keys on the /keys volume, the region from MEDINS_REGION. Host URLs (127.0.0.1:port in the native
# stack, <name>:8000 here) are the one difference and are checked by hand below.
DOCKER = StackConfig(
    base_dir=Path("/"),
    database_server_url="postgresql+asyncpg://medins:medins@postgres:5432",
    amqp_url="amqp://guest:guest@rabbitmq:5672/",
    region="${MEDINS_REGION:-431000}",
    ports=dict.fromkeys(APPS, 8000),
)
NATIVE_ENV = component_environment(DOCKER)

# Component -> the names of the environment variables it is started with: the native stack's processes,
# plus the one-shot containers (migrate needs every <COMPONENT>_DATABASE_URL that `migrate all` reads).
EXPECTED_ENV: dict[str, set[str]] = {
    **{name: set(env) for name, env in NATIVE_ENV.items()},
    "migrate": {f"{c.upper()}_DATABASE_URL" for c in COMPONENTS},
    "keys": set(),
    "seed": {"GATEWAY_DATABASE_URL", "GATEWAY_REGION"},
}

# The containers that stay up and are waited on with ``service_healthy``.
LONG_RUNNING = (*INFRA, *SERVICES, "devissuer", "gateway")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _environment(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def _depends_on(svc: dict[str, Any]) -> dict[str, str]:
    deps = svc.get("depends_on") or {}
    assert isinstance(deps, dict), f"depends_on must use the long form with conditions, got {deps!r}"
    return {name: spec.get("condition", "") for name, spec in deps.items()}


def _healthcheck_text(svc: dict[str, Any]) -> str:
    test = svc["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else str(test)


# ---- the Compose Specification -------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_spec(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    errors = sorted(validator_cls(schema).iter_errors(compose), key=lambda e: list(e.absolute_path))
    # A wrong key inside a service also makes the service's allOf fail, which reports every key as
    # "unevaluated": show those echoes only when there is nothing more precise.
    precise = [e for e in errors if e.validator != "unevaluatedProperties"]
    errors = precise or errors
    report = "\n".join(f"  /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
    assert not errors, f"docker-compose.yml does not follow the Compose Specification:\n{report}"


def test_the_containers_are_exactly_the_system(services: dict[str, Any]) -> None:
    assert set(services) == {*INFRA, *EXPECTED_ENV}


# ---- environment contract ------------------------------------------------------------------------


@pytest.mark.parametrize("component", sorted(EXPECTED_ENV))
def test_environment_names_match_the_native_stack(services: dict[str, Any], component: str) -> None:
    names = set(_environment(services[component]))
    expected = EXPECTED_ENV[component]
    assert names == expected, (
        f"{component}: missing {sorted(expected - names)}, not in the native stack {sorted(names - expected)}"
    )


@pytest.mark.parametrize("component", sorted(NATIVE_ENV))
def test_environment_values_match_the_native_stack(services: dict[str, Any], component: str) -> None:
    env = _environment(services[component])
    for name, native in NATIVE_ENV[component].items():
        if "://127.0.0.1:" in native:
            continue  # a host URL: test_gateway_finds_the_others_by_container_name
        assert env.get(name) == native, f"{component}: {name}={env.get(name)!r}, native stack: {native!r}"


def test_migrate_uses_the_databases_the_components_use(services: dict[str, Any]) -> None:
    migrate = _environment(services["migrate"])
    for component in COMPONENTS:
        name = f"{component.upper()}_DATABASE_URL"
        assert migrate[name] == _environment(services[component])[name] == DOCKER.database_url(component)


def test_gateway_finds_the_others_by_container_name(services: dict[str, Any]) -> None:
    gw = _environment(services["gateway"])
    assert gw["GATEWAY_STAFF_JWKS"] == "http://devissuer:8000/jwks.json"
    for s in SERVICES:
        assert gw[f"GATEWAY_{s.upper()}_URL"] == f"http://{s}:8000"
    assert gw["GATEWAY_STAFF_ISSUER"] == _environment(services["devissuer"])["DEVISSUER_ISSUER"]


# ---- commands ------------------------------------------------------------------------------------


@pytest.mark.parametrize("component", sorted(APPS))
def test_uvicorn_runs_the_app_factory(services: dict[str, Any], component: str) -> None:
    command = services[component].get("command")
    assert isinstance(command, list), f"{component}: command must be in exec (list) form, got {command!r}"
    assert command == [
        "uvicorn",
        APPS[component],
        "--factory",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
    ], f"{component}: {command!r}"


@pytest.mark.parametrize("component", sorted(APPS))
def test_the_factory_exists(component: str) -> None:
    module, _, factory = APPS[component].partition(":")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{component}: no module {module}"
    source = Path(spec.origin).read_text(encoding="utf-8")
    assert re.search(rf"^def {factory}\(", source, re.M), f"{spec.origin}: no {factory}()"


def test_one_shot_commands(services: dict[str, Any]) -> None:
    assert services["keys"]["command"] == ["medins-admin", "keys", "/keys"]
    assert services["migrate"]["command"] == ["medins-admin", "migrate", "all"]
    for name in ONE_SHOT:
        assert services[name].get("restart", "no") == "no", f"{name} is one-shot and must not restart"
        assert "healthcheck" not in services[name], f"{name} is one-shot: it completes, it is not healthy"


# ---- health and start order ----------------------------------------------------------------------


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_containers_have_a_healthcheck(services: dict[str, Any], name: str) -> None:
    svc = services[name]
    assert "healthcheck" in svc, f"{name} has no healthcheck"
    assert not svc["healthcheck"].get("disable"), f"{name}: healthcheck disabled"
    text = _healthcheck_text(svc)
    if name == "postgres":
        assert "pg_isready" in text
    elif name == "rabbitmq":
        assert text == "CMD rabbitmq-diagnostics -q check_port_connectivity"
    elif name == "devissuer":
        assert text.startswith("CMD python -c ") and "http://127.0.0.1:8000/healthz" in text, text
    else:
        # The slim image has no curl: Python's urllib hits the app's readiness endpoint.
        assert text.startswith("CMD python -c ") and "http://127.0.0.1:8000/readyz" in text, text


def test_every_dependency_waits_on_a_condition(services: dict[str, Any]) -> None:
    for name, svc in services.items():
        for target, condition in _depends_on(svc).items():
            assert target in services, f"{name} depends on unknown {target}"
            expected = "service_completed_successfully" if target in ONE_SHOT else "service_healthy"
            assert condition == expected, f"{name} -> {target}: condition {condition!r}, want {expected!r}"


def test_start_order(services: dict[str, Any]) -> None:
    assert set(_depends_on(services["migrate"])) == {"postgres", "keys"}
    for s in SERVICES:
        assert set(_depends_on(services[s])) == {"postgres", "rabbitmq", "keys", "migrate"}, s
    assert set(_depends_on(services["seed"])) == {"postgres", "migrate"}
    assert set(_depends_on(services["gateway"])) == {
        "postgres",
        "keys",
        "migrate",
        "seed",
        "devissuer",
        *SERVICES,
    }
    assert set(_depends_on(services["devissuer"])) == {"keys"}


# ---- ports, volumes, image -----------------------------------------------------------------------


def _published(svc: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(host ip, published, target) of every port; short syntax [ip:]published:target[/proto]."""
    out = set()
    for port in svc.get("ports", []):
        if isinstance(port, dict):
            out.add((str(port.get("host_ip", "")), str(port.get("published", "")), str(port["target"])))
        else:
            parts = str(port).split("/")[0].split(":")
            out.add((":".join(parts[:-2]), parts[-2] if len(parts) > 1 else "", parts[-1]))
    return out


def test_published_ports(services: dict[str, Any]) -> None:
    assert _published(services["gateway"]) == {("", "8000", "8000")}
    # The development issuer signs tokens for anyone who asks: the host's loopback only, at the native
    # stack's port (medins.stack.DEFAULT_PORTS).
    assert _published(services["devissuer"]) == {("127.0.0.1", str(DEFAULT_PORTS["devissuer"]), "8000")}
    others = {name for name, svc in services.items() if name not in ("gateway", "devissuer") and svc.get("ports")}
    assert not others, f"only the gateway and the issuer are reachable from the host; also: {sorted(others)}"


def test_keys_live_on_the_shared_named_volume(compose: dict[str, Any], services: dict[str, Any]) -> None:
    assert "keys" in compose["volumes"]
    writers = {"keys", "devissuer"}
    for name in (*SERVICES, "gateway", *writers):
        mounts = services[name].get("volumes", [])
        expected = "keys:/keys" if name in writers else "keys:/keys:ro"
        assert expected in mounts, f"{name}: want {expected!r} in {mounts!r}"


def test_one_image_for_every_project_container(services: dict[str, Any]) -> None:
    project = (*SERVICES, *ONE_SHOT, "gateway", "devissuer")
    for name in project:
        build = services[name].get("build")
        assert isinstance(build, dict), f"{name}: no build section"
        assert (build.get("context"), build.get("dockerfile")) == (".", "deploy/Dockerfile"), name
    assert len({services[name]["image"] for name in project}) == 1
    assert services["postgres"]["image"] == "postgres:15"
    assert services["rabbitmq"]["image"] == "rabbitmq:3.13-management"


def test_postgres_init_creates_every_database(services: dict[str, Any]) -> None:
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in services["postgres"]["volumes"]
    sql = "\n".join(p.read_text(encoding="utf-8") for p in sorted(POSTGRES_INIT.glob("*.sql")))
    created = set(re.findall(r"^\s*CREATE DATABASE\s+\"?(\w+)\"?\s*;", sql, re.M | re.I))
    migrate_env = _environment(services["migrate"])
    wanted = {migrate_env[f"{c.upper()}_DATABASE_URL"].rsplit("/", 1)[1] for c in COMPONENTS}
    assert wanted <= created, f"not created: {sorted(wanted - created)}"


def test_dockerfile_installs_the_lock_then_the_whole_project() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    copied = {part.rstrip("/") for line in lines if line.startswith("COPY ") for part in line.split()[1:-1]}
    assert {"libs", "gateway", "services", "catalog", "pyproject.toml", "requirements.lock"} <= copied
    # Every package root the wheel is built from must be inside something copied.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    roots = pyproject["tool"]["setuptools"]["packages"]["find"]["where"]
    missing = [r for r in roots if r.split("/")[0] not in copied]
    assert not missing, f"package roots not copied into the image: {missing}"
    lock = text.index("pip install -r requirements.lock")
    project = text.index("pip install --no-deps")
    assert lock < project, "the lock is installed before the project"


def test_dockerignore_keeps_local_state_out() -> None:
    entries = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".run"} <= entries
