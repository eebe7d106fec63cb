"""Chinese labels for the stable ASCII codes used in the database and the API.

The API speaks codes (`press_conference`), the pages show labels (新闻发布会).
Response modes follow RULES.md 7.1 (M-1: 发布权威信息、召开新闻发布会或吹风会、接受媒体采访;
M-2/M-3: 在线访谈; M-6: 政务微博微信).
"""

from __future__ import annotations

from responders import vocabulary

__all__ = [
    "RESPONSE_MODES", "SEVERITIES", "CRITERIA", "CLOCK_KINDS", "CLOCK_STATUSES", "CASE_STATUSES",
    "STEP_KINDS", "STEP_STATUSES", "SECTOR_LABELS", "ROLE_LABELS", "NOTIFICATION_STATUSES",
    "AUDIT_ACTIONS", "label",
]

# RULES.md 7.1 (M-1..M-6): the modes a confirmed response is recorded with.
RESPONSE_MODES = vocabulary.RESPONSE_MODES

# Severities, criteria, rules, source kinds: one vocabulary with the messages and the 通报.
SEVERITIES, CRITERIA, RULES, SOURCE_KINDS = vocabulary.SEVERITIES, vocabulary.CRITERIA, vocabulary.RULES, vocabulary.SOURCE_KINDS

CLOCK_KINDS = {
    "first_release": "5 小时内发布权威信息",
    "press_conference": "24 小时内举行新闻发布会",
    "response": "48 小时内回应",
}

CLOCK_STATUSES = {"running": "计时中", "met": "已按时回应", "overdue": "已超时", "stopped": "已停止",
                  "replaced": "已改计时", "provisional": "暂定计时（待研判）"}
CASE_STATUSES = {"open": "处理中", "closed": "已办结", "dismissed": "不作为重点舆情", "review": "待研判",
                 "merged": "已并入其他案件"}
STEP_KINDS = {"opened": "立案通知", "reminder": "到期提醒", "leader": "报告分管领导", "overdue": "超时通报",
              "repeat": "反复提醒", "follow_up": "跟踪回访", "confirmed": "回应确认通知", "reassigned": "改派通知",
              "regraded": "定级调整通知", "closed": "办结通知", "dismissed": "撤销通知", "report": "通报", "other": "其他",
              "review_alert": "待研判紧急提示（值班员）", "review_reminder": "待研判到期提醒（值班员）"}
STEP_STATUSES = {"pending": "待触发", "fired": "已触发", "cancelled": "已取消", "skipped": "已跳过"}
NOTIFICATION_STATUSES = {"pending": "待发送", "sending": "发送中", "retry": "待重试", "sent": "已送达",
                         "failed": "发送失败"}
ROLE_LABELS = {"officer": "值班员", "supervisor": "值班负责人", "admin": "管理员"}
PERSON_ROLES = {"principal": "主要负责同志", "deputy": "分管负责同志", "head": "负责人", "liaison": "联络人",
                "handler": "承办人", "spokesperson": "新闻发言人", "officer": "值班员"}

# responders.actions.MANUAL_KINDS, repeated here so the labels module stays a leaf.
MANUAL_KIND_LABELS = {"superior_order": "上级交办", "phone_tip": "电话报告", "other": "其他渠道"}

# AuditEntry.action values written by responders.actions, responders.cases and the admin pages.
AUDIT_ACTIONS = {
    "open_case": "立案", "open_manual_case": "手工立案", "acknowledge": "确认收到", "confirm_response": "确认回应",
    "change_severity": "调整级别", "dismiss": "不作为重点舆情（撤销）", "reassign": "改派", "refer_rumor": "移送公安、网信",
    "close_case": "办结", "confirm_review": "确认为重点舆情", "dismiss_review": "排除（非重点舆情）",
    "user_created": "新建用户", "user_disabled": "停用用户", "user_enabled": "启用用户",
    "password_reset": "重设密码", "token_issued": "发放令牌", "token_revoked": "吊销令牌",
    "merge_cases": "合并案件", "merged_into": "并入其他案件", "split_case": "拆分案件", "split_from": "由拆分立案",
}

# ORG.md "Sectors" (one table, kept by the assignment rules) and the coordination roles.
SECTOR_LABELS = vocabulary.SECTORS

CHANNEL_KINDS = {"email": "邮件", "wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "webhook": "接口推送"}

_TABLES = {
    "mode": RESPONSE_MODES, "severity": SEVERITIES, "criterion": CRITERIA, "clock": CLOCK_KINDS,
    "clock_status": CLOCK_STATUSES, "case_status": CASE_STATUSES, "step": STEP_KINDS, "step_status": STEP_STATUSES,
    "notification": NOTIFICATION_STATUSES, "role": ROLE_LABELS, "person_role": PERSON_ROLES,
    "audit": AUDIT_ACTIONS, "sector": SECTOR_LABELS, "rule": RULES, "source_kind": SOURCE_KINDS,
    "channel_kind": CHANNEL_KINDS,
}


def label(kind: str, code: str | None) -> str:
    """Return the Chinese label of `code`, or the code itself when it has none (never fails)."""
    if code is None:
        return ""
    return _TABLES[kind].get(code, code)
