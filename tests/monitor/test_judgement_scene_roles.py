"""Roles of a place that is not the scene, read on real reports of the corpus's train split
(tests/data/real/train.jsonl; each case cites its record id and URL): the ends of a route and the direction of a
carriageway (太原方向, 从纳雍县开往织金县), the venue of a province's campaign (山西省…活动在太原市举行), an agency's
dateline written as "北京消息:" and an outlet's name before 讯 (香港文汇报讯), shaking felt in other cities
(均感受强烈震动); a hospital's name that refines the place named (S2); 我省各地 naming the province (S3); neighbours (与河北省接壤),
a national body's item under the Beijing dateline, 和县、乡 and 车建华 that are no places, 全省 with no place named; old county
names now districts or cities (盘县, 遵义县).
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
    pytest.param("《央視》報導,大陸四川省甘孜州瀘定縣發生6.8級地震,震源深度16公里,目前傷亡不明。",
                 "據了解,這次的地震搖晃劇烈,成都當地居民都感受到強烈震動,趕往戶外避難。",
                 ["四川省甘孜藏族自治州泸定县"], ["成都"],
                 id="gzb-0161-felt"),  # https://news.tvbs.com.tw/china/1897483?from=life_extend
    pytest.param("雲南楚雄彝族自治州姚安縣,昨晚 7時許,發生黎克特制 6級強烈地震,震央距離縣城 16公里,",
                 "省會昆明、麗江及大理均感受強烈震動,部份災區通訊中斷,地震至少造成 56人重傷, 280人輕傷,逾 5,000間房屋倒塌。",
                 ["云南省楚雄彝族自治州姚安县"], ["昆明", "丽江", "大理"],
                 id="gzb-0163-felt"),  # http://5.39.217.76/viewthread.php?authorid=593104&page=1&tid=720376
    pytest.param("香港文匯報訊 內地首座5G煤礦在山西落成。",
                 "由中國移動與華為公司開發的全鏈條井下專用通信設備,取得內地首家5G網絡設備隔爆認證,在山西陽煤集團新元煤礦井下534米建成5G專用網絡,幫助煤礦實現了礦井無人化、自動化、可視化運行,解決了煤炭行業的諸多痛點問題。",
                 ["山西省"], ["香港"],
                 id="sxa-0179-outlet"),  # http://paper.wenweipo.com/2020/06/19/BN2006190010.htm
    pytest.param("貴州一客車側翻致27死20傷",
                 "香港文匯報訊 據新華社報道,貴州省黔南布依族苗族自治州三都水族自治縣公安部門通報,18日凌晨,黔南州三(都)荔(波)高速(貴陽往荔波方向)發生一宗客車側翻事故。事發時,車上載有47人。截至18日12時,事故造成27人死亡,20人受傷正在救治。有關部門已緊急趕往現場處置。",
                 ["贵州省黔南布依族苗族自治州三都水族自治县"], ["香港", "贵阳", "荔波"],
                 id="twc-0189-outlet-route"),  # https://www.wenweipo.com/epaper/view/newsDetail/1571564098733346816.html
    pytest.param("我省“防灾减灾宣传周”活动启动 在此期间开展丰富多彩的宣教活动",
                 "本报晋中5月7日讯(记者 王佳丽)今年5月12日是第15个“全国防灾减灾日”,5月6日至12日为“防灾减灾宣传周”。5月6日,我省2023年“防灾减灾宣传周”活动启动仪式在晋中市举办。",
                 ["山西省"], ["晋中市"],
                 id="sxa-0131-venue-province"),  # http://news.sxrb.com//GB/314060/9996473.html
    pytest.param("湖南一产妇死亡医院瞒报?官方回应 家属全程知情",
                 "近日,有网友发帖称,在湖南湘西土家族苗族自治州永顺县中医院门口停有多辆警车。帖子指出,一名产妇在该医院抢救无效后去世,院方不仅隐瞒了死讯,还强行将遗体送至殡仪馆,此事引起了广泛关注。",
                 ["湖南省湘西土家族苗族自治州永顺县"], [],
                 id="gzb-0094-hospital"),  # https://zazhishe.org/post/16781.html
    pytest.param("5月11日至17日是防灾减灾宣传周,我省各地各部门突出主题、广泛发动,组织开展了丰富多彩的防灾减灾宣传教育活动。",
                 "图1:5月11日,交城县公安局交警大队组织民辅警,在县城广场通过多种方式开展了防灾减灾及交通安全宣传活动。",
                 ["山西省"], [],
                 id="sxa-0129-province-wide"),  # http://epaper.sxrb.com/shtml/sxfzb/20240514/976772.shtml
    pytest.param("五台山是中国佛教四大名山之一,拥有悠久的历史和深厚的文化底蕴。",
                 "它地处山西省东北部,忻州市五台县境内,周边与河北省接壤。",
                 ["山西省忻州市五台县"], ["河北省"],
                 id="sxa-0374-neighbour"),  # https://ixiaoci.com/q-15422.html
    pytest.param("一、地理资源",
                 "山西省位于北纬34°34′~40°43′,东经110°14′~114°33′,属于内陆省份,在太行山与黄河北干流域峡谷之间,地处华北西部的黄土高原东翼,是首都北京的西部屏障。",
                 ["山西省"], ["北京"],
                 id="sxa-0377-neighbour"),  # https://www.zhongguodiqing.cn/gsdq/sx_1514/
    pytest.param("全国安全生产电视电话会议强调 狠抓安全防范责任措施落实",
                 "新华社北京9月23日电 国务院安委会9月23日召开全国安全生产电视电话会议。会议要求认真学习贯彻习近平总书记重要指示精神,按照李克强总理批示要求,全力以赴抓好各项安全责任措施落实,尽心尽责、担当作为,为党的二十大胜利召开营造良好氛围。",
                 [], ["北京"],
                 id="twc-0127-national-dateline"),  # http://www.ccin.com.cn/detail/7f8d41794446a4ecca019c2c1b2a2053
    pytest.param("“报告副指挥长,险区应转移群众10人,实转移9人,转移途中有一群众不慎摔伤,请求救援。”",
                 "“报告副指挥长,险区应转移群众10人,实转移9人,转移途中有一群众不慎摔伤,请求救援。”8月7日,顺平县在大悲乡寨南村举行地质灾害应急避险演练,当地群众和县、乡200多名抢险小分队队员参加了演练。",
                 ["河北省保定市顺平县"], [],
                 id="twc-0322-conjunction-and-county"),  # http://www.dingxing.cn/article-3621-1.html
    pytest.param("6月16日,由省政府安委辦、太原市政府安委會主辦,山西焦煤承辦的2022年山西省“安全宣傳咨詢日”活動在太原市工人文化宮廣場隆重舉行。",
                 "省政府副秘書長車建華宣布活動開幕并為“三晉安全行”媒體記者代表授旗。",
                 ["山西省太原市"], ["建华"],
                 id="sxa-0295-person-name"),  # http://shengxiaoxian.com/news/show-4497.html
    pytest.param("全省应急管理工作会解读",
                 "1月16日,全省应急管理工作会议召开,会议总结了2025年全省应急管理工作取得的新成效。",
                 ["山西省"], [],
                 id="sxa-0371-provincial-fallback"),  # https://www.senlinhaowu.com/insights/dianjingpeixunzhishi/499.html
    pytest.param("[視頻]山西靈石煤礦慘劇為何一再發生",
                 "CCTV.com消息(新聞30分):11月12號,山西省靈石縣王禹鄉南山煤礦發生一起特大火災事故,目前已發現26人遇難,還有8名礦工被困井下,這是繼今年7月15號靈石縣藺家莊煤礦發生53人死亡的特大爆炸事故後,靈石縣發生的又一幕慘劇。",
                 ["山西省晋中市灵石县"], ["南山"],
                 id="sxa-0125-facility"),  # http://big5.cctv.com/gate/big5/www.cctv.cn/video/xinwen30fen/2006/11/xinwen30fen_300_20061115_2.shtml
    pytest.param("上半年山西环境空气质量排名出炉 大同最优",
                 "黄河新闻网讯(记者侯津刚)7月20日,山西省生态环境厅通报了2023年6月及1-6月设区市环境空气质量状况,上半年(1-6月),我省11个设区市中大同市环境空气质量综合指数最好,大同蓝名副其实。",
                 ["山西省"], [],
                 id="sxa-0247-province-wide-ranking"),  # http://c-jw.com/zonghe/chanye/202307/38645.html
    pytest.param("山西破紀錄豪雨洪災+寒流 175萬人受災…消防員「泡冰水」邊發抖邊救人",
                 "大陸山西省10月2日至7日發生強降雨,全省共18縣市累積雨量超過200毫米,且6地區創下10月上旬降雨量紀錄,太原市更是達往年同期的8倍之多。上週雨勢、洪水和寒流同時報到,造成1.7萬餘間房屋倒塌,共175萬多人受災、12萬人緊急轉移安置。",
                 ["山西省"], [],
                 id="twc-0074-province-wide-counties"),  # https://ctwant.com/amp/article/144427
    pytest.param("贵州盘县一乡镇煤矿发生瓦斯爆炸事故 13人死亡",
                 "中国西部网消息 12月1日凌晨1时30分,贵州省六盘水市盘县淤泥乡说么备煤矿2号井发生瓦斯爆炸事故,造成13名矿工遇难,3名矿工失踪。",
                 ["贵州省六盘水市盘州市"], [],
                 id="gzb-0101-old-name"),  # http://news.sina.com.cn/o/2004-12-02/04024406696s.shtml
    pytest.param("2014年1月12日消息,贵州遵义县。",
                 "昨晚,遵义县龙坑镇一烟花鞭炮厂发生爆炸,两人死亡,周边村庄部分房屋玻璃受损。",
                 ["贵州省遵义市播州区"], [],
                 id="gzb-0248-old-name"),  # https://johnnytowncar.com/tp/hd2011/2014/01-13/289774.shtml
    pytest.param("①科研人员在五坑汞污染治理工程现场取样。",
                 "②废弃的坑道。③五坑汞污染治理工程现场。④山谷里的汞渣等待处理。在高速公路上奔驰4个小时后,我们终于从贵阳抵达万山。雾气和暮色正把这个为秦始皇陵墓贡献了200吨水银的“中国汞都”笼罩。",
                 ["贵州省铜仁市万山区"], ["贵阳"],
                 id="gzb-0084-origin-arrival"),  # http://cas.cn/xw/cmsm/201304/t20130402_3812123.shtml
    pytest.param("【寫真】“汞都”寒冬",
                 "2012年1月初,貴州省銅仁市萬山區的寒冷讓外來人感覺刺骨,可當地人早已習以為常。43歲的楊國勇,穿著厚實,哆嗦著躲在簡陋的三輪車棚里。他每天一大早就趕到汽車站門口,等待從銅仁和湖南來此地的旅客。",
                 ["贵州省铜仁市万山区"], ["湖南"],
                 id="gzb-0086-origin-travellers"),  # http://www.zprce.cn/contents/67456?source=124&source_1=120770
]


@pytest.mark.parametrize("title, text, scene, rejected", CASES)
def test_a_place_in_a_non_scene_role_is_left_out_and_says_why(judge, title, text, scene, rejected):
    a = judge.assess(ItemInput(id="t", title=title, text=text), NOW)
    assert set(a.localities) == set(scene)
    for surface in rejected:
        assert any(f"“{surface}”" in line and "不计" in line for line in a.rationale), (surface, a.rationale)


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


def test_a_province_wide_item_names_the_province_and_says_why(judge):
    # sxa-0129 (train), http://epaper.sxrb.com/shtml/sxfzb/20240514/976772.shtml: 交城县 is one example of 我省各地.
    a = judge.assess(ItemInput(id="t", title="5月11日至17日是防灾减灾宣传周,我省各地各部门突出主题、广泛发动,组织开展了丰富多彩的防灾减灾宣传教育活动。",
                               text="图1:5月11日,交城县公安局交警大队组织民辅警,在县城广场通过多种方式开展了防灾减灾及交通安全宣传活动。"), NOW)
    assert a.localities == ("山西省",)
    assert any("我省各地" in line for line in a.rationale)
