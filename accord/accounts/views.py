"""Placeholder views; the accounts helper replaces this module."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from accord.web.access import member, password_step, public


@public
def banner(request: HttpRequest) -> HttpResponse:
    return HttpResponse("notice")


@public
def login(request: HttpRequest) -> HttpResponse:
    return HttpResponse("login")


@password_step
def mfa(request: HttpRequest) -> HttpResponse:
    return HttpResponse("mfa")


@password_step
def logout(request: HttpRequest) -> HttpResponse:
    return HttpResponse("logout")


@member()
def reauthenticate(request: HttpRequest) -> HttpResponse:
    return HttpResponse("reauth")
