"""Roles of a place that is not the scene, read on real reports of the corpus's train split
(tests/data/real/train.jsonl; each case cites its record id and URL): the ends of a route and the direction of a
carriageway (太原方向, 从纳雍县开往织金县), the venue of a province's campaign (山西省…活动在太原市举行), an agency's
dateline written as "北京消息:".
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from monitor.assessment import ItemInput
from monitor.judgement import Judge

NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def judge():
    return Judge.from_config(None, "山西省")


CASES = [
    pytest.param("11月29日記者從山西省交警總隊獲悉,當日7時46分許,山西侯平高速公路(S75)太原方向15-16KM處,發生多起、涉及29輛車相撞的道路交通事故,目前已造成4人死亡、5人受傷。",
                 "據介紹,事故發生後,山西省委書記、省長相繼作出批示,有關部門人員迅速赴現場實施救援及事故處理工作。目前,傷者傷情穩定,事故原因正在調查中。",
                 ["山西省"], ["太原"],
                 id="sxa-0021-route"),  # http://big5.china.com.cn/gate/big5/photo.china.com.cn/news/2015-11/30/content_37192603.htm
    pytest.param("山西高速多车相撞 事故路段达一公里 高速上玩起了碰碰车!",
                 "12月10日下午,山西忻州原平市崞阳镇附近,二广高速往大同方向就发生了一起场面惨烈的交通事故。",
                 ["山西省忻州市原平市"], ["大同"],
                 id="sxa-0356-route"),  # https://newsm.cn/shzx/202312/453225.html
    pytest.param("山西洪洞\"黑口\"泛濫采空區下陷 高壓線斷電(圖)",
                 "中新網(wǎng)5月30日電 (長年 劉一) 5月30日上午,記者接到反映:28日晚上11時(shí)左右,由于山西洪洞縣山頭鄉(xiāng)筆架村下“黑口”泛濫,采空區(qū)下陷,造成由霍州方向送出的110KV高壓線90號(hào)鐵塔位移造成斷電,由此供電的西氣東輸蒲縣加壓站受到直接影響,以至于影響整個(gè)華東地區(qū)的供氣。",
                 ["山西省临汾市洪洞县", "山西省临汾市蒲县"], ["霍州"],
                 id="sxd-0052-route"),  # http://yogviha.cn/gn/news/2007/05-30/947111.shtml
    pytest.param("【文匯網訊】(記者 路艷寧 貴陽報道)4月4日19時30分左右,貴州省畢節市納雍縣老凹壩鄉境內發生一起交通事故,",
                 "一輛從納雍縣開往織金縣方向的中巴車墜入河中。目前,該起事故已造成21人死亡,3名受傷。",
                 ["贵州省毕节市纳雍县"], ["织金县"],
                 id="gzb-0076-route"),  # http://news.wenweipo.com/2015/04/05/IN1504050030.htm
    pytest.param("近日,山西省“安全生产月”活动启动仪式在太原市举行。",
                 "山西省委常委、常务副省长吴伟出席仪式并宣布全省“安全生产月”活动启动。山西省政府副秘书长车建华主持仪式。",
                 ["山西省"], ["太原市"],
                 id="sxa-0067-venue"),  # http://sz.scxxb.com.cn/content/2023-06/09/001543.html
    pytest.param("我省舉行森林草原防火宣傳月活動",
                 "3月31日,山西省森林草原防火宣傳月活動在陽泉市舉行。今年我省森林草原防火宣傳月的主題為“人人當好護林員,保護綠色大家園”。",
                 ["山西省"], ["阳泉市"],
                 id="sxa-0268-venue"),  # http://qyxwjj.com/xrqrmzfz/sxyw/202504/26023576743d445f88ec5a814e1d93e5.shtml
    pytest.param("山西一煤礦發生惡性瓦斯爆炸",
                 "北京消息:山西省陽泉市大陽泉煤礦星期一發生瓦斯爆炸,炸死12名礦工。這一消息是中國煤炭工業協會的新聞網站星期三披露的。",
                 ["山西省阳泉市"], ["北京"],
                 id="sxa-0123-dateline"),  # https://m.secretchina.com/news/b5/2002/07/18/amp21150.html
]


@pytest.mark.parametrize("title, text, scene, rejected", CASES)
def test_a_place_in_a_non_scene_role_is_left_out_and_says_why(judge, title, text, scene, rejected):
    a = judge.assess(ItemInput(id="t", title=title, text=text), NOW)
    assert set(a.localities) == set(scene)
    for surface in rejected:
        assert any(f"“{surface}”" in line and "不计为事发地" in line for line in a.rationale), (surface, a.rationale)


def test_a_city_holding_its_event_in_another_city_names_both(judge):
    # The venue is left out only under the place that holds the event; 忻州市 hosting in 太原 names both.
    a = judge.assess(ItemInput(id="t", title="忻州市舉辦文化旅遊推介會",
                               text="忻州市在太原舉辦文化旅遊推介會，推介五台山、雁門關等旅遊線路。"), NOW)
    assert set(a.localities) == {"山西省忻州市五台县", "山西省太原市"}


def test_a_venue_alone_still_stands_when_nothing_else_is_named(judge):
    # gzb-0223 (train): only the venue is named, so it stands, and the rationale says so.
    a = judge.assess(ItemInput(id="t", title=GZB_0223[0], text=GZB_0223[1]), NOW)
    assert a.localities == ("四川省雅安市宝兴县",)
    assert any("会议或活动的举办地" in line for line in a.rationale)


# gzb-0223, http://owesc.com/html/shehuiminsheng/20131013/19921.html
GZB_0223 = ("本报消息 (王君 记者 高艳)安全生产,责任重大。",
            "今年6月是全国第十个“安全生产月”,为教育广大职工和群众重视安全生产,提高安全意识,12日,以“安全责任重在落实”为主题的"
            "“全国安全生产咨询日”活动在宝兴县十字街口举行。")
