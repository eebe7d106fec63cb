"""Chinese labels of sectors and levels, and the national ministries that own A-1 opinions."""

from __future__ import annotations

from monitor.sectors import SECTOR_NAMES

__all__ = ["SECTOR_LABELS", "NATIONAL_BODIES", "NATION", "level_label", "sector_label"]

NATION = "中华人民共和国"

SECTOR_LABELS = SECTOR_NAMES     # the one table of sector names (monitor.sectors)

# 国务院相关部门 per sector: the external 第一责任主体 of A-1 and the upper department of
# provincial vertically managed bodies.
NATIONAL_BODIES = {
    "education": "教育部", "health": "国家卫生健康委员会", "medical_insurance": "国家医疗保障局",
    "market": "国家市场监督管理总局", "environment": "生态环境部", "housing": "住房和城乡建设部",
    "hrss": "人力资源和社会保障部", "public_security": "公安部", "emergency": "应急管理部",
    "transport": "交通运输部", "natural_resources": "自然资源部", "civil_affairs": "民政部",
    "agriculture": "农业农村部", "water": "水利部", "finance": "财政部", "taxation": "国家税务总局",
    "financial_regulation": "国家金融监督管理总局", "development_reform": "国家发展和改革委员会",
    "culture_tourism": "文化和旅游部", "urban_management": "住房和城乡建设部", "energy": "国家能源局",
    "justice": "司法部", "veterans": "退役军人事务部", "commerce": "商务部", "industry": "工业和信息化部",
}

_LEVELS = {"province": "省级", "city": "市级", "county": "县（区）", "zone": "开发区（新区）"}
_SINGLE = {"province": "省级事项", "city": "单一市", "county": "单一县（区）", "zone": "单一开发区（新区）"}


def level_label(level: str, *, single: bool = False) -> str:
    """Return 省级 / 市级 / 县（区）, or with `single` the "涉及单一…" wording of A-2."""
    return (_SINGLE if single else _LEVELS).get(level, level)


def sector_label(sector: str | None) -> str:
    return SECTOR_LABELS.get(sector or "", sector or "未知领域")
