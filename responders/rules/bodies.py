"""Coordinators and leaders of an owner (RULES.md A-2, A-3, A-7, A-8, E-6, E-13).

The 第一责任主体 responds; the 组织协调 body coordinates (A-0): these helpers
find the second kind for a given owner, and the leader who stands behind it.
"""

from __future__ import annotations

from ..directory import Body, Directory
from .profile import Profile
from .records import BodyRef, PersonRef
from .wording import NATION, NATIONAL_BODIES, sector_label

__all__ = ["ref", "national_ref", "department", "coordinators", "leaders", "dedupe"]


def ref(body: Body) -> BodyRef:
    return BodyRef(body.name, body.locality, body.sector, body.role)


def national_ref(sector: str | None) -> BodyRef:
    """Return the 国务院相关部门 of `sector` (outside every deployment's directory)."""
    return BodyRef(NATIONAL_BODIES.get(sector or "", "国务院相关部门"), NATION, sector)


def department(directory: Directory, locality: str, sector: str, profile: Profile) -> tuple[Body | None, str | None]:
    """Return the `sector` department of `locality` and a trace note when it had to be taken from above.

    A 开发区（新区）often has no department of its own for a sector; the city's
    department then answers for it (RULES.md E-3, `zones = "own_or_parent"`).
    """
    body = directory.body(locality, sector)
    if body is not None:
        return body, None
    loc = directory.locality(locality)
    if loc is not None and loc.level == "zone" and loc.parent:
        body = directory.body(loc.parent, sector)
        if body is not None:
            return body, f"{loc.name}未设{sector_label(sector)}部门，由所属市的{body.name}负责{profile.cite('E-3')}"
    return None, None


def dedupe(refs) -> tuple[BodyRef, ...]:
    seen, out = set(), []
    for r in refs:
        if r is not None and r.key not in seen:
            seen.add(r.key)
            out.append(r)
    return tuple(out)


def coordinators(directory: Directory, profile: Profile, *, owners: list[Body], level: str,
                 involved: tuple[str, ...], cyberspace_reasons: list[str]) -> tuple[tuple[BodyRef, ...], list[str]]:
    """Return the coordinating bodies and their trace lines.

    1. an owner that is not vertically managed: the government office and the propaganda
       department of `level` (本级, A-2/A-7; wording E-14 per profile);
    2. a vertically managed owner: its upper department (configured, else the same sector one
       level up, else the national one) with the propaganda departments of the localities
       involved (涉事市、县宣传部门, A-3; wording E-13 per profile);
    3. the cyberspace office of `level` when a rumour must be referred (R-1) or the opinion is
       major (L-1).
    """
    out: list[BodyRef] = []
    notes: list[str] = []
    local = [b for b in owners if not b.vertical]
    vertical = [b for b in owners if b.vertical]
    if local or not owners:
        office, propaganda = directory.body(level, "government_office"), directory.body(level, "propaganda")
        out += [ref(b) for b in (office, propaganda) if b is not None]
        names = "、".join(b.name for b in (office, propaganda) if b is not None) or "（目录中未配置本级协调部门）"
        notes.append(f"组织协调：{profile.office_wording}（{names}）{profile.cite('A-2')}")
    for b in vertical:
        upper = directory.upper(b)
        upper_ref = ref(upper) if upper is not None else national_ref(b.sector)
        propaganda = [directory.body(p, "propaganda") for p in (involved or (b.locality,))]
        out.append(upper_ref)
        out += [ref(p) for p in propaganda if p is not None]
        names = "、".join([upper_ref.name, *(p.name for p in propaganda if p is not None)])
        notes.append(f"{b.name}实行垂直管理，第一责任主体不变，组织协调改由{profile.vertical_wording}（{names}）"
                     f"{profile.cite('A-3')}")
    if cyberspace_reasons:
        cyber = directory.body(level, "cyberspace")
        if cyber is not None:
            out.append(ref(cyber))
            notes.append(f"{cyber.name}参与协调联动：{'；'.join(cyberspace_reasons)}")
    return dedupe(out), notes


def leaders(directory: Directory, profile: Profile, *, locality: str, sectors: list[str], lead_sector: str | None,
            especially_major: bool) -> tuple[PersonRef | None, PersonRef | None, list[str]]:
    """Return (leader, principal, trace lines) for owners at `locality`.

    The leader is the 分管负责同志 of the owner's sector; with several sectors and no lead
    the first sector's deputy, or the principal when `multi_department_leader = "principal"`
    (E-6). An especially major opinion puts the 本级政府主要负责同志 in charge (A-8 overlay).
    """
    notes: list[str] = []
    principal = directory.principal(locality)
    principal_ref = PersonRef(principal.name, principal.locality, "principal") if principal else None
    if especially_major:
        if principal_ref is None:
            notes.append(f"特别重大的政务舆情，但目录中未配置 {locality} 主要负责同志{profile.cite('A-8')}")
            return None, None, notes
        notes.append(f"特别重大的政务舆情：本级政府主要负责同志（{principal_ref.name}）负起领导责任，"
                     f"指导、协调、督促相关部门做好回应{profile.cite('A-8')}")
        return principal_ref, principal_ref, notes
    sector = lead_sector or (sectors[0] if sectors else None)
    if len(sectors) > 1 and lead_sector is None:
        in_charge = {s: directory.deputy_in_charge(locality, s) for s in sectors}
        names = {p.name for p in in_charge.values() if p is not None}
        if len(names) > 1 and directory.settings.multi_department_leader == "principal" and principal_ref:
            notes.append(f"涉及多位分管负责同志且未确定牵头部门：由主要负责同志（{principal_ref.name}）统筹{profile.cite('E-6')}")
            return principal_ref, None, notes
        if len(names) > 1:
            notes.append(f"涉及多位分管负责同志（{'、'.join(sorted(names))}）且未确定牵头部门："
                         f"按首个领域确定分管负责同志{profile.cite('E-6')}")
    deputy = directory.deputy_for(locality, sector)
    if deputy is None:
        notes.append(f"目录中未配置 {locality} 的分管负责同志")
        return None, None, notes
    return PersonRef(deputy.name, deputy.locality, "deputy"), None, notes
