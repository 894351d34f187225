//! A synthetic huadian workload of any size, for benchmarks and end-to-end runs
//! (`recon sandbox --generate DIR --orders N`).
//!
//! Statements of 100 orders (1–3 items each, amounts in exact fen written as
//! 2-decimal JSON numbers from 0.01 to 99,999.99, Chinese sku names), billed per
//! 旬 (ten days) of 2026, and a ledger with one `order` row per order plus a
//! `refund` row for every return. About 1.5% of the orders carry one injected
//! discrepancy of six codes; `expected.csv` lists exactly what a run over
//! 2026-01-01..2026-12-31 must report. Nothing else is wrong: every order ends
//! inside its billing period and at least three days before the year's end (out
//! of the pending window), every return is booked.
//!
//! Everything is a pure function of (seed, order count, index), so the output is
//! the same byte for byte whatever the number of threads writing it.
//!
//! How each injection is kept to its own code (see `reconcile/huadian.rs`):
//! - MISSING_IN_LEDGER: the order's ledger `order` row is left out (a return keeps
//!   its `refund` row, which matches returnAmount).
//! - MISSING_IN_VENDOR: an extra ledger `order` row with a fresh order number,
//!   naming the statement of the carrier order.
//! - AMOUNT_MISMATCH: the ledger amount differs from orderAmount.
//! - DUPLICATE_BILLING: the order is billed again, unchanged, on another statement
//!   of the same billing period (so neither occurrence is out of period), whose
//!   totalAmount includes it; the report names the later statement (same
//!   billEndDate, so the greater number). The ledger row names the original one.
//! - STATEMENT_TOTAL_MISMATCH: only the statement's totalAmount is raised.
//! - LINE_TOTAL_MISMATCH: one item's totalPrice differs from price × num, and
//!   orderAmount is Σ totalPrice (and the ledger books that orderAmount), so the
//!   order has exactly one occurrence.

use anyhow::{bail, Context};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Orders per statement (the last statement takes the remainder).
pub const ORDERS_PER_STATEMENT: u64 = 100;
/// Injected orders per 10,000.
const INJECT_PER_10K: u64 = 150;
/// Orders with a return per 10,000.
const RETURN_PER_10K: u64 = 300;
/// The year billed; the run covering it is 2026-01-01..2026-12-31.
const YEAR: i32 = 2026;
/// Orders end on or before this day, out of the default 3-day pending window.
const LAST_ORDER_DAY: (u32, u32) = (12, 28);

/// What to write where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// `<dir>/huadian/statement/<no>.json`: the API's bodies as `recon run`
    /// archives them, for `recon reconcile --archive <dir>`.
    Archive,
    /// `<dir>/huadian/statements/<no>.json` (one `result` element each), packages
    /// (all signed), invoices and messages: a data folder for `recon sandbox --data`.
    Sandbox,
}

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Output folder; must be empty or absent.
    pub dir: PathBuf,
    /// Number of distinct orders billed (≥ 1).
    pub orders: u64,
    pub seed: u64,
    pub layout: Layout,
    /// Writer threads (0 = available parallelism); the output does not depend on it.
    pub threads: usize,
}

/// The discrepancy codes injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Injected {
    MissingInLedger,
    MissingInVendor,
    AmountMismatch,
    DuplicateBilling,
    StatementTotalMismatch,
    LineTotalMismatch,
}

impl Injected {
    pub const ALL: [Injected; 6] = [
        Injected::MissingInLedger,
        Injected::MissingInVendor,
        Injected::AmountMismatch,
        Injected::DuplicateBilling,
        Injected::StatementTotalMismatch,
        Injected::LineTotalMismatch,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Injected::MissingInLedger => "MISSING_IN_LEDGER",
            Injected::MissingInVendor => "MISSING_IN_VENDOR",
            Injected::AmountMismatch => "AMOUNT_MISMATCH",
            Injected::DuplicateBilling => "DUPLICATE_BILLING",
            Injected::StatementTotalMismatch => "STATEMENT_TOTAL_MISMATCH",
            Injected::LineTotalMismatch => "LINE_TOTAL_MISMATCH",
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    pub statements: u64,
    /// Distinct orders billed.
    pub orders: u64,
    /// Statement lines (orders + duplicate billings).
    pub lines: u64,
    pub ledger_rows: u64,
    /// Rows of expected.csv by code.
    pub expected: BTreeMap<&'static str, u64>,
    pub bytes: u64,
}

// ---------------------------------------------------------------------------
// Randomness: splitmix64, seeded per (stream, index) so any order can be made
// on its own.

const STREAM_PLAN: u64 = 1;
const STREAM_ORDER: u64 = 2;
const STREAM_LEDGER: u64 = 3;
const STREAM_STATEMENT: u64 = 4;

fn fmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(fmix(
            seed ^ fmix(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ fmix(index)),
        ))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        fmix(self.0)
    }

    /// Uniform in `0..n` (n ≥ 1); the modulo bias is irrelevant here.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Log-uniform integer in `1..=max`: as many small amounts as large ones.
    fn log_uniform(&mut self, max: i64) -> i64 {
        let v = ((max as f64).ln() * self.unit()).exp() as i64;
        v.clamp(1, max)
    }
}

