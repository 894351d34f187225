#!/usr/bin/env python3
"""Regenerates sample-data/ (the huadian and zcy sandbox data, the sample ledger, the expected report).

Deterministic: standard library only, one fixed seed, no clock. Money is integer fen (and
integer mills for unit prices with three decimals), never float. Run from anywhere:

    python3 scripts/make_sample_data.py

The demo runs over 2026-10-01..2026-10-31 with pending_days 3 and tolerance 0.00 (zcy: unpaid_overdue_days
30, unpaid_lookback_days 90). Every injected discrepancy is recorded as it is made (`expect`, `zexpect`), not
recomputed. The zcy part draws from its own random stream and its ledger rows follow all huadian rows, so the
huadian files, line numbers and expected rows stay as they were.
"""
import csv
import io
import json
import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

SEED = 20261031
START, END, PENDING_DAYS = date(2026, 10, 1), date(2026, 10, 31), 3
LAST_QUIET_DAY = date(2026, 10, 27)  # victims other than "pending" ones end before the window
OUT = Path(__file__).resolve().parent.parent / "sample-data"
rng = random.Random(SEED)
D = lambda m, d: date(2026, m, d)  # noqa: E731

# ---------------------------------------------------------------- money and JSON forms
class Raw(str):
    """A JSON token written verbatim, so 3 / 3.0 / 3.00 / "3.00" stay apart."""


def mills(text):  # "1.07" -> 1070 (thousandths of a yuan)
    whole, _, frac = text.partition(".")
    return int(whole) * 1000 + int((frac + "000")[:3])


def times(price_mills, num):  # price x num rounded half-up to fen
    return (price_mills * num + 5) // 10


def yuan(fen):
    return f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def price_text(m):
    return yuan(m // 10) if m % 10 == 0 else f"{m // 1000}.{m % 1000:03d}"


def amount_token(text, style):
    if style == "string":
        return text
    if style == "fixed2":
        return Raw(text)
    t = text.rstrip("0")
    return Raw(t + "0") if style == "double" and t.endswith(".") else Raw(t.rstrip("."))


def dump(v, ind=0):
    pad = "  " * ind
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, dict) and v:
        body = ",\n".join(f"{pad}  {json.dumps(k, ensure_ascii=False)}: {dump(x, ind + 1)}" for k, x in v.items())
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(v, list) and v:
        return "[\n" + ",\n".join(pad + "  " + dump(x, ind + 1) for x in v) + "\n" + pad + "]"
    return json.dumps(v, ensure_ascii=False)


# ---------------------------------------------------------------- reference data
CATALOG = [(n, mills(p)) for n, p in [
    ("得力 7102 固体胶 21g/支 12支/盒", "1.07"), ("得力 0012 订书钉 24/6 1000枚/盒", "1.50"),
    ("得力 0414 订书机 12号 可订20页", "12.80"), ("晨光 K35 按动中性笔 0.5mm 黑色 12支/盒", "14.40"),
    ("齐心 A4 复印纸 70g 500张/包 8包/箱", "189.00"), ("得力 7401 A4 复印纸 80g 500张/包 5包/箱", "159.00"),
    ("惠普 HP CF230A 黑色硒鼓 适用M203/M227", "568.00"), ("惠普 HP 803 墨盒 黑色", "109.00"),
    ("兄弟 TN-2325 粉盒 黑色", "259.00"), ("得力 5302 文件盒 A4 55mm 蓝色", "8.90"),
    ("齐心 A1250 拉杆夹 A4 白色 10个/包", "12.50"), ("3M 报事贴 654 便利贴 76×76mm 黄色 100页/本", "6.80"),
    ("得力 DL-1600 计算器 12位 桌面型", "29.90"), ("晨光 MG-2180 白板笔 黑色 10支/盒", "15.00"),
    ("得力 8552 剪刀 170mm 不锈钢", "6.50"), ("得力 50011 牛皮纸档案袋 A4 250g 50个/包", "45.00"),
    ("飞利浦 LED 灯管 T8 1.2米 16W 冷白光", "22.80"), ("公牛 GN-H3030 插座 3孔+3位 3米", "59.00"),
    ("罗技 M185 无线鼠标 黑色", "69.00"), ("闪迪 SDCZ48 U盘 64GB USB3.0", "49.90"),
    ("农夫山泉 饮用天然水 550ml×24瓶/箱", "36.00"), ("维达 V2239 抽纸 3层 130抽×24包/箱", "69.90"),
    ("清风 B338 卷纸 4层 140g×27卷/提", "59.90"), ("蓝月亮 洗手液 500g/瓶", "19.90"),
    ("3M 9502+ KN95 防护口罩 耳带式 50只/盒", "139.00"), ("霍尼韦尔 H99 安全帽 ABS 红色", "45.00"),
    ("代尔塔 201151 丁腈涂层防护手套 10副/包", "62.00"), ("双安 YS101-06-03 带电作业绝缘手套 12kV", "298.00"),
    ("世达 09069 活动扳手 12寸", "58.50"), ("世达 62502 一字螺丝刀 6×150mm", "12.80"),
    ("史丹利 STHT33989 钢卷尺 5m", "24.50"), ("正泰 DZ47-63 C32 小型断路器 2P", "31.60"),
    ("施耐德 iC65N C16A 2P 微型断路器", "86.00"), ("WD-40 除锈润滑剂 350ml", "29.50"),
    ("得力 DL4501 电工胶带 PVC 18mm×10m 黑色 10卷/筒", "16.80"), ("福禄克 Fluke 15B+ 数字万用表", "669.00"),
    ("神火 C8 强光手电筒 可充电", "89.00"), ("固特 GT-5 反光背心 荧光黄", "9.50"),
    ("金佰利 94139 工业擦拭纸 卷式", "188.00"), ("力易得 不锈钢扎带 4.6×300mm 100条/包", "35.00"),
    ("美孚 DTE 25 抗磨液压油 18L/桶", "968.00"), ("长城 L-CKC220 工业齿轮油 18L/桶", "586.00"),
    ("南孚 LR6 5号碱性电池 4粒/卡", "11.80"), ("安全警示带 黄黑 50m/卷", "18.00"),
    ("欧普 LED 吸顶灯 24W 圆形", "128.00"), ("雷士 NVC LED 投光灯 100W", "235.00"),
]]
SKU = {name: str(1365001 + i * 113) for i, (name, _) in enumerate(CATALOG)}
CLIP = ("得力 9546 彩色回形针 28mm 按枚计价", mills("0.125"))     # 0.125 x 8 = 1.00
REFILL = ("晨光 AGR640A3 中性笔芯 0.5mm 黑色 按支计价", mills("0.785"))  # 0.785 x 3 = 2.355 -> 2.36
SKU.update({CLIP[0]: "1370981", REFILL[0]: "1370995"})

COMPANIES = [  # invoiceTitle, address, bank, receiver
    ("华电滨海发电有限公司", "江苏省盐城市滨海县八巨镇港城大道88号", "中国工商银行滨海支行", "陈建国"),
    ("华电九江热电有限公司", "江西省九江市柴桑区赤湖工业园大道188号", "中国工商银行九江分行营业部", "刘海波"),
    ("华电湘潭新能源有限公司", "湖南省湘潭市岳塘区宝塔街道双拥路26号", "中国建设银行湘潭分行", "周晓燕"),
    ("华电青山风电有限公司", "内蒙古自治区包头市青山区建设路56号", "中国农业银行包头青山支行", "王志刚"),
    ("华电江陵燃机发电有限公司", "湖北省荆州市江陵县郝穴镇江汉路9号", "中国银行荆州分行", "李红梅"),
    ("华电望城检修工程有限公司", "湖南省长沙市望城区高塘岭街道郭亮北路301号", "交通银行长沙望城支行", "张立新"),
]
PERIODS = {
    "xun": [(D(10, 1), D(10, 10)), (D(10, 11), D(10, 20)), (D(10, 21), D(10, 31))],
    "half": [(D(10, 1), D(10, 15)), (D(10, 16), D(10, 31))],
    "month": [(D(10, 1), D(10, 31))],
    "shifted": [(D(9, 26), D(10, 25))],
}
SIZE = {"xun": (8, 14), "half": (12, 18), "month": (18, 28), "shifted": (16, 24), "sup": (2, 2)}
UNITS = [("1101", 0, "xun"), ("1102", 1, "xun"), ("1201", 2, "xun"), ("1301", 3, "xun"),
         ("2101", 0, "half"), ("2201", 1, "half"), ("2301", 4, "half"), ("2401", 5, "half"),
         ("3101", 2, "month"), ("3201", 3, "month"), ("3301", 4, "month"), ("3401", 5, "month"),
         ("3501", 0, "month"), ("4101", 1, "shifted"), ("4201", 3, "shifted"), ("4301", 5, "shifted")]


def digits(n):
    return "".join(str(rng.randrange(10)) for _ in range(n))


