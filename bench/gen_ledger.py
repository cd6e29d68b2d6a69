#!/usr/bin/env python3
"""Generates large ledgers for benchmarks: N tasks under N/3 problems, as CSV
(UTF-8) and as .xlsx (shared strings, a date style, merged problem cells —
the shape real ledgers have). Writes the workbook XML directly, so a 1M-task
workbook takes seconds rather than openpyxl's minutes.

    gen_ledger.py TASKS OUTDIR   → OUTDIR/ledger-TASKS.csv, OUTDIR/ledger-TASKS.xlsx, OUTDIR/duban-TASKS.toml
"""
import csv
import datetime as dt
import os
import random
import sys
import zipfile
from xml.sax.saxutils import escape

HEADER = ["序号", "问题类别", "问题描述", "任务编号", "整改措施", "责任部门", "责任人", "分管领导",
          "整改时限", "中期检查点", "验收标准", "整改进展", "完成情况", "完成日期", "销号日期", "备注"]
DEPTS = ["党委办公室", "组织部", "宣传部", "财务处", "人事处", "纪检监察室", "后勤处", "信息中心"]
STATUSES = ["未整改", "整改中", "部分整改", "已完成", "已验收", "已销号", "长期坚持"]
CATEGORIES = ["党的建设", "财务管理", "选人用人", "作风建设", "制度执行"]


def rows(n, seed=7):
    rnd = random.Random(seed)
    base = dt.date(2026, 3, 15)
    task = 0
    problem = 0
    while task < n:
        problem += 1
        for k in range(min(rnd.randint(1, 5), n - task)):
            task += 1
            due = base + dt.timedelta(days=rnd.randint(30, 400))
            status = rnd.choice(STATUSES)
            done = due - dt.timedelta(days=rnd.randint(0, 20)) if status in ("已完成", "已验收", "已销号") else None
            closed = done + dt.timedelta(days=10) if status == "已销号" else None
            deadline = rnd.choice([due, due, due, f"{due.year}年{due.month}月{due.day}日前", "长期坚持", "立行立改"])
            cp = f"{(due - dt.timedelta(days=30)).isoformat()} 阶段检查" if rnd.random() < 0.3 else ""
            yield (problem, k == 0, [str(problem), rnd.choice(CATEGORIES), f"第{problem}号问题：制度执行不到位，存在薄弱环节",
                   f"T{problem}-{k + 1}", f"针对问题{problem}制定第{k + 1}项整改措施并抓好落实", rnd.choice(DEPTS),
                   f"干部{rnd.randint(1, 2000)}", f"领导{rnd.randint(1, 40)}", deadline, cp, "措施落实到位，形成长效机制",
                   "按计划推进", status, done, closed, ""])


def cell_text(v):
    if isinstance(v, dt.date):
        return f"{v.year}/{v.month}/{v.day}"
    return "" if v is None else str(v)


def write_csv(n, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["XX单位巡察反馈问题整改台账"])
        w.writerow(HEADER)
        for _, first, r in rows(n):
            if not first:
                r = [""] * 3 + r[3:7] + [""] + r[8:]
            w.writerow([cell_text(v) for v in r])


def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(n, path):
    strings, index = [], {}

    def sst(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    epoch = dt.date(1899, 12, 30)
    sheet_path = path + ".sheet.tmp"
    merges = []
    with open(sheet_path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        out.write(f'<row r="1"><c r="A1" t="s"><v>{sst("XX单位巡察反馈问题整改台账")}</v></c></row>')
        out.write('<row r="2">' + "".join(f'<c r="{col(i)}2" t="s"><v>{sst(h)}</v></c>' for i, h in enumerate(HEADER)) + "</row>")
        r = 2
        start = None
        for problem, first, values in rows(n):
            r += 1
            if first:
                if start is not None and r - 1 > start:
                    merges.append((start, r - 1))
                start = r
            parts = []
            for i, v in enumerate(values):
                if (not first and i in (0, 1, 2, 7)) or v in (None, ""):
                    continue
                ref = f"{col(i)}{r}"
                if isinstance(v, dt.date):
                    parts.append(f'<c r="{ref}" s="1"><v>{(v - epoch).days}</v></c>')
                elif i == 0:
                    parts.append(f'<c r="{ref}"><v>{v}</v></c>')
                else:
                    parts.append(f'<c r="{ref}" t="s"><v>{sst(v)}</v></c>')
            out.write(f'<row r="{r}">' + "".join(parts) + "</row>")
        if start is not None and r > start:
            merges.append((start, r))
        out.write("</sheetData>")
        if merges:
            out.write(f'<mergeCells count="{len(merges) * 4}">')
            for a, b in merges:
                for c in (0, 1, 2, 7):
                    out.write(f'<mergeCell ref="{col(c)}{a}:{col(c)}{b}"/>')
            out.write("</mergeCells>")
        out.write("</worksheet>")

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="整改台账" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>')
        z.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
        z.write(sheet_path, "xl/worksheets/sheet1.xml")
    os.remove(sheet_path)


def write_config(n, outdir, ext):
    path = os.path.join(outdir, f"duban-{n}-{ext}.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'[organization]\nname = "基准"\n[programme]\nname = "基准"\nfeedback_date = 2026-03-15\n[ledger]\npaths = ["ledger-{n}.{ext}"]\nmax_bytes = 4294967296\n'
                f'[schedule]\ncalendars = "../../config/calendars"\n[chain]\noffice = {{ name = "整改办", email = "zgb@example.org" }}\n'
                f'[state]\npath = "state-{n}-{ext}.sqlite"\n[mail]\ntemplates = ["../../config/templates"]\nfolder = "mail-{n}-{ext}"\n')
    return path


if __name__ == "__main__":
    n, outdir = int(sys.argv[1]), sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    write_csv(n, os.path.join(outdir, f"ledger-{n}.csv"))
    write_xlsx(n, os.path.join(outdir, f"ledger-{n}.xlsx"))
    write_config(n, outdir, "csv")
    write_config(n, outdir, "xlsx")