// ---------------------------------------------------------------------------
// Fixed pools

const SKUS: [&str; 48] = [
    "得力 7102 固体胶 21g/支 12支/盒",
    "得力 0012 订书钉 24/6 1000枚/盒",
    "得力 0414 订书机 12号 可订20页",
    "晨光 K35 按动中性笔 0.5mm 黑色 12支/盒",
    "齐心 A4 复印纸 70g 500张/包 8包/箱",
    "得力 7401 A4 复印纸 80g 500张/包 5包/箱",
    "惠普 HP CF230A 黑色硒鼓 适用M203/M227",
    "惠普 HP 803 墨盒 黑色",
    "兄弟 TN-2325 粉盒 黑色",
    "得力 5302 文件盒 A4 55mm 蓝色",
    "齐心 A1250 拉杆夹 A4 白色 10个/包",
    "3M 报事贴 654 便利贴 76×76mm 黄色 100页/本",
    "得力 DL-1600 计算器 12位 桌面型",
    "晨光 MG-2180 白板笔 黑色 10支/盒",
    "得力 8552 剪刀 170mm 不锈钢",
    "得力 50011 牛皮纸档案袋 A4 250g 50个/包",
    "飞利浦 LED 灯管 T8 1.2米 16W 冷白光",
    "公牛 GN-H3030 插座 3孔+3位 3米",
    "罗技 M185 无线鼠标 黑色",
    "闪迪 SDCZ48 U盘 64GB USB3.0",
    "农夫山泉 饮用天然水 550ml×24瓶/箱",
    "维达 V2239 抽纸 3层 130抽×24包/箱",
    "清风 B338 卷纸 4层 140g×27卷/提",
    "蓝月亮 洗手液 500g/瓶",
    "3M 9502+ KN95 防护口罩 耳带式 50只/盒",
    "霍尼韦尔 H99 安全帽 ABS 红色",
    "代尔塔 201151 丁腈涂层防护手套 10副/包",
    "双安 YS101-06-03 带电作业绝缘手套 12kV",
    "世达 09069 活动扳手 12寸",
    "世达 62502 一字螺丝刀 6×150mm",
    "史丹利 STHT33989 钢卷尺 5m",
    "正泰 DZ47-63 C32 小型断路器 2P",
    "施耐德 iC65N C16A 2P 微型断路器",
    "WD-40 除锈润滑剂 350ml",
    "得力 DL4501 电工胶带 PVC 18mm×10m 黑色 10卷/筒",
    "福禄克 Fluke 15B+ 数字万用表",
    "神火 C8 强光手电筒 可充电",
    "固特 GT-5 反光背心 荧光黄",
    "金佰利 94139 工业擦拭纸 卷式",
    "力易得 不锈钢扎带 4.6×300mm 100条/包",
    "美孚 DTE 25 抗磨液压油 18L/桶",
    "长城 L-CKC220 工业齿轮油 18L/桶",
    "南孚 LR6 5号碱性电池 4粒/卡",
    "安全警示带 黄黑 50m/卷",
    "欧普 LED 吸顶灯 24W 圆形",
    "雷士 NVC LED 投光灯 100W",
    "得力 9546 彩色回形针 28mm 按枚计价",
    "晨光 AGR640A3 中性笔芯 0.5mm 黑色 按支计价",
];

