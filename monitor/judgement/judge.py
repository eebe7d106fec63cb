"""Decide whether an item or event is a priority opinion, how severe, where and which sectors.

`Judge` is built once from config and shared by the daemon's judgement stage
and `yuqing classify`, so both give the same answer for the same text.

`assess(item, now)`:
1. fold the title and text (Traditional -> Simplified, full-width -> ASCII);
2. scan them once with the lexicon automaton and once with the gazetteer
   (line by line, reusing the scans of lines judged recently: scan.py);
3. score each criterion of 国办发〔2016〕61号 二 (P-1 a-e) and the rumour rule (P-2)
   from its term groups, patterns and, for public_interest, the signals of
   impact (metrics, 热搜, distinct sources, growth, negative sentiment);
4. grade emergencies by the national standards (severity.py): 特别重大/重大
   give `major_emergency` (S-1: 5 h + 24 h), any other priority `general` (S-2: 48 h);
5. collect the facts the assignment rules need (policy documents, superior
   orders, bodies named) and the Chinese reasons for every decision.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from functools import lru_cache, partial
from datetime import datetime
from pathlib import Path

from ..assessment import CRITERIA, Assessment, ItemInput
from ..sectors import sector_name
from .config import JudgementConfig
from .gazetteer import DATA_DIR, Gazetteer
from .lexicon import Hits, Lexicon, load_documents
from .model import DEPLOYMENT_MODEL, MODEL_CHARS, SHIPPED_MODEL, ModelVerdict, TextModel, model_text
from .sentiment import lexicon_score, snownlp_score
from .numerals import parse_number
from .scan import LineScanner
from .scene import SceneReader
from .severity import Figures, SeverityRules, read_figures

__all__ = ["Judge"]

_DOC_TITLE = re.compile(r"《([^《》]{2,60})》")
_POLICY_DOC_WORDS = ("办法", "规定", "条例", "通知", "意见", "方案", "细则", "规划", "决定", "措施", "标准", "公告", "政策", "要点", "指南", "法")
_NATIONAL = re.compile(r"国务院|国办|党中央|中共中央|全国人大|国家(?:发展改革委|发改委|医保局|卫健委|卫生健康委|税务总局|市场监管总局|金融监管总局|统计局|林草局)|"
                       r"(?:教育|财政|人力资源社会保障|人社|公安|民政|自然资源|生态环境|住房城乡建设|住建|交通运输|水利|农业农村|商务|应急管理|工业和信息化|工信)部|全国统一|全国范围")
# Every alternative begins with a literal character, so that `re` skips to the positions that can
# start one (~5x on long texts); 规划和自然资源局 is spelt out rather than (?:规划和)? for that reason.
_DEPARTMENT = re.compile(
    r"(教育(?:局|厅)|卫(?:生)?健(?:康)?委(?:员会)?|卫生健康局|医(?:疗)?保(?:障)?局|市场监(?:督)?管(?:理)?局|生态环境(?:局|厅)|住(?:房和城乡)?建(?:设)?(?:局|厅)|"
    r"人(?:力资源和)?社(?:会保障)?(?:局|厅)|公安(?:局|厅)|应急管理(?:局|厅)|交通运输(?:局|厅)|规划和自然资源(?:局|厅)|自然资源(?:局|厅)|民政(?:局|厅)|农业农村(?:局|厅)|"
    r"水利(?:局|厅)|财政(?:局|厅)|税务局|地方金融(?:监督)?管理局|金融(?:工作)?办|发(?:展和)?改(?:革)?委|文(?:化和)?旅(?:游)?(?:局|厅)|城(?:市)?管(?:理)?局|城管局|"
    r"能源局|司法(?:局|厅)|退役军人事务(?:局|厅)|商务(?:局|厅)|工(?:业和)?信(?:息化)?(?:局|厅)|政府办(?:公室|公厅)?|人民政府办公(?:室|厅)|宣传部|网信办)"
)
# The whole province spoken of (S3): its places named after this are examples.
# (各设区市 ranked, 全省共18县市: the province's whole; the cities named after are its examples.)
_PROVINCE_WIDE = re.compile(r"(?:全省|我省|本省)各地|设区市|全省共?\d{1,3}个?县")
_DEPT_SECTOR = (
    ("教育", "education"), ("卫", "health"), ("医", "medical_insurance"), ("市场", "market"), ("生态", "environment"),
    ("住", "housing"), ("人", "hrss"), ("公安", "public_security"), ("应急", "emergency"), ("交通", "transport"),
    ("规划", "natural_resources"), ("自然", "natural_resources"), ("民政", "civil_affairs"), ("农业", "agriculture"),
    ("水利", "water"), ("财政", "finance"), ("税务", "taxation"), ("地方金融", "financial_regulation"),
    ("金融", "financial_regulation"), ("发", "development_reform"), ("文", "culture_tourism"), ("城", "urban_management"),
    ("能源", "energy"), ("司法", "justice"), ("退役", "veterans"), ("商务", "commerce"), ("工", "industry"),
    ("政府办", "government_office"), ("人民政府办", "government_office"), ("宣传", "propaganda"), ("网信", "cyberspace"),
)
_DEPT_SECTOR_LONGEST_FIRST = tuple(sorted(_DEPT_SECTOR, key=lambda p: -len(p[0])))


@lru_cache(maxsize=1024)
def _dept_sector(word: str) -> str | None:
    """Return the sector code of a department word (_DEPARTMENT finds a few dozen distinct words)."""
    return next((code for prefix, code in _DEPT_SECTOR_LONGEST_FIRST if word.startswith(prefix)), None)


_DRAFTING = re.compile(r".{0,8}?(?:印发|出台|发布|制定|起草|下发|公布)")
# The score a second sector needs (see Judge._sectors).
_SECOND_SECTOR = 3
def _inside_only(term: str, terms, text: str) -> bool:
    """Whether every occurrence of `term` may be inside a longer term of the same sector (滑坡 in 山体滑坡):
    one word counts once, not once per term it contains."""
    longer = [t for t in terms if len(t) > len(term) and term in t]
    return bool(longer) and text.count(term) <= sum(text.count(t) * t.count(term) for t in longer)


# Several departments handling one matter together or passing it between them: no main department leads
# every listed sector's department owns its share. Matched on the folded (Simplified) text.
_JOINT = re.compile(r"多个部门|多部门|联合(?:调查|工作组|执法|检查|处置)|互相推诿|相互推诿|踢皮球")


def _masked_places(text: str, mentions, limit: int) -> str:
    """Return the first `limit` characters of `text` with every place name the gazetteer found written "◎".

    Why: whether an item is a priority opinion does not depend on where it happened; a model that read the
    names would learn the corpus's geography (山西 is in most of its priority items) instead of the wording.
    """
    parts, last = [], 0
    for start, end, *_rest in mentions:
        if start >= limit:
            break
        if start < last:
            continue
        parts.append(text[last:start])
        parts.append("◎")
        last = end
    parts.append(text[last:limit])
    return "".join(parts)


class _Decision(NamedTuple):
    outcome: str                    # priority | review | none
    criteria: tuple[str, ...]       # the criteria of a priority (empty otherwise)
    likely: tuple[str, ...]         # the criteria a priority or review item most likely meets
    confidence: float | None        # how sure the judge is of `outcome` (None: rules only)
    notes: tuple[str, ...]          # Chinese rationale lines of the decision


class _Scored(NamedTuple):
    name: str
    score: float
    fired: bool
    terms: tuple[str, ...]
    note: str


class Judge:
    """The rules, lexicons and gazetteer of the judgement, loaded once (thread-safe to share)."""

    def __init__(self, *, lexicon: Lexicon, gazetteer: Gazetteer, severity: SeverityRules,
                 sentiment_mode: str = "never", classifier: str = "rules-v1",
                 model: TextModel | None = None, review_band: tuple[float, float] | None = None):
        self.lexicon = lexicon
        self.model = model
        # The 待研判 band: a model probability in [low, high) makes a review item, at or above high a priority.
        self.review_band = tuple(review_band) if review_band else (model.band if model is not None else (0.5, 0.5))
        if model is not None:
            classifier = f"{classifier}+{model.version}"
        self.gazetteer = gazetteer
        self.severity = severity
        self.sentiment_mode = sentiment_mode
        self.classifier = classifier
        s = lexicon.signals
        self._metric_re = re.compile(s.get("text_metric_regex", r"$^"))
        self._hot_re = re.compile(s.get("hot_search_regex", r"$^"))
        self.snownlp_calls = 0
        self._scanner = LineScanner(lexicon, gazetteer)
        self._scene = SceneReader(gazetteer)      # which named places are the scene (datelines, origins...)
        # ((criterion, group), group, cap) of each criterion: the keys of Hits.crit, built once.
        self._group_keys = {name: tuple(((name, group), group, cap) for group, cap in c.caps.items())
                            for name, c in lexicon.criteria.items()}

    @classmethod
    def from_config(cls, config: JudgementConfig | None, jurisdiction: str | None, *, base_dir: str | Path = ".",
                    state_dir: str | Path | None = None) -> "Judge":
        """Return a Judge from the `[judgement]` config (None: shipped defaults) and the directory's jurisdiction.

        The model: `[judgement] model` when it names a file ("none": the rules alone); otherwise the
        deployment's retrained model in `state_dir` (DEPLOYMENT_MODEL, installed by `yuqing train
        --with-decisions`) when there is one, else the model the package ships.
        """
        config = config or JudgementConfig()
        base = Path(base_dir)
        extra = tuple(base / p for p in config.lexicons)
        doc = load_documents(("lexicon.toml", "sectors.toml", "sentiment.toml"), DATA_DIR, extra)
        model = None
        if config.model and config.model != "none":
            model = TextModel.load(base / config.model)
        elif not config.model:
            own = Path(state_dir) / DEPLOYMENT_MODEL if state_dir is not None else None
            if own is not None and own.is_file():
                model = TextModel.load(own)
            elif SHIPPED_MODEL.is_file():
                model = TextModel.load(SHIPPED_MODEL)
        return cls(
            model=model,
            review_band=tuple(config.review_band) if config.review_band else None,
            lexicon=Lexicon(doc),
            gazetteer=Gazetteer(jurisdiction=jurisdiction, extra_files=tuple(base / p for p in config.places)),
            severity=SeverityRules.load(DATA_DIR / "severity.toml", config.severity),
            sentiment_mode=config.sentiment,
            classifier=config.classifier,
        )

    # ------------------------------------------------------------------ the decision

    def assess(self, item: ItemInput, now: datetime | None = None) -> Assessment:
        """Return the Assessment of `item` (an item or an event's merged text)."""
        scanned = self._scanner.scan(f"{item.title}\n{item.text}" if item.title else item.text)
        text = scanned.text
        hits = self.lexicon.hits_of(text, scanned.records)
        places = self._scene.read(text, scanned.mentions)
        sentiment = lexicon_score(hits, self.lexicon.negators)
        # Casualty figures only matter for emergencies: read them only when an incident term is present.
        find = partial(self._scanner.finditer, scanned=scanned)
        figures = (read_figures(text, needles=scanned.needles, find=find) if ("emergency_disaster", "incident") in hits.crit
                   else Figures())
        metrics = self._text_metrics(item, text)
        signal_points, signal_reasons = self._signals(item, text, metrics)
        rationale: list[str] = []

        scored = {name: self._score(name, hits, figures) for name in self.lexicon.criteria}
        pi = scored.get("public_interest")
        if pi is not None:
            pi, sentiment, note = self._public_interest(pi, hits, text, sentiment, signal_points)
            scored["public_interest"] = pi
            if note:
                rationale.append(note)
        criteria = tuple(c for c in CRITERIA if c in scored and scored[c].fired)
        documents = tuple(dict.fromkeys(t for t in _DOC_TITLE.findall(text) if t.endswith(_POLICY_DOC_WORDS)))
        # What the model reads (also what `yuqing train` learns from: extra["model_input"]).
        dense = self._dense(scored, hits, figures, signal_points, sentiment, places, documents, text)
        lead = model_text(_masked_places(text, scanned.mentions, MODEL_CHARS * 2))
        verdict = None
        if self.model is not None:
            verdict = self.model.predict(lead, dense)
            if "emergency_disaster" in self._model_criteria(verdict, criteria, hits) and not figures.evidence:
                figures = read_figures(text, needles=scanned.needles, find=find)
        authority = self._authority(criteria, text, figures)
        decision = self._decide(verdict, criteria, hits, authority)
        criteria = decision.criteria
        priority = decision.outcome == "priority"
        for c in criteria:
            crit = self.lexicon.criteria[c]
            s = scored[c]
            if s.fired:
                rationale.append(f"符合“{crit.label}”（{crit.rule}）：命中“{'、'.join(s.terms[:8])}”，得分{s.score:g}≥{crit.threshold:g}{s.note}")
            elif verdict is not None:
                rationale.append(f"模型判断符合“{crit.label}”（{crit.rule}）：概率{verdict.criteria[c]:.2f}")
        if pi is not None and "public_interest" in criteria and signal_reasons:
            rationale.append("影响范围：" + "；".join(signal_reasons))
        for name, s in scored.items():
            if not s.fired and s.note.startswith("；排除"):
                rationale.append(f"未计入“{self.lexicon.criteria[name].label}”{s.note}")
        rationale.extend(decision.notes)

        severity = None
        especially = False
        provisional = None
        if decision.outcome != "none":
            grade_of = "general"
            if "emergency_disaster" in decision.likely:
                grading = self.severity.grade(text, figures)
                if grading.grade in ("特别重大", "重大"):
                    grade_of = "major_emergency"
                especially = grading.grade == "特别重大"
                rationale.append(f"事件分级：{grading.grade}（{'；'.join(grading.reasons)}）；"
                                 + ("特别重大、重大突发事件：5小时内发布权威信息、24小时内举行新闻发布会（国办发〔2016〕61号 三）"
                                    if grade_of == "major_emergency" else "按其他政务舆情48小时内回应（国办发〔2016〕61号 三）"))
            else:
                rationale.append("非特别重大、重大突发事件：48小时内回应（国办发〔2016〕61号 三）")
            heat_especially, why = self._especially_major(item, text, metrics)
            if heat_especially:
                especially = True
                rationale.append(f"特别重大的政务舆情：本级政府主要负责同志负起领导责任（国办发〔2016〕61号 一）：{why}")
            if priority:
                severity = grade_of
            else:
                provisional, especially = grade_of, False
        else:
            rationale.append("未达到需重点回应的政务舆情标准（国办发〔2016〕61号 二）")

        sectors = self._sectors(hits)
        if not places.paths:
            places = self._provincial_fallback(text, places)
        elif "各地" in text or "设区市" in text or "全省" in text:
            places = self._province_wide(text, places)
        inside = any(places.inside) if places.paths else None
        if places.paths:
            rationale.append("涉及地区：" + "、".join(
                p + ("" if ins else "（辖区外）") for p, ins in zip(places.paths, places.inside)))
        rationale.extend(places.notes)
        if sectors:
            rationale.append("涉及领域：" + "、".join(sector_name(s) for s in sectors))

        named, drafting = self._bodies(text, places, find)
        superior = "superior_request" in criteria
        # The criteria test first: _NATIONAL has no literal first character and is the slowest search here.
        national = ("policy_misread" in criteria or bool(documents)) and bool(_NATIONAL.search(text))
        if national:
            rationale.append("涉及国家层面政策（A-1）")
        return Assessment(
            priority=priority,
            review=decision.outcome == "review",
            confidence=decision.confidence,
            provisional_severity=provisional,
            criteria=criteria,
            severity=severity,
            especially_major=especially,
            sentiment=sentiment,
            localities=places.paths,
            sectors=sectors,
            in_jurisdiction=inside,
            rationale=tuple(rationale),
            national_policy=national,
            superior_request=superior,
            superior_order_at=(item.published or now) if superior else None,
            policy_documents=documents,
            drafting_bodies=drafting,
            named_bodies=named,
            lead_sector=sectors[0] if sectors and not _JOINT.search(hits.text) else None,
            extra={"scores": {k: v.score for k, v in scored.items()}, "figures": figures.evidence,
                   "localities_inside": list(places.inside),
                   # The lexicon terms of the criteria that fired, by "criterion.group" (monitor.incidents).
                   # (and of a 待研判 item's likely criteria: its incident is compared with others too).
                   "hits": {f"{c}.{g}": dict(found) for (c, g), found in hits.crit.items() if c in decision.likely and found},
                   "place_surfaces": [surface for surface, _path in places.mentions],
                   "model_input": (lead, dense, authority is not None),
                   "model": None if verdict is None else {
                       "probability": round(verdict.probability, 4),
                       "criteria": {c: round(v, 4) for c, v in verdict.criteria.items()},
                       "phrases": list(verdict.phrases), "likely": list(decision.likely)}},
        )

    # ------------------------------------------------------------------ rules and model together

    def _dense(self, scored: dict, hits: Hits, figures, signal_points: int, sentiment: float, places,
               documents: tuple, text: str) -> list[float]:
        """Return the rules' findings in the order of model.DENSE_FEATURES."""
        out = [1.0 if c in scored and scored[c].fired else 0.0 for c in CRITERIA]
        for c in CRITERIA:
            crit = self.lexicon.criteria.get(c)
            out.append(min(2.0, scored[c].score / crit.threshold) if crit is not None and c in scored else 0.0)
        negative_at = float(self.lexicon.signals.get("negative_sentiment", 0.25))
        out += [
            1.0 if hits.hard else 0.0,
            1.0 if hits.suppress else 0.0,
            1.0 if figures.deaths else 0.0,
            1.0 if (figures.trapped or figures.missing) else 0.0,
            1.0 if (figures.injured or figures.serious) else 0.0,
            min(3.0, float(signal_points)),
            1.0 if sentiment is not None and sentiment < negative_at else 0.0,
            1.0 if not places.paths else 0.0,
            1.0 if len(places.paths) > 1 else 0.0,
            1.0 if places.paths and not any(places.inside) else 0.0,
            1.0 if documents else 0.0,
            1.0 if documents and _NATIONAL.search(text) else 0.0,
        ]
        return out

    def _model_criteria(self, verdict: ModelVerdict, rule_criteria: tuple[str, ...], hits: Hits, *,
                        at: float = 0.5) -> tuple[str, ...]:
        """Return the criteria the rules fired plus those the model finds likely (P >= `at`), minus exclusions.

        A criterion whose hard exclusion fired (演练, 预案, 系谣言 for an emergency) is never added by the
        model: the rules state those outright (drills and plans are not events). With none, the model's most
        likely allowed criterion.
        """
        likely = [c for c in CRITERIA if c in rule_criteria
                  or (verdict.criteria[c] >= at and not hits.hard.get(c))]
        if not likely:
            allowed = [c for c in CRITERIA if not hits.hard.get(c)]
            if allowed:
                likely = [max(allowed, key=verdict.criteria.get)]
        return tuple(likely)

    def _authority(self, rule_criteria: tuple[str, ...], text: str, figures) -> str | None:
        """Return why the rules alone make this a priority, or None when the model decides.

        The rules state these outright: a graded 特别重大/重大 emergency (the national thresholds, S-1) and a
        rumour to refer (P-2).
        """
        if "rumor" in rule_criteria:
            return "谣言线索由规则认定，需回应并移交查处（国办发〔2016〕61号 二）"
        if "emergency_disaster" in rule_criteria:
            grading = self.severity.grade(text, figures)
            if grading.grade in ("特别重大", "重大"):
                return f"伤亡或规模达到{grading.grade}突发事件标准，由规则认定"
        return None

    def _decide(self, verdict: ModelVerdict | None, rule_criteria: tuple[str, ...], hits: Hits,
                authority: str | None) -> _Decision:
        """Return priority / review / none from the rules and, where they are not authoritative, the model.

        With an `authority` (see `_authority`) the item is a priority whatever the model says. Otherwise the
        model's calibrated probability p decides (it reads the rules' findings too): p >= high is a priority,
        low <= p < high is 待研判 (review), below low it is not a priority, except that an item in which the
        rules found a criterion is never dropped: below high it is 待研判. Without a model the rules decide alone.
        """
        if verdict is None:
            return _Decision("priority" if rule_criteria else "none", rule_criteria, rule_criteria, None, ())
        p = verdict.probability
        low, high = self.review_band
        likely = self._model_criteria(verdict, rule_criteria, hits)
        phrases = "、".join(f"“{x}”" for x in verdict.phrases[:5])
        because = f"（依据短语：{phrases}）" if phrases else ""
        if authority:
            return _Decision("priority", likely, likely, 1.0, (f"{authority}；模型概率{p:.2f}",))
        sure_of_kind = bool(rule_criteria) or any(
            verdict.criteria[c] >= 0.5 for c in likely if not hits.hard.get(c))
        if p >= high and sure_of_kind:
            return _Decision("priority", likely, likely, round(p, 4),
                             (f"模型研判：属需重点回应的政务舆情，概率{p:.2f}{because}",))
        if p >= high:
            # A priority needs its category (国办发〔2016〕61号 二): it decides the handling and the clocks. The
            # model is sure enough that it is one but not of which: an officer decides.
            wide = self._model_criteria(verdict, rule_criteria, hits, at=0.3)
            return _Decision("review", (), wide, round(p, 4),
                             (f"待研判：模型概率{p:.2f}，可能属需重点回应的政务舆情，但类别不明（"
                              + "、".join(self.lexicon.criteria[c].label for c in wide if c in self.lexicon.criteria)
                              + f"），请值班员确认{because}",))
        if rule_criteria and p < low:
            # The rules found a criterion the model finds unlikely: 待研判, never dropped (a missed priority
            # opinion is a clock that never starts).
            return _Decision("review", (), self._model_criteria(verdict, rule_criteria, hits, at=0.3), round(1 - p, 4),
                             (f"待研判：规则命中，但模型概率仅{p:.2f}（低于{low:.2f}），请值班员确认是否属需重点回应的政务舆情",))
        if p >= low:
            likely = self._model_criteria(verdict, rule_criteria, hits, at=0.3)
            return _Decision("review", (), likely, round(p, 4),
                             (f"待研判：模型概率{p:.2f}，介于{low:.2f}与{high:.2f}之间，"
                              f"请值班员确认是否属需重点回应的政务舆情{because}",))
        return _Decision("none", (), (), round(1 - p, 4), (f"模型研判：非重点舆情，概率{p:.2f}",))

    # ------------------------------------------------------------------ parts

    def _score(self, name: str, hits: Hits, figures) -> _Scored:
        crit = self.lexicon.criteria[name]
        total, terms = 0.0, []
        groups_hit = set()
        found_by_key = hits.crit
        for key, group, cap in self._group_keys[name]:
            found = found_by_key.get(key)
            if found:
                groups_hit.add(group)
                total += min(cap, sum(found.values()))
                terms.extend(sorted(found, key=found.get, reverse=True))
        notes = ""
        for pattern, weight, note in crit.patterns:
            m = pattern.search(hits.text)
            if m:
                total += weight
                groups_hit.update(crit.requires)  # a pattern states the whole condition
                terms.append(m.group(0)[:20])
        if name == "emergency_disaster" and groups_hit and (figures.deaths or figures.injured or figures.serious
                                                             or figures.trapped or figures.missing
                                                             or figures.cases or figures.poisoned):
            total += 1        # a casualty figure is evidence that something actually happened
            terms.append("伤亡人数")
        fired = all(g in groups_hit for g in crit.requires) and total >= crit.threshold
        if fired and hits.hard.get(name):
            fired, notes = False, f"；排除：{'、'.join(dict.fromkeys(hits.hard[name][:3]))}（演练、预案等非实际事件）"
        elif fired and hits.suppress.get(name):
            real = hits.override.get(name) or (name == "emergency_disaster" and (figures.deaths or figures.trapped or figures.missing))
            if not real:
                fired, notes = False, f"；排除：{'、'.join(dict.fromkeys(hits.suppress[name][:3]))}（例行通知、演练、预案或宣传，未见实际发生）"
        return _Scored(name, total, fired, tuple(dict.fromkeys(terms)), notes)

    def _public_interest(self, s: _Scored, hits: Hits, text: str, sentiment: float, signal_points: int):
        """Add impact signals to public_interest; consult SnowNLP only where it can flip the decision."""
        crit = self.lexicon.criteria["public_interest"]
        has_topic = ("public_interest", "topic") in hits.crit
        impact_terms = hits.crit.get(("public_interest", "impact"), {})
        impact = min(crit.caps.get("impact", 99), sum(impact_terms.values())) + signal_points
        topic = min(crit.caps.get("topic", 99), sum(hits.crit.get(("public_interest", "topic"), {}).values()))
        negative_at = float(self.lexicon.signals.get("negative_sentiment", 0.25))
        note = ""
        if self.sentiment_mode == "always" or (
            self.sentiment_mode == "borderline" and has_topic and impact >= 1 and topic + impact == crit.threshold - 1
            and sentiment >= negative_at and not s.note
        ):
            self.snownlp_calls += 1
            snow = snownlp_score(text)
            blended = round((sentiment + snow) / 2, 3)
            note = f"情感倾向：词典{sentiment:.2f}，SnowNLP{snow:.2f}，综合{blended:.2f}（仅在可能改变判断时调用 SnowNLP）"
            sentiment = blended
        sentiment_point = 1 if (sentiment < negative_at and impact >= 1) else 0
        total = topic + impact + sentiment_point
        fired = has_topic and impact >= 1 and total >= crit.threshold
        terms = list(hits.crit.get(("public_interest", "topic"), {})) + list(impact_terms)
        extra = ""
        if sentiment_point:
            extra = f"（含负面情感{sentiment:.2f}加1分）"
        if fired and hits.suppress.get("public_interest") and not hits.override.get("public_interest"):
            fired, extra = False, f"；排除：{'、'.join(hits.suppress['public_interest'][:3])}（例行通知、计划性安排）"
        return _Scored("public_interest", total, fired, tuple(terms), extra), sentiment, note

    def _signals(self, item: ItemInput, text: str, metrics: tuple[int, int]) -> tuple[int, list[str]]:
        """Return impact points from metrics (`_text_metrics`: given or written in the text) and event signals, with reasons."""
        sig = self.lexicon.signals
        points, reasons = 0, []
        views, reposts = metrics

        def ladder(name: str, value: float, label: str):
            nonlocal points
            best = 0
            for threshold, p in sig.get(name, []):
                if value >= threshold:
                    best = p
            if best:
                points += best
                reasons.append(f"{label}{value:g}（+{best}）")

        ladder("views", views, "阅读/播放量")
        ladder("reposts", reposts, "转发量")
        ladder("comments", item.comments or 0, "评论量")
        ladder("sources", item.source_count if item.source_count > 1 else 0, "不同来源数")
        ladder("items", item.item_count if item.item_count > 1 else 0, "相关报道数")
        ladder("growth_per_hour", item.growth_per_hour, "每小时新增")
        m = self._hot_re.search(text)
        if m:
            points += 1
            reasons.append(f"“{m.group(0)}”（+1）")
        return points, reasons

    def _text_metrics(self, item: ItemInput, text: str) -> tuple[int, int]:
        """Return (views, reposts): the larger of the metrics given and those written in the text (阅读量超10万, 破亿)."""
        views, reposts = item.views or 0, item.reposts or 0
        for m in self._metric_re.finditer(text):
            number, unit = m.group(1), m.group(2) or ""
            if not number and not unit:
                continue
            base = (parse_number(number) or 0) if number else 1           # 破亿: the unit alone
            value = int(float(base) * {"万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000}.get(unit, 1))
            if "转发" in m.group(0):
                reposts = max(reposts, value)
            else:
                views = max(views, value)
        return views, reposts

    def _especially_major(self, item: ItemInput, text: str, metrics: tuple[int, int]) -> tuple[bool, str]:
        e = self.lexicon.especially
        if not e:
            return False, ""
        views, reposts = metrics
        if views >= e.get("views", 10**12):
            return True, f"阅读量{views:,}"
        if reposts >= e.get("reposts", 10**12):
            return True, f"转发量{reposts:,}"
        if item.source_count >= e.get("sources", 10**6):
            return True, f"{item.source_count}个来源报道"
        found = [t for t in e.get("terms", []) if t in text]
        if len(found) >= e.get("terms_needed", 2):
            return True, "、".join(found)
        return False, ""

    def _provincial_fallback(self, text: str, places):
        """Return the jurisdiction as the place when only "省" bodies are named (省人社厅, 省政府): a local item."""
        g = self.gazetteer
        if not g.jurisdiction or g.jurisdiction not in g.by_path or g.places[g.by_path[g.jurisdiction]].level != "province":
            return places
        if not re.search(r"全省|我省|省(?:政府|委|人大|政协|领导|[\u4e00-\u9fff]{1,3}局|" + _DEPARTMENT.pattern[1:-1] + ")", text):
            return places
        from .gazetteer import PlaceResult
        return PlaceResult((g.jurisdiction,), (True,), places.notes + ("未写明地名，文中“省”级部门按辖区推定为" + g.jurisdiction,), ())

    def _province_wide(self, text: str, places):
        """Return the province when the text speaks of all its parts (我省各地…, then 交城县 as one example).

        The guide's S3: the scene of an item about many places of a province is the province; the places a
        text then names as examples do not narrow it.
        """
        if not _PROVINCE_WIDE.search(text):
            return places
        g = self.gazetteer
        provinces = {g.places[g.by_path[p]].ancestors[0] if g.places[g.by_path[p]].ancestors else g.by_path[p]
                     for p in places.paths}
        if len(provinces) != 1:
            return places
        index = provinces.pop()
        path = g.places[index].path
        if places.paths == (path,):
            return places
        from .gazetteer import PlaceResult
        return PlaceResult((path,), (g.inside(index),), places.notes + (
            f"文中说“{_PROVINCE_WIDE.search(text).group(0)}”，所举地方为例，按{path}计",), places.mentions, places.starts)

    def _sectors(self, hits: Hits) -> tuple[str, ...]:
        """Return the main department's sector first, then at most one more with evidence of its own.

        A sector scores the weights of its terms found, a term in the title twice (the title names the
        story). The best one is the main department; a second one needs 3 (a department's name, or two
        terms of its matter): one word of another remit (医院 in an accident report) is no second department.
        """
        text = hits.text
        title = text[:text.index("\n")] if "\n" in text else ""
        scores = {sector: sum(w * (2 if title and term in title else 1) for term, w in terms.items()
                              if not _inside_only(term, terms, text))
                  for sector, terms in hits.sectors.items()}
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if not ranked:
            return ()
        return tuple([ranked[0][0]] + [s for s, v in ranked[1:2] if v >= _SECOND_SECTOR])

    def _bodies(self, text: str, places, find) -> tuple[tuple, tuple]:
        """Return (named bodies, drafting bodies) as (locality full path, sector|role) pairs."""
        named, drafting = [], []
        # Each surface once, with the path of its first mention.
        first: dict[str, tuple[int, str]] = {}      # surface -> (order of first mention, its path)
        for surface, path in places.mentions:
            if surface not in first:
                first[surface] = (len(first), path)
        # Why by length: a text naming dozens of places and bodies would otherwise test every surface
        # at every body; slicing the few distinct lengths finds the same candidates.
        lengths = sorted({len(surface) for surface in first})
        default = places.paths[0] if len(places.paths) == 1 else None
        for start, end, groups in find(_DEPARTMENT):
            key = _dept_sector(groups[1])
            if key is None:
                continue
            locality = None
            # A surface mentioned before that ends at most 2 characters before the body (its last
            # occurrence there, as text.rfind would find it); the latest start wins, then the surface
            # mentioned first.
            found = None
            for gap in (0, 1, 2):
                stop = start - gap
                for size in lengths:
                    pos = stop - size
                    if pos < 0:
                        break
                    hit = first.get(text[pos:stop])
                    if hit is not None and (found is None or (-pos, hit[0]) < found[0]):
                        found = ((-pos, hit[0]), hit[1])
            if found is not None:
                locality = found[1]
            locality = locality or default
            before = text[start - 1] if start else ""
            if locality and before in "省市" and locality in self.gazetteer.by_path:
                # 省政府办公厅, 市教育局: the level the word names, above the place found.
                place = self.gazetteer.places[self.gazetteer.by_path[locality]]
                chain = [self.gazetteer.places[a] for a in place.ancestors] + [place]
                level = "province" if before == "省" else "city"
                locality = next((p.path for p in chain if p.level == level), locality)
            elif locality is None and before == "省" and self.gazetteer.jurisdiction:
                locality = self.gazetteer.jurisdiction
            if locality is None:
                continue
            pair = (locality, key)
            if pair not in named:
                named.append(pair)
            if _DRAFTING.match(text, end) and pair not in drafting:
                drafting.append(pair)
        return tuple(named), tuple(drafting)
