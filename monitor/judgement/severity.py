"""Grade an emergency from the figures written in the text (RULES.md S-1, S-10; data/severity.toml).

Reads deaths, missing, trapped, injured (serious or not), poisoned, people
relocated, direct loss, earthquake magnitude and declared response levels
(Ⅰ级/Ⅱ级响应, 一级响应), with Arabic or Chinese numerals (11人死亡, 三人遇难,
十余人受伤, 死亡人数升至12人, 3死2伤). Several figures for one count (an
update after a first report) keep the largest.

`grade()` returns 特别重大 / 重大 / 较大 / 一般 and the Chinese reasons; the
judge maps 特别重大 and 重大 to `major_emergency` (the 5 h and 24 h clocks).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs

from .numerals import NUMBER, NUMBER_LEADING, parse_number

__all__ = ["Figures", "read_figures", "needles_in", "Grading", "SeverityRules", "GRADES"]

GRADES = ("特别重大", "重大", "较大", "一般")

_N = f"({NUMBER_LEADING})"        # NUMBER, captured; see numerals.NUMBER_LEADING
_WHO = r"(?:名|位|个|人)?(?:人员|群众|工人|矿工|学生|师生|村民|游客|乘客|居民|儿童|孩子|老人|员工|工作人员|消防员|消防救援人员|民众|人)?"
_GAP = r"(?:已|均|不幸|当场|经抢救无效|抢救无效)?"
_DEATH = r"(?:死亡|遇难|身亡|罹难|丧生|殒命|离世)"


def _p(*parts: str, needs: tuple[str, ...]) -> tuple[re.Pattern, tuple[str, ...]]:
    """Return the compiled pattern and its needles: words of which any match contains at least one."""
    return re.compile("".join(parts)), needs


# Why needles: a pattern that begins with a number has no literal prefix, so `re` tries it at every
# position (~0.2 ms per 4,000 characters each); a substring test first skips the patterns whose
# keyword the text does not contain, which is most of them for most texts. Keep them in step with
# the patterns (tests/monitor/test_judgement_severity.py compares with and without).
_DEATH_WORDS = ("死亡", "遇难", "身亡", "罹难", "丧生", "殒命", "离世")
_PATTERNS: dict[str, list[tuple[re.Pattern, tuple[str, ...]]]] = {
    "deaths": [
        _p(_N, _WHO, _GAP, _DEATH, needs=_DEATH_WORDS),
        _p(r"(?:死亡|遇难|罹难)(?:者|人数|人员)?(?:已|共)?(?:达到?|增至|升至|上升至|增加到|为|至|)", _N, r"(?:人|名)",
           needs=("死亡", "遇难", "罹难")),
        _p(r"(?:致|造成|导致)", _N, r"死", needs=("死",)),
        _p(_N, r"死", NUMBER, r"伤", needs=("死",)),
        _p(r"一家", _N, r"口[^,.;，。；]{0,4}?" + _DEATH, needs=("一家",)),
    ],
    "missing": [
        _p(_N, _WHO, _GAP, r"(?:失联|失踪|下落不明)", needs=("失联", "失踪", "下落不明")),
        _p(r"(?:失联|失踪)(?:者|人数|人员)?(?:已|共)?(?:达|增至|为|)", _N, r"(?:人|名)", needs=("失联", "失踪")),
    ],
    "trapped": [
        _p(_N, _WHO, _GAP, r"(?:被困|受困|被埋|被掩埋)", needs=("被困", "受困", "被埋", "被掩埋")),
        _p(r"(?:被困|受困|被埋)(?:人员|者|人数)?(?:达|为|共|)", _N, r"(?:人|名)", needs=("被困", "受困", "被埋")),
    ],
    "serious": [
        _p(_N, _WHO, _GAP, r"(?:重伤|受重伤|伤势严重|伤势较重|危重|病危)", needs=("重伤", "伤势", "危重", "病危")),
        _p(r"(?:重伤|危重)(?:者|人数|人员)?(?:达|为|)", _N, r"(?:人|名)", needs=("重伤", "危重")),
    ],
    "injured": [
        _p(_N, _WHO, _GAP, r"(?:受伤|轻伤|伤(?![害心]))", needs=("伤",)),
        _p(r"(?:受伤|伤者)(?:人数|人员)?(?:已|共)?(?:达|增至|为|)", _N, r"(?:人|名)", needs=("受伤", "伤者")),
        _p(_N, r"死", _N, r"伤", needs=("死",)),
        _p(r"(?:砸|烧|烫|撞|炸|刺|砍|咬|摔)伤", _N, r"(?:名|位|个)?", needs=("伤",)),
    ],
    "poisoned": [
        _p(_N, _WHO, _GAP, r"(?:中毒|出现[^,.;，。；]{0,6}?症状|送医|就医|入院治疗|感染)",
           needs=("中毒", "症状", "送医", "就医", "入院治疗", "感染")),
    ],
    "cases": [
        _p(r"(?:确诊|新增)(?:病例)?", _N, r"例", needs=("确诊", "新增")),
        _p(_N, r"例(?:确诊)?病例", needs=("病例",)),
    ],
    "relocated": [
        _p(r"(?:紧急转移|转移安置|紧急安置|转移|疏散|撤离)(?:受灾)?(?:群众|人员|居民|村民)?(?:共|达|超过?|近)?", _N, r"(?:人|名)",
           needs=("转移", "安置", "疏散", "撤离")),
        _p(_N, r"(?:人|名)?(?:群众|人员|居民|村民)?(?:被)?(?:紧急转移|转移安置|疏散|撤离)", needs=("转移", "疏散", "撤离")),
    ],
}
_MAGNITUDE = re.compile(r"(\d(?:\.\d)?)\s*级(?:左右的|的)?(?:强烈|强|破坏性)?地震|(?:里氏|M|Ms|震级)\s*(\d(?:\.\d)?)")
_LOSS = re.compile(r"(?:直接)?经济损失(?:约|达|超过?|近|逾|)\s*(\d+(?:\.\d+)?)\s*(万|亿)元")
_RESPONSE = re.compile(r"(Ⅳ|IV|Ⅲ|III|Ⅱ|II|Ⅰ|I|四|三|二|一|4|3|2|1)\s*级(?:应急)?(?:响应|应急响应)")
_RESPONSE_VALUE = {"Ⅳ": 4, "IV": 4, "四": 4, "4": 4, "Ⅲ": 3, "III": 3, "三": 3, "3": 3,
                   "Ⅱ": 2, "II": 2, "二": 2, "2": 2, "Ⅰ": 1, "I": 1, "一": 1, "1": 1}
# Needles of the four patterns below, as above.
_MAGNITUDE_NEEDS = ("地震", "里氏", "M", "震级")
_LOSS_NEEDS = ("经济损失",)
_RESPONSE_NEEDS = ("响应",)
_GRADE_NEEDS = ("重大", "较大", "重特大")
_GRADE_WORDS = re.compile(r"(?<![防遏避杜预])(特别重大|重特大|重大|较大)(?:生产安全|安全生产|道路交通|交通|火灾|煤矿|矿山|建筑施工|燃气|危化品)?(?:事故|灾害|地质灾害|突发事件|险情)(?!隐患|风险|防范)")
_NATURAL = ("地震", "洪水", "洪涝", "暴雨", "强降雨", "山洪", "泥石流", "滑坡", "台风", "雪灾", "暴雪", "冰雹", "干旱", "旱情",
            "内涝", "森林火灾", "山火", "林火", "崩塌", "地质灾害", "沙尘暴", "决堤", "溃坝")
_HEALTH = ("疫情", "病例", "传染病", "食物中毒", "中毒", "霍乱", "鼠疫", "禽流感", "疫苗", "接种")


@dataclass
class Figures:
    """What the text says about the toll; None where it says nothing."""

    deaths: int | None = None
    missing: int | None = None
    trapped: int | None = None
    serious: int | None = None
    injured: int | None = None
    poisoned: int | None = None
    cases: int | None = None
    relocated: int | None = None
    loss_yuan: float | None = None
    magnitude: float | None = None
    response_level: int | None = None           # 1 = Ⅰ级 (highest)
    grade_word: str | None = None               # 特别重大 / 重大 / 较大 written in the text
    evidence: list[str] = field(default_factory=list)

    def any(self) -> bool:
        return any(v is not None for k, v in self.__dict__.items() if k != "evidence")


_NEEDLES = tuple(sorted({n for patterns in _PATTERNS.values() for _p, needs in patterns for n in needs}
                        | {*_MAGNITUDE_NEEDS, *_LOSS_NEEDS, *_RESPONSE_NEEDS, *_GRADE_NEEDS}))


@lru_cache(maxsize=1)
def _needle_automaton() -> ahocorasick_rs.AhoCorasick:
    # One pass for the ~40 needles rather than one substring search each.
    return ahocorasick_rs.AhoCorasick(_NEEDLES)


def needles_in(text: str) -> frozenset[str]:
    """Return the needles of the figure patterns that occur in folded `text` (none contains a line break)."""
    return frozenset(_NEEDLES[i] for i, _s, _e in _needle_automaton().find_matches_as_indexes(text, overlapping=True))


def read_figures(text: str, *, prefilter: bool = True, needles: frozenset[str] | None = None,
                 find: Callable[[re.Pattern], Iterable[tuple]] | None = None) -> Figures:
    """Return the casualty figures, magnitude, losses and response level found in folded `text`.

    `needles`: `needles_in(text)` when the caller has it already. `prefilter=False`
    runs every pattern, needles or not (for the test that keeps them in step).
    `find(pattern)`: the (start, end, (group 0, group 1, ...)) of `pattern.finditer(text)`,
    when the caller can tell them faster (scan.LineScanner.finditer remembers them per line).
    """
    figures = Figures()
    present = needles_in(text) if needles is None else needles
    if find is None:
        def find(pattern):
            return ((m.start(), m.end(), (m.group(0), *m.groups())) for m in pattern.finditer(text))

    def wanted(needs: tuple[str, ...]) -> bool:
        return not prefilter or not present.isdisjoint(needs)

    for name, patterns in _PATTERNS.items():
        best = None
        for pattern, needs in patterns:
            if not wanted(needs):
                continue
            for _s, _e, groups in find(pattern):
                value = parse_number(groups[1])
                if value is None:
                    continue
                if best is None or value > best[0]:
                    best = (value, groups[0])
        if best:
            setattr(figures, name, best[0])
            figures.evidence.append(best[1])
    for _s, _e, groups in find(_MAGNITUDE) if wanted(_MAGNITUDE_NEEDS) else ():
        value = float(groups[1] or groups[2])
        if 2.0 <= value <= 9.9 and (figures.magnitude is None or value > figures.magnitude):
            figures.magnitude = value
            figures.evidence.append(groups[0])
    for _s, _e, groups in find(_LOSS) if wanted(_LOSS_NEEDS) else ():
        value = float(groups[1]) * (10_000 if groups[2] == "万" else 100_000_000)
        if figures.loss_yuan is None or value > figures.loss_yuan:
            figures.loss_yuan = value
            figures.evidence.append(groups[0])
    for _s, _e, groups in find(_RESPONSE) if wanted(_RESPONSE_NEEDS) else ():
        level = _RESPONSE_VALUE[groups[1]]
        if figures.response_level is None or level < figures.response_level:
            figures.response_level = level
            figures.evidence.append(groups[0])
    for _s, _e, groups in find(_GRADE_WORDS) if wanted(_GRADE_NEEDS) else ():
        word = "特别重大" if groups[1] in ("特别重大", "重特大") else groups[1]
        if figures.grade_word is None or GRADES.index(word) < GRADES.index(figures.grade_word):
            figures.grade_word = word
            figures.evidence.append(groups[0])
    return figures


@dataclass(frozen=True)
class Grading:
    grade: str               # 特别重大 | 重大 | 较大 | 一般
    reasons: tuple[str, ...]
    figures: Figures


class SeverityRules:
    """The thresholds of data/severity.toml (overridable), applied to `Figures`."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.safety = doc["production_safety"]
        self.natural = doc["natural_disaster"]
        self.health = doc["public_health"]
        self.response = doc["response_level"]

    @classmethod
    def load(cls, path: Path, overrides: dict | None = None) -> "SeverityRules":
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
        for section, values in (overrides or {}).items():
            doc.setdefault(section, {}).update(values)
        return cls(doc)

    def grade(self, text: str, figures: Figures | None = None) -> Grading:
        """Return the grade of the emergency described by folded `text` and why (in Chinese)."""
        f = figures or read_figures(text)
        reasons: list[str] = []
        levels: list[int] = [3]        # index into GRADES; 3 = 一般

        def hit(level: int, why: str):
            levels.append(level)
            reasons.append(why)

        if f.response_level is not None:
            if f.response_level <= self.response["especially_major"]:
                hit(0, f"启动Ⅰ级应急响应（{self.response['source']}：Ⅰ级对应特别重大）")
            elif f.response_level <= self.response["major"]:
                hit(1, f"启动Ⅱ级应急响应（{self.response['source']}：Ⅱ级对应重大）")
        if f.grade_word:
            hit(GRADES.index(f.grade_word), f"文中定性为“{f.grade_word}”")

        natural = any(w in text for w in _NATURAL)
        health = any(w in text for w in _HEALTH)
        s = self.safety
        toll = (f.deaths or 0) + (f.missing or 0)
        trapped_toll = toll + ((f.trapped or 0) if s.get("count_trapped", True) else 0)
        serious = (f.serious or 0) + (f.injured or 0) * float(s.get("unspecified_injury_factor", 0.5))
        if natural:
            t, src = self.natural, self.natural["source"]
            for level, key in ((0, "especially_major"), (1, "major"), (2, "larger")):
                th = t[key]
                if trapped_toll >= th["deaths"]:
                    hit(level, f"死亡失踪（含被困）{trapped_toll}人，达到{GRADES[level]}标准{th['deaths']}人（{src}）")
                    break
                if f.relocated and f.relocated >= th["relocated"]:
                    hit(level, f"紧急转移安置{f.relocated}人，达到{GRADES[level]}标准（{src}）")
                    break
                if f.magnitude and f.magnitude >= th["magnitude"] and "地震" in text:
                    hit(level, f"{f.magnitude}级地震，达到{GRADES[level]}标准M{th['magnitude']}（{src}）")
                    break
        for level, key in ((0, "especially_major"), (1, "major"), (2, "larger")):
            th = s[key]
            if trapped_toll >= th["deaths"]:
                what = "死亡失踪" + ("（含被困）" if f.trapped else "")
                hit(level, f"{what}{trapped_toll}人，达到{GRADES[level]}事故标准{th['deaths']}人（{s['source']}）")
                break
            if serious >= th["serious_injuries"]:
                hit(level, f"重伤（含未说明伤情者折算）{int(serious)}人，达到{GRADES[level]}事故标准{th['serious_injuries']}人（{s['source']}）")
                break
            if f.loss_yuan and f.loss_yuan >= th["loss_yuan"]:
                hit(level, f"直接经济损失{f.loss_yuan / 10_000:.0f}万元，达到{GRADES[level]}事故标准（{s['source']}）")
                break
        if health:
            h = self.health
            disease = next((d for d in h["major_diseases"] if d in text), None)
            if disease and (f.cases or "确诊" in text or "病例" in text):
                hit(1, f"出现{disease}病例（{h['source']}：Ⅱ级重大）")
            if "霍乱" in text and (f.cases or 0) >= h["cholera_cases"]:
                hit(1, f"霍乱病例{f.cases}例，达到重大标准{h['cholera_cases']}例（{h['source']}）")
            if "中毒" in text and f.deaths and (f.poisoned or 0) >= h["poisoning_with_death"]:
                hit(1, f"中毒{f.poisoned}人并有死亡，达到重大标准（{h['source']}）")
            if "中毒" in text and (f.deaths or 0) >= h["poisoning_deaths"]:
                hit(1, f"中毒死亡{f.deaths}人，达到重大标准（{h['source']}）")
            if h.get("vaccination_death") and ("接种" in text or "疫苗" in text) and f.deaths:
                hit(1, f"预防接种后出现死亡（{h['source']}：Ⅱ级重大）")
        level = min(levels)
        if level == 3 and not reasons:
            reasons.append("未见达到较大及以上等级的伤亡、损失或响应级别")
        return Grading(GRADES[level], tuple(reasons), f)