/// (companyName, taxpayerNo, invoicePhone, invoiceAddress, bank, bankAccount,
/// receiverName, receiverPhone, billCompanyCode)
type Company = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const COMPANIES: [Company; 6] = [
    (
        "华电九江热电有限公司",
        "91183128MA31A35688",
        "0792-6813353",
        "江西省九江市柴桑区赤湖工业园大道188号",
        "中国工商银行九江分行营业部",
        "1507210109000506662",
        "刘建国",
        "15970024806",
        "1101",
    ),
    (
        "华电望城检修工程有限公司",
        "91500420MA75J32589",
        "0731-8801275",
        "湖南省长沙市望城区高塘岭街道郭亮北路301号",
        "交通银行长沙望城支行",
        "4318990100180021473",
        "陈静",
        "13787310952",
        "1102",
    ),
    (
        "华电江陵燃机发电有限公司",
        "91741794MA36A02925",
        "0716-4721806",
        "湖北省荆州市江陵县郝穴镇江汉路9号",
        "中国银行荆州分行",
        "5617730012845190",
        "王海燕",
        "18672133570",
        "1103",
    ),
    (
        "华电湘潭新能源有限公司",
        "91780004MA87J94129",
        "0731-5846473",
        "湖南省湘潭市岳塘区宝塔街道双拥路26号",
        "中国建设银行湘潭分行",
        "1994936219578414653",
        "周晓燕",
        "18600381353",
        "1201",
    ),
    (
        "华电滨海发电有限公司",
        "91436180MA33H32199",
        "0515-8418620",
        "江苏省盐城市滨海县八巨镇港城大道88号",
        "中国工商银行滨海支行",
        "1109532019100127735",
        "张伟",
        "13905105588",
        "1202",
    ),
    (
        "华电青山风电有限公司",
        "91149505MA85K34122",
        "0472-5127731",
        "内蒙古自治区包头市青山区建设路56号",
        "中国农业银行包头青山支行",
        "0560120104000335781",
        "赵磊",
        "13847237016",
        "1203",
    ),
];

const NUMS: [i64; 12] = [1, 1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20];

// ---------------------------------------------------------------------------
// The plan: which order carries what, which statement bills it again.

/// A billing period (旬) of the year.
#[derive(Debug, Clone, Copy)]
struct Period {
    start: NaiveDate,
    end: NaiveDate,
    /// Last day an order of this period may end (the pending window kept clear).
    last_order: NaiveDate,
}

fn ymd(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, m, d).expect("a valid day of the year")
}

/// The `k`-th of the year's 36 旬: 1–10, 11–20, 21–end of each month.
fn tenth(k: u64) -> Period {
    let month = (k / 3) as u32 + 1;
    let (start, end) = match k % 3 {
        0 => (ymd(month, 1), ymd(month, 10)),
        1 => (ymd(month, 11), ymd(month, 20)),
        _ => {
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(YEAR + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(YEAR, month + 1, 1)
            }
            .expect("a valid day");
            (ymd(month, 21), next - Duration::days(1))
        }
    };
    let cap = ymd(LAST_ORDER_DAY.0, LAST_ORDER_DAY.1);
    Period {
        start,
        end,
        last_order: end.min(cap),
    }
}

struct Plan {
    seed: u64,
    orders: u64,
    statements: u64,
    periods: Vec<Period>,
    /// statementNo by statement index.
    statement_nos: Vec<String>,
    /// The code each order carries, if any.
    injected: Vec<Option<Injected>>,
    /// Orders billed again on each statement (by statement index).
    rebilled: Vec<Vec<u64>>,
}

impl Plan {
    fn new(seed: u64, orders: u64) -> Plan {
        let statements = orders.div_ceil(ORDERS_PER_STATEMENT);
        let n_periods = (statements / 2).clamp(1, 36);
        let periods: Vec<Period> = (0..n_periods).map(|p| tenth(p * 36 / n_periods)).collect();
        let mut plan = Plan {
            seed,
            orders,
            statements,
            periods,
            statement_nos: Vec::new(),
            injected: Vec::with_capacity(orders as usize),
            rebilled: vec![Vec::new(); statements as usize],
        };
        plan.statement_nos = (0..statements)
            .map(|s| {
                let end = plan.period_of(s).end;
                let tag = (s as u32).wrapping_mul(0x9E37_79B1) ^ (fmix(seed) as u32);
                format!(
                    "CG{:04}{:02}{:02}{tag:08X}",
                    end.year(),
                    end.month(),
                    end.day()
                )
            })
            .collect();
        for i in 0..orders {
            let mut r = Rng::new(seed, STREAM_PLAN, i);
            let code = (r.below(10_000) < INJECT_PER_10K)
                .then(|| Injected::ALL[r.below(Injected::ALL.len() as u64) as usize]);
            if code == Some(Injected::DuplicateBilling) {
                let to = plan.rebill_target(i / ORDERS_PER_STATEMENT);
                plan.rebilled[to as usize].push(i);
            }
            plan.injected.push(code);
        }
        plan
    }

