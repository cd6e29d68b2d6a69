#!/usr/bin/python3
"""Checks that an HTML file is well-formed for mail clients: every non-void
element closed in order, no <script>, no external images. Prints problems, one
per line; prints nothing when the file is fine."""
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "hr", "input", "link", "col", "area", "base", "wbr", "source"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.problems.append("script element")
        if tag == "img" and any(k == "src" and v and not v.startswith("cid:") for k, v in attrs):
            self.problems.append("external image")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("unexpected </%s> (open: %s)" % (tag, "/".join(self.stack)))
        else:
            self.stack.pop()


checker = Checker()
checker.feed(open(sys.argv[1], encoding="utf-8").read())
checker.close()
if checker.stack:
    checker.problems.append("unclosed: " + "/".join(checker.stack))
print("\n".join(checker.problems))
