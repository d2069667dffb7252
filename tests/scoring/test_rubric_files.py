"""Rubric files that could break an assessment are refused early, each problem named in Chinese.

Alias bombs, duplicate keys, oversized or deeply nested files, other encodings, control
characters, look-alike names and pydantic's own messages.
"""

from __future__ import annotations

import codecs

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, Field, ValidationError

from scoring.cli import main
from scoring.errors import Problem, RubricError
from scoring.rubric.load import load_rubric, parse_rubric
from scoring.validation_messages import pydantic_message
from tests.conftest import DATA

MINIMAL = DATA / "rubrics" / "minimal.yaml"
TEXT = MINIMAL.read_text(encoding="utf-8")
# 7 levels of 9 aliases each: 9**7 (4.8 million) strings once expanded.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(6))


def problems(text: str, file: str = "x.yaml") -> list[Problem]:
    with pytest.raises(RubricError) as caught:
        parse_rubric(text, file)
    return caught.value.problems


def only(text: str) -> Problem:
    [problem] = problems(text)
    return problem


# ---- YAML structure -------------------------------------------------------------------------


def test_an_alias_bomb_is_refused_at_its_first_anchor():
    problem = only(BOMB)
    assert "锚点和别名" in str(problem.message)
    assert (problem.line, problem.column) == (1, 4)


def test_a_single_alias_is_refused_too():
    problem = only(TEXT.replace("department: 区司法局\n      - id: A2", "department: &dep 区司法局\n      - id: A2", 1))
    assert "锚点和别名" in str(problem.message)
    assert problem.line == 29


def test_a_duplicate_key_names_file_both_lines_and_the_key():
    text = TEXT.replace("        title: 领导学法\n", "        title: 领导学法\n        title: 学法\n", 1)
    problem = only(text)
    assert str(problem) == "x.yaml:21 → 一级指标 A → 考核项目 A1 → title: 字段重复（第 20 行已有），同一层级的字段只能写一次"


