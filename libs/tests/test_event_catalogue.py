"""The event catalogue is generated, current, and every consumer's copy of an event fits its producer."""

import importlib
from pathlib import Path

from medins.eventdocs import catalogue
from medins.migrate import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_catalogue_is_what_the_code_generates():
    committed = (ROOT / "docs" / "events.md").read_text()
    assert committed == catalogue(), "run: python -m medins.eventdocs --write docs/events.md"


def test_event_types_follow_the_naming_rule_and_every_consumed_event_has_a_publisher():
    published = {}
    for service in SERVICES:
        for model in importlib.import_module(f"{service}.events").PUBLISHED:
            kind = model.event_type.split(".")
            assert kind[0] == service and len(kind) == 4 and kind[3].startswith("v"), model.event_type
            published[model.event_type] = model
    for service in SERVICES:
        for model in getattr(importlib.import_module(f"{service}.events"), "CONSUMED", []):
            assert model.event_type in published, f"{service} consumes {model.event_type}, which nobody publishes"
            producer_fields = set(published[model.event_type].model_fields)
            missing = set(model.model_fields) - producer_fields
            assert not missing, f"{service} reads fields {missing} that {model.event_type} does not carry"
