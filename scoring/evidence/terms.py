"""The field's vocabulary for matching: terms of 法治政府建设 and the other words towns use for them.

Generic to the domain (the wording of rubrics, 纲要 and annual reports everywhere), never
keyed to one report's sentences.
"""

from __future__ import annotations

# Words jieba's general dictionary would split, that carry one meaning in this domain.
DOMAIN_WORDS = (
    "法律顾问", "公职律师", "合法性审查", "法制审核", "法治审核", "行政执法", "依法行政", "法治政府",
    "法治建设", "第一责任人", "学法用法", "会前学法", "集体学法", "领导小组", "重大行政决策",
    "规范性文件", "行政复议", "行政诉讼", "出庭应诉", "应诉", "政务公开", "信息公开", "执法记录仪", "双随机",
    "案卷评查", "普法", "述法", "权责清单", "权力清单", "民主法治示范村", "三项制度", "执法公示",
    "全过程记录", "裁量基准", "裁量权", "执法监督平台", "持证上岗", "亮证执法", "执法资格",
    "宪法宣传周", "国家宪法日", "民法典", "谁执法谁普法", "普法责任制", "矛盾纠纷", "人民调解",
    "信访", "便民服务", "一次性告知", "政务服务", "目标考核", "绩效考核", "年度报告", "整改",
    "人大代表建议", "政协委员提案", "风险评估", "专家论证", "公众参与", "集体讨论", "合同审查",
    "备案", "清理", "工作台账", "综合执法", "执法巡查", "专题研究", "述职", "学法考试",
)

# Units that say nothing about which item a passage supports: every report is full of them.
STOPWORDS = frozenset(
    "的 了 和 与 及 等 是 在 对 为 将 把 也 都 并 中 有 年 各 个 其 之 工作 建设 开展 推进 加强 落实 情况 "
    "按照 要求 规定 相关 有关 进行 及时 全年 本年度 年度 上一年度 以上 不少 少于 不得 应当 按规定 "
    "镇街 乡镇 街道 镇政府 办事处 内容 符合 制度 依法 法治 材料 文件 记录 明确 执行 完善 建立 健全".split()
)

# A term and the other words reports use for the same thing; a passage containing any of
# them counts as containing the term.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "法治建设": ("法制建设", "依法行政", "法治政府建设"),
    "权责清单": ("权力清单", "责任清单", "事项清单", "职责清单"),
    "普法": ("法治宣传", "法制宣传", "普法宣传"),
    "学法": ("学习法律", "法律知识", "法治培训", "法制培训"),
    "述法": ("述职述法",),
    "考核": ("考评", "考核评价"),
    "领导小组": ("领导机构",),
    "法律顾问": ("律师顾问", "公职律师"),
    "合法性审查": ("法制审核", "法治审核", "合法性审核"),
    "信息公开": ("政务公开",),
    "矛盾纠纷": ("纠纷调解", "调解"),
    "便民服务": ("政务服务", "一窗受理"),
    "应诉": ("出庭",),
    "合同": ("协议",),
}
