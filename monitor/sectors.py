"""The Chinese names of the sector codes (ORG.md "Sectors"), for every layer that shows a sector.

Kept in `monitor` (the lowest package) because the judgement already names the
sectors it found in its rationale; the assignment rules (`responders.rules.wording`),
the messages and the pages read the same table.
"""

from __future__ import annotations

__all__ = ["SECTOR_NAMES", "sector_name"]

SECTOR_NAMES = {
    "education": "教育", "health": "卫生健康", "medical_insurance": "医疗保障", "market": "市场监管",
    "environment": "生态环境", "housing": "住房城乡建设", "hrss": "人力资源社会保障", "public_security": "公安",
    "emergency": "应急管理", "transport": "交通运输", "natural_resources": "自然资源", "civil_affairs": "民政",
    "agriculture": "农业农村", "water": "水利", "finance": "财政", "taxation": "税务",
    "financial_regulation": "金融监管", "development_reform": "发展改革", "culture_tourism": "文化和旅游",
    "urban_management": "城市管理", "energy": "能源", "justice": "司法行政", "veterans": "退役军人事务",
    "commerce": "商务", "industry": "工业和信息化",
}


def sector_name(code: str) -> str:
    """Return the sector's Chinese name (the code itself when it has none)."""
    return SECTOR_NAMES.get(code, code)
