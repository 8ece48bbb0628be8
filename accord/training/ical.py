"""iCalendar (RFC 5545) export of training sessions, for members' own calendars.

Only catalog facts go out (course, time, place or link, trainers); never who attends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from .models import TrainingSession


def sessions_calendar(
    *, sessions: Iterable[TrainingSession], name: str, host: str, now: datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Accord//Joint training//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        event = Event()
        event.add("uid", f"training-session-{session.pk}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", session.course.title)
        if session.where:
            event.add("location", session.place or session.online_url)
        if session.online_url:
            event.add("url", session.online_url)
        lines = [f"Provider: {session.course.provider}"]
        if session.trainer_list:
            lines.append("Trainers: " + ", ".join(session.trainer_list))
        if session.online_url:
            lines.append(f"Online: {session.online_url}")
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    return calendar.to_ical()
