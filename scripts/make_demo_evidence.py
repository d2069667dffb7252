"""Rebuild the generated demo evidence under scoring/demo/evidence/ (made-up data).

The hand-written .txt reports are the source. This script derives from them, byte for byte
the same on every run:
  - Word versions of two reports (东港镇, 南湖街道; "a | b | c" lines become a Word table),
  - an Excel ledger for 东港镇 (法律顾问工作台账 and 学法记录 sheets),
  - a GB18030-encoded text file for 青山镇, as an old Windows machine would save it.

Usage:  python scripts/make_demo_evidence.py           # write the files
        python scripts/make_demo_evidence.py --check   # exit 1 if a file is out of date
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl.styles import Font

EVIDENCE = Path(__file__).resolve().parents[1] / "scoring" / "demo" / "evidence"
MARKER = "【演示数据】本材料为虚构的演示数据，不对应任何真实单位。"
FIXED_TIME = dt.datetime(2026, 2, 10, 9, 0, 0)
_ZIP_TIME = (2026, 2, 10, 9, 0, 0)
_TOP_HEADING = re.compile(r"^[一二三四五六七八九十]+、")


def deterministic_zip(data: bytes) -> bytes:
    """Re-pack an Office file with fixed entry times and core-property dates.

    python-docx and openpyxl stamp the current time into the ZIP entries and into
    docProps/core.xml; without this every run would change the committed binaries.
    """
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    lambda m: m.group(1) + stamp.encode() + m.group(2),
                    body,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body, compresslevel=9)
    return out.getvalue()


def _set_docx_properties(document: docx.document.Document, title: str) -> None:
    props = document.core_properties
    props.title = title
    props.author = "演示数据"
    props.last_modified_by = "演示数据"
    props.comments = MARKER
    props.created = props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1


def _add_table(document: docx.document.Document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    table.style = "Table Grid"
    for cells, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(cells.cells, values, strict=False):
            cell.text = value


def report_docx(source: Path) -> bytes:
    """The .txt report as a Word document: title, Heading 1 for "一、…", tables for "|" lines."""
    lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    document = docx.Document()
    _set_docx_properties(document, lines[1])
    table_rows: list[list[str]] = []
    for index, line in enumerate(lines):
        if " | " in line:
            table_rows.append([cell.strip() for cell in line.split("|")])
            continue
        if table_rows:
            _add_table(document, table_rows)
            table_rows = []
        if index == 0:
            document.add_paragraph(line).runs[0].italic = True
        elif index == 1:
            document.add_heading(line, level=0)
        elif _TOP_HEADING.match(line):
            document.add_heading(line, level=1)
        elif index >= len(lines) - 2:  # signature and date
            document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            document.add_paragraph(line)
    if table_rows:
        _add_table(document, table_rows)
    out = io.BytesIO()
    document.save(out)
    return deterministic_zip(out.getvalue())


_ADVISER_LEDGER = [
    ("序号", "日期", "服务类型", "服务事项", "服务律师", "业务科室反馈"),
    (1, dt.date(2025, 1, 14), "合同审查", "渔港码头改造项目施工合同", "律师甲", "满意"),
    (2, dt.date(2025, 2, 20), "法律意见", "海湾村集体海域养殖承包到期处置", "律师乙", "满意"),
    (3, dt.date(2025, 3, 11), "信访接待", "渔家村渔船补贴纠纷来访", "律师甲", "满意"),
    (4, dt.date(2025, 4, 8), "合同审查", "镇卫生院医疗设备采购合同", "律师乙", "满意"),
    (5, dt.date(2025, 5, 16), "合法性审查", "渔港码头改造重大行政决策草案", "律师甲", "满意"),
    (6, dt.date(2025, 6, 24), "法律意见", "港北村违法建设拆除程序", "律师乙", "基本满意"),
    (7, dt.date(2025, 7, 9), "矛盾调处", "海堤加固工程征用土地补偿争议", "律师甲", "满意"),
    (8, dt.date(2025, 8, 27), "合同审查", "垃圾转运服务外包合同", "律师乙", "满意"),
    (9, dt.date(2025, 9, 18), "出庭应诉", "行政诉讼案件一审出庭", "律师甲", "满意"),
    (10, dt.date(2025, 10, 30), "法律培训", "行政复议法修订要点讲座", "律师乙", "满意"),
    (11, dt.date(2025, 11, 21), "法律意见", "渔业执法案件法制审核", "律师甲", "满意"),
    (12, dt.date(2025, 12, 12), "合同审查", "2026年法律顾问服务合同续签", "律师乙", "满意"),
]
_STUDY_LOG = [
    ("序号", "日期", "形式", "学习内容", "主讲人", "参加人数"),
    (1, dt.date(2025, 1, 9), "常务会议会前学法", "《中华人民共和国行政复议法》", "司法所所长", 15),
    (
        2,
        dt.date(2025, 2, 13),
        "常务会议会前学法",
        "《中华人民共和国海域使用管理法》",
        "法律顾问",
        14,
    ),
    (3, dt.date(2025, 3, 6), "中心组学法", "习近平法治思想专题", "党委书记", 11),
    (4, dt.date(2025, 3, 20), "常务会议会前学法", "《中华人民共和国安全生产法》", "分管副镇长", 15),
    (5, dt.date(2025, 4, 17), "常务会议会前学法", "《渔业船舶检验条例》", "法律顾问", 13),
    (6, dt.date(2025, 5, 22), "常务会议会前学法", "《信访工作条例》", "信访办主任", 15),
]


def _add_sheet(workbook: openpyxl.Workbook, title: str, rows: list[tuple[object, ...]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([MARKER])
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=3, min_col=2, max_col=2):
        row[0].number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEF", (6, 12, 18, 34, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width


def ledger_xlsx() -> bytes:
    """东港镇's 法律顾问工作台账 and 学法记录 (excerpts), the marker line on top of each sheet."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    _add_sheet(workbook, "法律顾问台账", _ADVISER_LEDGER)
    _add_sheet(workbook, "学法记录", _STUDY_LOG)
    workbook.properties.creator = "演示数据"
    workbook.properties.title = "东港镇2025年法律顾问工作台账"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    out = io.BytesIO()
    workbook.save(out)
    return deterministic_zip(out.getvalue())


