"""One vocabulary for what officers and leaders read: the Chinese words of the stored codes.

The web pages, the messages (alerts) and the 通报 (responders.reports) all label
severities, criteria, assignment rules and source kinds from these tables, so an
officer never reads 一般重点舆情 on a page and something else in a message
(issue 15.7). Codes stay ASCII in the database and the API.

Why severity and "especially major" are two words: the severity is the grade of the
**event** (国办发〔2016〕61号 三: 涉及特别重大、重大突发事件的政务舆情 get the 5 h and 24 h
clocks, all others 48 h; RULES S-1/S-2); 特别重大政务舆情 is the grade of the **opinion**
(同文 一: 本级政府主要负责同志负起领导责任; S-3, A-8) and carries no clock. A routine
event can draw an especially major opinion, so 一般重点舆情 beside 特别重大政务舆情 is
not a contradiction; `ESPECIALLY_MAJOR_NOTE` says so where both are shown.
"""

from __future__ import annotations

from .rules.wording import SECTOR_LABELS as _DEPARTMENTS

__all__ = ["SEVERITIES", "ESPECIALLY_MAJOR", "ESPECIALLY_MAJOR_NOTE", "CRITERIA", "RULES", "SOURCE_KINDS", "RESPONSE_MODES",
           "SECTORS", "severity_words"]

SEVERITIES = {"major_emergency": "特别重大、重大突发事件", "general": "一般重点舆情"}
ESPECIALLY_MAJOR = "特别重大政务舆情"
ESPECIALLY_MAJOR_NOTE = "舆情程度，不是事件级别：由本级政府主要负责同志负起领导责任（国办发〔2016〕61号 一）"

CRITERIA = {
    "policy_misread": "对政策措施误解误读", "public_interest": "涉及群众切身利益", "moral_bottom_line": "冲击道德底线",
    "emergency_disaster": "突发事件、灾害", "superior_request": "上级要求回应", "rumor": "谣言及不实信息",
}

# How the first responsible body was found (responders.rules.records.RULES).
RULES = {
    "national_policy": "国家政策：由国务院相关部门回应，属地协同",
    "superior_request": "上级交办",
    "policy_document": "政策文件：谁起草、谁解读",
    "single_locality": "属地单一地区：由属地涉事部门回应",
    "vertical_department": "垂直管理部门",
    "multi_county_same_city": "涉及同一市多个县（区）：由市级回应",
    "multi_city": "涉及多个市：由省级回应",
    "multi_department": "涉及多个部门",
    "out_of_jurisdiction": "不属本辖区",
    "needs_triage": "待研判：需值班员确定责任单位",
}

# The modes a confirmed response is recorded with (国办发〔2016〕61号 三, 国办发〔2016〕80号).
RESPONSE_MODES = {
    "authoritative_info": "发布权威信息", "press_conference": "新闻发布会", "briefing": "吹风会",
    "media_interview": "接受媒体采访", "online_interview": "在线访谈", "weibo_wechat": "政务微博微信", "other": "其他",
}

SOURCE_KINDS = {"feed": "新闻订阅源", "search": "关键词搜索", "push": "平台推送", "file": "本地文件"}

SECTORS = {**_DEPARTMENTS, "government_office": "政府办公厅（室）", "propaganda": "宣传部门", "cyberspace": "网信部门"}


def severity_words(severity: str | None, especially_major: bool = False) -> str:
    """Return the severity as officers read it, e.g. 一般重点舆情（特别重大政务舆情）."""
    words = SEVERITIES.get(severity or "", "政务舆情")
    return f"{words}（{ESPECIALLY_MAJOR}）" if especially_major else words