    fn period_of(&self, statement: u64) -> Period {
        self.periods[(statement % self.periods.len() as u64) as usize]
    }

    /// Another statement of the same period (the same one when there is none).
    fn rebill_target(&self, s: u64) -> u64 {
        let p = self.periods.len() as u64;
        if s + p < self.statements {
            s + p
        } else if s >= p {
            s - p
        } else {
            s
        }
    }

    fn orders_of(&self, s: u64) -> std::ops::Range<u64> {
        s * ORDERS_PER_STATEMENT..((s + 1) * ORDERS_PER_STATEMENT).min(self.orders)
    }

    /// Order numbers: `D` + yymmdd + 11 digits from a bijection of the index, so
    /// they never collide (fresh numbers for MISSING_IN_VENDOR use indices ≥ orders).
    fn order_no(&self, index: u64, day: NaiveDate) -> String {
        const M: u128 = 100_000_000_000;
        let n = (index as u128 * 6_364_136_223 + (fmix(self.seed) as u128 % M)) % M;
        format!(
            "D{:02}{:02}{:02}{n:011}",
            day.year() % 100,
            day.month(),
            day.day()
        )
    }
}

// ---------------------------------------------------------------------------
// Orders

struct Item {
    sku: usize,
    price: i64,
    num: i64,
    return_num: i64,
    total: i64,
}

struct Order {
    no: String,
    created: NaiveDateTime,
    ended: NaiveDateTime,
    items: Vec<Item>,
    amount: i64,
    returned: i64,
}

/// Order `index` as the vendor bills it (the same on every statement billing it).
fn make_order(plan: &Plan, index: u64) -> Order {
    let mut r = Rng::new(plan.seed, STREAM_ORDER, index);
    let period = plan.period_of(index / ORDERS_PER_STATEMENT);
    let span = (period.last_order - period.start).num_days();
    let end_day = period.start + Duration::days(r.range(0, span));
    let ended = end_day.and_hms_opt(0, 0, 0).expect("midnight exists")
        + Duration::seconds(r.range(0, 86_399));
    let created = ended - Duration::seconds(r.range(3_600, 10 * 86_400));
    let n_items = r.range(1, 3);
    let mut items: Vec<Item> = (0..n_items)
        .map(|_| {
            let num = NUMS[r.below(NUMS.len() as u64) as usize];
            let price = r.log_uniform(9_999_999 / (num * n_items));
            Item {
                sku: r.below(SKUS.len() as u64) as usize,
                price,
                num,
                return_num: 0,
                total: price * num,
            }
        })
        .collect();
    let mut returned = 0;
    if r.below(10_000) < RETURN_PER_10K {
        let k = r.below(items.len() as u64) as usize;
        let it = &mut items[k];
        it.return_num = r.range(1, it.num);
        returned = it.price * it.return_num;
    }
    if plan.injected[index as usize] == Some(Injected::LineTotalMismatch) {
        let k = r.below(items.len() as u64) as usize;
        let it = &mut items[k];
        let d = r.range(1, 10_000);
        it.total = if it.total > d && r.below(2) == 0 {
            it.total - d
        } else {
            it.total + d
        };
    }
    let amount = items.iter().map(|i| i.total).sum();
    Order {
        no: plan.order_no(index, created.date()),
        created,
        ended,
        items,
        amount,
        returned,
    }
}

// ---------------------------------------------------------------------------
// Text

fn push_fen(out: &mut String, fen: i64) {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:02}", a / 100, a % 100);
}

fn push_date(out: &mut String, d: NaiveDate) {
    let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

fn push_time(out: &mut String, t: NaiveDateTime) {
    push_date(out, t.date());
    let _ = write!(out, " {:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
}

fn push_line(out: &mut String, o: &Order) {
    out.push_str("{\"orderCode\":\"");
    out.push_str(&o.no);
    out.push_str("\",\"orderAmount\":");
    push_fen(out, o.amount);
    out.push_str(",\"returnAmount\":");
    if o.returned == 0 {
        out.push('0');
    } else {
        push_fen(out, o.returned);
    }
    out.push_str(",\"orderCreateTime\":\"");
    push_time(out, o.created);
    out.push_str("\",\"orderEndTime\":\"");
    push_time(out, o.ended);
    out.push_str("\",\"statementOrderItems\":[");
    for (j, it) in o.items.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"sku\":\"{}\",\"skuName\":\"{}\",\"price\":",
            1_365_001 + 113 * it.sku,
            SKUS[it.sku]
        );
        push_fen(out, it.price);
        let _ = write!(
            out,
            ",\"num\":{},\"returnNum\":{},\"totalPrice\":",
            it.num, it.return_num
        );
        push_fen(out, it.total);
        out.push('}');
    }
    out.push_str("]}");
}

