"""Officer overrides of an assignment: reassign, add a co-responder, name a lead (RULES.md A-7, E-12).

`apply_override` is pure: it returns the new `Assignment` with a trace line
naming the officer, the change and the reason. Storing it, auditing it and
notifying the new owner is the caller's job (the case actions). The clocks keep
their original start (E-12 decision: a re-scoped or re-assigned opinion is the
same opinion, and restarting would reward a slow first owner).
"""

from __future__ import annotations

from dataclasses import replace

from ..directory import Body, Directory
from ..errors import InvalidAction
from . import profile_for
from .bodies import coordinators, dedupe, leaders, ref
from .records import Assignment, BodyRef

__all__ = ["apply_override", "BodyTarget"]

BodyTarget = BodyRef | Body | tuple[str, str] | str


def _resolve(directory: Directory, target: BodyTarget, what: str) -> Body:
    if isinstance(target, (BodyRef, Body)):
        body = directory.bodies.get(target.key)
    elif isinstance(target, tuple):
        body = directory.bodies.get(target)
    else:
        body = directory.resolve_name(str(target))
    if body is None:
        raise InvalidAction(f"{what}：目录中没有 {target!r}")
    return body


def apply_override(assignment: Assignment, *, directory: Directory, reassign_to: BodyTarget | None = None,
                   add_co_responder: BodyTarget | None = None, lead: BodyTarget | None = None,
                   reason: str, actor: str, especially_major: bool | None = None) -> Assignment:
    """Return `assignment` changed by an officer; raise InvalidAction (Chinese message) when it cannot apply.

    1. `reassign_to`: the body becomes the only 第一责任主体; coordinators and leader follow its
       level; a `needs_triage` / `out_of_jurisdiction` result becomes `single_locality` (or
       `vertical_department`), other rules keep their name so the original reasoning stays visible;
    2. `add_co_responder`: a body that must also respond locally (属地管理);
    3. `lead`: the 牵头部门 among the first bodies (A-7 "必要时可确定牵头部门"); the leader becomes
       its 分管负责同志.
    Targets are a `BodyRef`/`Body`, a (locality, sector or role) key, or a name or alias (A-16).
    `especially_major`: the case's flag (the A-8 overlay); default: the assignment had a principal.
    """
    reason, actor = (reason or "").strip(), (actor or "").strip()
    if not reason:
        raise InvalidAction("调整责任主体必须填写理由")
    if not actor:
        raise InvalidAction("调整责任主体必须记录操作人")
    if reassign_to is None and add_co_responder is None and lead is None:
        raise InvalidAction("没有要调整的内容：请改派、增加属地回应单位或指定牵头部门")
    profile = profile_for(directory.profile)
    major = assignment.principal is not None if especially_major is None else especially_major
    result = assignment
    lines: list[str] = []
    if reassign_to is not None:
        body = _resolve(directory, reassign_to, "改派")
        result, notes = _reassign(result, body, directory, especially_major=major)
        lines.append(f"值班员{actor}改派：由{body.name}作为第一责任主体，各时限沿用原起算时间{profile.cite('E-12')}")
        lines += notes
    if add_co_responder is not None:
        body = _resolve(directory, add_co_responder, "增加属地回应单位")
        if body.key in {b.key for b in (*result.first, *result.co_responders)}:
            raise InvalidAction(f"{body.name}已在责任主体或属地回应单位中")
        result = replace(result, co_responders=(*result.co_responders, ref(body)))
        lines.append(f"值班员{actor}增加属地回应单位：{body.name}")
    if lead is not None:
        body = _resolve(directory, lead, "指定牵头部门")
        if body.key not in {b.key for b in result.first}:
            raise InvalidAction(f"牵头部门必须是第一责任主体之一：{body.name}不在其中，请先改派")
        leader, principal, notes = leaders(directory, profile, locality=body.locality, sectors=[body.sector] if body.sector else [],
                                           lead_sector=body.sector, especially_major=major)
        result = replace(result, lead=ref(body), leader=leader, principal=principal)
        lines.append(f"值班员{actor}指定牵头部门：{body.name}，其为时限责任的记录单位{profile.cite('A-7')}")
        lines += notes
    lines.append(f"调整理由：{reason}")
    overrides = [*assignment.extra.get("overrides", ()), {
        "actor": actor, "reason": reason,
        "reassign_to": list(_key(reassign_to, directory)) if reassign_to is not None else None,
        "add_co_responder": list(_key(add_co_responder, directory)) if add_co_responder is not None else None,
        "lead": list(_key(lead, directory)) if lead is not None else None,
    }]
    return replace(result, trace=(*result.trace, *lines), extra={**assignment.extra, "overrides": overrides})


def _key(target: BodyTarget, directory: Directory) -> tuple[str, str]:
    return _resolve(directory, target, "").key


def _reassign(assignment: Assignment, body: Body, directory: Directory, *,
              especially_major: bool) -> tuple[Assignment, list[str]]:
    profile = profile_for(directory.profile)
    keep_cyber = any(c.role == "cyberspace" for c in assignment.coordinators)
    coord, notes = coordinators(directory, profile, owners=[body], level=body.locality, involved=(body.locality,),
                                cyberspace_reasons=["沿用原协调联动安排"] if keep_cyber else [])
    leader, principal, lnotes = leaders(directory, profile, locality=body.locality,
                                        sectors=[body.sector] if body.sector else [], lead_sector=None,
                                        especially_major=especially_major)
    rule = assignment.rule
    if rule in ("needs_triage", "out_of_jurisdiction"):
        rule = "vertical_department" if body.vertical else "single_locality"
    co = dedupe(c for c in assignment.co_responders if c.key != body.key)
    changed = replace(assignment, rule=rule, first=(ref(body),), lead=None, co_responders=co, coordinators=coord,
                      leader=leader, principal=principal, candidates=())
    return changed, [*notes, *lnotes]
