"""The assignment engine: RULES.md 4.2 and 4.3, in order, each step leaving a Chinese trace line.

1. national policy or decision: the 国务院相关部门 owns it; locally only re-post and explain (A-1);
2. contradictory or unknown facts: `needs_triage` (E-5, E-7, E-9), never a guess shown as certain;
3. a superior's request: the ordered lower government, A-2..A-7 inside it (A-13);
4. a policy document: the 牵头起草部门 ("谁起草、谁解读"), in Guizhou optionally the 当地政府
   (A-10..A-12, E-8, E-15);
5. by locality: one locality (A-2), vertically managed (A-3), counties of one city (A-6),
   several cities (A-5) or the generic upper level (A-4); several departments (A-7, E-1, E-6), unless
   the judgement names the main one (`lead_sector`): its department alone owns it, the others assist;
6. overlays: coordinators (A-2, A-3, R-1, L-1), leader (分管负责同志) or principal (A-8),
   major-emergency information release (A-9, E-10).
Everything outside the jurisdiction is `out_of_jurisdiction` (E-4 when only part of it is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from monitor.assessment import Assessment

from ..config import NON_GOVERNMENT_ROLES, SECTORS
from ..directory import Body, Directory
from . import profile_for
from .bodies import coordinators, dedupe, department, leaders, national_ref, ref
from .profile import Profile
from .records import Assignment, BodyRef
from .scope import Scope, common_upper, read_scope
from .wording import level_label, sector_label

__all__ = ["decide"]


@dataclass
class _Run:
    """What one decision has learned so far; `trace` grows as the steps run."""

    assessment: Assessment
    directory: Directory
    profile: Profile
    scope: Scope
    sectors: list[str]
    trace: list[str] = field(default_factory=list)

    @property
    def settings(self):
        return self.directory.settings


def decide(assessment: Assessment, directory: Directory) -> Assignment:
    """Return the assignment of `assessment` under the directory's profile (see module docstring)."""
    profile = profile_for(directory.profile)
    scope = read_scope(assessment.localities, directory, profile)
    run = _Run(assessment, directory, profile, scope, [], [f"规则集：{profile.title}"])
    run.trace += scope.notes
    run.sectors = _sectors(run)
    if assessment.national_policy:
        return _national_policy(run)
    problem = _contradiction(run)
    if problem:
        return _triage(run, problem, _candidates_near(run))
    if assessment.superior_request:
        return _superior_request(run)
    if assessment.policy_documents or assessment.drafting_bodies:
        result = _policy_document(run)
        if result is not None:
            return result
    return _by_locality(run)


# --- facts ------------------------------------------------------------------------------------

def _sectors(run: _Run) -> list[str]:
    a = run.assessment
    sectors = [s for s in dict.fromkeys(a.sectors) if s in SECTORS]
    unknown = [s for s in a.sectors if s not in SECTORS]
    if unknown:
        run.trace.append(f"忽略未知领域代码：{'、'.join(unknown)}")
    if not sectors:
        named = [s for _, s in a.named_bodies if s in SECTORS]
        if named:
            sectors = list(dict.fromkeys(named))
            run.trace.append(f"未标注领域，取文中点名的部门所属领域：{'、'.join(map(sector_label, sectors))}")
    if not run.scope.inside and not run.scope.outside and a.named_bodies:
        places = tuple(dict.fromkeys(loc for loc, _ in a.named_bodies if loc in run.directory.localities))
        if places:
            run.scope = replace(run.scope, inside=read_scope(places, run.directory, run.profile).inside)
            run.trace.append(f"未标注地区，取文中点名的机关所在地：{'、'.join(run.scope.inside)}")
    return sectors


def _contradiction(run: _Run) -> str | None:
    a, scope = run.assessment, run.scope
    if a.in_jurisdiction is False and scope.inside:
        return f"研判为辖区外，但涉及辖区内地区（{'、'.join(scope.inside)}），事实相互矛盾"
    if a.in_jurisdiction is True and not scope.inside and scope.outside:
        return f"研判为辖区内，但只涉及辖区外地区（{'、'.join(scope.outside)}），事实相互矛盾"
    if scope.unknown:
        return f"无法识别的地区：{'、'.join(scope.unknown)}{run.profile.cite('E-5')}"
    return None


