"""The 山西 rule set: 晋政办发〔2016〕138号 二（一） as re-worded by 晋政办发〔2020〕38号 三（五）1.

Differences from the national text (RULES.md 4.2): several cities go to the
省级业务主管部门 (A-5), several counties of one city to the 市级业务主管部门 (A-6);
a vertically managed department is coordinated by the 上级政府部门 with the
涉事市、县宣传部门 (A-3, 2020 wording); policy-triggered opinions go to the
牵头起草部门 (A-10 + A-12, no 当地政府 alternative).
"""

from __future__ import annotations

from .profile import Profile

_JIN = "晋政办发〔2016〕138号 二（一）、晋政办发〔2020〕38号 三（五）1"

PROFILE = Profile(
    name="shanxi",
    title="山西：晋政办发〔2016〕138号、晋政办发〔2020〕38号",
    multi_locality="levels",
    local_government_for_policy=False,
    citations={
        "A-2": _JIN,
        "A-3": _JIN,
        "A-5": _JIN,
        "A-6": _JIN,
        "A-7": _JIN,
        "A-8": _JIN,
        "A-10": "晋政办发〔2020〕38号 三（三）1",
        "A-11": "晋政办发〔2020〕38号 三（三）1、晋政办发〔2019〕59号 三（二）",
        "A-12": "晋政办发〔2019〕59号 三（二）",
        "A-16": "山西省人民政府令第237号 第十四条",
        "R-1": "晋政办发〔2016〕138号 二（二）",
        "L-1": "晋政办发〔2016〕138号 二（五）",
    },
    office_wording="本级政府办公室会同宣传部门",
    vertical_wording="上级政府部门会同涉事市、县宣传部门",
    multi_rule_ids={"multi_city": "A-5", "multi_county_same_city": "A-6"},
)
