#!/usr/bin/python3
"""The yardstick for bench/run: a plain Python planner, standard library only
(csv, datetime, tomllib for the work calendars), reading the same CSV ledger
and applying the same rule as Duban's default policy to each open task: its
next reminder (7 calendar days before the deadline or a checkpoint, moved back
to a working day) or escalation (working days 1 and 5 after the deadline, then
every 5 working days, 4 repeats) on or after the given day. Prints one line
per open task that has one, so its output is of the same order as Duban's.

    python_planner.py LEDGER.csv CALENDARS-FOLDER FEEDBACK-DATE AT-DATE
"""
import csv
import datetime as dt
import functools
import os
import re
import sys
import tomllib

OPEN = {"未整改", "未完成", "未开始", "整改中", "部分整改", "正在整改", "推进中", "进行中", ""}
DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:前|之前|以前)?$")


def load_calendar(folder):
    holidays, workdays = set(), set()
    for name in os.listdir(folder):
        if name.endswith(".toml"):
            with open(os.path.join(folder, name), "rb") as f:
                year = tomllib.load(f)
            for days in year.get("holidays", {}).values():
                holidays.update(days)
            for days in year.get("workdays", {}).values():
                workdays.update(days)
    return holidays, workdays


def main():
    ledger, calendars, feedback, at = sys.argv[1:5]
    holidays, workdays = load_calendar(calendars)
    feedback = dt.date.fromisoformat(feedback)
    today = dt.date.fromisoformat(at)
    one = dt.timedelta(days=1)

    def working(day):
        return day in workdays or (day not in holidays and day.weekday() < 5)

    def working_day(n, after):
        day, step = after, (1 if n >= 0 else -1)
        for _ in range(abs(n)):
            day += step * one
            while not working(day):
                day += step * one
        return day

    def on_or_before(day):
        while not working(day):
            day -= one
        return day

    @functools.cache
    def ladder(deadline):
        # A million tasks share a few hundred deadlines: each date's days once.
        days = [on_or_before(deadline - 7 * one), working_day(1, deadline)]
        last = working_day(5, deadline)
        days.append(last)
        for _ in range(4):
            last = working_day(5, last)
            days.append(last)
        return tuple(days)

    @functools.cache
    def checkpoint_reminder(text):
        return on_or_before(dt.date.fromisoformat(text) - 7 * one)

    @functools.cache
    def parse(text):
        m = DATE.match(text)
        return dt.date(int(m[1]), int(m[2]), int(m[3])) if m else None

    out = sys.stdout
    with open(ledger, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        for row in rows:
            if "整改时限" in row:
                header = {name: i for i, name in enumerate(row)}
                break
        cid, cdeadline, ccheck, cstatus = (header[k] for k in ("任务编号", "整改时限", "中期检查点", "完成情况"))
        for row in rows:
            if row[cstatus].strip() not in OPEN:
                continue
            text = row[cdeadline].strip()
            if text == "立行立改":
                deadline = feedback + dt.timedelta(days=30)
            else:
                deadline = parse(text)
            if deadline is None:
                continue  # 长期坚持 or unreadable: no deadline mail
            candidates = list(ladder(deadline))
            checkpoint = row[ccheck].split(" ")[0]
            if checkpoint:
                candidates.append(checkpoint_reminder(checkpoint))
            upcoming = [day for day in candidates if day >= today]
            if upcoming:
                out.write(f"{row[cid]}\t{min(upcoming).isoformat()}\n")


if __name__ == "__main__":
    main()
