#!/usr/bin/env python3
"""Makes the ledger fixtures the tests read, and the example ledger in config/examples/.

Workbooks are written by openpyxl (a real spreadsheet writer: merged cells,
number formats, rich text, the 1904 date system); the features openpyxl never
writes (inline strings, cells without `r`, phonetic runs, absolute
relationship targets, the zh-CN built-in date format 31) are in a workbook
assembled here from hand-written parts. Run from anywhere:

    pip install openpyxl==3.1.5 && python3 make_fixtures.py

The outputs are committed; the tests never run this script.
"""
import datetime as dt
import os
import shutil
import zipfile

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "..", "config", "examples")

HEADER = ["序号", "问题类别", "问题描述", "任务编号", "整改措施", "责任部门", "责任人", "分管领导",
          "整改时限", "中期检查点", "验收标准", "整改进展", "完成情况", "完成日期", "验收日期", "销号日期", "备注"]
D = dt.date

# (problem number, category, description, leader, tasks); task =
# (id, measure, department, officer, deadline, checkpoints, acceptance, progress, status, done, accepted, closed)
PROBLEMS = [
    ("1", "党的建设", "理论学习中心组学习流于形式，学用脱节", "李强", [
        ("T1-1", "制定年度理论学习计划", "党委办公室", "张伟", D(2026, 6, 30),
         "2026-04-30 计划初稿；2026-05-31 征求意见", "计划印发", "已起草", "整改中", None, None, None),
        ("T1-2", "建立学习台账，逐次记录", "党委办公室", "王芳", "2026年5月31日前",
         None, "台账建立", "已建立", "已完成", D(2026, 5, 20), None, None),
        ("T1-3", "开展专题研讨，每季度一次", "宣传部", "刘洋", "长期坚持",
         None, "每季度一次", None, "长期坚持", None, None, None),
    ]),
    ("2", "财务管理", "公务接待超标准，\"陪餐\"人数超规定", "赵敏", [
        ("T2-1", "清退超标准接待费用", "财务处", "陈静", "立行立改",
         None, "费用清退到位", "已清退", "已销号", D(2026, 3, 25), D(2026, 3, 28), D(2026, 3, 31)),
        ("T2-2", "修订公务接待管理办法", "财务处", "陈静", "6月底前",
         None, "办法印发", "已印发", "已验收", D(2026, 6, 10), D(2026, 6, 20), None),
    ]),
    ("3", "选人用人", None, "周杰", [
        ("T3-1", "专项审核干部人事档案", "组织部", "孙丽", "2026年底前，并长期坚持",
         "2026-10-15 完成自查；2026-11-30 完成复核", "档案审核全覆盖", "正在审核", "部分整改", None, None, None),
        ("T3-2", "建立档案审核责任制，明确\n审核程序", "组织部", "孙丽", "2026年9月30日",
         None, "制度印发", None, "未整改", None, None, None),
    ]),
]
# Problem 3's description is rich text: two runs, one bold.
RICH = CellRichText([TextBlock(InlineFont(b=True), "干部档案审核不严，"), "部分档案信息不一致"])
RICH_PLAIN = "干部档案审核不严，部分档案信息不一致"


def sample_workbook(path, title="XX单位巡察反馈问题整改台账"):
    wb = Workbook()
    ws = wb.active
    ws.title = "整改台账"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(["填报日期：2026年3月20日"])
    ws.append(HEADER)
    row = 4
    for number, category, description, leader, tasks in PROBLEMS:
        first = row
        for i, t in enumerate(tasks):
            tid, measure, dept, officer, deadline, cps, acc, prog, status, done, accepted, closed = t
            values = [int(number) if i == 0 else None, category if i == 0 else None,
                      (description or RICH) if i == 0 else None, tid, measure, dept, officer,
                      leader if i == 0 else None, deadline, cps, acc, prog, status, done, accepted, closed, None]
            for col, v in enumerate(values, start=1):
                if v is None:
                    continue
                c = ws.cell(row=row, column=col, value=v)
                if isinstance(v, dt.date):
                    # One built-in (14) and one custom Chinese date format.
                    c.number_format = "yyyy\"年\"m\"月\"d\"日\"" if col == 9 else "mm-dd-yy"
            row += 1
        if len(tasks) > 1:
            for col in (1, 2, 3, 8):
                ws.merge_cells(start_row=first, start_column=col, end_row=row - 1, end_column=col)
        if number == "2":
            row += 1  # a blank row between problems
    # A second sheet that must not be read unless asked for.
    other = wb.create_sheet("说明")
    other.append(["本表由整改办维护"])
    wb.save(path)


