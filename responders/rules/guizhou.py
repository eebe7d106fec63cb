"""The 贵州 rule set: 黔府办函〔2019〕68号 一（三） on top of 国办发〔2016〕61号.

Differences (RULES.md 4.2): several localities go to the 上级政府主管部门 (A-4);
"因政策文件出台引发的舆情，当地政府或牵头起草部门应积极组织回应" (A-11): which of
the two owns it is the `[directory.assignment] guizhou_policy_owner` switch (E-15).
"""

from __future__ import annotations

from .profile import Profile

_QIAN = "黔府办函〔2019〕68号 一（三）"

PROFILE = Profile(
    name="guizhou",
    title="贵州：黔府办函〔2019〕68号（未规定处依国办发〔2016〕61号）",
    multi_locality="generic",
    local_government_for_policy=True,
    citations={
        "A-2": f"{_QIAN}、国办发〔2016〕61号 一",
        "A-4": f"{_QIAN}、国办发〔2016〕61号 一",
        "A-10": "黔府办函〔2019〕68号 一（二）",
        "A-11": _QIAN,
        "A-12": _QIAN,
        "L-1": _QIAN,
    },
    multi_rule_ids={"multi_city": "A-4", "multi_county_same_city": "A-4"},
)
