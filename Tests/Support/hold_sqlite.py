#!/usr/bin/python3
"""Holds a SQLite database the way another process would, for Duban's tests.

    hold_sqlite.py PATH read|write

read   opens a read transaction and keeps it (a long `status` or `preview`).
write  takes the write lock (BEGIN EXCLUSIVE) and keeps it (another writer).

Prints "READY" once held; releases and exits when stdin closes.
"""
import sqlite3
import sys

path, mode = sys.argv[1], sys.argv[2]
connection = sqlite3.connect(path, timeout=30, isolation_level=None)
if mode == "read":
    connection.execute("BEGIN")
    connection.execute("SELECT COUNT(*) FROM outbox").fetchall()
else:
    connection.execute("BEGIN EXCLUSIVE")
print("READY", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
