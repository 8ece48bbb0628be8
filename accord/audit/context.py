"""Per-request facts every audit event records (request id, client address).

Set by ``accord.web.middleware.RequestIdMiddleware``; services read them here
instead of taking the request as a parameter.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "accord_request_context", default=None
)


def current() -> RequestContext:
    context = _current.get()
    return (
        context
        if context is not None
        else RequestContext(request_id=f"job-{uuid.uuid4().hex[:16]}")
    )


def activate(context: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(context)


def deactivate(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)
