"""Jobs, the handler registry and running a job with retries."""

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import structlog
from pydantic import BaseModel, Field
from tenacity import Retrying, stop_after_attempt, wait_exponential

log = structlog.get_logger()

Handler = Callable[[dict[str, Any]], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}

# Errors a handler raises for a job that may succeed later (a busy upstream, a locked file).
TRANSIENT_ERRORS = (TimeoutError, ConnectionError, BlockingIOError)


class Job(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    kind: str
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Registers a function as the handler for jobs of this kind."""

    def register(fn: Handler) -> Handler:
        if kind in HANDLERS:
            raise ValueError(f"two handlers for job kind {kind!r}")
        HANDLERS[kind] = fn
        return fn

    return register


def run(job: Job, max_attempts: int) -> dict[str, Any] | None:
    """Runs the job's handler, retrying transient errors with exponential backoff."""
    fn = HANDLERS.get(job.kind)
    if fn is None:
        raise LookupError(f"no handler for job kind {job.kind!r}")
    retrying = Retrying(
        stop=stop_after_attempt(max_attempts),
        wait=wait_exponential(multiplier=0.2, max=5),
        retry=lambda state: isinstance(state.outcome.exception(), TRANSIENT_ERRORS),
        reraise=True,
    )
    # reraise=True: after the last attempt the handler's own exception propagates.
    for attempt in retrying:
        with attempt:
            log.debug("job.attempt", job=job.id, attempt=attempt.retry_state.attempt_number)
            return fn(job.payload)
    return None
