"""The API instance: ``/api/v1/``, its routers, and the one JSON shape of every refusal.

Every refusal reads ``{"error": code, "message": words, "field": name-or-null}``:
Accord errors (status from ``accord.web.middleware.status_for``), body and query
validation (422, naming the field), authentication (401), CSRF (403), a body
that cannot be read at all (400: not JSON, nested deeper than
``ACCORD_INPUT_MAX_DEPTH``, multipart without a boundary; 413: larger than
``DATA_UPLOAD_MAX_MEMORY_SIZE``). No traceback is ever sent, whatever DEBUG says. Every answer carries
``Cache-Control: no-store`` (S20), also set by ``NoStoreMiddleware``.

The URL patterns themselves are declared ``member()`` for the page middleware
(S8 walk, S1 walk); each operation's roles are enforced by its
``@for_members`` declaration inside the API.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from accord.accounts.access import ATTRIBUTE, Access
from accord.core.errors import FactError
from accord.core.limits import json_too_deep, size_text, too_deep_message
from accord.errors import AccordError, ValidationError
from accord.web.middleware import status_for

from . import cases, directory, me, protocol, tasks
from .security import CsrfRefused, NotAuthenticated, Undeclared, members_only

logger = logging.getLogger("accord.api")

ROUTERS: tuple[Router, ...] = (
    me.router,
    protocol.router,
    directory.router,
    cases.router,
    tasks.router,
)


class BadBody(ValidationError):
    """The request body cannot be read: not JSON, too deep, or not a readable form."""

    default_code = "body_malformed"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, data={"field": "body"})


class BodyParser(Parser):
    """JSON bodies, their nesting checked before ``json.loads`` recurses into them.

    ``json.loads`` recurses once per level: 50,000 brackets end in RecursionError.
    The scan (``accord.core.limits.json_too_deep``) is linear and recursion-free.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        body = request.body
        limit = int(getattr(settings, "ACCORD_INPUT_MAX_DEPTH", 64))
        line = json_too_deep(body, limit)
        if line is not None:
            raise BadBody(
                _("The request body is %(too_deep_message)s; line %(line)s.")
                % {"too_deep_message": too_deep_message(limit), "line": line},
                code="body_too_deep",
            )
        try:
            return json.loads(body)
        except UnicodeDecodeError as error:
            raise BadBody(_("The request body is not UTF-8 text.")) from error
        except json.JSONDecodeError as error:
            raise BadBody(
                _("The request body is not JSON: %(msg)s (line %(lineno)s, column %(colno)s).")
                % {"msg": error.msg, "lineno": error.lineno, "colno": error.colno}
            ) from error