def csv_rows():
    """The same ledger as a CSV exported from the merged sheet: problem-level
    cells are blank in continuation rows, as Excel writes them."""
    rows = [["XX单位巡察反馈问题整改台账"], [], HEADER]
    for number, category, description, leader, tasks in PROBLEMS:
        for i, t in enumerate(tasks):
            tid, measure, dept, officer, deadline, cps, acc, prog, status, done, accepted, closed = t
            def fmt(v):
                if v is None:
                    return ""
                if isinstance(v, dt.date):
                    return f"{v.year}/{v.month}/{v.day}"
                return str(v)
            rows.append([number if i == 0 else "", category if i == 0 else "",
                         (description or RICH_PLAIN) if i == 0 else "", tid, measure, dept, officer,
                         leader if i == 0 else "", fmt(deadline), fmt(cps), acc, fmt(prog), status,
                         fmt(done), fmt(accepted), fmt(closed), ""])
    return rows


def write_csv(path, rows, encoding, bom=False):
    import csv, io
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().encode(encoding)
    with open(path, "wb") as f:
        if bom:
            f.write(b"\xef\xbb\xbf")
        f.write(data)


def workbook_1904(path):
    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["序号", "整改措施", "责任部门", "整改时限"])
    ws.append([1, "在1904日期系统中的任务", "办公室", D(2026, 6, 30)])
    ws["D2"].number_format = "yyyy-mm-dd"
    wb.save(path)


def empty_workbook(path):
    wb = Workbook()
    wb.save(path)


