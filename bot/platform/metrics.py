"""The process's Prometheus metrics, recorded where things happen and served by :mod:`bot.ops`.

Every label takes its value from a fixed set chosen here, never from an update, a name or a
chat: a metric is read by whoever runs the monitoring, who must not learn who wrote to the
bot or what. Anything that does not fit a set is counted as ``other``.
"""

from __future__ import annotations

from typing import Any, Final

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)

REGISTRY: Final = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

UPDATE_KINDS: Final = ("message", "callback", "edited", "other")
SEND_RESULTS: Final = ("ok", "429", "5xx", "403", "timeout", "network", "other")
CONSENT_EVENTS: Final = ("given", "changed", "withdrawn")
_UPDATE_FIELDS: Final = {
    "message": "message",
    "callback_query": "callback",
    "edited_message": "edited",
}

UPDATES = Counter(
    "samordna_updates_handled",
    "Updates taken from the inbox and handled, by kind.",
    ["kind"],
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "samordna_handler_seconds",
    "Time from taking an update from the inbox to the end of its handling.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
SENDS = Counter(
    "samordna_outbox_sends",
    "Outbox messages handed to Telegram, by result.",
    ["result"],
    registry=REGISTRY,
)
CONSENT = Counter(
    "samordna_consent_events",
    "Consent given, changed by part or withdrawn (counted when the change is committed).",
    ["event"],
    registry=REGISTRY,
)
INBOX_DEPTH = Gauge(
    "samordna_inbox_depth",
    "Updates stored and not yet handled (read at each scrape).",
    registry=REGISTRY,
)
OUTBOX_DUE = Gauge(
    "samordna_outbox_due",
    "Outbox messages due now and not yet sent (read at each scrape).",
    registry=REGISTRY,
)
OUTBOX_SCHEDULED = Gauge(
    "samordna_outbox_scheduled",
    "Outbox messages waiting for a later moment (read at each scrape).",
    registry=REGISTRY,
)
OLDEST_DUE_AGE = Gauge(
    "samordna_outbox_oldest_due_age_seconds",
    "How long the oldest due, unsent message has been due; 0 when none is (read at each scrape).",
    registry=REGISTRY,
)
SCRAPE_ERRORS = Counter(
    "samordna_metrics_read_errors",
    "Scrapes whose database gauges could not be read (they keep their last value).",
    registry=REGISTRY,
)

for _kind in UPDATE_KINDS:
    UPDATES.labels(_kind)
    HANDLER_SECONDS.labels(_kind)
for _result in SEND_RESULTS:
    SENDS.labels(_result)
for _event in CONSENT_EVENTS:
    CONSENT.labels(_event)


def update_kind(payload: dict[str, Any]) -> str:
    """The fixed kind of a stored update, from which field it carries."""
    for field, kind in _UPDATE_FIELDS.items():
        if field in payload:
            return kind
    return "other"


def update_handled(kind: str, seconds: float) -> None:
    kind = kind if kind in UPDATE_KINDS else "other"
    UPDATES.labels(kind).inc()
    HANDLER_SECONDS.labels(kind).observe(seconds)


def sent(result: str) -> None:
    SENDS.labels(result if result in SEND_RESULTS else "other").inc()


def consent(event: str) -> None:
    if event in CONSENT_EVENTS:
        CONSENT.labels(event).inc()