class AccordAPI(NinjaAPI):
    """A NinjaAPI whose URL patterns carry access declarations and whose answers are no-store."""

    def _get_urls(self) -> list[Any]:
        patterns = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                pattern = URLPattern(pattern.pattern, api_root, name=pattern.name)
            if getattr(pattern.callback, ATTRIBUTE, None) is None:
                setattr(pattern.callback, ATTRIBUTE, Access(level="member"))
            patterns.append(pattern)
        return patterns

    def create_response(self, request: HttpRequest, data: Any, **kwargs: Any) -> HttpResponse:
        response = super().create_response(request, data, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


def api_root(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """``/api/v1/`` itself: where the description is."""
    response = JsonResponse({"version": "1", "openapi": f"{request.path}openapi.json"})
    response["Cache-Control"] = "no-store"
    return response


setattr(api_root, ATTRIBUTE, Access(level="member"))


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "field": field}


def _field_of(error: AccordError) -> str | None:
    if isinstance(error, FactError):
        factors = list(error.data.get("factors") or ())
        return f"facts.{factors[0]}" if factors else "facts"
    field = error.data.get("field")
    return str(field) if field else None


def _validation_field(loc: Iterable[Any]) -> str:
    """``("body", "body", "facts")`` -> ``facts``; ``("query", "age")`` -> ``age``."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        source = parts.pop(0)
        if source == "body" and len(parts) > 1 and parts[0] == "body":
            parts.pop(0)  # the operation's body parameter is named ``body``
    return ".".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    def accord_error(request: HttpRequest, error: AccordError) -> HttpResponse:
        status = status_for(error)
        if status == 503:
            logger.error("refusing response: %s", error.code)
        return api.create_response(
            request, error_body(error.code, error.message, _field_of(error)), status=status
        )

    def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
        first = error.errors[0] if error.errors else {}
        field = _validation_field(first.get("loc", ()))
        problems = "; ".join(
            f"{_validation_field(e.get('loc', ())) or 'body'}: {e.get('msg', 'invalid')}"
            for e in error.errors
        )
        return api.create_response(
            request,
            error_body("invalid", problems or "Invalid request.", field or None),
            status=422,
        )

    def not_authenticated(request: HttpRequest, error: NotAuthenticated) -> HttpResponse:
        return api.create_response(request, error_body(error.code, error.message), status=401)

    def csrf_refused(request: HttpRequest, error: CsrfRefused) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                "csrf_failed",
                "CSRF check failed: send the token from GET /api/v1/me in the X-CSRFToken "
                "header, with the session's CSRF cookie.",
            ),
            status=403,
        )

    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        if isinstance(error.__cause__, AccordError):  # ninja wraps the body parser's errors
            return accord_error(request, error.__cause__)
        codes = {
            401: "authentication required",
            403: "forbidden",
            404: "not_found",
            429: "throttled",
        }
        code = codes.get(error.status_code, f"http_{error.status_code}")
        return api.create_response(
            request, error_body(code, str(error.message)), status=error.status_code
        )

    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", "Not found."), status=404)

    def unreadable_body(request: HttpRequest, error: Exception) -> HttpResponse:
        """Django refuses the body while reading it (the CSRF check reads forms first)."""
        if isinstance(error, RequestDataTooBig):
            limit = size_text(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            body = error_body(
                "body_too_large", f"The request body is larger than the limit of {limit}.", "body"
            )
            return api.create_response(request, body, status=413)
        if isinstance(error, MultiPartParserError):
            message = f"The multipart body cannot be read ({error}); send JSON or a multipart "
            message += "body with its boundary in the Content-Type header."
        elif isinstance(error, UnreadablePostError):
            message = "The request body could not be read completely."
        else:
            message = "The request cannot be read."
        return api.create_response(
            request, error_body("body_malformed", message, "body"), status=400
        )

    def unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
        logger.exception("API operation failed: %s", request.path)
        return api.create_response(
            request,
            error_body("server_error", "Something went wrong; it was logged. Try again later."),
            status=500,
        )

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (AccordError, accord_error),
        (NinjaValidationError, validation_error),
        (NotAuthenticated, not_authenticated),
        (CsrfRefused, csrf_refused),
        (HttpError, http_error),
        (Http404, not_found),
        (MultiPartParserError, unreadable_body),
        (UnreadablePostError, unreadable_body),
        (SuspiciousOperation, unreadable_body),
        (Exception, unexpected),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)


def build_api(*, routers: Iterable[Router] = ROUTERS, urls_namespace: str = "api") -> AccordAPI:
    """The API with ``routers``; tests build a throwaway one to prove undeclared operations fail."""
    api = AccordAPI(
        title="Accord API",
        version="1",
        description="Accord's JSON API for signed-in members (session + second factor). "
        "See docs/api.md.",
        urls_namespace=urls_namespace,
        auth=[Undeclared()],
        docs_url=None,  # no interactive page (it would load scripts the CSP refuses)
        docs_decorator=members_only,
        parser=BodyParser(),
    )
    for router in routers:
        api.add_router("", router)
    install_error_handlers(api)
    return api


api = build_api()