HANDMADE_PARTS = {
    "[Content_Types].xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
</Types>""",
    "_rels/.rels": """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>""",
    "xl/workbook.xml": """<?xml version="1.0" encoding="UTF-8"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<x:sheets>
<x:sheet name="隐藏" sheetId="1" state="hidden" r:id="rIdA"/>
<x:sheet name="台账" sheetId="2" r:id="rIdB"/>
</x:sheets>
</x:workbook>""",
    # Absolute and relative targets, as different writers emit them.
    "xl/_rels/workbook.xml.rels": """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rIdA" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/hidden.xml"/>
<Relationship Id="rIdB" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/../worksheets/ledger.xml"/>
<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/strings.xml"/>
<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>""",
    # Index 0: plain; 1: rich runs; 2: with a phonetic guide that is not part of the value.
    "xl/strings.xml": """<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">
<si><t>整改措施</t></si>
<si><r><rPr><b/></rPr><t>落实</t></r><r><t xml:space="preserve">“三重一大” &amp; 制度</t></r></si>
<si><t>张伟</t><rPh sb="0" eb="2"><t>zhang wei</t></rPh><phoneticPr fontId="1"/></si>
</sst>""",
    # cellXfs: 0 general, 1 built-in 31 (yyyy年m月d日), 2 custom 176 (a Chinese date), 3 plain number 2.
    "xl/styles.xml": """<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="176" formatCode="[$-804]yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;;@"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="176"/><xf numFmtId="2"/></cellXfs>
</styleSheet>""",
    "xl/worksheets/hidden.xml": """<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>hidden sheet</t></is></c></row>
</sheetData></worksheet>""",
    # Row 1 has no `r` on its cells; row 2 mixes types; the last row has no `r` at all.
    "xl/worksheets/ledger.xml": """<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1">
<c t="inlineStr"><is><t>序号</t></is></c><c t="s"><v>0</v></c><c t="inlineStr"><is><t>责任人</t></is></c>
<c t="inlineStr"><is><t>整改时限</t></is></c><c t="inlineStr"><is><t>中期检查点</t></is></c><c t="inlineStr"><is><t>备注</t></is></c>
</row>
<row r="2">
<c r="A2"><v>1</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c>
<c r="D2" s="1"><v>46203</v></c><c r="E2" s="2"><v>46173</v></c><c r="F2" t="str"><f>CONCATENATE("a","b")</f><v>ab</v></c>
</row>
<row>
<c r="A3" s="3"><v>2</v></c><c r="B3" t="inlineStr"><is><r><t>检查</t></r><r><t>公式</t></r></is></c><c r="C3" t="b"><v>1</v></c>
<c r="D3" t="e"><v>#N/A</v></c><c r="F3" t="inlineStr"><is><t>备注&lt;b&gt;</t></is></c>
</row>
</sheetData></worksheet>""",
}


def handmade_workbook(path, parts=HANDMADE_PARTS):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


def bad_index_workbook(path):
    parts = dict(HANDMADE_PARTS)
    parts["xl/worksheets/ledger.xml"] = HANDMADE_PARTS["xl/worksheets/ledger.xml"].replace(
        '<c r="C2" t="s"><v>2</v></c>', '<c r="C2" t="s"><v>99</v></c>')
    handmade_workbook(path, parts)


def bomb_workbook(path, size=1100 * 1024 * 1024):
    """A zip whose sheet inflates past the reader's 1 GiB part limit: kilobytes on disk."""
    parts = dict(HANDMADE_PARTS)
    del parts["xl/worksheets/ledger.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/ledger.xml", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(size // len(chunk)):
                f.write(chunk)


def main():
    sample = os.path.join(HERE, "sample.xlsx")
    sample_workbook(sample)
    rows = csv_rows()
    write_csv(os.path.join(HERE, "sample-utf8.csv"), rows, "utf-8")
    write_csv(os.path.join(HERE, "sample-bom.csv"), rows, "utf-8", bom=True)
    write_csv(os.path.join(HERE, "sample-gb18030.csv"), rows, "gb18030")
    workbook_1904(os.path.join(HERE, "dates1904.xlsx"))
    empty_workbook(os.path.join(HERE, "empty.xlsx"))
    handmade_workbook(os.path.join(HERE, "handmade.xlsx"))
    bad_index_workbook(os.path.join(HERE, "bad-index.xlsx"))
    bomb_workbook(os.path.join(HERE, "bomb.xlsx"))
    with open(sample, "rb") as f:
        data = f.read()
    with open(os.path.join(HERE, "truncated.xlsx"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(HERE, "old.xls"), "wb") as f:
        f.write(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504)

    # Bad input, one problem per row, each at a known cell.
    bad = [HEADER,
           ["1", "类别", "问题一", "B-1", "正常任务", "办公室", "张伟", "李强", "2026-06-30", "", "", "", "整改中", "", "", "", ""],
           ["", "", "", "B-2", "时限写错", "办公室", "张伟", "", "下月中旬", "", "", "", "整改中", "", "", "", ""],
           ["", "", "", "B-3", "日期不存在", "办公室", "张伟", "", "2026-02-30", "", "", "", "整改中", "", "", "", ""],
           ["", "", "", "B-4", "状态未知", "办公室", "张伟", "", "2026-07-31", "", "", "", "研究中", "", "", "", ""],
           ["", "", "", "B-1", "编号重复", "办公室", "张伟", "", "2026-08-31", "", "", "", "", "", "", "", ""],
           ["", "", "", "B-5", "检查点一好一坏", "办公室", "张伟", "", "2026-09-30", "2026-07-15 方案；某天 试点", "", "", "", "", "", "", ""],
           ["", "", "", "B-6", "时限为空", "办公室", "张伟", "", "", "", "", "", "", "", "", "", ""],
           ]
    write_csv(os.path.join(HERE, "bad.csv"), bad, "utf-8")
    write_csv(os.path.join(HERE, "no-header.csv"), [["标题"], ["a", "b", "c"], ["1", "2", "3"]], "utf-8")

    people = [["姓名", "部门", "邮箱", "上级"],
              ["张伟", "党委办公室", "zhang.wei@example.org", "李强"],
              ["王芳", "党委办公室", "wang.fang@example.org", "李强"],
              ["刘洋", "宣传部", "liu.yang@example.org", "李强"],
              ["陈静", "财务处", "chen.jing@example.org", "赵敏"],
              ["孙丽", "组织部", "", "周杰"],
              ["李强", "党委", "li.qiang@example.org", ""],
              ["赵敏", "党委", "zhao.min@example.org", ""],
              ["周杰", "党委", "zhou.jie@example.org", ""]]
    write_csv(os.path.join(HERE, "people.csv"), people, "utf-8")

    os.makedirs(EXAMPLES, exist_ok=True)
    shutil.copy(sample, os.path.join(EXAMPLES, "ledger.xlsx"))
    write_csv(os.path.join(EXAMPLES, "people.csv"), people, "utf-8")


if __name__ == "__main__":
    main()
