#!/usr/bin/python3
"""Parses .eml files with Python's own MIME parser (the `email` package) and
prints what a mail client would see, as JSON, for Duban's tests:

    parse_mail.py FILE...  →  [{"subject", "from", "to", "cc", "message_id", "date",
                               "defects", "headers", "text", "html", "attachments": [...]}]

Attachments of type text/calendar are parsed with python3-icalendar too.
"""
import json
import sys
from email import policy
from email.parser import BytesParser


def defects_of(message):
    found = [type(d).__name__ for d in message.defects]
    for part in message.walk():
        found += [type(d).__name__ for d in part.defects]
        for value in part.values():
            found += [type(d).__name__ for d in getattr(value, "defects", [])]
    return found


def describe(path):
    raw = open(path, "rb").read()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    attachments = []
    for part in message.iter_attachments():
        entry = {"filename": part.get_filename(), "type": part.get_content_type()}
        if part.get_content_type() == "text/calendar":
            from icalendar import Calendar
            calendar = Calendar.from_ical(part.get_content())
            entry["events"] = [
                {"uid": str(e.get("uid")), "summary": str(e.get("summary")),
                 "start": e.decoded("dtstart").isoformat(), "end": e.decoded("dtend").isoformat()}
                for e in calendar.walk("VEVENT")
            ]
        attachments.append(entry)
    longest = max(len(line) for line in raw.split(b"\r\n"))
    return {
        "subject": str(message["subject"]),
        "from": str(message["from"]),
        "to": str(message["to"] or ""),
        "cc": str(message["cc"] or ""),
        "message_id": str(message["message-id"]),
        "date": str(message["date"]),
        "headers": [k.lower() for k in message.keys()],
        "defects": defects_of(message),
        # Line ends as a client shows them: CRLF on the wire, LF in the text.
        "text": text.get_content().replace("\r\n", "\n") if text else None,
        "html": html.get_content().replace("\r\n", "\n") if html else None,
        "attachments": attachments,
        "longest_line": longest,
        "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
    }


print(json.dumps([describe(p) for p in sys.argv[1:]], ensure_ascii=False))