/// One statement object (an element of `result`) billing `own` (its orders, in
/// index order from `plan.orders_of(s)`) and the orders billed again on it; pushes
/// its expected rows and returns its number of lines.
fn statement_json(
    plan: &Plan,
    s: u64,
    own: &[Order],
    out: &mut String,
    expected: &mut Vec<ExpectedRow>,
) -> u64 {
    let no = &plan.statement_nos[s as usize];
    let period = plan.period_of(s);
    let mut r = Rng::new(plan.seed, STREAM_STATEMENT, s);
    let c = COMPANIES[r.below(COMPANIES.len() as u64) as usize];
    let again: Vec<(u64, Order)> = plan.rebilled[s as usize]
        .iter()
        .map(|&i| (i, make_order(plan, i)))
        .collect();
    let mut net = 0i64;
    let mut total_off = 0i64;
    for (i, o) in plan.orders_of(s).zip(own) {
        net += o.amount - o.returned;
        match plan.injected[i as usize] {
            Some(Injected::StatementTotalMismatch) => {
                total_off += Rng::new(plan.seed, STREAM_STATEMENT, i | 1 << 62).range(1, 10_000)
            }
            Some(Injected::DuplicateBilling) => {
                // Same billEndDate: the later statement is the greater number.
                let other = &plan.statement_nos[plan.rebill_target(s) as usize];
                if other <= no {
                    expected.push(ExpectedRow::new(Injected::DuplicateBilling, no, &o.no));
                }
            }
            Some(Injected::MissingInVendor) => {
                let fresh = plan.order_no(plan.orders + i, o.ended.date());
                expected.push(ExpectedRow::new(Injected::MissingInVendor, no, &fresh));
            }
            Some(code) => expected.push(ExpectedRow::new(code, no, &o.no)),
            None => {}
        }
    }
    for (i, o) in &again {
        net += o.amount - o.returned;
        let from = &plan.statement_nos[(i / ORDERS_PER_STATEMENT) as usize];
        if from < no {
            expected.push(ExpectedRow::new(Injected::DuplicateBilling, no, &o.no));
        }
    }
    if total_off != 0 {
        expected.push(ExpectedRow::new(Injected::StatementTotalMismatch, no, ""));
    }
    let save = r.range(0, 500_000);
    out.push_str("{\"statementNo\":\"");
    out.push_str(no);
    out.push_str("\",\"totalAmount\":");
    push_fen(out, net + total_off);
    let _ = write!(
        out,
        ",\"taxpayerNo\":\"{tax}\",\"invoiceTitle\":\"{name}\",\"invoiceType\":1,\
\"invoicePhone\":\"{phone}\",\"invoiceAddress\":\"{addr}\",\"bank\":\"{bank}\",\
\"bankAccount\":\"{acct}\",\"companyName\":\"{name}\",\"receiverAddress\":\"{addr} 物资部\",\
\"receiverPhone\":\"{rphone}\",\"receiverName\":\"{rname}\",\"reason\":null,\"statementDetails\":[",
        name = c.0,
        tax = c.1,
        phone = c.2,
        addr = c.3,
        bank = c.4,
        acct = c.5,
        rname = c.6,
        rphone = c.7,
    );
    let mut first = true;
    for o in own.iter().chain(again.iter().map(|(_, o)| o)) {
        if !first {
            out.push(',');
        }
        first = false;
        push_line(out, o);
    }
    let _ = write!(
        out,
        "],\"statementExtends\":[\
{{\"columnName\":\"对账单位编码\",\"columnKey\":\"billCompanyCode\",\"columnValue\":\"{code}\"}},\
{{\"columnName\":\"对账年份\",\"columnKey\":\"billYear\",\"columnValue\":\"{year}\"}},\
{{\"columnName\":\"对账月份\",\"columnKey\":\"billMonth\",\"columnValue\":\"{month}\"}},\
{{\"columnName\":\"账单起始日期\",\"columnKey\":\"billStartDate\",\"columnValue\":\"",
        code = c.8,
        year = period.end.year(),
        month = period.end.month(),
    );
    push_date(out, period.start);
    out.push_str(
        "\"},{\"columnName\":\"账单截至日期\",\"columnKey\":\"billEndDate\",\"columnValue\":\"",
    );
    push_date(out, period.end);
    out.push_str(
        "\"},{\"columnName\":\"账期节约金额\",\"columnKey\":\"billSavePrice\",\"columnValue\":\"",
    );
    push_fen(out, save);
    out.push_str("\"}]}");
    (own.len() + again.len()) as u64
}

