"""Read which of the places a text names are the scene of its event, as a person reads them.

The gazetteer finds every place name; not every name is where the event is:

- a dateline or a byline says where the reporter filed from (新华社太原3月5日电,
  山西新闻网忻州讯, 央广网汾阳9月3日消息, （记者 张三 太原报道）);
- a body that only reported the event (记者从太原市应急管理局获悉, 据运城市官方消息);
- a brand, hospital, school or newspaper named after a place (汾西矿业, 大同煤矿集团,
  山西焦煤, 太原市中心医院, 山西晚报); a company whose name begins with the full name
  of its locality (孝义市安信煤业有限公司) is registered there and stays a scene;
- the places where an earthquake was felt (忻州、大同等地震感明显);
- where people come from (来自四川的农民工, 太谷籍, 系陵川县人, 从四川广元到这里);
- a name inside the name of a township or village (阳泉曲镇 is in 孝义, 潞城镇 in 陵川);
- a name the text corrects (“怀仁”应为“仁怀”), and a mirrored name that contradicts
  the place written just before it (贵州怀仁市 is 仁怀市: the same two characters
  reversed, and 怀仁 is in 山西);
- the ends of a route and a carriageway's direction (离石至太原的客车, 太原方向, 从纳雍县
  开往织金县), a place named as the exception (除省会贵阳市外) or as a neighbour (与河北省
  接壤), a facility named after a place inside another division (黔西县新田煤矿 is no 新田县);
- the venue of an event held by a body above it (山西省…活动启动仪式在太原市举行: the
  province's event; but 忻州市在太原举办 names both), and a hospital whose name refines the
  place named (北京 ... 北京昌平妇幼保健医院: 昌平区, the guide's S2).

How: mentions that stand next to each other form one place phrase (山西晋城陵川县);
the words just before and after the phrase give its role. Township parts and corrected
names are not places at all: they are removed before the gazetteer resolves the rest,
and a mirrored name is read as its mirror. The other roles are weak: such a place is
left out when the text names any place as a scene, with a Chinese reason for each; when
it names none, the weak places of the strongest role stand (an organisation or a
reporting body, then a dateline, then felt areas, then origins; a brand only when it is
a province's, 山西焦煤) and the rationale says so; a dateline alone beside 全省 or a
provincial body stands for its province. A name inside a person's name (记者石新荣,
副局长王晋中) is no place either. The
first-responsible-body rules (A-2 to A-7) then work from the scene only.

Cost: a check runs only when the words it needs are in the text (one pass finds them),
~5 µs per item on the dev set (bench/classify.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

import ahocorasick_rs

from .gazetteer import Gazetteer, PlaceResult

__all__ = ["SceneReader"]

_CJK = "\u4e00-\u9fff"
_NUM = r"(?:\d{1,2}|[〇零一二三四五六七八九十]{1,3})"
_NOT_WIRE = "视厂力网话器池站费价线缆梯动能商"       # 电视台, 电厂, 电力: not a wire (电)
_DATELINE = re.compile(rf"[省市县区]?(?P<outlet>[{_CJK}]{{1,4}}?(?:报|网))?\s*(?P<date>(?:{_NUM}月)?{_NUM}日)?\s*(?:专电|电(?![{_NOT_WIRE}])|讯|消息)")
_AGENCY = re.compile(r"(?:社|网|报|台|新闻|客户端|记者)\s*\Z")
_BYLINE_HEAD = re.compile(rf"(?:发自|记者[^，,。；;（）()]{{0,10}}?)\s*\Z")
_BYLINE_TAIL = re.compile(rf"\s*(?:报道|电(?![{_NOT_WIRE}]))")
# A name inside a person's name: in a byline's parentheses ((记者石新荣), 电 (张晋中)) or after a title and a
# surname (副局长王晋中).
_PAREN_HEAD = re.compile(r"(?P<pre>电|讯|消息)?\s*[（(](?P<inner>[^（）()，。,；;]{0,14})\Z")
_BYLINE_WORD = re.compile(r"^(?:特约|见习)?(?:记者|通讯员|实习生)")
_NAME_TAIL = re.compile(rf"[{_CJK}]{{0,2}}(?:[）)、，,\s]|\Z)")
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
             "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
             "牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞柳甘祝尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛翁冉骆蓝游辛靳"
             "管柴鲍喻祁蒲滕屈饶牟艾尤穆卓缪简项芦麦褚娄窦戚岑党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁巫寇"
             "桑郎甄丛仲虞敖巩佘池麻苑迟邝车")
_TITLE_NAME = re.compile(r"(?:长|书记|主任|记者|通讯员|编辑|主席|经理|民警|医生|老师|教授|负责人|干部|作者|实习生|专家|村民|市民"
                         r"|网友|居民|委员|代表|总监|总裁|董事|会计|律师|法官|检察官|警官|所长|校长)" + f"[{_SURNAMES}]\\Z")
_SCENE_HEAD = re.compile(r"(?:位于|地处|发生在|事发于|事发地|事发|坐落于|坐落在)\s*\Z")
_SOURCE_HEAD = re.compile(r"(?:从|据)\Z")
_SOURCE_TAIL = re.compile(rf"[^，,。；;\n]{{0,14}}?(?:局|厅|委|政府|官方|部门|中心|办|台|站|网|报|队|院|所|公司|集团|"
                          r"居民|市民|村民|网友|群众|知情人|当地人)"
                          r"[^，,。；;\n]{0,6}?(?:获悉|了解到|得知|消息|通报|发布|介绍|称|表示|证实)|[^，,。；;\n]{0,4}?传来的?消息")
# Kinds of organisation named after a place. Companies count only after a short name (汾西矿业,
# 山西焦煤): 孝义市安信煤业有限公司 writes its locality in full and is registered there.
_ORG_TAIL = re.compile(rf"(?P<mid>[{_CJK}]{{0,8}}?)(?P<kind>集团|矿业|煤业|煤电|焦煤|钢铁|公司|银行|"
                       r"医院|卫生院|医科大学|大学|学院|日报|晚报|晨报|都市报|报社|电视台|新闻网|融媒体中心|频道|卫视|电台)")
_COMPANY_KINDS = frozenset("集团 矿业 煤业 煤电 焦煤 钢铁 公司 银行".split())
# A hospital is one local site: when its name refines the place the text names (北京 ... 北京昌平妇幼保健医院),
# the guide's S2 places the event at the division its name gives.
_LOCAL_KINDS = frozenset(("医院", "卫生院"))
_ORG_MID_STOP = frozenset("一某的等地各全和与及、两几多个家")
_FELT_STOP = re.compile(r"地震|发生|震中|震源|级")
# Shaking felt (成都当地居民都感受到强烈震动, 昆明、丽江及大理均感受强烈震动), not the quake itself.
_FELT = re.compile(r"震感|感受到?[^，,。；;]{0,4}?(?:震动|晃动|摇晃)|(?:震动|晃动)明显")
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n：:]")
_ORIGIN_HEAD = re.compile(r"(?:来自|原籍|祖籍|籍贯(?:为|是)?|老家(?:在|是)?|户籍(?:地)?(?:在|为|是)|出生于|家乡(?:在|是)?)\s*\Z")
_ORIGIN_TAIL = re.compile(rf"(?:[{_CJK}]{{0,8}}?[村镇乡县市区省])?籍(?![贯制改管政证])|老家|(?:等地?)?的?(?:农民工|民工|务工人员|务工者|打工者|老乡)"
                          r"|来[晋黔京沪津渝冀豫鲁苏浙皖闽赣湘鄂粤桂琼川滇藏陕甘青宁新蒙辽吉黑](?:人员|务工|打工|的)")
_ROUTE_HEAD = re.compile(r"(?:驶往|开往|驶向|开向|发往|前往|嫁至|嫁到|远嫁)\Z|(?:离开|作别|告别)[^，,。；;、]{0,5}\Z")
_NATIVE_HEAD = re.compile(r"(?:系|是|[，,（(])\Z")        # 系陵川县人; ，云南省福贡县亚谷村人。
_NATIVE_TAIL = re.compile(rf"[{_CJK}]{{0,10}}?人(?=[，,。；;、\s）)]|\Z|[{_SURNAMES}]某)")
# 店坪村人李某为博取流量: a native of the place, then the person.
_NATIVE_NAME = re.compile(rf"[{_CJK}]{{0,10}}?[村镇乡县市区]人[{_SURNAMES}]某")
_FROM_TAIL = re.compile(r"[^，,。；;\n]{0,12}?(?:到|至|来到|来此|来这|抵达|前往|赶到|赶赴|返回|驶往|开往|驶向|开向|出发)")
# A route: the direction of a carriageway (太原方向), the ends of a coach's line (离石至太原的客车), where a train
# leaves from (杭州开往福州).
_VEHICLE = r"的?(?:长途)?(?:大?客车|班车|大巴|列车|动车|高铁|火车|航班|汽车|货车)"
_ROUTE_TAIL = re.compile(rf"方向|[往至到][^，,。；;、\n]{{1,6}}?方向|(?:开往|驶往|发往|驶向|开向)|[至到][^，,。；;、\n]{{1,8}}?{_VEHICLE}")
_ROUTE_END = re.compile(rf"[至到]\Z")
_ROUTE_END_TAIL = re.compile(_VEHICLE)
# A venue: where a meeting or a campaign's ceremony was held (山西省…活动启动仪式在太原市举行).
_VENUE_HEAD = re.compile(r"在\Z")
_VENUE_TAIL = re.compile(r"[^，,。；;！!？?\n]{0,12}?(?:举行|召开|举办|开幕|闭幕|启动)")
# A place named only as the exception (贵州省除省会贵阳市外其余市州均出现暴雨).
_EXCEPT_HEAD = re.compile(r"除了?[^，,。；;、\n]{0,4}\Z")
_EXCEPT_TAIL = re.compile(r"[^，,。；;、\n]{0,3}?(?:以外|之外|外)")
# A neighbour named to describe the place (周边与河北省接壤, 是首都北京的西部屏障, 毗邻陕西).
_NEIGHBOUR_HEAD = re.compile(r"(?:毗邻|邻近|紧邻|[东西南北]临|[东西南北]接|[东西南北]邻)\Z")
# (X、Y交界 is the border of both: the scene.)
_NEIGHBOUR_TAIL = re.compile(r"[^，,。；;\n]{0,4}?(?:接壤|交界|毗邻|相邻|为邻|相望)")
_NEIGHBOUR_SIDE = re.compile(r"的?[东西南北]{1,2}(?:部|面)?(?:屏障|门户|大门)")
# A national body's item with only the capital's dateline (新华社北京9月23日电 国务院安委会…召开全国…会议): no local scene.
_NATIONAL_BODY = re.compile(r"国务院|党中央|中共中央|中央[^，,。；;\n]{0,6}(?:办|委|部|组)|全国(?:人大|政协)|国家[^，,。；;\n]{1,6}(?:局|委|部)|[^，,。；;\n]{1,8}部(?:门)?(?:召开|印发|发布|部署)")
_QUOTED_OUTLET = re.compile(rf"[「“《][{_CJK}]{{1,6}}(?:网|社|报|台)[」”》](?:报导|报道|消息|讯)")
# A facility named after a place inside another division (黔西县新田煤矿, 夜郎镇兴隆煤矿, 赛罕区惠民小区).
_FACILITY = re.compile(r"(?:煤矿|煤业|矿井|铁矿|水库|电站|电厂|小区|社区|花园|大厦|工业园)")
_ENUMERATION = frozenset(("、", "和", "及", "与", "或", "以及"))
# A short name followed by 镇/乡/村 (潞城镇) or by one more character and 镇/乡 (阳泉曲镇).
_TOWNSHIP = re.compile(rf"(?:(?![城各全市县区一二三四五六七八九十某的等两多和与及])[{_CJK}])?[镇乡](?![村亲土长政])"
                       r"|村(?![民委庄落级])")
_QUOTES = "”\"'’」』“‘「『 "
_CORRECTS = re.compile(r"(?:应为|应是|实为|更正为|应更正为)")
_MISWRITES = re.compile(r"(?:误将|错将)?(?:误写为|误写成|误作|误为|错写为|错写成|写成了?|印成了?|打成了?|错成)")
_PROVINCIAL = re.compile(rf"全省|我省|本省|省(?:委|政府|人大|政协|[{_CJK}]{{1,8}}?厅)")
# The words any role needs, found in one pass: a check runs only when its words are in the text.
_ORG_WORDS = ("集团 矿业 煤业 煤电 焦煤 钢铁 公司 银行 医院 卫生院 医科大学 大学 学院 日报 晚报 晨报 都市报 报社 电视台 "
              "新闻网 融媒体中心 频道 卫视 电台 救援 救护 报导 报道").split()
_CUE_KIND = {
    **{w: "dateline" for w in ("电", "讯", "消息")}, "记者": "byline", "发自": "byline",
    "从": "source", "据": "source", **{w: "org" for w in _ORG_WORDS}, "震感": "felt", "震动": "felt", "晃动": "felt", "摇晃": "felt",
    **{w: "origin" for w in ("来自", "籍", "老家", "家乡", "出生", "系", "是", "驶往", "开往", "驶向", "开向", "发往", "前往",
                             "民工", "务工", "打工", "老乡", "离开", "作别", "告别", "嫁至", "嫁到", "远嫁",
                             "人，", "人,", "人。", "人)", "人）")},   # the last five: ，云南省福贡县亚谷村人。
    **{"来" + a: "origin" for a in "晋黔京沪津渝冀豫鲁苏浙皖闽赣湘鄂粤桂琼川滇藏陕甘青宁新蒙辽吉黑"},
    **{w: "township" for w in ("镇", "乡", "村")}, **{w: "route" for w in ("方向", "客车", "班车", "大巴", "列车", "动车", "高铁", "火车", "航班", "汽车", "货车")},
    **{w: "venue" for w in ("举行", "召开", "举办", "开幕", "闭幕", "启动")}, "除": "except",
    **{w: "neighbour" for w in ("接壤", "交界", "毗邻", "邻近", "紧邻", "相邻", "为邻", "相望", "屏障", "门户", "东临", "西临", "南临",
                                 "北临", "东接", "西接", "南接", "北接", "东邻", "西邻", "南邻", "北邻")},
    **{w: "facility" for w in ("煤矿", "煤业", "矿井", "铁矿", "水库", "电站", "电厂", "小区", "社区", "花园", "大厦", "工业园")}, **{w: "correction" for w in ("应为", "应是", "实为", "更正", "误写", "误作", "误为", "错写", "写成", "印成", "打成", "错成")},
}
_TITLE_WORDS = ("局长 县长 市长 省长 厂长 矿长 队长 站长 院长 科长 处长 部长 所长 校长 村长 镇长 乡长 区长 董事长 社长 行长 "
                "书记 主任 主席 经理 民警 医生 老师 教授 负责人 干部 作者 实习生 专家 委员 代表 总监 总裁 董事 会计 律师 法官 "
                "检察官 警官").split()
_CUE_KIND.update({w: "person" for w in _TITLE_WORDS})
_CUE_WORDS = tuple(_CUE_KIND)
_CUE_KINDS = tuple(_CUE_KIND[w] for w in _CUE_WORDS)
# Overlapping matches, so that 电视台 does not hide 电 (a plain alternation is twice as slow here).
_CUES = ahocorasick_rs.AhoCorasick(_CUE_WORDS)

# When no place is a scene, the weak places of the lowest tier stand (origins last of all); a brand below
# the province never does (汾西矿业 is not in 汾西县).
_WEAK_TIER = {"org": 1, "institution": 1, "source": 1, "brand": 1, "venue": 2, "dateline": 2, "byline": 2, "felt": 3, "origin": 4,
              "route": 4, "except": 5, "neighbour": 5}
_REASON = {
    "dateline": "“{s}”为电头（发稿地），不计为事发地",
    "byline": "“{s}”为记者发稿地，不计为事发地",
    "source": "“{s}”为消息来源所在地，不计为事发地",
    "org": "“{s}”在单位名称“{name}”中，不计为事发地",
    "institution": "“{s}”在单位名称“{name}”中，不计为事发地",
    "brand": "“{s}”在单位名称“{name}”中，不计为事发地",
    "felt": "“{s}”为有震感的地区，不计为事发地",
    "origin": "“{s}”为当事人的籍贯、来处或去向，不计为事发地",
    "route": "“{s}”为线路的起讫地或行车方向，不计为事发地",
    "venue": "“{s}”为会议或活动的举办地，不计为事发地",
    "except": "“{s}”为文中排除在外的地区，不计为事发地",
    "neighbour": "“{s}”为相邻地区，不计为事发地",
}
_LABEL = {"institution": "单位名称中的地名", "dateline": "电头", "byline": "记者发稿地", "source": "消息来源所在地", "org": "单位名称中的地名",
          "brand": "单位名称中的地名", "felt": "有震感的地区", "origin": "当事人的籍贯、来处或去向",
          "route": "线路的起讫地或行车方向", "venue": "会议或活动的举办地", "except": "排除在外的地区", "neighbour": "相邻地区"}


class SceneReader:
    """The scene of an event among the places a text names; built once over a Gazetteer, thread-safe."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        # The names whose two characters reversed are also a name (怀仁/仁怀): the only ones _mirror can read.
        self._mirrorable = frozenset(
            surface for surface in gazetteer.surfaces()
            if any(gazetteer.pattern(m) is not None for m in _mirrors(surface)))

    def read(self, text: str, mentions) -> PlaceResult:
        """Return the scene places of folded `text` from its gazetteer `mentions` (Gazetteer.mentions)."""
        g = self.gazetteer
        if not mentions:
            return g.resolve(text, mentions)
        kinds = {_CUE_KINDS[i] for i, _s, _e in _CUES.find_matches_as_indexes(text, overlapping=True)}
        if "source" in kinds:
            kinds.add("origin")       # 从四川广元到这里
        if "origin" in kinds:
            kinds.add("route")        # 杭州开往福州
        if not kinds:
            mirrorable = self._mirrorable
            if not any(p.surface in mirrorable for _s, _e, p in mentions):
                return g.resolve(text, mentions)
        chains = _chains(text, mentions)
        kept, weak, notes = self._roles(text, mentions, chains, kinds)
        result = g.resolve(text, kept)
        if not weak or not result.mentions:
            return replace(result, notes=result.notes + tuple(notes)) if notes else result
        return self._scene(text, result, weak, notes)

    # ------------------------------------------------------------------ roles

    def _roles(self, text: str, mentions: list, chains: list[list[int]], kinds: set[str]):
        """Return (mentions kept, {start: (role, reason)} of weak mentions, notes on those removed).

        `kinds`: the kinds of role whose words the text holds (_CUE_KIND).
        """
        township_words = "township" in kinds
        drop: set[int] = set()
        swap: dict[int, tuple] = {}
        weak: dict[int, tuple[str, str]] = {}
        notes: list[str] = []
        roles = [self._chain_role(text, mentions[c[0]][0], mentions[c[-1]][1], mentions[c[-1]][2], kinds) if kinds
                 else (None, "") for c in chains]
        _enumerations(text, mentions, chains, roles)
        # Names read as a facility's (新田 of 黔西县新田煤矿, 惠民 of 赛罕区惠民小区): every mention of them before the
        # facility's word is the facility's, the headline's too.
        facilities = self._facilities(text, mentions, chains) if "facility" in kinds else set()
        townships: dict[str, str] = {}          # 阳泉曲 -> 阳泉曲镇: later mentions of the stem are the township too
        for chain, (role, name) in zip(chains, roles):
            if role == "person":
                drop.update(chain)
                notes.append(f"“{mentions[chain[-1]][2].surface}”是人名“{name}”的一部分，不计为地名")
                continue
            for pos, k in enumerate(chain):
                s, e, p = mentions[k]
                township = _TOWNSHIP.match(text, e) if township_words and p.short_only else None
                word = None
                if township and not (pos and self._contains(mentions[chain[pos - 1]][2], p)):
                    word = text[s:township.end()]
                    if len(word) > len(p.surface) + 1:
                        townships.setdefault(word[:-1], word)
                elif townships:
                    word = next((w for stem, w in townships.items() if text.startswith(stem, s)), None)
                if word:
                    drop.add(k)
                    notes.append(f"“{p.surface}”是乡镇村名“{word}”的一部分，不计为地名")
                    continue
                if p.surface in facilities:
                    m = _FACILITY.match(text, e)
                    if m:
                        drop.add(k)
                        notes.append(f"“{p.surface}”在“{text[s:m.end()]}”的名称中，不计为地名")
                        continue
                if pos and p.surface in self._mirrorable:
                    mirrored = self._mirror(mentions[chain[pos - 1]][2], p)
                    if mirrored is not None:
                        q, path = mirrored
                        swap[k] = (s, e, q)
                        notes.append(f"“{p.surface}”与前文“{mentions[chain[pos - 1]][2].surface}”不符，按{path}计，"
                                     f"不计为{self.gazetteer.places[p.candidates[0]].path}（两地名用字相同、次序相反，易混）")
                if role:
                    weak[s] = (role, _REASON[role].format(s=p.surface, name=name))
        for k in range(len(mentions) - 1 if "correction" in kinds else 0):
            (_, ae, a), (bs, _, b) = mentions[k][:3], mentions[k + 1][:3]
            between = text[ae:bs].strip(_QUOTES)
            if not between or len(between) > 5:
                continue
            if _CORRECTS.fullmatch(between) and a.surface != b.surface:
                drop.add(k)
                notes.append(f"文中已将“{a.surface}”更正为“{b.surface}”，不计“{a.surface}”")
            elif _MISWRITES.fullmatch(between) and a.surface != b.surface:
                drop.add(k + 1)
                notes.append(f"文中说明“{b.surface}”系“{a.surface}”的误写，不计“{b.surface}”")
        if not drop and not swap:
            return mentions, weak, notes
        kept = [swap.get(k, m) for k, m in enumerate(mentions) if k not in drop]
        starts = {m[0] for m in kept}
        return kept, {s: w for s, w in weak.items() if s in starts}, notes

    def _facilities(self, text: str, mentions: list, chains: list[list[int]]) -> set[str]:
        """Return the short names that name a facility inside another division (黔西县新田煤矿, 夜郎镇兴隆煤矿)."""
        found = set()
        for chain in chains:
            for pos, k in enumerate(chain):
                s, e, p = mentions[k]
                if p.short_only and _FACILITY.match(text, e) and (
                        (pos and not self._contains(mentions[chain[pos - 1]][2], p))
                        or (not pos and text[s - 1:s] in ("镇", "乡", "村"))):
                    found.add(p.surface)
        return found

    def _chain_role(self, text: str, fs: int, le: int, last, kinds: set[str]) -> tuple[str | None, str]:
        """Return (weak role or None for a scene, organisation name) of the place phrase text[fs:le]."""
        line_start = text.rfind("\n", 0, fs) + 1
        head = text[max(line_start, fs - 24):fs]
        stop = text.find("\n", le)
        tail = text[le:le + 24] if stop < 0 else text[le:min(le + 24, stop)]
        if fs - line_start <= 24 and "dateline" in kinds:
            m = _DATELINE.match(tail)
            if m and (m.group("date") or _AGENCY.search(head)
                      or (fs == line_start and tail[m.end():m.end() + 1] in (":", "："))):   # 北京消息:
                return "dateline", ""
            if m and m.group("outlet"):         # 香港文汇报讯, 临汾新闻网讯: the outlet's name, as an organisation
                return "org", text[fs:le + m.end()]
        if "byline" in kinds and _BYLINE_HEAD.search(head) and (head.endswith("发自") or _BYLINE_TAIL.match(tail)):
            return "byline", ""
        if last.short_only and len(last.surface) == 2:
            m = _PAREN_HEAD.search(head)
            if m and (m.group("pre") or m.group("inner").lstrip().startswith(("记者", "通讯员", "实习生", "特约"))) \
                    and _NAME_TAIL.match(tail):
                run = _BYLINE_WORD.sub("", re.search(rf"[{_CJK}]*\Z", head).group(0))
                return "person", run + text[fs:le] + re.match(rf"[{_CJK}]{{0,2}}", tail).group(0)
            if "person" in kinds and fs == le - len(last.surface) and _TITLE_NAME.search(head):
                return "person", head[-1] + last.surface
        if _SCENE_HEAD.search(head) or tail.startswith("境内"):
            return None, ""
        if "neighbour" in kinds and (_NEIGHBOUR_HEAD.search(head) or (
                head.endswith(("与", "同", "跟")) and _NEIGHBOUR_TAIL.match(tail)) or _NEIGHBOUR_SIDE.match(tail)):
            return "neighbour", ""
        if "except" in kinds and _EXCEPT_HEAD.search(head) and _EXCEPT_TAIL.match(tail):
            return "except", ""
        if "route" in kinds and (_ROUTE_TAIL.match(tail) or (_ROUTE_END.search(head) and _ROUTE_END_TAIL.match(tail))):
            return "route", ""
        if "venue" in kinds and _VENUE_HEAD.search(head) and _VENUE_TAIL.match(tail):
            return "venue", ""
        if "source" in kinds and _SOURCE_HEAD.search(head) and _SOURCE_TAIL.match(tail):
            return "source", ""
        if "org" in kinds and _QUOTED_OUTLET.match(tail):      # 北京「中新网」报导: where the outlet sits
            return "org", text[fs:le] + _QUOTED_OUTLET.match(tail).group(0)
        if "org" in kinds and head.endswith(("救援", "救护")) and tail.startswith(("队", "大队", "中队")):
            return "org", head[-2:] + text[fs:le] + tail[:1]       # 国家矿山应急救援汾西队: a team, not 汾西县
        m = _ORG_TAIL.match(tail) if "org" in kinds else None
        if m and not _ORG_MID_STOP.intersection(m.group("mid")) and (
                m.group("kind") not in _COMPANY_KINDS or last.short_only):
            kind = m.group("kind")
            role = "brand" if kind in _COMPANY_KINDS else "institution" if kind in _LOCAL_KINDS else "org"
            return role, text[fs:le + m.end()]
        if "felt" in kinds:
            clause = tail
            end = _CLAUSE_END.search(clause)
            if end:
                clause = clause[:end.start()]
            m = _FELT.search(clause)
            if m and not _FELT_STOP.search(clause, 0, m.start()):
                return "felt", ""
        if "origin" in kinds and (_ORIGIN_HEAD.search(head) or _ORIGIN_TAIL.match(tail)
                or (_NATIVE_HEAD.search(head) and _NATIVE_TAIL.match(tail)) or _NATIVE_NAME.match(tail)
                or (head.endswith(("从", "由")) and _FROM_TAIL.match(tail)) or _ROUTE_HEAD.search(head)):
            return "origin", ""
        return None, ""

    def _contains(self, outer, inner) -> bool:
        """Return whether a candidate of pattern `outer` contains a candidate of pattern `inner`."""
        return self.gazetteer.contains(outer, inner)

    def _mirror(self, before, p):
        """Return (pattern, path) of the mirror of `p` when `before` contradicts `p` and contains its mirror."""
        if self._contains(before, p) or self._contains(p, before):
            return None
        g = self.gazetteer
        for candidate in _mirrors(p.surface):
            q = g.pattern(candidate)
            if q is None:
                continue
            inside = [c for c in q.candidates if any(o in g.places[c].ancestors for o in before.candidates)]
            if inside:
                return replace(q, surface=p.surface, candidates=tuple(inside), entries=tuple(
                    en for en in q.entries if en[0] in inside)), g.places[inside[0]].path
        return None

    # ------------------------------------------------------------------ the scene

    def _scene(self, text: str, result: PlaceResult, weak: dict, notes: list[str]) -> PlaceResult:
        g = self.gazetteer
        places = g.places
        accepted = [(start, surface, g.by_path[path]) for start, (surface, path) in zip(result.starts, result.mentions)]
        scene = [i for start, _s, i in accepted if start not in weak]
        if scene:
            # A venue is left out (山西省…活动启动仪式在太原市举行, 年会在北京召开), except when another place
            # is the host, named right before 在, and does not hold it (忻州市在太原举办推介会: both).
            held = set(scene)
            host_ends = {start + len(surface) for start, surface, _i in accepted if start not in weak}
            hosted = {start for start, _s, i in accepted if start in weak and weak[start][0] == "venue"
                      and start - 1 in host_ends and held.isdisjoint(places[i].ancestors)}
            hosted |= {start for start, _s, i in accepted if start in weak and weak[start][0] == "institution"
                       and not held.isdisjoint(places[i].ancestors)}
            if hosted:
                scene += [i for start, _s, i in accepted if start in hosted]
                weak = {start: w for start, w in weak.items() if start not in hosted}
            final = _most_specific(places, scene)
            covered = {a for i in final for a in places[i].ancestors}
            scene_set = set(scene)
            said = set()
            for start, surface, i in accepted:
                if start in weak and i not in scene_set and i not in covered:
                    reason = weak[start][1]
                    if reason not in said:
                        said.add(reason)
                        notes.append(reason)
        else:
            usable = [(start, surface, i) for start, surface, i in accepted
                      if (weak[start][0] != "brand" or places[i].level == "province") and weak[start][0] not in ("except", "neighbour")]
            if not usable:
                notes.extend(dict.fromkeys(weak[start][1] for start, _s, _i in accepted))
                notes.append("文中未写明事发地")
                return PlaceResult((), (), result.notes + tuple(notes), result.mentions, result.starts)
            tier = min(_WEAK_TIER[weak[start][0]] for start, _s, _i in usable)
            chosen = [(start, surface, i) for start, surface, i in usable if _WEAK_TIER[weak[start][0]] == tier]
            final = _most_specific(places, [i for _s, _surface, i in chosen])
            kept = {i for _s, _surface, i in chosen} | {a for i in final for a in places[i].ancestors}
            notes.extend(dict.fromkeys(weak[start][1] for start, _s, i in accepted if i not in kept))
            roles = {weak[start][0] for start, _s, _i in chosen}
            if roles <= {"dateline", "byline"} and all(places[i].path == "北京市" for i in final) \
                    and _NATIONAL_BODY.search(text):
                notes.extend(dict.fromkeys(weak[start][1] for start, _s, _i in chosen))
                notes.append("文中只有电头“北京”，所述为中央或国家机关的事项，无地方事发地")
                return PlaceResult((), (), result.notes + tuple(notes), result.mentions, result.starts)
            if roles <= {"dateline", "byline", "venue"} and _PROVINCIAL.search(text):
                final = list(dict.fromkeys(places[i].ancestors[0] if places[i].ancestors else i for i in final))
                said = "、".join(dict.fromkeys(f"“{surface}”" for _s, surface, _i in chosen))
                what = "电头或会议、活动的举办地" if "venue" in roles else "电头"
                notes.append(f"{said}为{what}，不计为事发地；文中此外未写明地名，只提到“全省”“我省”或省级机关，"
                             f"按{places[final[0]].path}计")
            else:
                label = "、".join(dict.fromkeys(_LABEL[r] for r in sorted(roles)))
                names = "、".join(dict.fromkeys(surface for _s, surface, _i in chosen))
                notes.append(f"文中未写明事发地，暂按{label}“{names}”计")
        return PlaceResult(tuple(places[i].path for i in final), tuple(g.inside(i) for i in final),
                           result.notes + tuple(notes), result.mentions, result.starts)


