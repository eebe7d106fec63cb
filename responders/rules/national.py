"""The national rule set: 国办发〔2016〕61号 一 and 国办发〔2016〕80号 (any deployment outside 山西 and 贵州).

Several localities go to the 上级政府主管部门 (A-4); policy-triggered opinions
to the drafting department (A-10, "谁起草、谁解读").
"""

from __future__ import annotations

from .profile import Profile

PROFILE = Profile(
    name="national",
    title="全国：国办发〔2016〕61号、国办发〔2016〕80号",
    multi_locality="generic",
    local_government_for_policy=False,
    citations={},
    multi_rule_ids={"multi_city": "A-4", "multi_county_same_city": "A-4"},
)