# --- A-1 --------------------------------------------------------------------------------------

def _national_policy(run: _Run) -> Assignment:
    d, p, a = run.directory, run.profile, run.assessment
    owners = [national_ref(s) for s in run.sectors] or [national_ref(None)]
    local = _upper_of(run.scope.inside, d) or d.jurisdiction
    run.trace.append(f"涉及国务院重大政策、重要决策部署：{'、'.join(o.name for o in owners)}（国务院相关部门）"
                     f"是第一责任主体{p.cite('A-1')}")
    co = [ref(b) for s in run.sectors if (b := department(d, local, s, p)[0]) is not None]
    if co:
        run.trace.append(f"本地只做转载和解读：{'、'.join(c.name for c in co)}（国办发〔2016〕80号 四（二））")
    coord, notes = coordinators(d, p, owners=[], level=local, involved=run.scope.inside,
                                cyberspace_reasons=_cyberspace_reasons(run))
    run.trace += notes
    leader, principal, notes = leaders(d, p, locality=local, sectors=run.sectors, lead_sector=None,
                                       especially_major=a.especially_major)
    run.trace += notes
    return Assignment("national_policy", tuple(owners), None, dedupe(co), coord, leader, principal,
                      trace=tuple(run.trace), extra=_extra(run, local))


# --- A-13 -------------------------------------------------------------------------------------

def _superior_request(run: _Run) -> Assignment:
    d = run.directory
    if not run.scope.inside:
        ordered = tuple(loc for loc, role in run.assessment.named_bodies
                        if role == "government_office" and loc in d.localities)
        if ordered:
            run.scope = replace(run.scope, inside=read_scope(ordered, d, run.profile).inside)
    where = "、".join(run.scope.inside) or "（未能确定被要求的下级政府）"
    run.trace.append(f"上级政府要求下级政府主动回应：由被要求的下级政府（{where}）在其范围内确定第一责任主体"
                     f"{run.profile.cite('A-13')}")
    return _by_locality(run, rule="superior_request")


# --- A-10..A-12 -------------------------------------------------------------------------------

_TITLE = re.compile(r"[《》〈〉\s]")


def _drafters(run: _Run) -> list[Body]:
    d, a = run.directory, run.assessment
    found: list[Body] = []
    for loc, target in a.drafting_bodies:
        body = d.body(loc, target)
        if body is not None:
            found.append(body)
        else:
            run.trace.append(f"起草部门（{loc}，{target}）不在本辖区目录中")
    if found:
        return found
    titles = {_TITLE.sub("", t) for t in a.policy_documents}
    for policy in run.settings.policies:
        title = _TITLE.sub("", policy.title)
        if any(t and (t in title or title in t) for t in titles):
            bodies = [b for k in policy.drafting if (b := d.bodies.get(k.key)) is not None]
            if bodies:
                run.trace.append(f"按政策文件登记表匹配《{policy.title}》的起草部门（Q-20）")
                return bodies
    return []