def company_info(i):
    title, addr, bank, who = COMPANIES[i]
    cut = addr.index("市") + 1
    tax_no = f"91{digits(6)}MA{digits(2)}{rng.choice('ABCDEFGHJK')}{digits(4)}{rng.choice('0123456789X')}"
    return {"taxpayerNo": tax_no, "invoiceTitle": title, "invoiceType": rng.choice([1, 2]),
            "invoicePhone": f"0{digits(3)}-{digits(7)}", "invoiceAddress": addr, "bank": bank,
            "bankAccount": digits(19), "companyName": title, "receiverAddress": f"{addr[:cut]} {addr[cut:]} 物资部",
            "receiverPhone": "1" + rng.choice("3589") + digits(9), "receiverName": who}


INFO = [company_info(i) for i in range(len(COMPANIES))]

# ---------------------------------------------------------------- statements and orders
statements, orders, used_codes = [], [], set()


def order_code(created):
    while True:
        code = f"D{created:%y%m%d}{digits(11)}"
        if code not in used_codes:
            used_codes.add(code)
            return code


def at(day, lo=8, hi=21):
    return datetime(day.year, day.month, day.day, rng.randint(lo, hi), rng.randrange(60), rng.randrange(60))


def set_end(o, ended, days_before=None):
    """Moves an order's end; its creation (and so its code, which carries the date) follows."""
    o["ended"] = ended
    o["created"] = at(ended.date() - timedelta(days=days_before or rng.randint(1, 9)), 8, 18)
    o["code"] = order_code(o["created"])


def finish(o):  # the vendor's stated orderAmount: its items plus any unitemised extra
    o["amount"] = sum(it["total"] for it in o["items"]) + o.get("extra", 0)


def item(name, price, num, ret=0):
    return {"name": name, "price": price, "num": num, "ret": ret, "total": times(price, num)}


def new_order(stmt, day=None):
    day = day or stmt["start"] + timedelta(days=rng.randrange((stmt["end"] - stmt["start"]).days + 1))
    o = {"stmt": stmt, "ret": 0, "used": False, "ledger": True, "delta": 0, "refunds": None,
         "packages": "signed", "dup_ledger": False}
    set_end(o, at(day))
    o["items"] = []
    for name, price in rng.sample(CATALOG, rng.choices([1, 2, 3, 4], [35, 30, 22, 13])[0]):
        y = price // 1000
        lo, hi = (10, 240) if y < 2 else (2, 30) if y < 20 else (1, 12) if y < 100 else (1, 4)
        o["items"].append(item(name, price, rng.randint(lo, hi)))
    finish(o)
    orders.append(o)
    stmt["lines"].append(o)
    return o


def new_statement(unit, start, end, kind):
    code, comp, _ = unit
    style = rng.choices(["double", "fixed2", "plain", "string"], [40, 25, 15, 20])[0]
    s = {"no": f"CG{end:%Y%m%d}{rng.getrandbits(32):08X}", "unit": code, "comp": comp, "start": start,
         "end": end, "kind": kind, "style": style, "qty_float": style != "string" and rng.random() < 0.2,
         "lines": [], "total_delta": 0, "save": rng.randrange(0, 50000)}
    statements.append(s)
    for _ in range(rng.randint(*SIZE[kind])):
        new_order(s)
    return s


for unit in UNITS:
    for a, b in PERIODS[unit[2]]:
        new_statement(unit, a, b, unit[2])

# A few clean orders sit exactly on period boundaries (inclusive on both ends).
BOUNDARY = statements[1:24:6]
for s in BOUNDARY:  # used: kept out of the victim pools
    set_end(s["lines"][0], datetime.combine(s["start"], datetime.min.time()), 3)
    set_end(s["lines"][1], datetime.combine(s["end"], datetime.max.time()).replace(microsecond=0), 2)
    s["lines"][0]["used"] = s["lines"][1]["used"] = True

expect, cases, victims_per_stmt = [], [], {}


def add(code, sev, stmt, order, doc, what, status="new"):
    expect.append((code, sev, status, stmt, order, doc))
    cases.append((code, sev, status, stmt, order, doc, what))


def pick(where=lambda s: s["kind"] != "sup", by=LAST_QUIET_DAY):
    """A clean, unused order to spoil; at most two victims per statement."""
    pool = [o for o in orders if not o["used"] and o["ret"] == 0 and where(o["stmt"])
            and (by is None or o["ended"].date() <= by) and victims_per_stmt.get(o["stmt"]["no"], 0) < 2]
    o = rng.choice(pool)
    o["used"] = True
    victims_per_stmt[o["stmt"]["no"]] = victims_per_stmt.get(o["stmt"]["no"], 0) + 1
    return o


def apply_code(day):
    return f"RO__{at(day):%Y%m%d%H%M%S}{rng.randrange(1000):03d}"


# ---------------------------------------------------------------- clean variety first
returned = []
for o in rng.sample([o for o in orders if not o["used"]], 20):  # clean returns, booked in full
    it = rng.choice(o["items"])
    it["ret"] = rng.randint(1, min(it["num"], 3))
    o["ret"], o["used"] = times(it["price"], it["ret"]), True
    returned.append(o)
