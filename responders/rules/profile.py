"""What differs between rule sets: which multi-locality rule applies, the wording, the citations.

A `Profile` is data, not code: the engine (`responders.rules.engine`) asks it
for the citation of a rule id and for the few behaviour choices the documents
make differently (RULES.md 4.2: A-4 vs A-5/A-6, A-11 "当地政府或牵头起草部门").
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Profile"]


@dataclass(frozen=True)
class Profile:
    name: str
    title: str                                  # the rule set in one line, for traces and the README
    # "levels": Shanxi A-5 (several cities -> 省级) and A-6 (counties of one city -> 市级);
    # "generic": A-4 "上级政府主管部门" (the lowest common upper level).
    multi_locality: str
    # may the 当地政府 own a policy-triggered opinion (Guizhou), or only the drafting department?
    local_government_for_policy: bool
    citations: dict[str, str] = field(default_factory=dict)
    # Wording of the coordinators (RULES.md E-13, E-14).
    office_wording: str = "本级政府办公厅（室）会同宣传部门"
    vertical_wording: str = "上级部门办公厅（室）会同宣传部门"
    multi_rule_ids: dict[str, str] = field(default_factory=dict)   # multi_city / multi_county_same_city -> rule id

    def cite(self, rule_id: str) -> str:
        """Return "（A-2，国办发〔2016〕61号 一）" for a rule id; the national source when the profile is silent."""
        return f"（{rule_id}，{self.citations.get(rule_id) or NATIONAL_CITATIONS.get(rule_id, DIGEST)}）"


# The product's own decisions where the documents are silent (edge cases E-*): shipped as docs/rules.md.
DIGEST = "《政务舆情回应规则摘要》"

# The national sources, used by every profile where its own documents say nothing.
NATIONAL_CITATIONS = {
    "A-1": "国办发〔2016〕61号 一",
    "A-2": "国办发〔2016〕61号 一",
    "A-3": "国办发〔2016〕61号 一",
    "A-4": "国办发〔2016〕61号 一",
    "A-7": "国办发〔2016〕61号 一",
    "A-8": "国办发〔2016〕61号 一",
    "A-9": "中办发〔2016〕8号 九",
    "A-10": "国办发〔2016〕80号 二（二）",
    "A-11": "国办发〔2016〕80号 二（二）",
    "A-12": "国办发〔2016〕80号 二（二）",
    "A-13": "国办发〔2016〕61号 二",
    "A-16": "国办发〔2008〕36号 十",
    "R-1": "国办发〔2016〕61号 二",
    "L-1": "国办发〔2016〕80号 三（四）",
    "E-1": "《政务舆情回应规则摘要》四",
    "E-2": "《政务舆情回应规则摘要》四",
    "E-3": "《政务舆情回应规则摘要》四",
    "E-4": "《政务舆情回应规则摘要》四",
    "E-5": "《政务舆情回应规则摘要》四",
    "E-6": "《政务舆情回应规则摘要》四",
    "E-7": "《政务舆情回应规则摘要》四",
    "E-8": "《政务舆情回应规则摘要》四",
    "E-9": "国办发〔2016〕80号 结语",
    "E-10": "中办发〔2016〕8号 九",
    "E-12": "《政务舆情回应规则摘要》四",
    "E-15": "黔府办函〔2019〕68号 一（三）",
}