def _policy_document(run: _Run) -> Assignment | None:
    d, p, a = run.directory, run.profile, run.assessment
    titles = "、".join(f"《{_TITLE.sub('', t)}》" for t in a.policy_documents) or "相关政策文件"
    drafters = _drafters(run)
    local = _upper_of(run.scope.inside, d)
    prefer_local = p.local_government_for_policy and run.settings.guizhou_policy_owner == "local_government"
    if p.local_government_for_policy and local and (prefer_local or not drafters):
        office = d.body(local, "government_office")
        if office is not None:
            why = "按配置由当地政府组织回应" if drafters else "未能确定牵头起草部门，由当地政府组织回应"
            run.trace.append(f"因政策文件{titles}出台引发的舆情，当地政府或牵头起草部门应积极组织回应：{why}"
                             f"（{office.name}承办）{p.cite('A-11')}")
            run.trace.append(f"“当地政府”与“牵头起草部门”之间的选择见配置 guizhou_policy_owner{p.cite('E-15')}")
            return _finish(run, "policy_document", owners=[office], level=local, co=[ref(b) for b in drafters])
    if not drafters:
        run.trace.append(f"涉及政策文件{titles}，但未能确定牵头起草部门：按属地规则处理{p.cite('A-11')}")
        return None
    lead, others = drafters[0], drafters[1:]
    run.trace.append(f"谁起草、谁解读：由{titles}的牵头起草部门{lead.name}作为第一责任主体{p.cite('A-10')}")
    if others:
        run.trace.append(f"联合发文：其他起草部门（{'、'.join(b.name for b in others)}）配合{p.cite('A-10')}")
    run.trace.append(f"牵头起草部门负责出台前的舆情风险评估和应对预案{p.cite('A-12')}")
    level = d.locality(lead.locality)
    if level is not None and level.level == "province" and not a.national_policy:
        run.trace.append(f"省级政策文件参照谁起草、谁解读处理{p.cite('E-8')}")
    co = [ref(b) for b in others]
    for loc in run.scope.inside:
        if loc != lead.locality and lead.sector:
            body = department(d, loc, lead.sector, p)[0]
            if body is not None:
                co.append(ref(body))
    if len(co) > len(others):
        run.trace.append("相关涉事地区按照属地管理原则做好本地落实情况的回应")
    return _finish(run, "policy_document", owners=[lead], level=lead.locality, co=co)


# --- A-2..A-7 ---------------------------------------------------------------------------------

def _by_locality(run: _Run, rule: str | None = None) -> Assignment:
    d, p, s = run.directory, run.profile, run.settings
    scope = run.scope
    if not scope.inside and (scope.outside or run.assessment.in_jurisdiction is False):
        return _out_of_jurisdiction(run)
    if not scope.inside:
        if s.no_locality == "jurisdiction":
            run.trace.append(f"未能确定涉事地区：按配置由本辖区（{d.jurisdiction}）本级处理{p.cite('E-5')}")
            run.scope = scope = replace(scope, inside=(d.jurisdiction,))
        else:
            return _triage(run, f"未能确定涉事地区{p.cite('E-5')}", _candidates_at(run, d.jurisdiction))
    if scope.outside:
        if s.cross_province == "triage":
            return _triage(run, f"跨省（区、市）舆情，涉及辖区外地区（{'、'.join(scope.outside)}）{p.cite('E-4')}",
                           _candidates_at(run, _upper_of(scope.inside, d)))
        run.trace.append(f"跨省（区、市）舆情：辖区外地区（{'、'.join(scope.outside)}）由其属地负责，上级政府主管部门为"
                         f"国务院相关部门；本辖区按属地管理原则对本地部分进行回应{p.cite('E-4')}")
    if not run.sectors:
        others = [role for _, role in run.assessment.named_bodies if role in NON_GOVERNMENT_ROLES]
        level = _upper_of(scope.inside, d)
        if others:
            return _triage(run, f"涉事主体不是行政机关（{'、'.join(dict.fromkeys(others))}），政务舆情回应规则不直接适用"
                                f"{p.cite('E-9')}", _candidates_at(run, level, roles=("propaganda", "government_office")))
        return _triage(run, f"涉事责任部门不明确，由本级政府办公室组织协调确定{p.cite('E-7')}", _candidates_at(run, level))

    geometry, level = _span(scope.inside, d, p)
    owning = _owning_sectors(run)
    owners, notes, missing = [], [], []
    for sector in owning:
        body, note = department(d, level, sector, p)
        if body is None:
            missing.append(sector)
            continue
        owners.append(body)
        if note:
            notes.append(note)
    if missing:
        run.trace.append(f"目录中 {level} 没有以下领域的部门：{'、'.join(map(sector_label, missing))}")
    if not owners:
        return _triage(run, f"{level} 没有可作为第一责任主体的部门{p.cite('E-7')}", _candidates_at(run, level))
    run.trace += notes
    if geometry != "single" and any(b.vertical for b in owners) and s.vertical_multi_locality == "triage":
        return _triage(run, f"垂直管理部门涉及多个地区，按配置由人工确定{p.cite('E-2')}", [ref(b) for b in owners])
    names = "、".join(b.name for b in owners)
    if geometry == "single":
        loc = d.localities[level]
        if len(owners) == 1 and owners[0].vertical:
            rule_name, rule_id = "vertical_department", "A-3"
        else:
            rule_name, rule_id = ("single_locality", "A-2") if len(owners) == 1 else ("multi_department", "A-7")
        run.trace.append(f"涉及{level_label(loc.level, single=True)}：由{names}作为第一责任主体"
                         f"{p.cite('A-3' if rule_id == 'A-3' else 'A-2')}")
    else:
        rule_name = geometry
        rule_id = p.multi_rule_ids[geometry]
        upper_level = level_label(d.localities[level].level)
        span = "同一市的多个县（区）" if geometry == "multi_county_same_city" else "多个市"
        run.trace.append(f"涉及{span}（{'、'.join(scope.inside)}）：由{names}"
                         f"（{upper_level}业务主管部门）作为第一责任主体{p.cite(rule_id)}")
        if any(b.vertical for b in owners):
            run.trace.append(f"垂直管理部门跨地区：由上一级垂直管理部门作为第一责任主体{p.cite('E-2')}")
        run.trace.append(f"相关涉事地区按照属地管理原则进行回应{p.cite(rule_id)}")
    co: list[BodyRef] = []
    for sector in run.sectors:
        if sector not in owning and (body := department(d, level, sector, p)[0]) is not None:
            co.append(ref(body))
    if geometry != "single":
        for loc in scope.inside:
            for sector in run.sectors:
                body = department(d, loc, sector, p)[0]
                if body is not None:
                    co.append(ref(body))
    lead = None
    if len(owners) > 1:
        run.trace.append(f"涉及多个部门：各部门按照职责分工做好回应，加强沟通协商，确保回应信息准确一致{p.cite('A-7')}")
        if geometry != "single":
            run.trace.append(f"多地区且多部门：各{level_label(d.localities[level].level)}业务主管部门均为第一责任主体"
                             f"{p.cite('E-1')}")
        lead = _standing_lead(run, owners)
    return _finish(run, rule or rule_name, owners=owners, level=level, co=co, lead=lead)


