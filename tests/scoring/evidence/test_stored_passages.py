"""Stored passages keep what extraction knew, and read back as the same passages."""

from __future__ import annotations

from scoring.evidence import extract_passages
from scoring.evidence.passages import Block, build_passages
from scoring.services import blob_store
from scoring.store import operations, queries
from scoring.store.audit import Actor


def test_row_heading_section_path_and_end_page_survive_the_store(db, ids, settings) -> None:
    admin = Actor(ids["users"]["admin"], "admin")
    operations.set_phase(db, admin, ids["scoring"], "submission")
    data = "一、法律顾问\n（一）聘请\n镇政府聘请法律顾问一名。".encode()
    passages = extract_passages(data, "txt", "补充.txt")
    passages += build_passages([Block("跨页的段落。", page=3, page_end=4),
                                Block("2025-03-12 | 合同审查", sheet="台账", row=5)], "补充.txt")
    row = operations.add_evidence(db, admin, assessment_id=ids["scoring"], town_id=ids["towns"]["新城镇"],
                                  name="补充.txt", kind="txt", data=data, passages=passages,
                                  blobs=blob_store(settings, db))
    stored = queries.passages(db, [row.id])
    assert [p.location for p in stored] == [p.location for p in passages] == [
        "第1段", "第2段", "第3段", "第3–4页第1段", "工作表“台账”第5行"]
    assert [p.is_heading for p in stored] == [True, True, False, False, False]
    assert stored[2].section_path == ["一、法律顾问", "（一）聘请"]
    again = [p.to_passage("补充.txt") for p in stored]
    assert [(p.text, p.section_path, p.row, p.page_end) for p in again] == [
        (p.text, p.section_path, p.row, p.page_end) for p in passages]
