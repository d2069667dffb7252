"""The ranking as a table for people: Chinese headings, points as decimals (CLI, XLSX).

Written files never hold a live formula: text that a spreadsheet would run (``=``, ``+``,
``-``, ``@`` …, e.g. a town or note typed as ``=HYPERLINK(…)``) gets a leading ``'``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from scoring.outcome import Outcome
from scoring.points import from_cents
from scoring.ranking import RANKED
from scoring.rubric import Rubric
from scoring.textfiles import spreadsheet_safe


def ranking_table(rubric: Rubric, outcome: Outcome) -> pd.DataFrame:
    """Return one row per town in rank order (unranked towns last) with readable columns.

    A town that is not ranked (incomplete, or nothing applicable) shows its note
    ("未完成，缺 2 项") in place of the total, and no rank, grade or category points:
    a partial sum must never stand beside real totals.
    """
    ranking = outcome.ranking
    ranked = (ranking["status"] == RANKED).to_numpy()
    notes = [str(n) if n is not None else "" for n in ranking["grade_note"]]

    def points(column: str) -> list:
        return [from_cents(v) if r else "—" for v, r in zip(ranking[column], ranked, strict=True)]

    table = pd.DataFrame({
        "名次": ranking["rank"].astype(object).where(ranked, None),
        "单位": ranking["town"],
        "总分": [from_cents(v) if r else n for v, r, n in zip(ranking["total"], ranked, notes, strict=True)],
        "等次": ranking["grade"].fillna("—"),
    })
    for category in rubric.categories:
        table[f"{category.id} {category.title}"] = points(f"cat:{category.id}")
    table["加分"] = [from_cents(v) for v in ranking["bonus"]]
    table["一票否决"] = ranking["vetoes"].replace("", "—")
    table["评分分歧项"] = ranking["disagreements"]
    table["备注"] = [n if r else "" for n, r in zip(notes, ranked, strict=True)]
    return table


def item_table(rubric: Rubric, outcome: Outcome) -> pd.DataFrame:
    """One row per town × item: the combined points, the maximum, how many marks, and the state.

    A missing item shows 未评 and no points (never 0); a not-applicable one 不适用.
    """
    scores = outcome.item_scores
    titles = {item.id: (category, item.title) for category, item in rubric.all_items()}

    def state(row) -> str:
        if row.missing:
            return "未评"
        if row.not_applicable:
            return "不适用"
        return "分歧" if row.disagreement else "已评"

    return pd.DataFrame({
        "单位": scores["town"].astype(str),
        "一级指标": [f"{titles[i][0].id} {titles[i][0].title}" for i in scores["item"].astype(str)],
        "项目": scores["item"].astype(str),
        "项目名称": [titles[i][1] for i in scores["item"].astype(str)],
        "满分": [from_cents(v) for v in scores["max"]],
        "得分": [None if pd.isna(v) else from_cents(v) for v in scores["points"]],
        "评分人数": scores["n_marks"].astype(int),
        "最低": [None if pd.isna(v) else from_cents(v) for v in scores["lowest"]],
        "最高": [None if pd.isna(v) else from_cents(v) for v in scores["highest"]],
        "状态": [state(row) for row in scores.itertuples()],
    })


def write_results(rubric: Rubric, outcome: Outcome, target) -> None:
    """The ranking and every town's item points as one workbook (a path or a binary file)."""
    sheets = {"排名": ranking_table(rubric, outcome), "各项得分": item_table(rubric, outcome)}
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, table in sheets.items():
            _excel(table).to_excel(writer, sheet_name=name, index=False)


def _excel(table: pd.DataFrame) -> pd.DataFrame:
    """Neutralised text, decimals as numbers (Excel has no decimal type), no rank shown as —."""
    table = table.copy()
    table.columns = [spreadsheet_safe(c) for c in table.columns]
    table = table.map(spreadsheet_safe).map(lambda v: float(v) if isinstance(v, Decimal) else v)
    if "名次" in table:
        table["名次"] = table["名次"].astype(object).where(table["名次"].notna(), "—")
    return table


def write_ranking(rubric: Rubric, outcome: Outcome, path: str | Path) -> Path:
    """Write the ranking table to .xlsx or .csv and return the path."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        table = ranking_table(rubric, outcome)
        table.columns = [spreadsheet_safe(c) for c in table.columns]  # category titles are text too
        table = table.map(spreadsheet_safe)
        table.assign(名次=table["名次"].where(table["名次"].notna(), "—")).astype(str).to_csv(
            path, index=False, encoding="utf-8-sig")
    else:
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            _excel(ranking_table(rubric, outcome)).to_excel(writer, sheet_name="排名", index=False)
    return path