def _owning_sectors(run: _Run) -> list[str]:
    """Return the sectors whose departments own the item: the judged main one alone (A-2), else all (A-7)."""
    lead = run.assessment.lead_sector
    if lead is None or lead not in run.sectors or len(run.sectors) == 1:
        return run.sectors
    others = [s for s in run.sectors if s != lead]
    run.trace.append(f"主要涉及{sector_label(lead)}领域，由其主管部门作为第一责任主体；"
                     f"{'、'.join(map(sector_label, others))}领域的部门按照职责分工配合回应{run.profile.cite('A-7')}")
    return [lead]


def _span(inside: tuple[str, ...], d: Directory, p: Profile) -> tuple[str, str]:
    """Return (geometry, owner locality) for the localities involved (A-2, A-4, A-5, A-6)."""
    if len(inside) == 1:
        return "single", inside[0]
    if p.multi_locality == "levels":
        cities = {d.city_of(x) for x in inside}
        levels = {d.localities[x].level for x in inside}
        if len(cities) == 1 and None not in cities and levels <= {"county", "zone"}:
            return "multi_county_same_city", cities.pop()
        province = d.jurisdiction if d.localities[d.jurisdiction].level == "province" else None
        if province is None:      # a city-level deployment: all its counties are "one city"
            return "multi_county_same_city", d.jurisdiction
        return "multi_city", province
    upper = common_upper(inside, d) or d.jurisdiction
    return ("multi_city" if d.localities[upper].level == "province" else "multi_county_same_city"), upper


def _standing_lead(run: _Run, owners: list[Body]) -> Body | None:
    involved = {b.sector for b in owners}
    for lead in run.settings.leads:
        if set(lead.sectors) <= involved:
            body = next(b for b in owners if b.sector == lead.lead)
            run.trace.append(f"按配置确定牵头部门：{body.name}（必要时可确定牵头部门）{run.profile.cite('A-7')}")
            return body
    run.trace.append(f"未确定牵头部门：各部门均为第一责任主体，由组织协调部门督促指导，值班员可指定牵头部门"
                     f"{run.profile.cite('E-6')}")
    return None


