"""Read numbers as news writes them: 11, 1.2万, 三, 两, 十三, 二十余, 数十, 上百, 近千.

Approximate forms give a conservative lower bound, because the number decides a
grade: 十余人 (more than ten) reads 11, 数十人 20, 上百人 100, 近百人 90, 数人 3.
"""

from __future__ import annotations

import re

__all__ = ["NUMBER", "NUMBER_LEADING", "parse_number"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}

# The regex fragment that `parse_number` understands (used inside the casualty patterns).
NUMBER = (
    r"(?:数|几|上|近|逾|超|约)?"
    r"(?:\d+(?:\.\d+)?|[零〇一二两俩三四五六七八九十百千]+)"
    r"(?:万|亿)?"
    r"(?:余|多|来)?"
)
# The same language, written to begin with one character class: a pattern that starts with a class
# lets `re` skip to the next position that can start a number instead of trying every position
# (~10x on 4,000 characters). The first character decides the branch (the three sets are disjoint),
# and each branch backtracks as NUMBER does (tests/monitor/test_judgement_severity.py compares them).
_PREFIX, _CHINESE = "数几上近逾超约", "零〇一二两俩三四五六七八九十百千"
NUMBER_LEADING = (
    rf"[{_PREFIX}\d{_CHINESE}]"
    rf"(?:(?<=[{_PREFIX}])(?:\d+(?:\.\d+)?|[{_CHINESE}]+)|(?<=\d)\d*(?:\.\d+)?|(?<=[{_CHINESE}])[{_CHINESE}]*)"
    r"(?:万|亿)?"
    r"(?:余|多|来)?"
)
_FUZZY_PREFIX = {"数": None, "几": None, "上": 1.0, "近": 0.9, "逾": 1.0, "超": 1.0, "约": 1.0}


def _chinese(text: str) -> int | None:
    """Return the value of a Chinese numeral without 万/亿 (二十三 -> 23, 十三 -> 13, 三 -> 3)."""
    if not text:
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None:           # digit by digit: 一一九 -> 119
                digit = digit * 10 + _DIGITS[ch]
            else:
                digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def parse_number(text: str) -> int | None:
    """Return the (lower-bound) integer value of a `NUMBER` match, or None when it is not one."""
    m = re.fullmatch(r"(数|几|上|近|逾|超|约)?(\d+(?:\.\d+)?|[零〇一二两俩三四五六七八九十百千]+)(万|亿)?(余|多|来)?", text)
    if not m:
        return None
    prefix, body, big, approx = m.groups()
    if body[0].isdigit():
        value = float(body)
    else:
        v = _chinese(body)
        if v is None:
            return None
        value = float(v)
    if big:
        value *= _BIG[big]
    if prefix in ("数", "几"):
        # 数十 -> 20, 数百 -> 200, 数人 (no unit) -> 3
        value = value * 2 if value >= 10 else 3
    elif prefix == "近":
        value *= 0.9
    if approx in ("余", "多") and value >= 10:
        value += 1
    return int(value)