/// The ledger rows of statement `s`'s own orders; returns how many.
fn ledger_rows(plan: &Plan, s: u64, own: &[Order], out: &mut String) -> u64 {
    let no = &plan.statement_nos[s as usize];
    let mut rows = 0;
    for (i, o) in plan.orders_of(s).zip(own) {
        let mut r = Rng::new(plan.seed, STREAM_LEDGER, i);
        let code = plan.injected[i as usize];
        let delta = r.range(1, 10_000);
        let booked = (o.ended.date() + Duration::days(r.range(0, 2))).min(ymd(12, 31));
        let voucher = format!("PZ{:04}{:02}{:08}", booked.year(), booked.month(), i + 1);
        let mut row = |out: &mut String, line: u32, kind: &str, doc: &str, line_no: &str, fen| {
            let _ = write!(
                out,
                "{voucher}-{line:02},huadian,{kind},{doc},{no},{line_no},"
            );
            push_fen(out, fen);
            out.push_str(",CNY,");
            push_date(out, booked);
            out.push_str(",,,,,,,\n");
            rows += 1;
        };
        if code != Some(Injected::MissingInLedger) {
            let amount = if code == Some(Injected::AmountMismatch) {
                if o.amount > delta && r.below(2) == 0 {
                    o.amount - delta
                } else {
                    o.amount + delta
                }
            } else {
                o.amount
            };
            row(out, 1, "order", &o.no, "", amount);
        }
        if o.returned > 0 {
            row(out, 2, "refund", &o.no, "1", o.returned);
        }
        if code == Some(Injected::MissingInVendor) {
            let fresh = plan.order_no(plan.orders + i, o.ended.date());
            row(out, 3, "order", &fresh, "", r.log_uniform(9_999_999));
        }
    }
    rows
}