def test_a_file_over_1_mb_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(TEXT + "#" * (1024 * 1024), encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(big)
    assert [str(p.message) for p in caught.value.problems] == ["文件超过 1024 KB"]
    assert str(only(TEXT + "#" * (1024 * 1024)).message) == "内容超过 1024 KB"


def test_deep_nesting_is_refused_without_a_recursion_error():
    problem = only("a: " + "[" * 500 + "]" * 500)
    assert "嵌套超过" in str(problem.message) or "YAML 语法错误" in str(problem.message)
    assert "嵌套超过 40 层" in str(only("a:\n" + "".join("  " * n + "- \n" for n in range(1, 60))).message)


def test_a_second_yaml_document_is_refused():
    assert "第二个 YAML 文档" in str(only(TEXT + "---\nid: other\n").message)


def test_yaml_scalars_read_as_the_safe_loader_reads_them():
    rubric = parse_rubric(TEXT.replace("total_points: 10", "total_points: 10.0")
                          .replace("version: 1", "version: !!int '1'"))
    assert rubric.total_points == 10 and rubric.version == 1
    assert "不支持的 YAML 标签" in str(only(TEXT.replace("title: 最小考核细则", "title: !!python/name:os.system")).message)


# ---- encodings and characters -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-16", "utf-16-be"])
def test_rubrics_in_other_encodings_load_like_the_utf8_file(tmp_path, encoding):
    path = tmp_path / "细则.yaml"
    data = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path.write_bytes(data)
    assert load_rubric(path) == load_rubric(MINIMAL)
    result = CliRunner().invoke(main, ["rubric", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK ")


def test_undecodable_bytes_are_refused_naming_the_line_and_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(TEXT.encode("utf-8").replace("领导学法".encode(), b"\x80\xff", 1))
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    [problem] = caught.value.problems
    assert problem.line == 20
    assert "既不是 UTF-8 也不是 GB18030" in str(problem.message)
    result = CliRunner().invoke(main, ["rubric", "check", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"{path}:20: 文件既不是 UTF-8 也不是 GB18030" in result.output


def test_a_utf16_bom_with_broken_content_names_the_encoding(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(codecs.BOM_UTF16_LE + "id: x\n".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert "UTF-16" in str(caught.value.problems[0].message)


def test_a_control_character_is_refused_with_its_line():
    problem = only(TEXT.replace("领导学法", "领导\x07学法", 1))
    assert (problem.line, str(problem.message)) == (20, "不允许的控制字符 U+0007")


# ---- look-alike names -----------------------------------------------------------------------------


def test_a_grade_name_with_a_trailing_space_is_refused_at_that_grade():
    found = problems(TEXT.replace("{name: 良好, min_total: 8}", "{name: '良好 ', min_total: 8}"))
    assert any(p.path == ("等次 良好 ",) and p.field == "name" and "首尾不能有空白" in str(p.message)
               for p in found)


def test_a_level_name_with_a_trailing_space_is_refused():
    found = problems(TEXT.replace("{name: 较好, points: 3}", "{name: '较好 ', points: 3}"))
    assert [(p.path, p.field) for p in found] == [(("一级指标 A", "考核项目 A2", "档次 较好 "), "name")]


def test_an_id_with_spaces_gets_one_clear_problem_not_a_pattern_error():
    [problem] = problems(TEXT.replace("id: A1\n", "id: 'A1 '\n", 1))
    assert (problem.field, str(problem.message)) == ("id", "首尾不能有空白字符：“A1 ”")


def test_names_equal_after_full_width_normalisation_are_refused():
    text = TEXT.replace("{name: 好, points: 4.5}, {name: 较好, points: 3}",
                        "{name: AA, points: 4.5}, {name: ＡＡ, points: 3}")
    [problem] = problems(text)
    assert problem.path == ("一级指标 A", "考核项目 A2", "档次 ＡＡ") and problem.field == "name"
    assert str(problem.message) == "“ＡＡ”与“AA”只差空白或全角/半角，容易混淆，请统一写法"


def test_grade_names_equal_after_stripping_are_refused_even_beside_other_errors():
    text = TEXT.replace("{name: 合格, min_total: 6}", "{name: '优秀 ', min_total: 6}").replace(
        "issuer: 区委依法治区办", "issuer: ''")
    messages = {(p.path, p.field, str(p.message)) for p in problems(text)}
    assert (("等次 优秀 ",), "name", "“优秀 ”与“优秀”只差空白或全角/半角，容易混淆，请统一写法") in messages
    assert ((), "issuer", "至少需要 1 个字符") in messages


# ---- pydantic's messages never reach people raw ------------------------------------------------------


def test_rubric_field_errors_are_chinese():
    text = TEXT.replace("version: 1", "version: 0").replace("year: 2025", "year: abc").replace(
        "rule: trimmed_mean", "rule: max").replace("max_points: 1.5\n", "max_points: 1.555\n", 1)
    by_field = {p.field: str(p.message) for p in problems(text)}
    assert by_field["version"] == "应不小于 1"
    assert by_field["year"] == "应为整数"
    assert by_field["aggregation.rule"] == "应为以下之一：mean、median、trimmed_mean"
    assert by_field["max_points"] == "小数位数不能超过 2 位"
    assert not any("Input should" in m for m in by_field.values())


def test_a_levels_method_error_is_on_the_method_not_a_doubled_levels_key():
    text = TEXT.replace("          kind: levels\n", "          kind: levels\n          weight: 1\n", 1)
    [problem] = problems(text)
    assert (problem.path, problem.field) == (("一级指标 A", "考核项目 A2"), "method.weight")
    text = TEXT.replace("levels: [{name: 好, points: 4.5}, {name: 较好, points: 3}, {name: 一般, points: 1.5}, "
                        "{name: 差, points: 0}]", "levels: [{name: 好, points: 4.5}]")
    found = [(p.path, p.field, str(p.message)) for p in problems(text)]
    assert (("一级指标 A", "考核项目 A2"), "method.levels", "至少需要 2 项") in found


class _Sample(BaseModel):
    name: str = Field(max_length=3)
    tags: list[str] = Field(max_length=1)
    score: int = Field(lt=10)


@pytest.mark.parametrize(("value", "expected"), [
    ({"name": "abcd", "tags": [], "score": 1}, "不能超过 3 个字符"),
    ({"name": "a", "tags": ["x", "y"], "score": 1}, "最多 1 项"),
    ({"name": "a", "tags": [], "score": 10}, "应小于 10"),
    ({"name": "a", "tags": [], "score": 1, "x": 1}, "未知字段（请检查拼写）"),
])
def test_pydantic_message_maps_error_types_to_chinese_with_parameters(value, expected):
    class Strict(_Sample):
        model_config = {"extra": "forbid"}

    with pytest.raises(ValidationError) as caught:
        Strict.model_validate(value)
    [error] = caught.value.errors()
    assert str(pydantic_message(error)) == expected


def test_an_unmapped_pydantic_error_keeps_its_detail():
    message = pydantic_message({"type": "something_new", "msg": "Something new happened"})
    assert str(message) == "取值无效：Something new happened"


def test_the_one_pass_reader_reads_scalars_exactly_as_pyyaml_safe_load():
    import yaml

    from scoring.rubric.source import read_yaml

    text = ("a: ~\nb: yes\nc: 0x1f\nd: 1.5e2\ne: 1.5e+2\nf: 2025-01-02\ng: \"12\"\nh:\ni: !!str 5\nj: .inf\n"
            "k: 0.50\nl: 010\nm: [1, -2, +3, 1_000]\nn: {x: null, y: Off}\no: ''\np: |\n  多行\n  文本\n")
    assert read_yaml(text, "x.yaml")[0] == yaml.safe_load(text)