_QINGSHAN_NOTE = f"""{MARKER}

青山镇2025年行政执法案卷自查情况说明

根据区司法局关于开展行政执法案卷评查工作的通知要求，镇综合行政执法办公室于2026年1月对2025年办理的31件行政处罚案卷进行了自查，现将情况说明如下。

一、自查基本情况

本次自查采取逐卷核对的方式，重点检查案件来源、立案审批、调查取证、法制审核、告知听证、决定送达和结案归档等环节。31件案卷中，森林防火类19件，违法建设类8件，其他类4件。

二、发现的主要问题

一是7件案卷归档超过规定时限，主要集中在年中机构调整期间。二是2件案卷缺少送达回证，已联系当事人补充签收。三是个别询问笔录未载明执法证件号码。

三、整改措施

对逾期归档案卷明确专人负责，于2026年3月底前全部补正归档；统一使用区级执法文书模板；每季度开展一次案卷互查。

青山镇综合行政执法办公室
2026年2月6日
"""


def qingshan_gb18030() -> bytes:
    """A GB18030 text file with Windows line ends, as the town's old office PC saves it."""
    return _QINGSHAN_NOTE.replace("\n", "\r\n").encode("gb18030")


def _source(town: str) -> Path:
    return EVIDENCE / town / f"{town}2025年法治政府建设年度报告.txt"


TARGETS: dict[str, Callable[[], bytes]] = {
    "东港镇/东港镇2025年法治政府建设年度报告.docx": lambda: report_docx(_source("东港镇")),
    "南湖街道/南湖街道2025年法治政府建设年度报告.docx": lambda: report_docx(_source("南湖街道")),
    "东港镇/东港镇2025年法律顾问工作台账.xlsx": ledger_xlsx,
    "青山镇/青山镇2025年行政执法案卷自查情况说明.txt": qingshan_gb18030,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report out-of-date files")
    args = parser.parse_args(argv)
    stale = 0
    for relative, build in TARGETS.items():
        path = EVIDENCE / relative
        data = build()
        current = path.read_bytes() if path.exists() else None
        if args.check:
            if current != data:
                print(f"out of date: {relative}")
                stale += 1
            continue
        if current != data:
            path.write_bytes(data)
        print(f"{len(data):>7} bytes  {relative}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
