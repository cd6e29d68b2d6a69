#!/usr/bin/python3
"""Reads an .xlsx workbook with openpyxl and prints what it holds as JSON:
the active sheet's title, frozen pane, column widths, the header row's fonts,
every row's values (dates as {"date": ISO}) and number formats, and the zip's
parts with their compression methods and a CRC check."""
import datetime
import json
import sys
import zipfile

import openpyxl

path = sys.argv[1]
archive = zipfile.ZipFile(path)
parts = {info.filename: info.compress_type for info in archive.infolist()}
bad = archive.testzip()
workbook = openpyxl.load_workbook(path)
sheet = workbook.active


def value(cell):
    v = cell.value
    if isinstance(v, datetime.datetime):
        return {"date": v.isoformat()}
    if isinstance(v, datetime.date):
        return {"date": v.isoformat()}
    return v


rows, formats = [], []
for row in sheet.iter_rows():
    rows.append([value(c) for c in row])
    formats.append([c.number_format for c in row])
widths = {}
for letter, dimension in sheet.column_dimensions.items():
    widths[letter] = dimension.width
print(json.dumps({
    "sheets": workbook.sheetnames,
    "title": sheet.title,
    "freeze": sheet.freeze_panes,
    "widths": widths,
    "header_bold": [bool(c.font and c.font.b) for c in sheet[1]],
    "rows": rows,
    "formats": formats,
    "parts": parts,
    "crc_error": bad,
}, ensure_ascii=False))