def _chains(text: str, mentions: list) -> list[list[int]]:
    """Group mentions that stand next to each other (山西晋城陵川县, 贵州市怀仁市) into place phrases."""
    chains = [[0]]
    prev_end = mentions[0][1]
    for k in range(1, len(mentions)):
        s, e, _p = mentions[k]
        if s == prev_end or (s == prev_end + 1 and text[prev_end] in "省市县区州"):
            chains[-1].append(k)
        else:
            chains.append([k])
        prev_end = e
    return chains


def _enumerations(text: str, mentions: list, chains: list[list[int]], roles: list) -> None:
    """Give an origin, source or felt role to the other phrases of its enumeration (来自四川、山西及湖北等地)."""
    run = [0]
    for j in range(1, len(chains) + 1):
        if j < len(chains) and text[mentions[chains[j - 1][-1]][1]:mentions[chains[j][0]][0]] in _ENUMERATION:
            run.append(j)
            continue
        if len(run) > 1:
            found = next((roles[r] for r in run if roles[r][0] in ("origin", "source", "felt")), None)
            if found is not None:
                for r in run:
                    if roles[r][0] is None:
                        roles[r] = found
        run = [j]


def _mirrors(surface: str) -> tuple[str, ...]:
    """Return the names `surface` may be a mirror of: 怀仁市 -> 仁怀市, 仁怀, 仁怀县."""
    stem, suffix = (surface[:-1], surface[-1]) if len(surface) >= 3 and surface[-1] in "市县区" else (surface, "")
    if len(stem) != 2 or stem[0] == stem[1]:
        return ()
    rev = stem[::-1]
    return tuple(dict.fromkeys((rev + suffix, rev, rev + "市", rev + "县")))


def _most_specific(places, indices) -> list[int]:
    chosen = list(dict.fromkeys(indices))
    covered = {a for i in chosen for a in places[i].ancestors}
    return [i for i in chosen if i not in covered]
