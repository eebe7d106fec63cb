"""The assignment table: each case names the RULES.md rule or edge case it exercises (in its id)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from monitor.assessment import Assessment
from responders.assignment import RULES, Assignment, apply_override, assign

TG, PY, YC = "山西省晋中市太谷区", "山西省晋中市平遥县", "山西省晋中市榆次区"
JZ, DT, PC, SX = "山西省晋中市", "山西省大同市", "山西省大同市平城区", "山西省"
ZONE = "山西省晋中市晋中经济技术开发区"
GY, NM, YY, HX = "贵州省贵阳市", "贵州省贵阳市南明区", "贵州省贵阳市云岩区", "贵州省贵阳市花溪区"
NATION = "中华人民共和国"
OFFICE, PROP, CYBER = "government_office", "propaganda", "cyberspace"


def A(*localities, sectors=(), **facts) -> Assessment:
    facts.setdefault("priority", True)
    facts.setdefault("severity", "general")
    return Assessment(localities=tuple(localities), sectors=tuple(sectors), **facts)


@dataclass(frozen=True)
class Expect:
    rule: str
    first: tuple = ()                      # body keys (locality, sector|role), in order
    co: tuple | None = None                # co_responders keys (any order); None: not checked
    coordinators: tuple | None = None      # coordinator keys (any order); None: not checked
    lead: tuple | None = None
    leader: tuple | None = None            # (locality, role) or None for no leader
    leader_sector: str | None = None       # the leader is the deputy in charge of this sector
    principal: bool = False
    candidates: tuple | None = None
    trace: tuple = ()                      # substrings that some trace line must contain
    first_names: tuple = ()                # display names where the case is about a name
    then: dict = field(default_factory=dict)   # an officer override applied before checking


def case(directory, assessment, expect, id):
    return pytest.param(directory, assessment, expect, id=id)


CASES = [
    # --- single locality, single department ---------------------------------------------
    case("shanxi", A(TG, sectors=["emergency"]), Expect(
        "single_locality", first=((TG, "emergency"),), co=(), coordinators=((TG, OFFICE), (TG, PROP)),
        leader=(TG, "deputy"), leader_sector="emergency",
        trace=("涉及单一县（区）：由晋中市太谷区应急管理局作为第一责任主体（A-2，晋政办发〔2016〕138号",)),
        "A-2-single-county-emergency"),
    case("shanxi", A(JZ, sectors=["education"]), Expect(
        "single_locality", first=((JZ, "education"),), coordinators=((JZ, OFFICE), (JZ, PROP)),
        leader=(JZ, "deputy"), leader_sector="education", trace=("单一市", "A-2")), "A-2-single-city"),
    case("shanxi", A(SX, sectors=["health"]), Expect(
        "single_locality", first=((SX, "health"),), coordinators=((SX, OFFICE), (SX, PROP)),
        leader=(SX, "deputy"), leader_sector="health", trace=("省级事项", "A-2")), "A-2-province-level-matter"),
    case("shanxi", A("山西省晋中市太谷区胡村镇", sectors=["housing"]), Expect(
        "single_locality", first=((TG, "housing"),), trace=("乡镇、街道归所属县（区）", "E-3")), "E-3-township-rolls-up-to-county"),
    case("shanxi", A(JZ, TG, sectors=["education"]), Expect(
        "single_locality", first=((TG, "education"),), trace=("取最具体的一级",)), "A-2-ancestor-of-listed-county-dropped"),
    case("shanxi", A(TG, sectors=["public_security"], criteria=("rumor",)), Expect(
        "single_locality", first=((TG, "public_security"),), coordinators=((TG, OFFICE), (TG, PROP), (TG, CYBER)),
        trace=("移交线索（R-1，晋政办发〔2016〕138号 二（二））",)), "R-1-rumour-brings-in-cyberspace"),
    case("shanxi_no_cyber", A(TG, sectors=["public_security"], criteria=("rumor",)), Expect(
        "single_locality", first=((TG, "public_security"),), coordinators=((TG, OFFICE), (TG, PROP))),
        "R-1-cyberspace-switch-off"),
    case("shanxi", A(TG, sectors=["emergency"], severity="major_emergency"), Expect(
        "single_locality", first=((TG, "emergency"),), coordinators=((TG, OFFICE), (TG, PROP), (TG, CYBER)),
        trace=("L-1", "信息发布第一责任人", "A-9，中办发〔2016〕8号 九")), "A-9-E-10-major-emergency-release-owner"),
    case("guizhou", A(NM, sectors=["education"]), Expect(
        "single_locality", first=((NM, "education"),), coordinators=((NM, OFFICE), (NM, PROP)),
        leader=(NM, "deputy"), trace=("A-2，黔府办函〔2019〕68号 一（三）", "本级政府办公厅（室）会同宣传部门")),
        "A-2-guizhou-single-county"),
    case("shanxi_national", A(TG, sectors=["education"]), Expect(
        "single_locality", first=((TG, "education"),), trace=("（A-2，国办发〔2016〕61号 一）", "本级政府办公厅（室）会同宣传部门")),
        "A-2-E-14-national-wording-office"),
    case("shanxi", A(TG, sectors=["education"]), Expect(
        "single_locality", first=((TG, "education"),), trace=("组织协调：本级政府办公室会同宣传部门",)),
        "E-14-shanxi-2020-wording-office"),
    # --- vertically managed department ------------------------------------------------------
    case("shanxi", A(TG, sectors=["taxation"]), Expect(
        "vertical_department", first=((TG, "taxation"),), coordinators=((JZ, "taxation"), (TG, PROP)),
        leader=(TG, "deputy"), leader_sector="taxation",
        trace=("第一责任主体不变", "上级政府部门会同涉事市、县宣传部门", "A-3，晋政办发〔2016〕138号")),
        "A-3-vertical-county-tax-bureau"),
    case("shanxi", A(JZ, sectors=["financial_regulation"]), Expect(
        "vertical_department", first=((JZ, "financial_regulation"),), coordinators=((SX, "financial_regulation"), (JZ, PROP))),
        "A-3-vertical-city-financial-regulator"),
    case("shanxi", A(SX, sectors=["taxation"]), Expect(
        "vertical_department", first=((SX, "taxation"),), coordinators=((NATION, "taxation"), (SX, PROP))),
        "A-3-vertical-provincial-bureau-led-nationally"),
    case("mini", A(PY, sectors=["taxation"]), Expect(
        "vertical_department", first=((PY, "taxation"),), coordinators=((SX, "taxation"), (PY, PROP))),
        "A-3-configured-upper-department"),
    case("shanxi_national", A(TG, sectors=["taxation"]), Expect(
        "vertical_department", first=((TG, "taxation"),), coordinators=((JZ, "taxation"), (TG, PROP)),
        trace=("上级部门办公厅（室）会同宣传部门", "A-3，国办发〔2016〕61号 一")), "E-13-national-wording-vertical"),
    case("shanxi", A(TG, sectors=["taxation", "hrss"]), Expect(
        "multi_department", first=((TG, "taxation"), (TG, "hrss")),
        coordinators=((TG, OFFICE), (TG, PROP), (JZ, "taxation")), trace=("A-7", "A-3")),
        "A-3-A-7-vertical-with-local-department"),
    # --- several counties of one city -------------------------------------------------------
    case("shanxi", A(TG, PY, sectors=["education"]), Expect(
        "multi_county_same_city", first=((JZ, "education"),), co=((TG, "education"), (PY, "education")),
        coordinators=((JZ, OFFICE), (JZ, PROP)), leader=(JZ, "deputy"), leader_sector="education",
        trace=("同一市的多个县（区）", "市级业务主管部门", "A-6，晋政办发〔2016〕138号")), "A-6-two-counties-one-city"),
    case("shanxi", A(TG, PY, YC, sectors=["education", "health"]), Expect(
        "multi_county_same_city", first=((JZ, "education"), (JZ, "health")),
        co=tuple((x, s) for x in (TG, PY, YC) for s in ("education", "health")), trace=("A-6", "A-7")),
        "A-6-E-1-three-counties-two-sectors"),
    case("mini", A(TG, ZONE, sectors=["environment"]), Expect(
        "multi_county_same_city", first=((JZ, "environment"),), co=((TG, "environment"), (ZONE, "environment"))),
        "A-6-E-3-county-and-development-zone"),
    case("shanxi", A(TG, PY, sectors=["education"]), Expect(
        "multi_county_same_city", first=((JZ, "education"),), co=((TG, "education"), (PY, "education")),
        trace=("相关涉事地区按照属地管理原则进行回应（A-6",)), "E-11-localities-keep-local-duty"),
    # --- several cities ---------------------------------------------------------------------
    case("shanxi", A(TG, PC, sectors=["education"]), Expect(
        "multi_city", first=((SX, "education"),), co=((TG, "education"), (PC, "education")),
        coordinators=((SX, OFFICE), (SX, PROP)), leader=(SX, "deputy"), leader_sector="education",
        trace=("多个市", "省级业务主管部门", "A-5，晋政办发〔2016〕138号")), "A-5-counties-of-two-cities"),
    case("shanxi", A(JZ, DT, sectors=["environment"]), Expect(
        "multi_city", first=((SX, "environment"),), co=((JZ, "environment"), (DT, "environment"))), "A-5-two-cities"),
    case("shanxi", A(JZ, PC, sectors=["housing"]), Expect(
        "multi_city", first=((SX, "housing"),), co=((JZ, "housing"), (PC, "housing"))), "A-5-city-and-county-elsewhere"),
    # --- generic several localities ---------------------------------------------------------
    case("guizhou", A(NM, YY, sectors=["education"]), Expect(
        "multi_county_same_city", first=((GY, "education"),), co=((NM, "education"), (YY, "education")),
        coordinators=((GY, OFFICE), (GY, PROP)), trace=("A-4，黔府办函〔2019〕68号 一（三）",)), "A-4-guizhou-two-districts"),
    case("shanxi_national", A(TG, PC, sectors=["education"]), Expect(
        "multi_city", first=((SX, "education"),), trace=("A-4，国办发〔2016〕61号 一",)), "A-4-national-two-cities"),
    case("shanxi_national", A(TG, PY, sectors=["education"]), Expect(
        "multi_county_same_city", first=((JZ, "education"),), trace=("A-4",)), "A-4-national-two-counties"),
    # --- several departments ----------------------------------------------------------------
    case("shanxi", A(TG, sectors=["education", "public_security"]), Expect(
        "multi_department", first=((TG, "education"), (TG, "public_security")), lead=None,
        leader=(TG, "deputy"), leader_sector="education",
        trace=("各部门按照职责分工做好回应", "未确定牵头部门", "E-6", "涉及多位分管负责同志")), "A-7-E-6-two-departments-no-lead"),
    # A judged main department (lead_sector): it alone owns a one-locality item, the others assist.
    case("shanxi", A(TG, sectors=["emergency", "education"], lead_sector="emergency"), Expect(
        "single_locality", first=((TG, "emergency"),), co=((TG, "education"),), leader=(TG, "deputy"),
        leader_sector="emergency", trace=("主要涉及应急管理领域", "教育领域的部门按照职责分工配合回应")),
        "A-2-A-7-main-department-leads-the-other-assists"),
    case("shanxi", A(JZ, DT, sectors=["water", "emergency"], lead_sector="water"), Expect(
        "multi_city", first=((SX, "water"),)), "A-5-A-7-main-department-of-several-cities"),
    case("shanxi", A(TG, sectors=["education", "public_security"], lead_sector="health"), Expect(
        "multi_department", first=((TG, "education"), (TG, "public_security"))),
        "A-7-a-lead-sector-not-listed-changes-nothing"),
    case("mini", A(TG, sectors=["environment", "health"]), Expect(
        "multi_department", first=((TG, "environment"), (TG, "health")), lead=(TG, "environment"),
        leader=(TG, "deputy"), leader_sector="environment", trace=("按配置确定牵头部门",)), "A-7-standing-lead-from-config"),
    case("mini", A(TG, sectors=["health", "education", "environment"]), Expect(
        "multi_department", first=((TG, "health"), (TG, "education"), (TG, "environment")), lead=(TG, "environment")),
        "A-7-standing-lead-when-more-sectors-involved"),
    case("shanxi_leader_principal", A(TG, sectors=["education", "public_security"]), Expect(
        "multi_department", first=((TG, "education"), (TG, "public_security")), leader=(TG, "principal"),
        trace=("由主要负责同志",)), "E-6-leader-switch-principal"),
    case("shanxi", A(TG, sectors=["education", "health"]), Expect(
        "multi_department", first=((TG, "education"), (TG, "health")), leader=(TG, "deputy"), leader_sector="health"),
        "A-7-one-deputy-for-both-sectors"),
    case("shanxi", A(TG, PC, sectors=["education", "health"]), Expect(
        "multi_city", first=((SX, "education"), (SX, "health")), lead=None,
        trace=("多地区且多部门", "E-1")), "E-1-two-cities-two-departments"),
    # --- E-2: a vertical department across localities --------------------------------------------
    case("shanxi", A(TG, PY, sectors=["taxation"]), Expect(
        "multi_county_same_city", first=((JZ, "taxation"),), co=((TG, "taxation"), (PY, "taxation")),
        coordinators=((SX, "taxation"), (TG, PROP), (PY, PROP)), trace=("E-2", "上一级垂直管理部门")),
        "E-2-vertical-two-counties"),
    case("shanxi", A(TG, PC, sectors=["taxation"]), Expect(
        "multi_city", first=((SX, "taxation"),), coordinators=((NATION, "taxation"), (TG, PROP), (PC, PROP))),
        "E-2-vertical-two-cities"),
    case("shanxi_vertical_triage", A(TG, PY, sectors=["taxation"]), Expect(
        "needs_triage", candidates=((JZ, "taxation"),), trace=("E-2",)), "E-2-vertical-switch-triage"),
    # --- especially major overlay -----------------------------------------------------------
    case("shanxi", A(TG, sectors=["emergency"], especially_major=True, severity="major_emergency"), Expect(
        "single_locality", first=((TG, "emergency"),), leader=(TG, "principal"), principal=True,
        coordinators=((TG, OFFICE), (TG, PROP), (TG, CYBER)), trace=("特别重大的政务舆情", "A-8")),
        "A-8-especially-major-county"),
    case("shanxi", A(TG, PC, sectors=["water"], especially_major=True), Expect(
        "multi_city", first=((SX, "water"),), leader=(SX, "principal"), principal=True), "A-8-especially-major-province"),
    # --- national policy --------------------------------------------------------------------
    case("shanxi", A(TG, sectors=["education"], national_policy=True), Expect(
        "national_policy", first=((NATION, "education"),), first_names=("教育部",), co=((TG, "education"),),
        coordinators=((TG, OFFICE), (TG, PROP)), leader=(TG, "deputy"), trace=("国务院相关部门", "A-1，国办发〔2016〕61号 一", "转载")),
        "A-1-national-policy-local-reposts"),
    case("shanxi", A(national_policy=True), Expect(
        "national_policy", first=((NATION, ""),), first_names=("国务院相关部门",), co=(), coordinators=((SX, OFFICE), (SX, PROP))),
        "A-1-national-policy-without-sector"),
    case("shanxi", A(TG, sectors=["hrss"], national_policy=True, superior_request=True,
                     policy_documents=("关于养老保险的通知",), drafting_bodies=((SX, "hrss"),)), Expect(
        "national_policy", first=((NATION, "hrss"),)), "A-1-national-policy-comes-first"),
    # --- superior's request ----------------------------------------------------------------
    case("shanxi", A(TG, sectors=["housing"], superior_request=True, criteria=("superior_request",)), Expect(
        "superior_request", first=((TG, "housing"),), coordinators=((TG, OFFICE), (TG, PROP)),
        trace=("上级政府要求下级政府主动回应", "A-13", "A-2")), "A-13-superior-request-one-county"),
    case("shanxi", A(TG, PY, sectors=["housing"], superior_request=True), Expect(
        "superior_request", first=((JZ, "housing"),), co=((TG, "housing"), (PY, "housing")), trace=("A-13", "A-6")),
        "A-13-superior-request-two-counties"),
    case("shanxi", A(sectors=["housing"], superior_request=True, named_bodies=((PY, OFFICE),)), Expect(
        "superior_request", first=((PY, "housing"),)), "A-13-ordered-government-named-in-text"),
    case("shanxi", A(sectors=["housing"], superior_request=True), Expect(
        "needs_triage", candidates=((SX, "housing"),), trace=("未能确定被要求的下级政府", "E-5")), "A-13-E-5-order-without-place"),
    # --- A-10..A-12, E-8: policy documents -------------------------------------------------------
    case("shanxi", A(TG, sectors=["education"], policy_documents=("《山西省义务教育招生办法》",),
                     drafting_bodies=((SX, "education"),)), Expect(
        "policy_document", first=((SX, "education"),), co=((TG, "education"),), coordinators=((SX, OFFICE), (SX, PROP)),
        leader=(SX, "deputy"), leader_sector="education",
        trace=("谁起草、谁解读", "A-10，晋政办发〔2020〕38号 三（三）1", "A-12，晋政办发〔2019〕59号", "E-8")),
        "A-10-A-12-E-8-provincial-policy-drafting-department"),
    case("shanxi", A(policy_documents=("《关于调整最低工资标准的通知》",),
                     drafting_bodies=((SX, "hrss"), (SX, "finance"))), Expect(
        "policy_document", first=((SX, "hrss"),), co=((SX, "finance"),), trace=("联合发文", "配合")),
        "A-10-joint-document-lead-drafter"),
    case("mini", A(TG, policy_documents=("山西省生态环境保护条例实施办法",)), Expect(
        "policy_document", first=((SX, "environment"),), co=((SX, "health"), (TG, "environment")), trace=("政策文件登记表", "Q-20")),
        "A-10-policy-registry-finds-drafters"),
    case("shanxi", A(TG, sectors=["education"], policy_documents=("《某某通知》",)), Expect(
        "single_locality", first=((TG, "education"),), trace=("未能确定牵头起草部门：按属地规则处理", "A-11")),
        "A-11-unknown-drafter-falls-back-to-locality"),
    case("shanxi", A(TG, policy_documents=("《太谷区停车收费办法》",), drafting_bodies=((TG, "development_reform"),)), Expect(
        "policy_document", first=((TG, "development_reform"),), coordinators=((TG, OFFICE), (TG, PROP))),
        "A-10-county-policy"),
    case("shanxi", A(TG, sectors=["education"], policy_documents=("《某部规定》",), drafting_bodies=(("贵州省", "education"),)), Expect(
        "single_locality", first=((TG, "education"),), trace=("不在本辖区目录中",)), "A-10-drafter-outside-directory"),
    # --- A-11, E-15: Guizhou policy-triggered opinions -------------------------------------------
    case("guizhou", A(NM, sectors=["housing"], policy_documents=("《贵阳市住房公积金管理办法》",),
                      drafting_bodies=((GY, "housing"),)), Expect(
        "policy_document", first=((GY, "housing"),), co=((NM, "housing"),), trace=("A-10",)),
        "A-11-E-15-guizhou-default-drafting-department"),
    case("guizhou", A(NM, sectors=["housing"], policy_documents=("《某政策》",)), Expect(
        "policy_document", first=((NM, OFFICE),), trace=("当地政府", "A-11，黔府办函〔2019〕68号 一（三）", "E-15")),
        "A-11-E-15-guizhou-local-government-without-drafter"),
    case("guizhou_local", A(NM, sectors=["housing"], policy_documents=("《贵阳市住房公积金管理办法》",),
                            drafting_bodies=((GY, "housing"),)), Expect(
        "policy_document", first=((NM, OFFICE),), co=((GY, "housing"),), trace=("按配置由当地政府组织回应",)),
        "A-11-E-15-guizhou-switch-local-government"),
    case("guizhou", A(sectors=["housing"], policy_documents=("《某政策》",)), Expect(
        "needs_triage", candidates=((GY, "housing"),), trace=("E-5",)), "A-11-guizhou-no-drafter-no-place"),
    # --- out of jurisdiction, E-4 ----------------------------------------------------------------
    case("shanxi", A("贵州省贵阳市", sectors=["education"], in_jurisdiction=False), Expect(
        "out_of_jurisdiction", first=(), coordinators=(), leader=None, trace=("不属于本辖区",)), "out-of-jurisdiction-other-province"),
    case("shanxi", A(sectors=["education"], in_jurisdiction=False), Expect(
        "out_of_jurisdiction", trace=("研判为辖区外",)), "out-of-jurisdiction-by-judgement"),
    case("guizhou", A(TG, sectors=["education"]), Expect("out_of_jurisdiction"), "out-of-jurisdiction-guizhou-sees-shanxi"),
    case("shanxi", A(TG, "贵州省贵阳市", sectors=["education"]), Expect(
        "single_locality", first=((TG, "education"),), trace=("跨省", "E-4")), "E-4-cross-province-local-part"),
    case("shanxi_cross_triage", A(TG, "贵州省贵阳市", sectors=["education"]), Expect(
        "needs_triage", candidates=((TG, "education"),), trace=("E-4",)), "E-4-cross-province-switch-triage"),
    # --- E-5: unknown or missing locality --------------------------------------------------------
    case("shanxi", A(sectors=["market"]), Expect(
        "needs_triage", first=(), candidates=((SX, "market"),), coordinators=((SX, OFFICE),), leader=None,
        trace=("需人工研判", "未能确定涉事地区", "E-5")), "E-5-no-locality-triage"),
    case("shanxi_no_locality_jurisdiction", A(sectors=["market"]), Expect(
        "single_locality", first=((SX, "market"),), trace=("E-5",)), "E-5-switch-jurisdiction-level"),
    case("shanxi", A("山西省晋中市太古区", sectors=["education"]), Expect(
        "needs_triage", candidates=((SX, "education"),), trace=("无法识别的地区",)), "E-5-unrecognised-locality"),
    case("shanxi", A(named_bodies=((PY, "education"),)), Expect(
        "single_locality", first=((PY, "education"),), trace=("文中点名",)), "E-5-E-7-named-body-supplies-place-and-sector"),
    # --- E-7: the responsible department is unclear ----------------------------------------------
    case("shanxi", A(TG), Expect(
        "needs_triage", candidates=((TG, OFFICE),), coordinators=((TG, OFFICE),), trace=("涉事责任部门不明确", "E-7")),
        "E-7-no-sector"),
    case("shanxi", A(TG, sectors=["schools"]), Expect(
        "needs_triage", candidates=((TG, OFFICE),), trace=("忽略未知领域代码", "E-7")), "E-7-unknown-sector-code"),
    case("shanxi", A(SX, sectors=["urban_management"]), Expect(
        "needs_triage", candidates=((SX, OFFICE),), trace=("没有以下领域的部门", "E-7")), "E-7-no-such-department-at-level"),
    case("shanxi", A(TG, sectors=["education", "urban_management"], especially_major=False), Expect(
        "multi_department", first=((TG, "education"), (TG, "urban_management"))), "A-7-county-urban-management-exists"),
    # --- E-9: not an administrative organ --------------------------------------------------------
    case("shanxi", A(TG, named_bodies=((TG, "party_committee"),)), Expect(
        "needs_triage", candidates=((TG, PROP), (TG, OFFICE)), trace=("不是行政机关", "E-9")), "E-9-party-body-subject"),
    # --- contradictions --------------------------------------------------------------------------
    case("shanxi", A(TG, sectors=["education"], in_jurisdiction=False), Expect(
        "needs_triage", candidates=((TG, "education"),), trace=("事实相互矛盾",)), "contradiction-outside-but-local-place"),
    case("shanxi", A("贵州省贵阳市", sectors=["education"], in_jurisdiction=True), Expect(
        "needs_triage", trace=("事实相互矛盾",)), "contradiction-inside-but-foreign-place"),
    # --- E-3: development zones ------------------------------------------------------------------
    case("mini", A(ZONE, sectors=["environment"]), Expect(
        "single_locality", first=((ZONE, "environment"),), coordinators=((ZONE, OFFICE),), trace=("单一开发区（新区）",)),
        "E-3-zone-with-own-department"),
    case("mini", A(ZONE, sectors=["education"]), Expect(
        "single_locality", first=((JZ, "education"),), trace=("由所属市的晋中市教育局负责", "E-3")),
        "E-3-zone-without-department-uses-city"),
    case("mini_zones_parent", A(ZONE, sectors=["environment"]), Expect(
        "single_locality", first=((JZ, "environment"),), trace=("按配置由所属", "E-3")), "E-3-switch-zone-as-parent"),
    # --- E-12: re-assignment when the scope grows keeps the clocks -------------------------------
    case("shanxi", A(TG, sectors=["education"]), Expect(
        "single_locality", first=((JZ, "education"),), co=((TG, "education"),), coordinators=((JZ, OFFICE), (JZ, PROP)),
        leader=(JZ, "deputy"), trace=("改派", "各时限沿用原起算时间", "E-12", "范围扩大到平遥县"),
        then={"reassign_to": (JZ, "education"), "add_co_responder": (TG, "education"), "reason": "范围扩大到平遥县"}),
        "E-12-officer-reassigns-when-scope-grows"),
    case("shanxi", A(TG, sectors=["education", "public_security"]), Expect(
        "multi_department", first=((TG, "education"), (TG, "public_security")), lead=(TG, "public_security"),
        leader=(TG, "deputy"), leader_sector="public_security", trace=("指定牵头部门",),
        then={"lead": (TG, "public_security"), "reason": "公安机关牵头调查"}), "A-7-E-6-officer-names-lead"),
    case("shanxi", A(sectors=["market"]), Expect(
        "single_locality", first=((PY, "market"),), candidates=(), coordinators=((PY, OFFICE), (PY, PROP)),
        then={"reassign_to": "晋中市平遥县市场监督管理局", "reason": "核实为平遥县"}), "E-5-officer-resolves-triage"),
]


def _keys(bodies) -> list[tuple[str, str]]:
    return [b.key for b in bodies]


@pytest.mark.parametrize(("directory_name", "assessment", "expect"), CASES)
def test_the_assignment_follows_the_rule_named_in_the_case(directories, directory_name, assessment, expect):
    directory = directories[directory_name]
    result = assign(assessment, directory)
    if expect.then:
        result = apply_override(result, directory=directory, actor="值班员甲", **expect.then)
    check(result, expect, directory)


def check(result: Assignment, expect: Expect, directory) -> None:
    text = "\n".join(result.trace)
    assert result.rule == expect.rule, text
    assert _keys(result.first) == list(expect.first), text
    if expect.first_names:
        assert [b.name for b in result.first] == list(expect.first_names)
    if expect.co is not None:
        assert sorted(_keys(result.co_responders)) == sorted(expect.co), text
    if expect.coordinators is not None:
        assert sorted(_keys(result.coordinators)) == sorted(expect.coordinators), text
    assert (result.lead.key if result.lead else None) == expect.lead
    if expect.leader is not None:
        assert result.leader is not None and (result.leader.locality, result.leader.role) == expect.leader, text
    elif result.rule in ("needs_triage", "out_of_jurisdiction"):
        assert result.leader is None
    if expect.leader_sector:
        person = directory.deputy_in_charge(result.leader.locality, expect.leader_sector)
        assert person is not None and result.leader.name == person.name
    assert (result.principal is not None) == expect.principal
    if expect.principal:
        assert result.principal.name == directory.principal(result.principal.locality).name
    if expect.candidates is not None:
        assert sorted(_keys(result.candidates)) == sorted(expect.candidates), text
    if result.rule == "needs_triage":
        assert result.first == () and result.candidates, "a triage result names who it could be, never a guess"
    for words in expect.trace:
        assert words in text, f"{words!r} not in trace:\n{text}"
    # Every rule-applying line cites a rule id and a document (or the shipped digest for an inference).
    for line in result.trace[1:]:
        if re.search(r"（[AERLQ]-\d+，", line):
            assert re.search(r"（[AERLQ]-\d+，[^）]*(〔\d{4}〕|《政务舆情回应规则摘要》|令第)", line), line
        assert "RULES.md" not in line, line
    assert result.rule in RULES
    assert result.to_record()["rule"] == result.rule


RULE_IDS = {f"A-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)}
EDGE_CASES = {f"E-{n}" for n in range(1, 16)}


def test_the_table_has_at_least_sixty_cases_covering_every_rule_and_edge_case():
    ids = [p.id for p in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)
    named = set()
    for i in ids:
        named.update(re.findall(r"[AE]-\d+", i))
    assert RULE_IDS - named == set()
    assert EDGE_CASES - named == set()
    assert all(re.search(r"[AERL]-\d+|out-of-jurisdiction|contradiction", i) for i in ids), "each case names its rule"


def test_the_record_has_every_contract_key_and_reads_back(directories):
    result = assign(A(TG, PY, sectors=["education"], especially_major=True), directories["shanxi"])
    record = result.to_record()
    assert {"rule", "first", "lead", "co_responders", "coordinators", "leader", "trace"} <= set(record)
    assert record["first"] == [{"name": "晋中市教育局", "locality": JZ, "sector": "education"}]
    assert record["coordinators"][0]["role"] == OFFICE and "sector" not in record["coordinators"][0]
    back = Assignment.from_record(record)
    assert back.to_record() == record