/// Every billed order's package, signed (state 2), as `"orderId":[...]` members.
fn package_members(own: &[Order], out: &mut String) {
    for o in own {
        if !out.is_empty() {
            out.push(',');
        }
        let _ = write!(
            out,
            "\n\"{no}\":[{{\"orderId\":\"{no}\",\"packageNo\":\"{digits}01\",\"state\":\"2\"}}]",
            no = o.no,
            digits = &o.no[1..]
        );
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ExpectedRow {
    code: &'static str,
    statement_no: String,
    order_no: String,
}

impl ExpectedRow {
    fn new(code: Injected, statement_no: &str, order_no: &str) -> Self {
        Self {
            code: code.code(),
            statement_no: statement_no.to_string(),
            order_no: order_no.to_string(),
        }
    }
}

fn request_id(plan: &Plan, s: u64) -> String {
    let mut r = Rng::new(plan.seed, STREAM_STATEMENT, s ^ (1 << 63));
    format!("{:016x}{:016x}", r.next(), r.next())
}

// ---------------------------------------------------------------------------
// Writing

#[derive(Default)]
struct Part {
    ledger: String,
    packages: String,
    expected: Vec<ExpectedRow>,
    lines: u64,
    ledger_rows: u64,
    bytes: u64,
}

fn write_part(
    plan: &Plan,
    layout: Layout,
    dir: &Path,
    range: std::ops::Range<u64>,
) -> anyhow::Result<Part> {
    let mut part = Part::default();
    let mut body = String::new();
    let mut stmt = String::new();
    for s in range {
        let own: Vec<Order> = plan.orders_of(s).map(|i| make_order(plan, i)).collect();
        stmt.clear();
        part.lines += statement_json(plan, s, &own, &mut stmt, &mut part.expected);
        let no = &plan.statement_nos[s as usize];
        let text: &str = match layout {
            Layout::Archive => {
                body.clear();
                body.reserve(stmt.len() + 128);
                body.push_str("{\"success\":true,\"requestId\":\"");
                body.push_str(&request_id(plan, s));
                body.push_str("\",\"result\":[");
                body.push_str(&stmt);
                body.push_str("],\"errorcode\":\"0\",\"errormsg\":\"\"}");
                &body
            }
            Layout::Sandbox => {
                package_members(&own, &mut part.packages);
                &stmt
            }
        };
        let path = dir.join(format!("{no}.json"));
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        part.bytes += text.len() as u64;
        part.ledger_rows += ledger_rows(plan, s, &own, &mut part.ledger);
    }
    Ok(part)
}

const LEDGER_HEADER: &str = "entry_id,vendor,kind,doc_no,statement_no,line_no,amount,currency,booked_on,status,invoice_no,invoice_code,express_company,express_no,ref_no,memo\n";

/// Writes the workload into `opts.dir` (see the module note).
pub fn generate(opts: &GenerateOptions) -> anyhow::Result<GenerateSummary> {
    if opts.orders == 0 {
        bail!("--orders must be at least 1");
    }
    if opts.orders >= 50_000_000_000 {
        bail!("--orders must be below 50,000,000,000");
    }
    if opts.dir.exists()
        && std::fs::read_dir(&opts.dir)
            .with_context(|| format!("cannot list {}", opts.dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} is not empty: generate into a new or empty folder",
            opts.dir.display()
        );
    }
    let stmt_dir = match opts.layout {
        Layout::Archive => opts.dir.join("huadian").join("statement"),
        Layout::Sandbox => opts.dir.join("huadian").join("statements"),
    };
    std::fs::create_dir_all(&stmt_dir)
        .with_context(|| format!("cannot create {}", stmt_dir.display()))?;

    let plan = Plan::new(opts.seed, opts.orders);
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .max(1) as u64;
    // Small chunks handed out in order keep both threads busy to the end; the
    // parts are put back in statement order, so the thread count changes nothing.
    let chunk = 64u64;
    let n_chunks = plan.statements.div_ceil(chunk);
    let next = std::sync::atomic::AtomicU64::new(0);
    let results: Vec<(u64, anyhow::Result<Part>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(n_chunks))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if c >= n_chunks {
                            break;
                        }
                        let range = c * chunk..((c + 1) * chunk).min(plan.statements);
                        let part = write_part(&plan, opts.layout, &stmt_dir, range);
                        let failed = part.is_err();
                        done.push((c, part));
                        if failed {
                            break;
                        }
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a generator thread panicked"))
            .collect()
    });
    let mut parts: Vec<(u64, Part)> = Vec::with_capacity(results.len());
    for (c, p) in results {
        parts.push((c, p?));
    }
    parts.sort_by_key(|(c, _)| *c);

    let mut summary = GenerateSummary {
        statements: plan.statements,
        orders: plan.orders,
        ..Default::default()
    };
    let mut ledger = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(opts.dir.join("ledger.csv"))
            .with_context(|| format!("cannot write {}", opts.dir.join("ledger.csv").display()))?,
    );
    use std::io::Write as _;
    ledger.write_all(LEDGER_HEADER.as_bytes())?;
    let mut expected = Vec::new();
    for (_, p) in &mut parts {
        ledger.write_all(p.ledger.as_bytes())?;
        summary.lines += p.lines;
        summary.ledger_rows += p.ledger_rows;
        summary.bytes += p.bytes;
        expected.append(&mut p.expected);
    }
    ledger.flush()?;
    expected.sort();
    expected.dedup();
    let mut text = String::from("code,severity,status,statement_no,order_no,doc_no\n");
    for e in &expected {
        let _ = writeln!(
            text,
            "{},error,new,{},{},",
            e.code, e.statement_no, e.order_no
        );
        *summary.expected.entry(e.code).or_default() += 1;
    }
    std::fs::write(opts.dir.join("expected.csv"), text)
        .with_context(|| format!("cannot write {}", opts.dir.join("expected.csv").display()))?;

    if opts.layout == Layout::Sandbox {
        let hd = opts.dir.join("huadian");
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(hd.join("packages.json"))
                .with_context(|| format!("cannot write {}", hd.join("packages.json").display()))?,
        );
        f.write_all(b"{")?;
        let mut first = true;
        for (_, p) in &parts {
            if p.packages.is_empty() {
                continue;
            }
            if !first {
                f.write_all(b",")?;
            }
            first = false;
            f.write_all(p.packages.as_bytes())?;
        }
        f.write_all(b"\n}\n")?;
        f.flush()?;
        std::fs::write(hd.join("invoices.json"), "{}\n")?;
        std::fs::write(hd.join("messages.json"), "[]\n")?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().display().to_string();
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
        out
    }

    fn run(
        orders: u64,
        seed: u64,
        layout: Layout,
        threads: usize,
    ) -> (tempfile::TempDir, GenerateSummary) {
        let dir = tempfile::tempdir().unwrap();
        let s = generate(&GenerateOptions {
            dir: dir.path().join("out"),
            orders,
            seed,
            layout,
            threads,
        })
        .unwrap();
        (dir, s)
    }

    #[test]
    fn output_depends_on_the_seed_not_on_the_thread_count() {
        let (a, sa) = run(7_000, 5, Layout::Archive, 1);
        let (b, sb) = run(7_000, 5, Layout::Archive, 3);
        assert_eq!(sa, sb);
        assert_eq!(files(&a.path().join("out")), files(&b.path().join("out")));
        let (c, _) = run(7_000, 6, Layout::Archive, 2);
        assert_ne!(
            files(&a.path().join("out"))["ledger.csv"],
            files(&c.path().join("out"))["ledger.csv"]
        );
        assert_eq!(sa.statements, 70);
        assert!(sa.lines > 7_000);
    }

    #[test]
    fn bodies_parse_with_the_connector_and_add_up() {
        let (d, s) = run(950, 3, Layout::Archive, 2);
        let dir = d.path().join("out/huadian/statement");
        let mut orders = 0;
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let body = std::fs::read(e.path()).unwrap();
            let list = crate::vendors::huadian::normalize::statements(
                &body,
                chrono_tz::Asia::Shanghai,
                "x",
            )
            .unwrap();
            assert_eq!(list.len(), 1);
            let st = &list[0];
            assert_eq!(
                format!("{}.json", st.statement_no),
                e.file_name().to_string_lossy()
            );
            let (start, end) = (st.bill_start.unwrap(), st.bill_end.unwrap());
            for l in &st.lines {
                let day = l.ended_at().unwrap().date();
                assert!(start <= day && day <= end);
                assert!(day <= ymd(12, 28));
                assert!(l.items_total().is_some());
            }
            // Item amounts as the body writes them: 2-decimal numbers, 0.01..99,999.99.
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            for l in v["result"][0]["statementDetails"].as_array().unwrap() {
                for it in l["statementOrderItems"].as_array().unwrap() {
                    let t: rust_decimal::Decimal = it["totalPrice"].to_string().parse().unwrap();
                    assert!(t >= rust_decimal::Decimal::new(1, 2), "{t}");
                    assert!(t <= rust_decimal::Decimal::new(9_999_999, 2), "{t}");
                }
            }
            orders += st.lines.len() as u64;
        }
        assert_eq!(orders, s.lines);
        assert_eq!(s.statements, 10);
    }

    #[test]
    fn the_sandbox_layout_is_a_data_folder_the_sandbox_loads() {
        let (d, s) = run(300, 9, Layout::Sandbox, 2);
        let root = d.path().join("out");
        assert!(root.join("ledger.csv").is_file());
        assert!(root.join("expected.csv").is_file());
        let n = std::fs::read_dir(root.join("huadian/statements"))
            .unwrap()
            .count();
        assert_eq!(n as u64, s.statements);
        let pk: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("huadian/packages.json")).unwrap())
                .unwrap();
        assert_eq!(pk.as_object().unwrap().len(), 300);
        crate::vendors::huadian::sandbox::SandboxData::load(&root.join("huadian")).unwrap();
    }

    #[test]
    fn order_numbers_are_unique_and_fresh_ones_never_collide() {
        let plan = Plan::new(1, 1_000);
        let day = ymd(3, 3);
        let all: std::collections::BTreeSet<String> = (0..2_000)
            .map(|i| plan.order_no(i, day)[7..].to_string())
            .collect();
        assert_eq!(all.len(), 2_000);
    }

    #[test]
    fn refuses_a_folder_with_files_in_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), "").unwrap();
        let e = generate(&GenerateOptions {
            dir: dir.path().to_path_buf(),
            orders: 10,
            seed: 1,
            layout: Layout::Archive,
            threads: 1,
        })
        .unwrap_err();
        assert!(e.to_string().contains("not empty"));
    }
}