returned[0]["refunds"] = [returned[0]["ret"] // 2, returned[0]["ret"] - returned[0]["ret"] // 2]  # two partial refunds
returned[1]["negative_refund"] = True  # the ERP exported the refund with a minus sign
for o, extra in ((pick(), item(CLIP[0], CLIP[1], 8)), (pick(), item(CLIP[0], CLIP[1], 5))):
    o["items"].append(extra)  # 0.125 x 8 = 1.00 and 0.125 x 5 = 0.625 -> 0.63 (half-up, not half-even)
    finish(o)
    o["note_quirk"] = f"{extra['name']} price 0.125 × {extra['num']} = {yuan(extra['total'])}"
two_signed, half_signed = pick(), pick()
two_signed["packages"], half_signed["packages"] = "two_signed", "signed_and_unsigned"

# ---------------------------------------------------------------- injected discrepancies
def ends(day):
    return lambda s: s["kind"] != "sup" and s["start"] <= day <= s["end"]


# MISSING_IN_LEDGER: the vendor bills an order the ledger lacks; 10-28 is just outside the window.
for day, pending in ((None, False), (None, False), (D(10, 28), False), (D(10, 29), True), (D(10, 31), True)):
    o = pick(ends(day), by=None) if day else pick()
    if day:
        set_end(o, at(day))
    o["ledger"] = False
    add("MISSING_IN_LEDGER", "info" if pending else "error", o["stmt"]["no"], o["code"], "",
        f"order ended {o['ended']:%m-%d}, not in the ledger", "pending" if pending else "new")

# AMOUNT_MISMATCH: the ledger booked another amount.
for delta in (1, -1000, 9000):
    o = pick()
    o["delta"] = delta
    add("AMOUNT_MISMATCH", "error", o["stmt"]["no"], o["code"], "",
        f"ledger {yuan(o['amount'] + delta)} vs orderAmount {yuan(o['amount'])}")

# REFUND_MISMATCH: partly booked / not booked / booked but the vendor shows no return.
for booked in ("part", "none", "without_return"):
    o = pick()
    it = o["items"][0]
    if booked == "without_return":
        o["refunds"] = [min(o["amount"], 2000)]
    else:
        it["ret"] = min(it["num"], 2)
        o["ret"] = times(it["price"], it["ret"])
        o["refunds"] = [] if booked == "none" else [times(it["price"], 1)] if it["ret"] == 2 else [o["ret"] // 2]
    add("REFUND_MISMATCH", "error", o["stmt"]["no"], o["code"], "",
        f"returnAmount {yuan(o['ret'])}, ledger refunds {yuan(sum(o['refunds']))}")

# DUPLICATE_BILLING: in a later supplementary statement (by billEndDate; by number on a tie), twice in one.
for base_kind, period in (("xun", 1), ("month", 0)):
    first = PERIODS[base_kind][period][0]
    base = rng.choice([s for s in statements if s["kind"] == base_kind and s["start"] == first])
    o = pick(lambda s, b=base: s is b)
    unit = next(u for u in UNITS if u[0] == base["unit"])
    sup = new_statement(unit, D(10, 1), D(10, 31), "sup")
    sup["lines"].insert(1, o)
    later = max((base, sup), key=lambda s: (s["end"], s["no"]))
    add("DUPLICATE_BILLING", "error", later["no"], o["code"], "", f"in {base['no']} and {sup['no']}")
o = pick()
o["stmt"]["lines"].append(o)
add("DUPLICATE_BILLING", "error", o["stmt"]["no"], o["code"], "", "listed twice in the same statement")
for s in statements[-2:]:
    for line in s["lines"]:
        if line["stmt"] is s:
            line["used"] = True

# DUPLICATE_IN_LEDGER (orders; an invoice one is added with the invoices below).
for _ in range(2):
    o = pick()
    o["dup_ledger"] = True
    add("DUPLICATE_IN_LEDGER", "error", "", o["code"], "", "order booked twice")

# LINE_TOTAL_MISMATCH: a truncated product, a total for one more unit, an unitemised extra.
for how in ("truncated", "one_more", "freight"):
    o = pick()
    it = o["items"][0]
    if how == "truncated":
        o["items"].append({**item(*REFILL, 3), "total": 235})
        what = "0.785 × 3 stated 2.35 (truncated; half-up is 2.36)"
    elif how == "one_more":
        it["total"] = times(it["price"], it["num"] + 1)
        what = f"{price_text(it['price'])} × {it['num']} stated {yuan(it['total'])}"
    else:
        o["extra"], what = 1000, "orderAmount = items + 10.00 freight"
    finish(o)
    add("LINE_TOTAL_MISMATCH", "error", o["stmt"]["no"], o["code"], "", what)

# OUT_OF_PERIOD: ended before the period / after it / in the previous month.
for kind, first, shift in (("xun", D(10, 11), -2), ("half", D(10, 1), 16), ("shifted", D(9, 26), -3)):
    o = pick(lambda s, k=kind, f=first: s["kind"] == k and s["start"] == f)
    set_end(o, at(o["stmt"]["start"] + timedelta(days=shift)))
    add("OUT_OF_PERIOD", "warning", o["stmt"]["no"], o["code"], "",
        f"ended {o['ended']:%Y-%m-%d}, period {o['stmt']['start']}..{o['stmt']['end']}")

# UNDELIVERED_BILLED: rejected (beside a signed one) / shipped, never signed / no packages (two ways).
for mode, sev in (("rejected", "error"), ("unsigned", "warning"), ("empty", "warning"), ("absent", "warning")):
    o = pick()
    o["packages"] = mode
    pk = f"{o['code'][1:]}02" if mode == "rejected" else f"{o['code'][1:]}01" if mode == "unsigned" else ""
    add("UNDELIVERED_BILLED", sev, o["stmt"]["no"], o["code"], pk, f"packages: {mode}")

# STATEMENT_TOTAL_MISMATCH: returns not deducted / one fen off / one order left out of the total.
regular = [s for s in statements if s["kind"] != "sup"]
s = rng.choice([s for s in regular if any(o["ret"] for o in s["lines"])])
s["total_delta"] = sum(o["ret"] for o in s["lines"])
add("STATEMENT_TOTAL_MISMATCH", "error", s["no"], "", "", "totalAmount did not deduct the returns")
s = rng.choice([x for x in regular if x["style"] == "string" and not x["total_delta"]])
s["total_delta"] = 1
add("STATEMENT_TOTAL_MISMATCH", "error", s["no"], "", "", "totalAmount 0.01 too high (string amounts)")
s = rng.choice([x for x in regular if not x["total_delta"]])
s["total_delta"] = -s["lines"][-1]["amount"] + s["lines"][-1]["ret"]
add("STATEMENT_TOTAL_MISMATCH", "error", s["no"], "", "", f"totalAmount leaves out order {s['lines'][-1]['code']}")

# MISSING_IN_VENDOR: ledger orders a fetched statement lacks; one names a statement the vendor does not know.
extra_ledger = []
ghost = f"CG20261018{rng.getrandbits(32):08X}"
for target in (rng.choice(regular), rng.choice(regular), None):
    day = D(10, rng.randint(3, 25))
    code = order_code(day)
    stmt_no = target["no"] if target else ghost
    extra_ledger.append({"kind": "order", "doc_no": code, "statement_no": stmt_no,
                         "fen": rng.randint(3000, 90000), "booked": day, "memo": "办公用品采购入账"})
    add("MISSING_IN_VENDOR", "error", stmt_no, code, "",
        "ledger order not on the statement" if target else "statement unknown to the vendor (5004)")

# ---------------------------------------------------------------- messages 303/304 and their ledger side
messages = []


def msg(day, kind, result):
    messages.append({"time": at(day), "type": kind, "result": result})


def ret_msgs(o, final303=None, final304=None, steps=(30301, 30305, 30310)):
    """A return's 304 application messages, then its 303 progress; starts after the order ended."""
    po, day = (o, D(10, 6)) if isinstance(o, str) else (o["code"], max(o["ended"].date(), D(10, 1)))
    day += timedelta(days=rng.randint(1, 3))
    ac = apply_code(day)
    msg(day, 304, {"POCode": po, "ApplyCode": ac, "ApplyStatus": 0})
    if final304 is not None:
        msg(day + timedelta(days=2), 304, {"POCode": po, "ApplyCode": ac, "ApplyStatus": final304})
        return ac
    msg(day + timedelta(days=1), 304, {"POCode": po, "ApplyCode": ac, "ApplyStatus": 1})
    for i, st in enumerate(steps + ((final303,) if final303 else ())):
        msg(day + timedelta(days=2 + i), 303, {"POCode": po, "ApplyCode": ac, "ProcessStatus": st})
    return ac


MSG_BY = D(10, 18)  # so every return message is dated before 10-28
for o in [o for o in returned[2:] if o["ended"].date() <= MSG_BY][:4]:  # completed and booked: clean
    o["apply"] = ret_msgs(o, final303=rng.choice([30325, 30330]))
ret_msgs(pick(by=MSG_BY), steps=(30301, 30305))  # still in progress: clean
ret_msgs(pick(by=MSG_BY), final304=4)            # refused, no ledger refund: clean
ret_msgs(pick(by=MSG_BY), final304=2)            # cancelled by the customer: clean
o = pick(by=MSG_BY)
ac = ret_msgs(o, final303=30325)
add("MISSING_IN_LEDGER", "error", "", o["code"], ac, "303 30325 return completed, no ledger refund")
sept = order_code(D(9, 14))
ac = ret_msgs(sept, final303=30330, steps=(30305, 30310))
add("MISSING_IN_LEDGER", "error", "", sept, ac, "303 30330 for a September order, no ledger refund")
for day, with_pending in ((D(10, 5), True), (D(10, 11), False)):
    po = order_code(D(9, rng.randint(10, 24)))
    ac = apply_code(day)
    if with_pending:
        msg(day, 304, {"POCode": po, "ApplyCode": ac, "ApplyStatus": 0})
    msg(day + timedelta(days=3), 304, {"POCode": po, "ApplyCode": ac, "ApplyStatus": 4})
    extra_ledger.append({"kind": "refund", "doc_no": po, "statement_no": "", "line_no": "1", "ref_no": ac,
                         "fen": rng.randint(2000, 40000), "booked": day, "memo": "退货退款（9月订单）"})
    add("MISSING_IN_VENDOR", "error", "", po, ac, "ledger refund, 304 application refused (4)")

# ---------------------------------------------------------------- packages
packages = {}
for o in orders:
    if o["packages"] == "absent" or o["code"] in packages:
        continue
    p = o["code"][1:]
    states = {"signed": ["2"], "two_signed": ["2", "2"], "signed_and_unsigned": ["2", "0"],
              "rejected": ["2", "1"], "unsigned": ["0"], "empty": []}[o["packages"]]
    packages[o["code"]] = [{"orderId": o["code"], "packageNo": f"{p}{i + 1:02d}",
                            "state": int(st) if rng.random() < 0.15 else st} for i, st in enumerate(states)]

# ---------------------------------------------------------------- invoices, 702 messages
invoices, invoice_rows = {}, []
for s in [s for s in regular if s["end"] <= D(10, 25)]:  # later periods are not invoiced yet
    net = sum(o["amount"] - o["ret"] for o in s["lines"])
    parts = [net] if net < 500000 or rng.random() < 0.5 else [net // 2, net - net // 2]
    for i, fen in enumerate(parts):
        row = s["no"] + f"-{i + 1:02d}"
        no, code = digits(8), "3100" + digits(6)
        inv = {"invoiceNo": no, "invoiceCode": code, "invoiceLink": f"https://einvoice.example.cn/pdf/{code}_{no}.pdf"}
        invoice_rows.append({"stmt": s, "row": row, "fen": fen, "inv": inv,
                             "booked": min(s["end"] + timedelta(days=rng.randint(2, 5)), END)})
for i, r in enumerate(rng.sample(invoice_rows, 3)):  # INVOICE_MISSING: absent twice, [] once
    r["inv"] = None
    r["listed_empty"] = i == 2
    add("INVOICE_MISSING", "error", r["stmt"]["no"], "", r["row"], "no invoice" + (" (listed as [])" if i == 2 else ""))
issued = [r for r in invoice_rows if r["inv"]]
for r in issued:
    invoices[f"{r['stmt']['no']}/{r['row']}"] = [r["inv"]]
for r in invoice_rows:
    if r.get("listed_empty"):
        invoices[f"{r['stmt']['no']}/{r['row']}"] = []
ship = rng.sample([r for r in issued if r["stmt"]["end"] <= D(10, 20)], 8)
for i, r in enumerate(ship):  # 0-2 refused, 3 refused then delivered (not reported), rest delivered
    steps = [1, -1] if i < 2 else [-1] if i == 2 else [-1, 2] if i == 3 else [1, 2]
    day = r["stmt"]["end"] + timedelta(days=rng.randint(1, 3))
    for k, st in enumerate(steps):
        msg(day + timedelta(days=2 * k), 702, {"billNo": r["stmt"]["no"], "billRowNo": r["row"],
                                               "invoiceNo": r["inv"]["invoiceNo"], "invoiceCode": r["inv"]["invoiceCode"],
                                               "status": st})
    if i < 3:
        add("INVOICE_DELIVERY_FAILED", "error", r["stmt"]["no"], "", r["inv"]["invoiceNo"], f"702 status -1, {r['row']}")
dup_inv = rng.choice([r for r in issued if r not in ship])
dup_inv["dup_ledger"] = True
add("DUPLICATE_IN_LEDGER", "error", "", "", dup_inv["row"], "invoice row booked twice")

messages.sort(key=lambda m: m["time"])
next_id = 134420
for m in messages:
    m["id"] = str(next_id)
    next_id += rng.randint(1, 4)

# ---------------------------------------------------------------- the ledger
def booked_after(dt, lo, hi):
    return min(max(dt.date() + timedelta(days=rng.randint(lo, hi)), START), END)


def amount_text(fen, negative=False):
    r, t = rng.random(), yuan(fen)
    if negative:
        return "-" + t
    if fen >= 100000 and r < 0.10:
        return f"{fen // 100:,}.{fen % 100:02d}"
    if r < 0.05 or (fen >= 100000 and r < 0.14):
        return f"¥{fen // 100:,}.{fen % 100:02d}"
    return t[:-1] if r > 0.93 and t.endswith("0") else t


def date_text(d):
    r = rng.random()
    return f"{d:%Y/%m/%d}" if r < 0.09 else f"{d:%Y%m%d}" if r < 0.15 else d.isoformat()


def entry(kind, doc_no, stmt_no, fen, booked, memo, **more):
    return {"kind": kind, "doc_no": doc_no, "statement_no": stmt_no, "fen": fen, "booked": booked, "memo": memo, **more}


def short(s):
    return COMPANIES[s["comp"]][0].replace("有限公司", "")


ledger = []
for o in orders:
    if not o["ledger"]:
        continue
    s, n_items = o["stmt"], len(o["items"])
    booked = booked_after(o["ended"], 0, 3)
    memo = f"{short(s)} 采购 {o['items'][0]['name']}" + (f" 等{n_items}项" if n_items > 1 else "")
    for k in range(2 if o["dup_ledger"] else 1):  # a duplicate is booked again a few days later
        ledger.append(entry("order", o["code"], s["no"], o["amount"] + o["delta"],
                            min(booked + timedelta(days=4 * k), END), memo))
    refunds = o["refunds"] if o["refunds"] is not None else ([o["ret"]] if o["ret"] else [])
    for i, fen in enumerate(refunds):
        ledger.append(entry("refund", o["code"], s["no"], fen, booked_after(o["ended"], 3, 9), f"退货退款 {short(s)}",
                            line_no=str(i + 1), ref_no=o.get("apply", ""), negative=o.get("negative_refund", False)))
for r in invoice_rows:
    inv, s = r["inv"] or {}, r["stmt"]
    mail = {"invoice_no": inv["invoiceNo"], "invoice_code": inv["invoiceCode"], "express_company": "顺丰速运",
            "express_no": f"SF{digits(13)}", "status": "issued"} if inv else {"status": "pending"}
    for k in range(2 if r.get("dup_ledger") else 1):
        ledger.append(entry("invoice", r["row"], s["no"], r["fen"], min(r["booked"] + timedelta(days=2 * k), END),
                            f"增值税发票 {short(s)} {s['start']:%m月}对账", line_no=r["row"], **mail))
ledger += extra_ledger
bad_amount = entry("order", order_code(D(10, 12)), statements[5]["no"], 0, D(10, 13), "金额录入有误待更正",
                   amount_raw="1O5.00")
bad_row = statements[7]["no"] + "-03"
bad_date = entry("invoice", bad_row, statements[7]["no"], 12000, D(10, 22), "发票补开（日期录入错误）",
                 line_no=bad_row, status="pending", date_raw="2026-10-32")
ledger += [bad_amount, bad_date]
ledger.sort(key=lambda r: r["booked"])  # stable: generation order within a day
COLUMNS = ["entry_id", "vendor", "kind", "doc_no", "statement_no", "line_no", "amount", "currency", "booked_on",
           "status", "invoice_no", "invoice_code", "express_company", "express_no", "ref_no", "memo"]
ledger_rows = []
for n, r in enumerate(ledger, 1):
    r["line"] = n + 1  # physical line; the header is line 1
    ledger_rows.append([f"PZ202610{n:04d}-01", "huadian", r["kind"], r["doc_no"], r["statement_no"],
                        r.get("line_no", ""), r.get("amount_raw") or amount_text(r["fen"], r.get("negative", False)),
                        "" if rng.random() < 0.1 else "CNY", r.get("date_raw") or date_text(r["booked"])]
                       + [r.get(c, "") for c in COLUMNS[9:15]] + [r["memo"]])

# Every statement must be named by a readable order row booked in the range, or it is never fetched.
named = {r["statement_no"] for r in ledger if r["kind"] == "order" and "amount_raw" not in r}
assert all(s["no"] in named for s in statements), "a statement no ledger order row names"

# ================================================================ zcy (政采云)
# Its own random stream: the huadian data above does not move by a byte when this part changes.
zr = random.Random(SEED * 10 + 3)
UNPAID_OVERDUE_DAYS, UNPAID_LOOKBACK_DAYS = 30, 90
UNPAID_FROM = START - timedelta(days=UNPAID_LOOKBACK_DAYS)  # 2026-07-03: the 未支付 query's first day
SUPPLIER, SUPPLIER_ACCOUNT = "浙江恒远办公用品有限公司", "33050161927300001286"
ZORGS = [  # purchaserOrgName, districtName, postAddr, postContact
    ("杭州市第二中学", "杭州市滨江区", "杭州市滨江区东信大道76号 总务处", "王丽华"),
    ("杭州市西湖区教育局", "杭州市西湖区", "杭州市西湖区文三路17号 装备中心", "陈志强"),
    ("杭州市上城区卫生健康局", "杭州市上城区", "杭州市上城区解放路218号 办公室", "赵敏"),
    ("浙江省人民医院", "杭州市拱墅区", "杭州市拱墅区上塘路158号 后勤保障部", "孙建军"),
    ("宁波市第一医院", "宁波市海曙区", "宁波市海曙区柳汀街59号 设备科", "周海燕"),
    ("宁波市鄞州区市场监督管理局", "宁波市鄞州区", "宁波市鄞州区惠风东路568号 综合科", "林国栋"),
    ("宁波效实中学", "宁波市海曙区", "宁波市海曙区广济街2号 总务处", "朱晓梅"),
    ("温州市鹿城区财政局", "温州市鹿城区", "温州市鹿城区府前街1号 办公室", "郑永华"),
    ("温州医科大学附属第二医院", "温州市鹿城区", "温州市鹿城区学院西路109号 物资科", "黄晓东"),
    ("绍兴市柯桥区人民法院", "绍兴市柯桥区", "绍兴市柯桥区笛扬路1888号 行装科", "吴卫平"),
    ("嘉兴市第一中学", "嘉兴市南湖区", "嘉兴市南湖区中环南路1789号 总务处", "沈佳怡"),
    ("湖州市吴兴区自然资源和规划局", "湖州市吴兴区", "湖州市吴兴区青铜路99号 办公室", "钱伟"),
    ("金华市中心医院", "金华市婺城区", "金华市婺城区明月街351号 采购中心", "徐丽娟"),
    ("台州市路桥区交通运输局", "台州市路桥区", "台州市路桥区路桥大道336号 财务科", "蒋文斌"),
    ("衢州市柯城区实验小学", "衢州市柯城区", "衢州市柯城区新桥街88号 总务处", "毛建华"),
    ("舟山市定海区应急管理局", "舟山市定海区", "舟山市定海区环城南路56号 办公室", "邬海军"),
]
ZBANKS = ["中国工商银行", "中国农业银行", "中国建设银行", "中国银行", "交通银行", "浙江农商银行", "杭州银行", "宁波银行"]
THEMES = {"办公用品": ["办公用品", "文具", "纸制品"], "打印耗材": ["打印耗材", "办公用品"],
          "办公设备": ["办公设备", "电脑整机", "生活电器"], "清洁用品": ["清洁用品", "劳保用品", "生活用品"]}
PAYERS = ["岳云", "何静", "张伟", "李娜", "王芳", "刘洋", "陈杰", "杨敏", "赵磊", "黄婷"]


def zdigits(n):
    return "".join(str(zr.randrange(10)) for _ in range(n))


def zat(day, lo=8, hi=20):
    return datetime(day.year, day.month, day.day, zr.randint(lo, hi), zr.randrange(60), zr.randrange(60))


TREASURY = ("中国人民银行杭州中心支行", "290000" + zdigits(12), "浙江省财政厅国库集中支付专户")
ORG_BANK = [(zr.choice(ZBANKS), zdigits(19), "0" + zr.choice("5789") + f"7{zdigits(1)}-{zdigits(8)}") for _ in ZORGS]
zids = set()


def zid(prefix, day, width=19):
    """An id as the platform mints them: prefix, date, random tail. An int, never a float:
    n % 128 != 0 makes sure a 19-digit id (≥ 2^59) is not a double, so a client reading it through f64 breaks."""
    while True:
        n = int(f"{prefix}{day:%y%m%d}{zdigits(width - len(prefix) - 6)}")
        if n not in zids and (width < 19 or n % 128):
            zids.add(n)
            return n


def order_fen():
    lo, hi = zr.choice([(1500, 20000), (20000, 120000), (20000, 120000), (120000, 680000)])
    return zr.randint(lo, hi)


zstatements = []


def zstatement(status, created, n_orders=None):
    org = zr.randrange(len(ZORGS))
    theme = zr.choice(sorted(THEMES))
    n = n_orders or zr.choices([1, 2, 3, 4, 5, 6], [18, 25, 22, 16, 11, 8])[0]
    sid = zid("1004", created)
    s = {"id": sid, "no": str(sid), "status": status, "created": created, "matched_at": None, "org": org,
         "theme": theme, "name": f"{created.year}年{created.month}月 {ZORGS[org][0]} {theme}结算单",
         "orders": [{"id": zid("2010", created.date() - timedelta(days=zr.randint(1, 20))), "fen": order_fen()}
                    for _ in range(n)],
         "invoices": [], "pays": [], "role": None, "ledger_orders": None}
    s["total"] = s["match"] = sum(o["fen"] for o in s["orders"])
    if status == "未支付":
        s["match"] = 0
    zstatements.append(s)
    return s


def split(fen, k):
    """fen into k positive parts (k ≤ fen)."""
    cuts = sorted(zr.sample(range(1, fen), k - 1)) if k > 1 else []
    return [b - a for a, b in zip([0] + cuts, cuts + [fen])]


def invoice(s, group):
    org, fen = ZORGS[s["org"]], sum(o["fen"] for o in group)
    cats = zr.sample(THEMES[s["theme"]], min(zr.choices([1, 2, 3], [50, 35, 15])[0], len(THEMES[s["theme"]]), fen))
    serial = f"F0{s['created']:%y%m%d}{zdigits(11)}" if zr.random() < 0.7 else f"4004{s['created']:%y%m%d}{zdigits(9)}"
    return {"serial": serial, "type": "增值税专用发票" if zr.random() < 0.3 else "增值税普通发票", "title": org[0],
            "fen": fen, "addr": org[2], "contact": org[3], "phone": "1" + zr.choice("3589") + zdigits(9),
            "orders": [o["id"] for o in group], "items": list(zip(cats, split(fen, len(cats))))}


def invoice_all(s):
    os_ = s["orders"]
    cut = zr.randint(1, len(os_) - 1) if len(os_) >= 3 and zr.random() < 0.4 else len(os_)
    s["invoices"] = [invoice(s, g) for g in (os_[:cut], os_[cut:]) if g]


def transfer(fen, when, org, total=None):
    bank, card, _ = ORG_BANK[org]
    return {"vostro": f"{when:%Y%m%d}{zdigits(12)}", "bank": bank, "card": card, "owner": ZORGS[org][0],
            "total": fen if total is None else total, "match": fen, "currency": "CNY", "time": when,
            "remark": zr.choice(["货款", "办公用品款", "采购款", "结算款"]),
            "match_remark": zr.choice(["系统自动匹配", "人工匹配"])}


def transfer_times(s, k):
    first, last = s["created"].date() + timedelta(days=1), s["matched_at"].date() - timedelta(days=1)
    return sorted(zat(first + timedelta(days=zr.randint(0, (last - first).days)), 9, 17) for _ in range(k))


def pay_record(s, fen, n_transfers=None):
    bank, card, _ = ORG_BANK[s["org"]]
    k = n_transfers or (2 if fen >= 2 and zr.random() < 0.25 else 1)
    times_ = transfer_times(s, k)
    return {"id": zid("30", s["created"], 13), "payer": zr.choice(PAYERS), "bank": bank, "card": card, "fen": fen,
            "remark": f"{s['created'].month}月{s['theme']}结算款",
            "transfers": [transfer(f, t, s["org"]) for f, t in zip(split(fen, k), times_)]}


def pay_all(s):
    k = 2 if s["match"] >= 2 and zr.random() < 0.2 else 1
    s["pays"] = [pay_record(s, f) for f in split(s["match"], k)]


def zday(m, d):
    return date(2026, m, d)


# 未支付: 108 created in October (not overdue: 10-31 − 10-01 = 30 days is not more than 30), boundaries
# at 10-01 00:00:00 and 10-31 23:59:59; four overdue ones from 07-03 00:00:00 (the query's first second)
# to 09-30 23:59:59; one created 07-02 23:59:59, outside the 90-day lookback, never seen.
unpaid = [zstatement("未支付", zat(zday(10, zr.randint(1, 31)))) for _ in range(106)]
unpaid += [zstatement("未支付", datetime(2026, 10, 1, 0, 0, 0)), zstatement("未支付", datetime(2026, 10, 31, 23, 59, 59))]
overdue = [zstatement("未支付", t) for t in (datetime(2026, 7, 3, 0, 0, 0), zat(zday(7, 21)), zat(zday(8, 26)),
                                           datetime(2026, 9, 30, 23, 59, 59))]
unseen_unpaid = zstatement("未支付", datetime(2026, 7, 2, 23, 59, 59))
for s in unpaid + overdue + [unseen_unpaid]:
    if zr.random() < 0.5:
        invoice_all(s)

# 已匹配: 22 matched in October (two exactly at 10-01 00:00:00 and 10-31 23:59:59), one matched
# 09-30 23:59:59, before the range, never seen.
matched = []
for _ in range(22):
    s = zstatement("已匹配", zat(zday(8, 25) + timedelta(days=zr.randint(0, 58))))
    day = zr.randint(max((s["created"].date() - zday(10, 1)).days + 3, 0), 30)
    s["matched_at"] = zat(zday(10, 1) + timedelta(days=day), 9, 18)
    matched.append(s)
matched[0]["matched_at"], matched[1]["matched_at"] = datetime(2026, 10, 1, 0, 0, 0), datetime(2026, 10, 31, 23, 59, 59)
for s in matched[:2]:
    s["created"] = min(s["created"], s["matched_at"] - timedelta(days=5))
unseen_matched = zstatement("已匹配", zat(zday(9, 10)))
unseen_matched["matched_at"] = datetime(2026, 9, 30, 23, 59, 59)
for s in matched + [unseen_matched]:
    if s is not matched[5]:  # one matched statement without invoices (invoices: [])
        invoice_all(s)

zexpect, zcases = [], []


def zadd(code, sev, s, order, doc, what, status="new"):
    zexpect.append((code, sev, status, s["no"], str(order or ""), str(doc or "")))
    zcases.append((code, sev, status, s["no"], str(order or ""), str(doc or ""), what))


def role(pool, name, where=lambda s: True):
    s = zr.choice([s for s in pool if s["role"] is None and where(s)])
    s["role"] = name
    return s


for s in matched[:2] + unpaid[-2:]:
    s["role"] = "boundary"
multi = lambda s: len(s["orders"]) >= 2  # noqa: E731
quiet = lambda s: s["matched_at"].date() <= zday(10, 27)  # noqa: E731  transfers end before the pending window

# Roles are drawn first; pay records follow, since matchAmount decides them.
short = [role(matched, "short_retention"), role(matched, "short_fee")]
over = [role(matched, "over_order", multi), role(matched, "over_round", lambda s: s["total"] % 100 != 0)]
for s in short:
    s["match"] = s["total"] - (s["total"] * 5 // 100 if s["role"] == "short_retention" else 1500)
over[0]["match"] = over[0]["total"] + over[0]["orders"][-1]["fen"]
over[1]["match"] = over[1]["total"] + 100 - over[1]["total"] % 100
ml_pay_pending = role(matched, "ml_pay_pending")
ml_pay_pending["matched_at"] = zat(zday(10, 31), 9, 16)
for s in matched + [unseen_matched]:
    pay_all(s)

for s in short:
    zadd("PAYMENT_SHORT", "error", s, "", "",
         (f"5% 质保金 retained: matched {yuan(s['match'])} of {yuan(s['total'])}" if s["role"] == "short_retention"
          else f"bank fee 15.00 deducted: matched {yuan(s['match'])} of {yuan(s['total'])}"))
for s, how in zip(over, ("last order paid twice", "rounded up to the yuan")):
    zadd("PAYMENT_OVER", "error", s, "", "", f"{how}: matched {yuan(s['match'])} of {yuan(s['total'])}")

# PAYMENT_MATCH_INCONSISTENT: one pay record each.
s = role(matched, "pmi_sum", lambda s: s["pays"][0]["fen"] >= 20000)
p = s["pays"][0]
parts = [p["fen"] * 3 // 5, p["fen"] - p["fen"] * 3 // 5]
p["transfers"] = [transfer(f, t, s["org"]) for f, t in zip(parts, transfer_times(s, 2))]
p["transfers"][1]["match"] -= 1  # the transfer's total stays: it is simply not fully matched
zadd("PAYMENT_MATCH_INCONSISTENT", "error", s, "", p["id"], "Σ matchAmount is payAmount − 0.01 (two transfers)")
s = role(matched, "pmi_over", lambda s: s["pays"][0]["transfers"][0]["match"] >= 20000)
p = s["pays"][0]
t0 = p["transfers"][0]
t0["total"] = t0["match"] - 10000
zadd("PAYMENT_MATCH_INCONSISTENT", "error", s, "", p["id"],
     f"transfer {t0['vostro']}: matchAmount {yuan(t0['match'])} > totalAmount {yuan(t0['total'])}")
s = role(matched, "pmi_usd")
p = s["pays"][-1]
p["transfers"][-1]["currency"] = "USD"
zadd("PAYMENT_MATCH_INCONSISTENT", "error", s, "", p["id"], f"transfer {p['transfers'][-1]['vostro']} in USD")

# Pay records matched by two transfers are common above; two transfers each split over two pay records of
# different statements (the treasury's 国库集中支付 pays two units' statements in one transfer), clean.
for _ in range(2):
    a, b = (role(matched, "split_transfer", lambda s: len(s["pays"]) == 1 and len(s["pays"][0]["transfers"]) == 1)
            for _ in range(2))
    when = min(a["matched_at"], b["matched_at"]) - timedelta(hours=zr.randint(20, 40))
    assert when > max(a["created"], b["created"])
    ta, tb = a["pays"][0]["transfers"][0], b["pays"][0]["transfers"][0]
    tb["vostro"], tb["match_remark"] = ta["vostro"], ta["match_remark"]
    for t in (ta, tb):
        t["bank"], t["card"], t["owner"], t["remark"] = *TREASURY, "国库集中支付"
    ta["time"] = tb["time"] = when
    ta["total"] = tb["total"] = ta["match"] + tb["match"]

# The ledger as it would be booked: every order at its vendor share, every pay record at payAmount.
for s in zstatements:
    s["ledger_orders"] = [{"id": o["id"], "fen": o["fen"]} for o in s["orders"]]
    s["ledger_pays"] = [{"id": p["id"], "fen": p["fen"], "stmt": s["no"] if zr.random() < 0.85 else ""}
                        for p in s["pays"]]

# MISSING_IN_LEDGER: an order booked together with its neighbour (its amount in the neighbour's row, so
# the statement's Σ still agrees); a one-order statement created 10-30 not booked at all (no row names
# the statement: no AMOUNT_MISMATCH); pay records not booked (one paid 10-30: pending).
s = role(matched, "ml_order", multi)
lo = s["ledger_orders"]
lo[0]["fen"] += lo[1]["fen"]
lo[0]["memo"] = f"含订单 {lo[1]['id']}"
zadd("MISSING_IN_LEDGER", "error", s, lo[1]["id"], "",
     f"booked inside order {lo[0]['id']}'s row (created {s['created']:%m-%d})")
del lo[1]
s = zstatement("未支付", zat(zday(10, 30)), n_orders=1)
unpaid.append(s)
s["role"], s["ledger_orders"], s["ledger_pays"] = "ml_pending", [], []
zadd("MISSING_IN_LEDGER", "info", s, s["orders"][0]["id"], "", "statement created 10-30, its only order not booked yet",
     "pending")
s = role(matched, "ml_pay", quiet)
lp = s["ledger_pays"].pop(0)
p = s["pays"][0]
zadd("MISSING_IN_LEDGER", "error", s, "", lp["id"],
     f"pay record not booked (transfer {max(t['time'] for t in p['transfers']):%m-%d})")
s = ml_pay_pending
p = s["pays"][0]
first = zat(s["created"].date() + timedelta(days=1 + zr.randint(0, max(0, (zday(10, 28) - s["created"].date()).days - 1))), 9, 17)
p["transfers"] = [transfer(f, t, s["org"]) for f, t in zip(split(p["fen"], 2), (first, zat(zday(10, 30), 9, 17)))]
s["ledger_pays"].pop(0)
zadd("MISSING_IN_LEDGER", "info", s, "", p["id"],
     f"pay record not booked; transfers {first:%m-%d} and 10-30 (the latest counts)", "pending")

# MISSING_IN_VENDOR: an order booked over two lines, the second under a mistyped orderId (Σ unchanged).
def typo(n):
    t = str(n)
    for i in range(len(t) - 2, 9, -1):
        if t[i] != t[i + 1]:
            z = int(t[:i] + t[i + 1] + t[i] + t[i + 2:])
            if z not in zids:
                return z
    raise AssertionError(n)


for pool in (matched, unpaid):
    s = role(pool, "miv", lambda s: max(o["fen"] for o in s["orders"]) >= 3000)
    lo = max(s["ledger_orders"], key=lambda o: o["fen"])
    part = lo["fen"] // 3
    lo["fen"] -= part
    z = typo(lo["id"])
    s["ledger_orders"].insert(s["ledger_orders"].index(lo) + 1, {"id": z, "fen": part, "memo": f"接上行 {lo['id']}"})
    zadd("MISSING_IN_VENDOR", "error", s, z, "", f"second line of order {lo['id']} ({yuan(part)}), two digits transposed")

# AMOUNT_MISMATCH: the statement's ledger Σ (0.01 more; 100.00 less), a payment booked 1.00 short.
s = role(unpaid, "am_sum")
s["ledger_orders"][0]["fen"] += 1
zadd("AMOUNT_MISMATCH", "error", s, "", "", f"ledger Σ {yuan(s['total'] + 1)} vs totalAmount {yuan(s['total'])}")
s = role(matched, "am_sum", lambda s: s["ledger_orders"][-1]["fen"] > 10000)
s["ledger_orders"][-1]["fen"] -= 10000
zadd("AMOUNT_MISMATCH", "error", s, "", "", f"ledger Σ {yuan(s['total'] - 10000)} vs totalAmount {yuan(s['total'])}")
s = role(matched, "am_pay")
lp = s["ledger_pays"][0]
lp["fen"] -= 100
lp["stmt"] = ""
zadd("AMOUNT_MISMATCH", "error", s, "", lp["id"],
     f"ledger payment {yuan(lp['fen'])} vs payAmount {yuan(lp['fen'] + 100)} (ledger row without statement_no)")

# INVOICE_AMOUNT_MISMATCH: an invoice leaving out the last order; items off by 1.00 from invoiceAmount.
s = role(unpaid, "inv_sum", lambda s: len(s["orders"]) >= 2)
s["invoices"] = [invoice(s, s["orders"][:-1])]
zadd("INVOICE_AMOUNT_MISMATCH", "error", s, "", "",
     f"invoices {yuan(s['invoices'][0]['fen'])} vs totalAmount {yuan(s['total'])} (last order not invoiced)")
for pool in (matched, unpaid):
    s = role(pool, "inv_items", lambda s: bool(s["invoices"]))
    inv = s["invoices"][-1]
    cat, fen = inv["items"][0]
    inv["items"][0] = (cat, fen + 100)
    zadd("INVOICE_AMOUNT_MISMATCH", "error", s, "", inv["serial"],
         f"items Σ {yuan(inv['fen'] + 100)} vs invoiceAmount {yuan(inv['fen'])}")

for s in overdue:
    s["role"] = "overdue"
    zadd("UNPAID_OVERDUE", "warning", s, "", "", f"未支付 since {s['created']:%Y-%m-%d %H:%M:%S} "
         f"({(END - s['created'].date()).days} days)")
unseen_unpaid["role"] = unseen_matched["role"] = "unseen"
assert all((END - s["created"].date()).days > UNPAID_OVERDUE_DAYS for s in overdue)
assert all((END - s["created"].date()).days <= UNPAID_OVERDUE_DAYS for s in unpaid)
assert sum(1 for s in zstatements if s["status"] == "未支付" and UNPAID_FROM <= s["created"].date()) > 100

# ---------------------------------------------------------------- the zcy ledger rows
def zamount_text(fen):
    r, t = zr.random(), yuan(fen)
    if fen >= 100000 and r < 0.12:
        return f"{fen // 100:,}.{fen % 100:02d}"
    if r < 0.05 or (fen >= 100000 and r < 0.16):
        return f"¥{fen // 100:,}.{fen % 100:02d}"
    return t[:-1] if r > 0.93 and t.endswith("0") else t


def zdate_text(d):
    r = zr.random()
    return f"{d:%Y/%m/%d}" if r < 0.09 else f"{d:%Y%m%d}" if r < 0.15 else d.isoformat()


vouchers = []  # (booked, lines): the orders of a statement share one voucher; each payment has its own
for s in zstatements:
    org = ZORGS[s["org"]][0]
    if s["ledger_orders"]:
        booked = min(s["created"].date() + timedelta(days=zr.randint(0, 2)), END)
        vouchers.append((booked, [("order", o["id"], s["no"], o["fen"], f"政采云 {org} {s['theme']} " + o.get("memo", "订单"))
                                  for o in s["ledger_orders"]]))
    for lp in s["ledger_pays"]:
        p = next(p for p in s["pays"] if p["id"] == lp["id"])
        booked = min(max(t["time"] for t in p["transfers"]).date() + timedelta(days=zr.randint(0, 1)), END)
        vouchers.append((booked, [("payment", lp["id"], lp["stmt"], lp["fen"], f"政采云回款 {org}")]))
vouchers.sort(key=lambda v: v[0])  # stable: generation order within a day
zledger_rows = []
for n, (booked, lines) in enumerate(vouchers, len(ledger) + 1):
    for k, (kind, doc, stmt_no, fen, memo) in enumerate(lines, 1):
        zledger_rows.append([f"PZ{booked:%Y%m}{n:04d}-{k:02d}", "zcy", kind, str(doc), stmt_no, "", zamount_text(fen),
                             "" if zr.random() < 0.1 else "CNY", zdate_text(booked)] + [""] * 6 + [memo])
assert len({r[0] for r in zledger_rows}) == len(zledger_rows)


def zstatement_json(s):
    org = ZORGS[s["org"]]
    invoices_ = [{"serialNo": i["serial"], "invoiceType": i["type"], "invoiceTitle": i["title"],
                  "invoiceAmount": i["fen"], "postAddr": i["addr"], "postContact": i["contact"],
                  "postContactPhone": i["phone"], "orders": [{"orderId": o} for o in i["orders"]],
                  "items": [{"category": c, "amount": f} for c, f in i["items"]]} for i in s["invoices"]]
    j = {"statementId": s["id"], "statementNo": s["no"], "statementName": s["name"], "totalAmount": s["total"],
         "matchAmount": s["match"], "status": s["status"], "createAt": f"{s['created']:%Y-%m-%d %H:%M:%S}",
         "purchaserOrgName": org[0], "districtName": org[1], "orders": [{"orderId": o["id"]} for o in s["orders"]],
         "invoices": invoices_}
    if s["status"] == "已匹配":
        j["payRecords"] = [{"payId": p["id"], "payer": p["payer"], "payBankName": p["bank"], "payBankCardNo": p["card"],
                            "payAmount": p["fen"], "payRemark": p["remark"], "matchVostro": [
                                {"vostroNo": t["vostro"], "payerBankName": t["bank"], "payerBankCardNo": t["card"],
                                 "payerCardOwnerName": t["owner"], "payeeBankCardNo": SUPPLIER_ACCOUNT,
                                 "payeeCardOwnerName": SUPPLIER, "totalAmount": t["total"], "matchAmount": t["match"],
                                 "matchRemark": t["match_remark"], "currency": t["currency"],
                                 "transferTime": f"{t['time']:%Y-%m-%d %H:%M:%S}", "transferRemark": t["remark"]}
                                for t in p["transfers"]]} for p in s["pays"]]
    return j


# ---------------------------------------------------------------- writing
def statement_json(s):
    st, q = s["style"], s["qty_float"]
    qty = lambda n: Raw(f"{n}.0" if n % 2 else f"{n}.00") if q else Raw(str(n))  # noqa: E731
    ret = lambda f: Raw("0") if f == 0 else amount_token(yuan(f), st)  # noqa: E731
    total = sum(o["amount"] - o["ret"] for o in s["lines"]) + s["total_delta"]
    items = lambda o: [{"sku": SKU[it["name"]], "skuName": it["name"],  # noqa: E731
                        "price": amount_token(price_text(it["price"]), st), "num": qty(it["num"]),
                        "returnNum": qty(it["ret"]), "totalPrice": amount_token(yuan(it["total"]), st)}
                       for it in o["items"]]
    details = [{"orderCode": o["code"], "orderAmount": amount_token(yuan(o["amount"]), st),
                "returnAmount": ret(o["ret"]), "orderCreateTime": f"{o['created']:%Y-%m-%d %H:%M:%S}",
                "orderEndTime": f"{o['ended']:%Y-%m-%d %H:%M:%S}", "statementOrderItems": items(o)} for o in s["lines"]]
    ext = [("对账单位编码", "billCompanyCode", s["unit"]), ("对账年份", "billYear", "2026"),
           ("对账月份", "billMonth", "10"), ("账单起始日期", "billStartDate", s["start"].isoformat()),
           ("账单截至日期", "billEndDate", s["end"].isoformat()), ("账期节约金额", "billSavePrice", yuan(s["save"]))]
    return {"statementNo": s["no"], "totalAmount": amount_token(yuan(total), st), **INFO[s["comp"]],
            "reason": None, "statementDetails": details,
            "statementExtends": [{"columnName": a, "columnKey": b, "columnValue": c} for a, b, c in ext]}


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def csv_text(header, rows):
    b = io.StringIO()
    cw = csv.writer(b, lineterminator="\n")
    cw.writerow(header)
    cw.writerows(rows)
    return b.getvalue()


shutil.rmtree(OUT / "huadian", ignore_errors=True)
for s in statements:
    write(OUT / "huadian" / "statements" / f"{s['no']}.json", dump(statement_json(s)) + "\n")
write(OUT / "huadian" / "packages.json", dump(packages) + "\n")
write(OUT / "huadian" / "invoices.json", dump(invoices) + "\n")
write(OUT / "huadian" / "messages.json", dump([{"id": m["id"], "type": m["type"], "time": f"{m['time']:%Y-%m-%d %H:%M:%S}",
                                               "result": m["result"]} for m in messages]) + "\n")
shutil.rmtree(OUT / "zcy", ignore_errors=True)
for s in zstatements:
    write(OUT / "zcy" / "statements" / f"{s['no']}.json", dump(zstatement_json(s)) + "\n")
write(OUT / "zcy" / "matched_at.json", dump({s["no"]: f"{s['matched_at']:%Y-%m-%d %H:%M:%S}"
                                             for s in sorted(zstatements, key=lambda s: s["no"]) if s["matched_at"]}) + "\n")
write(OUT / "ledger.csv", csv_text(COLUMNS, ledger_rows + zledger_rows))  # zcy after huadian: line numbers hold
write(OUT / "expected.csv", csv_text(["code", "severity", "status", "statement_no", "order_no", "doc_no"],
                                     sorted(expect + zexpect, key=lambda e: (e[0], e[3], e[4], e[5]))))
write(OUT / "expected_input_errors.csv", csv_text(["source", "line", "field"], [
    ["ledger.csv", bad_amount["line"], "amount"], ["ledger.csv", bad_date["line"], "booked_on"]]))

# ---------------------------------------------------------------- README
def zcy_readme():
    seen_unpaid = [s for s in zstatements if s["status"] == "未支付" and UNPAID_FROM <= s["created"].date()]
    seen_matched = [s for s in zstatements if s["status"] == "已匹配" and START <= s["matched_at"].date() <= END]
    pays = [p for s in zstatements for p in s["pays"]]
    two = sum(1 for p in pays if len(p["transfers"]) == 2)
    rows = "\n".join(f"| {c} | {sev} | {st} | {sn} | {on} | {dn} | {what} |"
                     for c, sev, st, sn, on, dn, what in sorted(zcases, key=lambda c: (c[0], c[3], c[4], c[5])))
    split_vostros = sorted({t["vostro"] for s in zstatements for p in s["pays"] for t in p["transfers"]
                            if t["owner"] == TREASURY[2]})
    return f"""
## zcy (政采云)

The same run: **2026-10-01..2026-10-31**, `pending_days = 3`, `tolerance = "0.00"`,
`unpaid_overdue_days = 30`, `unpaid_lookback_days = 90`. Money is integer fen (分) in the vendor data.

| path | what |
|---|---|
| `zcy/statements/<statementNo>.json` | one statement object exactly as an element of `data_response.data` of QuerySupplierStatements (seed 003): `statementId`, `statementNo`, `statementName`, `totalAmount`, `matchAmount`, `status`, `createAt`, `purchaserOrgName`, `districtName`, `orders`, `invoices`, and `payRecords` on 已匹配 only |
| `zcy/matched_at.json` | `{{"<statementNo>": "yyyy-MM-dd HH:mm:ss"}}`: when matching completed, for every 已匹配 statement; the 已匹配 query filters on it, it is not part of the answer |

### What the run's queries see

- 已匹配 over matched_at ∈ [2026-10-01 00:00:00, 2026-10-31 23:59:59]: {len(seen_matched)} statements
  (two exactly at 10-01 00:00:00 and 10-31 23:59:59: {", ".join(f"`{s['no']}`" for s in matched[:2])}).
- 未支付 over createAt ∈ [2026-07-03 00:00:00, 2026-10-31 23:59:59] (90 days before the range): {len(seen_unpaid)}
  statements — two pages at pageSize 100. {len(seen_unpaid) - len(overdue)} were created in October (10-01 00:00:00 and
  10-31 23:59:59 among them: 10-31 − 10-01 is 30 days, not more than 30, so not overdue), {len(overdue)} before it (overdue).
- Never seen (no row about them, though the ledger books them): `{unseen_unpaid['no']}` (未支付, created
  2026-07-02 23:59:59, one second before the lookback) and `{unseen_matched['no']}` (已匹配, matched 2026-09-30 23:59:59).

{len(zstatements)} statements, {sum(len(s['orders']) for s in zstatements)} orders,
{sum(len(s['invoices']) for s in zstatements)} invoices, {len(pays)} pay records ({two} matched by two transfers).
Two transfers ({", ".join(f"`{v}`" for v in split_vostros)}) are each split over the pay records of two statements
(the treasury's 国库集中支付 paying two units at once): each matches a part, Σ parts = the transfer's totalAmount.
Everything not listed below is clean: the ledger's `order` rows naming a statement sum to its totalAmount, every
orderId and payId is booked, each payment at payAmount; Σ invoiceAmount = totalAmount and each invoice's Σ items =
invoiceAmount (or `invoices: []`); on 已匹配, matchAmount = totalAmount = Σ payAmount, each pay record's Σ
matchAmount = payAmount, every transfer within its totalAmount, currency CNY.

### Injected discrepancies (zcy)

| code | severity | status | statement_no | order_no | doc_no | how |
|---|---|---|---|---|---|---|
{rows}

One injection, one row — how each is kept from spilling into another code:
- zcy gives no per-order amount, so the ledger's order rows of a statement are compared only as a sum. A missing
  order is therefore booked inside its neighbour's row (the sum still agrees), or belongs to a statement no ledger
  row names (no AMOUNT_MISMATCH without a row); a MISSING_IN_VENDOR order is the second line of a real order
  split over two ledger lines, so the sum again agrees.
- A pay record's date for the pending window is the latest transferTime of its matchVostro: the pending payId has
  transfers on two days, the later one 10-30; the other missing payId's transfers end before 10-28.
- AMOUNT_MISMATCH of a payment names the statement holding the pay record; that ledger row has no statement_no.
- PAYMENT_SHORT / PAYMENT_OVER statements' pay records are consistent in themselves (Σ payAmount = matchAmount).
- PAYMENT_MATCH_INCONSISTENT statements keep matchAmount = totalAmount; only one pay record is spoiled.
- UNPAID_OVERDUE is measured from the run's end date 2026-10-31 to the createAt date: 07-03 00:00:00 (the query's
  first second) and 09-30 23:59:59 (31 days) are both overdue; their ledger rows are booked in July–September and
  match (the checks join the ledger regardless of booked_on).

### Quirks

- `statementId`, `orders[].orderId`: 19-digit JSON numbers written as digits (none is a double: read through f64
  they change); `statementNo` is the same digits as a string; `payId` a 13-digit number; `serialNo` a string,
  `F0…` or all digits (`4004…`); `vostroNo`, bank card numbers strings.
- All amounts (`totalAmount`, `matchAmount`, `invoiceAmount`, `items[].amount`, `payAmount`, `totalAmount` and
  `matchAmount` of transfers) are integer fen; the ledger holds yuan.
- 未支付 statements carry `matchAmount: 0` and no `payRecords` key; some statements have `invoices: []`
  (e.g. `{matched[5]['no']}`, 已匹配).
- ledger.csv zcy rows: vouchers `PZ<yyyymm><n>-<line>` (numbers continue after huadian's 485; the orders of one
  statement are the lines of one voucher, a payment a voucher of its own); `doc_no` = orderId / payId as text;
  some payment rows leave `statement_no` empty; amounts and dates in the same forms as the huadian rows.
"""


def styled(pred):
    return ", ".join(f"`{s['no']}`" for s in statements if pred(s)) or "none"


case_rows = "\n".join(f"| {c} | {sev} | {st} | {sn or ''} | {on or ''} | {dn or ''} | {what} |"
                      for c, sev, st, sn, on, dn, what in sorted(cases, key=lambda c: (c[0], c[3], c[4], c[5])))
n_orders = len({o["code"] for o in orders})
readme = f"""# sample-data — the bundled demo month (huadian, zcy)

Generated by `scripts/make_sample_data.py` (standard library, seed {SEED}); do not edit by hand.
Regenerate with `python3 scripts/make_sample_data.py` — the output is byte-identical on every run.

`recon demo` serves this folder with the built-in sandbox and reconciles **2026-10-01..2026-10-31**
(`pending_days = 3`, `tolerance = "0.00"`): the pending window is 2026-10-29..2026-10-31.

| path | what |
|---|---|
| `huadian/statements/<statementNo>.json` | {len(statements)} statements (对账单), {n_orders} orders; one `result` element each (seed §1, extends §7) |
| `huadian/packages.json` | packages by orderId (state 0 已发货, 1 拒收, 2 签收) |
| `huadian/invoices.json` | e-invoices by `billNo/billRowNo` |
| `huadian/messages.json` | {len(messages)} messages 303/304/702, ids from 134420 |
| `zcy/statements/<statementNo>.json` | {len(zstatements)} zcy statements (结算单), one `data_response.data` element each (see [zcy](#zcy-政采云)) |
| `zcy/matched_at.json` | when matching completed, for every 已匹配 statement |
| `ledger.csv` | the company's ledger: {len(ledger)} rows of vendor `huadian`, then {len(zledger_rows)} of vendor `zcy`; SPEC §4 columns |
| `expected.csv` | the {len(expect) + len(zexpect)} discrepancies the demo must report ({len(expect)} huadian, {len(zexpect)} zcy; `code,severity,status,statement_no,order_no,doc_no`) |
| `expected_input_errors.csv` | the 2 ledger rows that cannot be read (`source,line,field`) |

Billing periods: 旬 (10-01..10-10, 10-11..10-20, 10-21..10-31), half months, the calendar month,
and 09-26..10-25; two supplementary statements (补充对账单) cover 10-01..10-31.
Everything not listed below is clean: ledger amount = `orderAmount`, price × num = totalPrice,
Σ items = orderAmount, totalAmount = Σ(orderAmount − returnAmount), orderEndTime inside the period,
every billed order has a signed package, every returnAmount is booked as refunds.

## Injected discrepancies

| code | severity | status | statement_no | order_no | doc_no | how |
|---|---|---|---|---|---|---|
{case_rows}

Choices the expected rows rely on (SPEC §6):
- an order booked twice is compared row by row: each row equals `orderAmount`, so only DUPLICATE_IN_LEDGER;
- DUPLICATE_BILLING names the later statement: later billEndDate, then the greater number (the month case is a tie);
- DUPLICATE_IN_LEDGER keys only order_no (orders) or doc_no (the invoice row): no statement_no;
- 10-28 is outside the pending window (end − 3 < date), so that MISSING_IN_LEDGER order is `error`/`new`;
- packages `[2, 0]` (one signed) are not UNDELIVERED_BILLED ("none in state 2");
- messages: the latest per document wins (an invoice refused, then delivered, is not reported);
- the ledger order naming `{ghost}` gets 5004 (fetched, empty) → MISSING_IN_VENDOR;
- the two ledger refunds of refused applications have no statement_no (September orders, not on any fetched statement).

## Quirks and where

- Amounts as JSON strings (`"25.68"`): {styled(lambda s: s['style'] == 'string')}.
- Amounts always with two decimals (`36.00`): {styled(lambda s: s['style'] == 'fixed2')}.
- Amounts without trailing zeros (`36`, `12.5`): {styled(lambda s: s['style'] == 'plain')}; the rest as a double prints them (`36.0`).
- `num` / `returnNum` as `3.0` / `3.00`: {styled(lambda s: s['qty_float'])}.
- `returnAmount` 0 is the integer `0` everywhere (also in string statements); `invoiceType` is an int; `reason` is null.
- Prices with three decimals: {"; ".join(f"`{o['code']}` {o['note_quirk']}" for o in orders if o.get("note_quirk"))} (half-up: clean).
- Orders ending exactly at a period's first second or at 23:59:59 of its last day (clean): first two lines of {styled(lambda s: s in BOUNDARY)}.
- packages.json: some `state` values are ints; one order with `[]`, one absent.
- ledger.csv: amounts as `1234.50`, `1234.5`, `1,234.50`, `¥1,234.50`, one refund as `-…` (absolute value);
  dates as `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`; some rows with an empty currency (CNY);
  two partial refunds of one order (line_no 1 and 2) for `{returned[0]['code']}`.
- Unreadable rows (→ input_errors.csv): line {bad_amount['line']} amount `1O5.00`, line {bad_date['line']} booked_on `2026-10-32`.
""" + zcy_readme()
write(OUT / "README.md", readme)
print(f"sample-data: huadian {len(statements)} statements, {n_orders} orders, {len(ledger)} ledger rows, "
      f"{len(expect)} expected; zcy {len(zstatements)} statements, {len(zledger_rows)} ledger rows, {len(zexpect)} expected")
