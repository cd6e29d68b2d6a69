#!/usr/bin/python3
"""A real SMTP server for Duban's tests: aiosmtpd (Debian's python3-aiosmtpd)
on a loopback port, with switches for the failures the tests need.

    smtp_server.py --spool DIR [--security plain|starttls|tls] [--cert PEM --key PEM]
                   [--auth USER:PASSWORD] [--fail-after N] [--slow SECONDS] [--port N]
                   [--refuse ADDRESS=CODE[xTIMES]]... [--lock-db PATH --lock-after N]

Prints "READY <port>" once listening. Every accepted message is written to
DIR/<n>.eml (with <n>.eml.rcpt, the recipients, and <n>.eml.helo, the
client's EHLO name). RCPT addresses starting with "reject" get a 550, with "later" a
450. --fail-after N answers the (N+1)th and later DATA with 421
(a client must treat the session as over). --slow delays every DATA reply.
--refuse answers RCPT TO:<ADDRESS> with CODE (450, 550, ...), the first TIMES
times only when xTIMES is given (then it accepts). --lock-db takes an
exclusive write lock on that SQLite file (BEGIN EXCLUSIVE, as another process
would) right after accepting the Nth message (--lock-after), before replying,
and holds it until the server stops. Runs until killed or until stdin closes.
"""
import argparse
import asyncio
import os
import socket
import sqlite3
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, spool, fail_after, slow, refuse=None, lock_db=None, lock_after=None):
        self.spool = spool
        self.fail_after = fail_after
        self.slow = slow
        self.count = 0
        self.lock = threading.Lock()
        self.refuse = refuse or {}
        self.lock_db = lock_db
        self.lock_after = lock_after
        self.holder = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            code, times = self.refuse[address]
            if times is None or times > 0:
                if times is not None:
                    self.refuse[address] = (code, times - 1)
                text = "mailbox busy, try later" if code.startswith("4") else "no such user"
                return "%s <%s>: %s" % (code, address, text)
        if address.startswith("reject"):
            return "550 5.1.1 <%s>: no such user" % address
        if address.startswith("later"):
            return "450 4.2.0 <%s>: mailbox busy, try later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.slow:
            await asyncio.sleep(self.slow)
        with self.lock:
            if self.fail_after is not None and self.count >= self.fail_after:
                return "421 4.3.2 service shutting down"
            self.count += 1
            n = self.count
        path = os.path.join(self.spool, "%06d.eml" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(path + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        # Who sent it (the EHLO name): tests with several senders tell them apart.
        with open(path + ".helo", "w") as f:
            f.write(session.host_name or "")
        os.rename(path + ".tmp", path)
        if self.lock_db and n == self.lock_after and self.holder is None:
            # Another process holding the state database's write lock.
            self.holder = sqlite3.connect(self.lock_db, timeout=30, isolation_level=None)
            self.holder.execute("BEGIN EXCLUSIVE")
        return "250 OK queued as %d" % n


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)
    return check


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spool", required=True)
    parser.add_argument("--security", default="plain", choices=["plain", "starttls", "tls"])
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth")
    parser.add_argument("--fail-after", type=int)
    parser.add_argument("--slow", type=float, default=0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--refuse", action="append", default=[])
    parser.add_argument("--lock-db")
    parser.add_argument("--lock-after", type=int)
    args = parser.parse_args()
    refuse = {}
    for item in args.refuse:
        address, rule = item.split("=", 1)
        code, _, times = rule.partition("x")
        refuse[address] = (code, int(times) if times else None)
    os.makedirs(args.spool, exist_ok=True)

    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]

    context = None
    if args.security != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    kwargs = dict(hostname="127.0.0.1", port=port)
    if args.security == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif args.security == "tls":
        kwargs.update(ssl_context=context)
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs.update(authenticator=authenticator(user, password), auth_required=True,
                      auth_require_tls=args.security != "plain")
    controller = Controller(Handler(args.spool, args.fail_after, args.slow, refuse, args.lock_db, args.lock_after), **kwargs)
    controller.start()
    print("READY %d" % port, flush=True)
    try:
        sys.stdin.read()  # the test closes stdin (or kills us) to stop the server
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