# --- shared endings ---------------------------------------------------------------------------

def _finish(run: _Run, rule: str, *, owners: list[Body], level: str, co: list[BodyRef],
            lead: Body | None = None) -> Assignment:
    d, p, a = run.directory, run.profile, run.assessment
    coord, notes = coordinators(d, p, owners=owners, level=level, involved=run.scope.inside or (level,),
                                cyberspace_reasons=_cyberspace_reasons(run))
    run.trace += notes
    leader_loc = lead.locality if lead else level
    sectors = [b.sector for b in owners if b.sector]
    leader, principal, notes = leaders(d, p, locality=leader_loc, sectors=sectors,
                                       lead_sector=lead.sector if lead else None, especially_major=a.especially_major)
    run.trace += notes
    if a.severity == "major_emergency":
        run.trace.append(f"突发事件信息发布：负责处置的地方和部门是信息发布第一责任人，默认与第一责任主体一致；"
                         f"另设应急指挥部时由值班员改派{p.cite('A-9')}")
    first = dedupe(ref(b) for b in owners)
    keys = {f.key for f in first}
    co_refs = tuple(c for c in dedupe(co) if c.key not in keys)
    return Assignment(rule, first, ref(lead) if lead else None, co_refs, coord, leader, principal,
                      trace=tuple(run.trace), extra=_extra(run, level))


def _cyberspace_reasons(run: _Run) -> list[str]:
    a, p = run.assessment, run.profile
    reasons = []
    if "rumor" in a.criteria and run.settings.cyberspace_for_rumours:
        reasons.append(f"涉及谣言，回应同时向公安机关、网络监管部门移交线索{p.cite('R-1')}")
    if a.especially_major or a.severity == "major_emergency":
        reasons.append(f"重大政务舆情，与宣传、网信等部门协调联动{p.cite('L-1')}")
    return reasons


def _out_of_jurisdiction(run: _Run) -> Assignment:
    where = "、".join(run.scope.outside) or "研判为辖区外"
    run.trace.append(f"涉及辖区外地区（{where}）：不属于本辖区（{run.directory.jurisdiction}）"
                     f"的第一责任主体，由其属地负责，本辖区仅记录")
    return Assignment("out_of_jurisdiction", trace=tuple(run.trace), extra=_extra(run, None))


def _triage(run: _Run, reason: str, candidates: list[BodyRef]) -> Assignment:
    d = run.directory
    level = _upper_of(run.scope.inside, d) or d.jurisdiction
    office = d.body(level, "government_office") or d.body(d.jurisdiction, "government_office")
    names = "、".join(c.name for c in dedupe(candidates)) or "无"
    run.trace.append(f"需人工研判：{reason}；候选：{names}")
    return Assignment("needs_triage", coordinators=(ref(office),) if office else (), candidates=dedupe(candidates),
                      trace=tuple(run.trace), extra=_extra(run, level))


def _candidates_at(run: _Run, level: str | None, roles: tuple[str, ...] = ("government_office",)) -> list[BodyRef]:
    """Return who it could be at `level`: its departments of the sectors, else its coordination bodies."""
    d = run.directory
    level = level or d.jurisdiction
    found = [ref(b) for s in run.sectors if (b := d.body(level, s)) is not None]
    return found or [ref(b) for r in roles if (b := d.body(level, r)) is not None]


def _candidates_near(run: _Run) -> list[BodyRef]:
    d = run.directory
    places = run.scope.inside or tuple(p for p in (d.jurisdiction,))
    out: list[BodyRef] = []
    for place in places:
        out += _candidates_at(run, place)
    return out


def _upper_of(inside: tuple[str, ...], d: Directory) -> str | None:
    if not inside:
        return None
    return inside[0] if len(inside) == 1 else common_upper(inside, d)


def _extra(run: _Run, level: str | None) -> dict:
    return {"profile": run.profile.name, "level": level, "sectors": list(run.sectors),
            "localities": list(run.scope.inside), "outside": list(run.scope.outside)}
