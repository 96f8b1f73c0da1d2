"""A demo branch database: realistic, rule-consistent data to try every screen and report.

``build_demo`` creates an encrypted database for branch 004 朝阳 (users demo/supervisor,
wang/clerk, audit/auditor, all with passphrase "demo") and fills it through ``fill``, which
works on any DB-API connection holding the schema, so ``bench/bench_demo.py`` can time the
same generator on plain SQLite as a baseline.

The data follow the rules they will be checked against: ID numbers pass GB 11643 (their
check character comes from ``rules.idcard``, their stored columns from ``models.members``);
renewals are head-to-tail and
classified by ``rules.enrolment``; coverage lines carry the observation ends R1.7 asks for;
claims move through the R2.3 lifecycle with dates that never go backwards; disbursements stay
within the caps of the rule set. Everything is drawn from one seeded generator in a fixed
order, so a seed and ``today`` always give the same data.

Scale: a million members must build in well under 90 s on a two-core branch PC, so rows are
generated as tuples and written with ``executemany``; renewal coverage lines, which are most
of the rows, are copied by SQL from the previous period's lines instead of going through
Python; secondary indexes are built once at the end instead of row by row; and the bulk load
runs with a memory journal and no fsync (the file is new and is discarded if the build
fails), restoring the normal pragmas before the file is handed over.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import json
import os
import random
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from faker.providers.company.zh_CN import Provider as _CompanyNames
from faker.providers.person.zh_CN import Provider as _PersonNames

from models import admin, audit, clock, rowseal
from models import db as dbmod
from models import members as member_service
from rules.dates import add_months, expiry, term_end
from rules.enrolment import cover_start, observation_end, renewal_window
from rules.idcard import IdNumber, id_check_char
from rules.params import PlanParams, ruleset_on

DEFAULT_SEED = 20240601
BRANCH_CODE, BRANCH_NAME = "004", "朝阳"
CLERK, AUDITOR = "wang", "audit"
#: Extra users created next to the supervisor, so each role can be tried (user, role).
EXTRA_USERS = ((CLERK, "clerk"), (AUDITOR, "auditor"))
MEMBERS_PER_UNIT = 40
#: Years of policy history before ``today`` (2023 → 2026 for a build in 2026).
HISTORY_YEARS = 3

#: Called as ``progress(stage, done, total)``; stage is a short Chinese label.
Progress = Callable[[str, int, int], None]
#: Called once per bulk step inside the transaction: ``on_step(action, entity, detail)``.
OnStep = Callable[[str, str, dict], None]
#: Bulk steps of a build (units, policies, members, enrolment, renewals, claims, disbursements, staff).
STEPS = 8

# --- vocabulary -------------------------------------------------------------------------------------

#: Beijing district codes (GB/T 2260, 1101xx), 朝阳 weighted up: most members live near the branch.
REGIONS = (
    "110101",
    "110102",
    "110105",
    "110106",
    "110107",
    "110108",
    "110109",
    "110111",
    "110112",
    "110113",
    "110114",
    "110115",
    "110116",
    "110117",
    "110118",
    "110119",
)
REGION_WEIGHTS = (4, 4, 20, 6, 3, 8, 1, 2, 4, 3, 5, 4, 1, 1, 1, 1)
#: Statutory retirement ages used for the demo (men 60, women 55), and birth dates drawn so
#: that nobody was retired before the first policies (women from 1971).
RETIREMENT_AGE = {"male": 60, "female": 55}
BIRTH_RANGES = {"male": (date(1966, 1, 1), date(2004, 12, 31)), "female": (date(1971, 1, 1), date(2004, 12, 31))}
#: Position of bank_account in ``models.member_service.MEMBER_COLUMNS``.
MEMBER_ACCOUNT = member_service.MEMBER_COLUMNS.index("bank_account")
BANKS = (
    ("中国工商银行", "622202"),
    ("中国建设银行", "621700"),
    ("中国农业银行", "622848"),
    ("中国银行", "621661"),
    ("北京银行", "621468"),
    ("交通银行", "622262"),
    ("中国邮政储蓄银行", "621799"),
)
STREETS = (
    "三里屯",
    "建外",
    "呼家楼",
    "八里庄",
    "双井",
    "劲松",
    "潘家园",
    "麦子店",
    "团结湖",
    "六里屯",
    "朝外",
    "左家庄",
    "香河园",
    "和平街",
    "安贞",
    "亚运村",
    "小关",
    "酒仙桥",
    "大屯",
    "望京",
    "奥运村",
    "东湖",
    "南磨房",
    "垡头",
    "高碑店",
    "管庄",
    "常营",
    "三间房",
    "平房",
    "十八里店",
    "小红门",
    "豆各庄",
    "王四营",
    "东风",
    "将台",
    "太阳宫",
    "崔各庄",
    "孙河",
    "金盏",
    "来广营",
)
PUBLIC_BODIES = (
    "街道办事处",
    "社区卫生服务中心",
    "第一小学",
    "中学",
    "中心幼儿园",
    "市场监督管理所",
    "供电所",
    "环境卫生服务中心",
    "养老照料中心",
    "文化活动中心",
    "地区医院",
    "邮政支局",
)
BRAND_CHARS = "华信恒达通泰安盛博远鑫宏誉瑞祥德嘉明新联兴创宇佳晨光天海金润中正和永东方长城汇源丰利捷诚益"
INDUSTRIES = (
    "科技有限公司",
    "建设工程有限公司",
    "物业管理有限公司",
    "商贸有限公司",
    "餐饮管理有限公司",
    "文化传媒有限公司",
    "医药有限公司",
    "汽车服务有限公司",
    "物流有限公司",
    "酒店管理有限公司",
    "环境工程有限公司",
    "信息技术有限公司",
    "电子有限公司",
    "食品有限公司",
    "房地产开发有限公司",
    "保安服务有限公司",
    "印刷有限公司",
    "装饰工程有限公司",
    "出租汽车有限公司",
    "热力有限公司",
)
DIAGNOSES = {
    "medical": (
        "肺炎",
        "急性阑尾炎",
        "胆囊结石伴胆囊炎",
        "腰椎间盘突出症",
        "冠状动脉粥样硬化性心脏病",
        "2型糖尿病",
        "高血压病3级",
        "脑梗死",
        "慢性胃炎",
        "子宫平滑肌瘤",
        "老年性白内障",
        "慢性阻塞性肺疾病急性加重",
        "泌尿系结石",
        "甲状腺结节",
        "急性支气管炎",
    ),
    "critical_illness": (
        "恶性肿瘤（肺癌）",
        "恶性肿瘤（乳腺癌）",
        "恶性肿瘤（结肠癌）",
        "急性心肌梗死",
        "脑中风后遗症",
        "终末期肾病",
        "冠状动脉搭桥术",
        "良性脑肿瘤",
        "重大器官移植术",
    ),
    "accident": (
        "左桡骨远端骨折",
        "右踝关节扭伤",
        "软组织挫伤",
        "手指切割伤",
        "交通事故致肋骨骨折",
        "摔伤致腰椎压缩性骨折",
        "烫伤",
        "右胫腓骨骨折",
    ),
}
#: Benefit per claimed share in yuan (low, high), by plan category: illustrative only.
BENEFIT_PER_SHARE = {"medical": (200, 6000), "critical_illness": (10000, 30000), "accident": (150, 5000)}
RETURN_REASONS = (
    "缺少住院费用明细清单",
    "诊断证明书未加盖医院公章",
    "银行卡复印件不清晰",
    "出院小结缺页",
    "申请书未经单位盖章",
    "出险人身份证复印件与名单不一致",
)
DECLINE_REASONS = ("出险日期在观察期内，不予给付", "不属于保障责任范围", "申报资料不实", "属于除外责任（既往症）")
PAY_FAILURE_NOTES = ("原账户已销户", "户名与身份证姓名不符", "账户状态异常（长期不动户）", "开户行信息有误")

#: Claim lifecycle: each step's action, the state it enters, and the days after the previous step.
_CLAIM_STEPS = {
    "submit": ("submitted", (1, 12)),
    "return": ("returned", (6, 25)),
    "resubmit": ("resubmitted", (1, 12)),
    "settle": ("settled", (10, 45)),
    "decline": ("declined", (10, 45)),
}
#: Target state → steps after registration, with a weight (how often claims end there).
_CLAIM_PATHS = (
    ("registered", (), 10),
    ("submitted", ("submit",), 10),
    ("returned", ("submit", "return"), 7),
    ("resubmitted", ("submit", "return", "resubmit"), 5),
    ("settled", ("submit", "settle"), 45),
    ("settled", ("submit", "return", "resubmit", "settle"), 10),
    ("declined", ("submit", "decline"), 6),
    ("declined", ("submit", "return", "resubmit", "decline"), 2),
)
_CLAIM_PATH_CUM = list(accumulate(w for _, _, w in _CLAIM_PATHS))
#: How many of a unit's members join each plan it holds, and the most shares one holds (illustrative).
TAKE_PART = {"medical": 0.92, "critical_illness": 0.6, "accident": 0.7}
TOP_SHARES = {"medical": 3, "critical_illness": 2, "accident": 5}
#: Share of units holding each plan category (every unit has the medical plan, nearly).
UNIT_TAKES_PLAN = {"medical": 0.97, "critical_illness": 0.55, "accident": 0.45}

#: Indexes built once at the end of the load (by table, as column tuples): one sort each
#: instead of a B-tree insert per row in random key order. Kept during the load: what the
#: load itself uses (the renewal copy's lookup of a policy's lines) and keys that arrive in
#: order (member.unit_id). The unique ID number index, built last, still refuses duplicates.
DEFERRED_INDEXES = {
    "member": {
        ("id_number",),
        ("id_rev", "id_number", "name", "sex", "retirement_date", "unit_id"),
        ("name", "id", "id_number", "sex", "retirement_date", "unit_id"),
        ("initials", "id", "name", "id_number", "sex", "retirement_date", "unit_id"),
    },
    "coverage": {("member_id", "policy_id", "shares", "cover_start", "observation_end"), ("batch_id",)},
    # the 待办's covering indexes (migration 0015)
    "claim_event": {("claim_id", "on_date", "id", "to_state", "by_user")},
    "claim_report": {("id", "state", "member_id", "plan_id", "report_date", "returned_on")},
}
#: Page cache during the bulk load: room for the whole new file (about 1 KiB per member),
#: so index builds and the renewal copy never re-read and decrypt spilled pages; capped, and
#: allocated by SQLite only as pages are used.
CACHE_KIB_PER_MEMBER = 1
CACHE_KIB_RANGE = (65_536, 1_048_576)
#: Sorter helper threads during the bulk load (a branch PC has two cores or more).
SORTER_THREADS = 2
_COVERAGE_SQL = (
    "INSERT INTO coverage (member_id, shares, policy_id, cover_start, observation_end, event, filed, "
    "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
#: Renewal lines in the window keep each line's shares and observation end (R1.3, R1.7);
#: members retired on or before the new cover start are not renewed (R1.1).
_RENEW_SQL = """
INSERT INTO coverage (member_id, policy_id, shares, cover_start, observation_end, event, filed, created_by)
SELECT c.member_id, r.policy_id, c.shares, r.cover_from, c.observation_end, 'renewal', r.filed, ?
FROM demo_renewal r JOIN coverage c ON c.policy_id = r.prev_id JOIN member m ON m.id = c.member_id
WHERE r.k = ? AND r.outcome = 'renewal' AND (m.retirement_date IS NULL OR m.retirement_date > r.cover_from)
ORDER BY r.policy_id, c.id
"""
#: A late renewal is a first enrolment of every member's shares from the filing day (R1.3).
_LATE_SQL = """
INSERT INTO coverage (member_id, policy_id, shares, cover_start, observation_end, event, filed, created_by)
SELECT c.member_id, r.policy_id, sum(c.shares), r.cover_from, r.observation_end, 'late_renewal_as_first', r.filed, ?
FROM demo_renewal r JOIN coverage c ON c.policy_id = r.prev_id JOIN member m ON m.id = c.member_id
WHERE r.k = ? AND r.outcome = 'late_renewal_as_first'
  AND (m.retirement_date IS NULL OR m.retirement_date > r.cover_from)
GROUP BY r.policy_id, c.member_id ORDER BY r.policy_id, c.member_id
"""


@dataclass(frozen=True)
class _Policy:
    id: int
    k: int  # period index in its unit × plan chain
    start: date
    end: date
    filed: date
    renews: int | None
    outcome: str
    cover_from: date


@dataclass
class _Unit:
    id: int
    code: str
    size: int
    contact: str
    chains: dict[str, list[_Policy]]


class _People:
    """Lookup tables for drawing members, built once per build: birth days with their
    "YYYYMMDD" strings per sex, the district weights, who retires soon, and the ID bodies
    already used (ID numbers are unique)."""

    def __init__(self, today: date):
        self.region_cum = list(accumulate(REGION_WEIGHTS))
        self.birth_days: dict[str, list[tuple[date, str]]] = {}
        self.retire_after: dict[str, date] = {}
        for sex, (first, last) in BIRTH_RANGES.items():
            self.birth_days[sex] = [
                (d, f"{d:%Y%m%d}") for d in (first + timedelta(days=n) for n in range((last - first).days + 1))
            ]
            # Born on or before this day: retires by today + 180 days (recorded in advance).
            self.retire_after[sex] = add_months(today + timedelta(days=180), -12 * RETIREMENT_AGE[sex])
        self.seen: set[str] = set()


# --- entry points -------------------------------------------------------------------------------------


def build_demo(
    path: str | os.PathLike,
    *,
    members: int = 2000,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    user: str = "demo",
    passphrase: str = "demo",
    progress: Progress | None = None,
) -> dict[str, int]:
    """Create an encrypted demo database at ``path`` and return its row counts.

    ``user`` is the supervisor; the clerk "wang" and the auditor "audit" get the same
    passphrase. The key file's hint names the demo login so anyone handed the file can open
    it; that is the point of a demo, and why real databases never get such a hint."""
    today = today or clock.today()
    counts: dict[str, int] = {}

    def on_created(session: dbmod.Session) -> None:
        for name, role in EXTRA_USERS:
            admin.add_user(session, name, role, passphrase)
        conn = dbmod.database.connection()
        # A new file's load only inserts: its rows are sealed by rowid range (``rowseal.appending``).
        with bulk_load_pragmas(conn, members), dbmod.writing(), rowseal.appending():
            counts.update(
                fill(
                    conn,
                    members=members,
                    seed=seed,
                    today=today,
                    supervisor=session.user,
                    on_step=lambda action, entity, detail: audit.record(action, entity, None, detail),
                    progress=progress,
                )
            )

    admin.create_database(
        path,
        branch_code=BRANCH_CODE,
        branch_name=BRANCH_NAME,
        user=user,
        passphrase=passphrase,
        role="supervisor",
        hint={"demo": True, "user": user, "passphrase": passphrase},
        on_created=on_created,
    )
    return counts


@contextlib.contextmanager
def bulk_load_pragmas(conn, members: int):
    """Memory journal, no fsync, no per-row foreign-key lookups and a page cache sized for
    ``members`` for the length of a bulk load into a new file, then the normal pragmas (``models.db.PRAGMAS``:
    WAL, synchronous FULL, foreign keys on) again.

    Safe only because the file is new and the loader writes consistent rows: if the load
    fails the caller deletes the file, and ``huzhu check`` (foreign_key_check) proves the rows."""
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    low, high = CACHE_KIB_RANGE
    conn.execute(f"PRAGMA cache_size = -{min(high, max(low, members * CACHE_KIB_PER_MEMBER))}")
    conn.execute("PRAGMA temp_store = MEMORY")
    # Helper threads for the sorter: the deferred index builds at the end sort millions of keys.
    conn.execute(f"PRAGMA threads = {SORTER_THREADS}")
    try:
        yield conn
    finally:
        conn.execute("PRAGMA threads = 0")
        conn.execute("PRAGMA temp_store = DEFAULT")
        for name, value in dbmod.PRAGMAS:
            conn.execute(f"PRAGMA {name} = {value}")


def fill(
    conn,
    *,
    members: int,
    seed: int = DEFAULT_SEED,
    today: date,
    supervisor: str,
    clerk: str = CLERK,
    on_step: OnStep | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Fill an open DB-API connection whose schema is at head, with plans synced and no units,
    members or later business data yet, inside the caller's transaction; returns the row counts.
    The connection must allow use from a second thread (``check_same_thread=False``): member
    chunks are written by a helper thread while the next chunk is drawn.

    ``supervisor`` approves disbursements, ``clerk`` enters everything else (R3.5: never the
    same person). ``on_step`` records one audit event per bulk step."""
    if members < 1:
        raise ValueError("members must be at least 1")
    with _indexes_deferred(conn, DEFERRED_INDEXES), _policy_latest_deferred(conn), _cyclic_gc_paused():
        return _Generator(conn, members, seed, today, supervisor, clerk, on_step, progress).run()


@contextlib.contextmanager
def _cyclic_gc_paused():
    """No cyclic garbage collection during the load: it makes millions of row tuples, which
    hold no cycles, and each collection would walk the ones still alive (7% of a build's time
    in a profile). Reference counting still frees every chunk once written."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _policy_latest_deferred(conn):
    """Drop the triggers that keep ``policy_latest`` (migration 0015) for the load, then fill the
    table once from the policies and create the triggers again (same SQL, from sqlite_master):
    one grouped read instead of a trigger run per policy inserted."""
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'policy' "
        "AND name LIKE 'policy_latest%' ORDER BY name"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    yield
    if triggers:
        conn.execute("DELETE FROM policy_latest")
        conn.execute(
            'INSERT INTO policy_latest (unit_id, plan_id, policy_id, start, "end", outcome) '
            'SELECT p.unit_id, p.plan_id, p.id, p.start, p."end", p.outcome FROM policy p '
            "JOIN (SELECT unit_id, plan_id, max(start) AS latest FROM policy GROUP BY unit_id, plan_id) l "
            "ON l.unit_id = p.unit_id AND l.plan_id = p.plan_id AND l.latest = p.start"
        )
    for _, sql in triggers:
        conn.execute(sql)


@contextlib.contextmanager
def _indexes_deferred(conn, deferred: dict[str, set[tuple[str, ...]]]):
    """Drop the ``deferred`` indexes and create them again (same SQL, read from sqlite_master)
    when the load is done. On an error the caller's transaction rolls the drops back with
    everything else."""
    dropped = []
    for table, columns_deferred in deferred.items():
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY name",
            (table,),
        ).fetchall()
        for name, sql in indexes:
            columns = tuple(row[2] for row in conn.execute(f'PRAGMA index_info("{name}")'))
            if columns in columns_deferred:
                conn.execute(f'DROP INDEX "{name}"')
                dropped.append(sql)
    yield
    for sql in dropped:
        conn.execute(sql)


# --- the generator ------------------------------------------------------------------------------------


class _Generator:
    """One build: the seeded random generator (drawn from in a fixed order, which is what
    makes a build reproducible), the rule set, and the stages in dependency order, each
    writing its rows and recording one audit step."""

    def __init__(
        self,
        conn,
        members: int,
        seed: int,
        today: date,
        supervisor: str,
        clerk: str,
        on_step: OnStep | None,
        progress: Progress | None,
    ):
        self.conn = conn
        self.members = members
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today
        self.supervisor = supervisor
        self.clerk = clerk
        self.on_step = on_step
        self.progress = progress
        # The demo applies the rule set in force on `today` throughout.
        self.rs = ruleset_on(today)
        self.plans: list[PlanParams] = list(self.rs.plans.values())
        self.counts: dict[str, int] = {}
        self._sealed = 0
        self.surnames = list(_PersonNames.last_names)
        self.surname_cum = list(accumulate(_PersonNames.last_names.values()))
        self.given = {"male": list(_PersonNames.first_names_male), "female": list(_PersonNames.first_names_female)}
        self.single_given = {sex: [g for g in names if len(g) == 1] for sex, names in self.given.items()}

    def run(self) -> dict[str, int]:
        units = self._units()
        self._policies(units)
        self._members_and_lines(units)
        self._renewals()
        self._claims()
        self._disbursements()
        self._staff()
        return self.counts

    def _step(self, action: str, entity: str, counts: dict[str, int], **extra) -> None:
        """Add ``counts`` to the result and record the step (counts and ``extra``, never personal data)."""
        self.counts.update(counts)
        if self.on_step:
            # Sealing a step's rows under its event is most of a large build's time: say so, or the
            # bar would sit full on the stage before.
            self._tell("签名封存", self._sealed, STEPS)
            self.on_step(action, entity, {**counts, **extra})
        self._sealed += 1

    def _tell(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    # --- small draws -----------------------------------------------------------------------

    def _day(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, (high - low).days))

    def _name(self, sex: str, surname: str | None = None) -> str:
        draw = self.rng.random
        if surname is None:
            surname = self.surnames[bisect.bisect(self.surname_cum, draw() * self.surname_cum[-1])]
        if draw() < 0.45:
            given = self.given[sex]
            return surname + given[int(draw() * len(given))]
        singles = self.single_given[sex]
        return surname + singles[int(draw() * len(singles))] + singles[int(draw() * len(singles))]

    def _surname_of(self, name: str) -> str:
        return name[:2] if name[:2] in _PersonNames.last_names else name[:1]

    def _mobile(self) -> str:
        draw = self.rng.random
        return f"1{'35789'[int(draw() * 5)]}{int(draw() * 10**9):09d}"

    def _account(self) -> tuple[str, str]:
        draw = self.rng.random
        bank, prefix = BANKS[int(draw() * len(BANKS))]
        return bank, f"{prefix}{int(draw() * 10**7):07d}{int(draw() * 10**6):06d}"

    # --- units -------------------------------------------------------------------------------

    def _unit_name(self, taken: set[str], code: str) -> str:
        """A unit name not used yet; once random names keep colliding (very large demos), the
        unit code makes it unique."""
        rng = self.rng
        for _ in range(20):
            roll = rng.random()
            if roll < 0.2:
                name = f"北京市朝阳区{rng.choice(STREETS)}{rng.choice(PUBLIC_BODIES)}工会"
            elif roll < 0.45:
                name = f"北京{rng.choice(_CompanyNames.company_prefixes)}{rng.choice(INDUSTRIES)}工会委员会"
            else:
                name = f"北京{rng.choice(BRAND_CHARS)}{rng.choice(BRAND_CHARS)}{rng.choice(INDUSTRIES)}工会"
            if name not in taken:
                break
        else:
            name = f"{name}（{code}）"
        taken.add(name)
        return name

    def _units(self) -> list[_Unit]:
        rng = self.rng
        count = min(self.members, max(5, round(self.members / MEMBERS_PER_UNIT)))
        weights = [rng.lognormvariate(0, 0.6) for _ in range(count)]
        total = sum(weights)
        sizes = [max(1, int(self.members * w / total)) for w in weights]
        # Make the sizes add up exactly: hand out (or take back) the rounding difference one by one.
        diff, index = self.members - sum(sizes), 0
        while diff:
            if diff > 0 or sizes[index % count] > 1:
                sizes[index % count] += 1 if diff > 0 else -1
                diff += -1 if diff > 0 else 1
            index += 1
        taken: set[str] = set()
        width = max(4, len(str(count)))
        units, rows = [], []
        for i, size in enumerate(sizes, start=1):
            code = f"U{i:0{width}d}"
            contact = self._name(rng.choice(("male", "female")))
            units.append(_Unit(i, code, size, contact, {}))
            phone = f"010-{rng.choice('568')}{rng.randrange(10**7):07d}"
            rows.append((code, self._unit_name(taken, code), contact, phone))
        result = member_service.write_units(self.conn, rows)
        self._step(
            "demo.units",
            "unit",
            {"units": result.inserted},
            seed=self.seed,
            today=self.today.isoformat(),
            ruleset=self.rs.version,
        )
        return units

    # --- policies ----------------------------------------------------------------------------

    def _policies(self, units: list[_Unit]) -> None:
        """One chain of yearly policies per unit × plan, from HISTORY_YEARS ago to about today.

        The first units get the situations a demo must show whatever its size: a late renewal,
        a lapse, a policy in its grace days, one expiring unrenewed and one renewed early."""
        rng = self.rng
        today = self.today
        forced = {
            0: ("late", None),
            1: ("lapse", None),
            2: ("unfiled", add_months(today - timedelta(days=5), -12 * HISTORY_YEARS)),
            3: ("unfiled", add_months(today + timedelta(days=7), -12 * HISTORY_YEARS)),
            4: ("early", add_months(today + timedelta(days=10), -12 * HISTORY_YEARS)),
        }
        next_id = 1
        rows = []
        renewals = []
        for index, unit in enumerate(units):
            for plan in self.plans:
                if rng.random() >= UNIT_TAKES_PLAN[plan.category] and not (index in forced and plan is self.plans[0]):
                    continue
                scenario, anchor = forced.get(index, (None, None)) if plan is self.plans[0] else (None, None)
                first_start = anchor or date(today.year - HISTORY_YEARS, rng.randint(1, 12), 1)
                chain = self._chain(plan, first_start, next_id, scenario)
                next_id += len(chain)
                unit.chains[plan.code] = chain
                for p in chain:
                    rows.append(
                        (
                            p.id,
                            unit.id,
                            plan.code,
                            p.start.isoformat(),
                            p.end.isoformat(),
                            p.filed.isoformat(),
                            p.renews,
                            p.outcome,
                            p.cover_from.isoformat(),
                            self.clerk,
                        )
                    )
                    if p.renews is not None:
                        obs = observation_end(p.cover_from, plan.observation_days)
                        renewals.append(
                            (
                                p.k,
                                p.id,
                                p.renews,
                                p.outcome,
                                p.cover_from.isoformat(),
                                p.filed.isoformat(),
                                obs.isoformat() if obs else None,
                            )
                        )
        self.conn.executemany(
            'INSERT INTO policy (id, unit_id, plan_id, start, "end", filed, renews_id, outcome, cover_from, '
            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.execute(
            "CREATE TEMP TABLE demo_renewal (k INTEGER, policy_id INTEGER PRIMARY KEY, prev_id INTEGER, "
            "outcome TEXT, cover_from TEXT, filed TEXT, observation_end TEXT)"
        )
        self.conn.executemany("INSERT INTO demo_renewal VALUES (?, ?, ?, ?, ?, ?, ?)", renewals)
        self.max_k = max((r[0] for r in renewals), default=0)
        late = sum(1 for r in renewals if r[3] == "late_renewal_as_first")
        self._step("demo.policies", "policy", {"policies": len(rows), "late_renewals": late})

    def _chain(self, plan: PlanParams, first_start: date, next_id: int, scenario: str | None) -> list[_Policy]:
        rng = self.rng
        today = self.today
        late_at = 2 if scenario == "late" else (rng.randint(1, HISTORY_YEARS) if rng.random() < 0.05 else None)
        lapse_after = 1 if scenario == "lapse" else (rng.randint(0, HISTORY_YEARS - 1) if rng.random() < 0.04 else None)
        # A first enrolment is usually filed before the start; when after, cover starts on filing (R1.8).
        if rng.random() < 0.85:
            filed = first_start - timedelta(days=rng.randint(0, 25))
        else:
            filed = first_start + timedelta(days=rng.randint(1, 20))
        start, outcome, cover_from, renews = first_start, "first_enrolment", cover_start(first_start, filed), None
        chain: list[_Policy] = []
        while True:
            end = term_end(start, plan.term_months)
            policy = _Policy(next_id + len(chain), len(chain), start, end, filed, renews, outcome, cover_from)
            chain.append(policy)
            due = expiry(end)
            first_allowed, last_on_time = renewal_window(end, self.rs)
            if lapse_after == policy.k or (scenario == "unfiled" and last_on_time >= today):
                break
            if late_at == policy.k + 1:
                filed = last_on_time + timedelta(days=rng.randint(1, 45))
            elif scenario == "early" and due > today:
                filed = first_allowed + timedelta(days=2)
            elif rng.random() < 0.8:
                filed = self._day(first_allowed, due)
            else:
                filed = self._day(due + timedelta(days=1), last_on_time)
            if filed > today:
                break
            # R1.3 as rules.enrolment.classify_renewal decides it (the tests hold every policy
            # against that function); a million-member build would otherwise format 140,000
            # decision messages nobody reads.
            on_time = filed <= last_on_time
            start, renews = due, policy.id
            outcome, cover_from = ("renewal", due) if on_time else ("late_renewal_as_first", filed)
        return chain

    # --- members and their own coverage lines ---------------------------------------------------

    def _members_and_lines(self, units: list[_Unit]) -> None:
        """Members unit by unit, and the coverage lines Python decides for them: first
        enrolments (mostly with the unit's first policy, some at a later renewal) and added
        shares. Renewal lines are copied by SQL afterwards (``_renewals``).

        These loops run once per member and per member × plan, so they draw with ``random()``
        and read dates and their strings from tables prepared once; chunks are written behind
        by a helper thread (``_write_behind``)."""
        people = _People(self.today)
        member_rows: list[tuple] = []
        line_rows: list[tuple] = []
        next_member = 1
        first_lines = added_lines = retired = with_bank = 0
        # The with block waits for a pending write even when drawing fails, so the caller never
        # closes the connection under the writer thread.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-writer") as writer:
            written: Future | None = None
            for unit in units:
                unit_members = []
                for _ in range(unit.size):
                    record, retirement = self._member(people, unit.id)
                    member_rows.append(record)
                    unit_members.append((next_member, retirement))
                    next_member += 1
                    retired += retirement is not None
                    with_bank += record[MEMBER_ACCOUNT] is not None
                first, added = self._enrol(unit, unit_members, line_rows)
                first_lines += first
                added_lines += added
                if len(member_rows) >= member_service.CHUNK:
                    written = self._write_behind(writer, written, member_rows, line_rows)
                    member_rows, line_rows = [], []
                    self._tell("会员", next_member - 1, self.members)
            self._write_behind(writer, written, member_rows, line_rows).result()
        self._tell("会员", self.members, self.members)
        self._step(
            "demo.members", "member", {"members": next_member - 1, "retired": retired, "with_bank_account": with_bank}
        )
        self._step(
            "demo.enrolment", "coverage", {"first_enrolment_lines": first_lines, "added_shares_lines": added_lines}
        )

    def _enrol(
        self, unit: _Unit, unit_members: list[tuple[int, date | None]], line_rows: list[tuple]
    ) -> tuple[int, int]:
        """Append the unit's members' own lines in each plan it holds: a first enrolment with
        the unit's first policy (or, for some, at a later renewal), never on or after
        retirement (R1.1), and now and then added shares. Returns the counts of both."""
        draw = self.rng.random
        first_lines = added_lines = 0
        for plan_code, chain in unit.chains.items():
            plan = self.rs.plans[plan_code]
            take_part, top_shares = TAKE_PART[plan.category], TOP_SHARES[plan.category]
            templates = self._line_templates(chain, plan)
            for member_id, retirement in unit_members:
                if draw() >= take_part:
                    continue
                k = 0 if len(chain) == 1 or draw() < 0.9 else 1 + int(draw() * (len(chain) - 1))
                if retirement is not None and retirement <= chain[k].cover_from:
                    continue
                line_rows.append((member_id, 1 + int(min(draw(), draw()) * top_shares), *templates[k]))
                first_lines += 1
                if draw() < 0.03:
                    added = self._added_line(member_id, chain[k + int(draw() * (len(chain) - k))], plan, retirement)
                    if added:
                        line_rows.append(added)
                        added_lines += 1
        return first_lines, added_lines

    def _member(self, people: _People, unit_id: int) -> tuple[tuple, date | None]:
        """A new member's ``member`` row and retirement date. The ID number is new, valid by
        construction (check character from ``rules.idcard``), and its sequence code's parity
        matches the sex; the stored columns come from ``models.members.member_record``."""
        draw = self.rng.random
        sex = "male" if draw() < 0.55 else "female"
        days = people.birth_days[sex]
        while True:
            birth, ymd = days[int(draw() * len(days))]
            region = REGIONS[bisect.bisect(people.region_cum, draw() * people.region_cum[-1])]
            body = f"{region}{ymd}{int(draw() * 500) * 2 + (sex == 'male'):03d}"
            if body not in people.seen:
                people.seen.add(body)
                break
        retirement = None
        if birth <= people.retire_after[sex]:
            retirement = add_months(birth, 12 * RETIREMENT_AGE[sex])
        bank_name, account = self._account() if draw() < 0.45 else (None, None)
        phone = self._mobile() if draw() < 0.9 else None
        number = IdNumber(body + id_check_char(body), birth, sex)
        record = member_service.member_record(number, self._name(sex), unit_id, phone, bank_name, account, retirement)
        return record, retirement

    def _line_templates(self, chain: list[_Policy], plan: PlanParams) -> list[tuple]:
        """Per policy of a chain, the columns a member's first-enrolment line there shares with
        every other: policy id, cover start, observation end (R1.7, R1.8), event, filed, clerk."""
        templates = []
        for p in chain:
            obs = observation_end(p.cover_from, plan.observation_days)
            templates.append(
                (
                    p.id,
                    p.cover_from.isoformat(),
                    obs.isoformat() if obs else None,
                    "first_enrolment",
                    p.filed.isoformat(),
                    self.clerk,
                )
            )
        return templates

    def _added_line(self, member_id: int, policy: _Policy, plan: PlanParams, retirement: date | None) -> tuple | None:
        """R1.5: added shares are a first enrolment of their own, covered and observed from filing."""
        latest = min(policy.end, self.today)
        earliest = policy.cover_from + timedelta(days=30)
        if latest < earliest:
            return None
        filed = self._day(earliest, latest)
        if retirement is not None and retirement <= filed:
            return None
        obs = observation_end(filed, plan.observation_days)
        return (
            member_id,
            self.rng.randint(1, 2),
            policy.id,
            filed.isoformat(),
            obs.isoformat() if obs else None,
            "added_shares",
            filed.isoformat(),
            self.clerk,
        )

    def _write_behind(
        self, writer: ThreadPoolExecutor, previous: Future | None, member_rows: list[tuple], line_rows: list[tuple]
    ) -> Future:
        """Hand a chunk to the writer thread once the previous one is in. SQLite runs each
        insert with the GIL released, so the chunk is written while this thread draws the
        next one; at most one chunk waits in memory, the writer's errors surface here, and
        this thread never uses the connection while the writer does."""
        if previous is not None:
            previous.result()
        return writer.submit(self._write_chunk, member_rows, line_rows)

    def _write_chunk(self, member_rows: list[tuple], line_rows: list[tuple]) -> None:
        member_service.write_member_records(self.conn, member_rows, all_new=True)
        self.conn.executemany(_COVERAGE_SQL, line_rows)

    def _renewals(self) -> None:
        """Renewal lines, period by period, copied from the previous period's lines (which by
        then include that period's renewals, joiners and added shares)."""
        for k in range(1, self.max_k + 1):
            self.conn.execute(_RENEW_SQL, (self.clerk, k))
            self.conn.execute(_LATE_SQL, (self.clerk, k))
            self._tell("续保", k, self.max_k)
        self.conn.execute("DROP TABLE demo_renewal")
        rows = dict(self.conn.execute("SELECT event, count(*) FROM coverage GROUP BY event").fetchall())
        self._step(
            "demo.renewals",
            "coverage",
            {
                "coverage_lines": sum(rows.values()),
                "renewal_lines": rows.get("renewal", 0),
                "late_renewal_lines": rows.get("late_renewal_as_first", 0),
            },
        )

    # --- claims ------------------------------------------------------------------------------------

    def _claims(self) -> None:
        """Claims on randomly drawn coverage lines, in every state of R2.3, with one event per
        transition. Claims still in progress sit on current lines with their last step in the
        last weeks (so some are overdue); settled and declined ones lie anywhere in the history.
        A few settled claims have a failed direct pay, open or closed (R2.4)."""
        rng = self.rng
        total_lines = self.conn.execute("SELECT max(id) FROM coverage").fetchone()[0] or 0
        wanted = max(min(60, self.members), self.members * 3 // 100) if total_lines else 0
        plans = {p.code: p for p in self.plans}
        contacts = dict(self.conn.execute("SELECT id, contact FROM unit").fetchall())
        claims, events, failures = [], [], []
        lines: list[tuple] = []
        for number in range(wanted):
            # The first claims walk every path once, so even a tiny demo shows every state.
            path = (
                _CLAIM_PATHS[number]
                if number < len(_CLAIM_PATHS)
                else _CLAIM_PATHS[bisect.bisect(_CLAIM_PATH_CUM, rng.random() * _CLAIM_PATH_CUM[-1])]
            )
            for _attempt in range(50):
                if not lines:
                    lines = self._random_lines(total_lines)
                line = lines.pop()
                claim = self._claim(len(claims) + 1, path, line, plans[line[2]], contacts[line[1]], events)
                if claim is not None:
                    claims.append(claim)
                    break
        for claim in claims:
            if claim["state"] == "settled" and (len(failures) < 2 or rng.random() < 0.04):
                failure = self._pay_failure(claim, closed=len(failures) == 1 or rng.random() < 0.6)
                if failure:
                    failures.append(failure)
        columns = (
            "id",
            "member_id",
            "unit_id",
            "plan_id",
            "diagnosis",
            "incident_kind",
            "incident_date",
            "shares_claimed",
            "report_date",
            "reporter",
            "channel",
            "materials",
            "state",
            "submitted_on",
            "returned_on",
            "return_reason",
            "resubmitted_on",
            "settled_on",
            "benefit_fen",
            "declined_on",
            "decline_reason",
            "created_by",
        )
        self.conn.executemany(
            f"INSERT INTO claim_report ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(c.get(col) for col in columns) for c in claims],
        )
        self.conn.executemany(
            "INSERT INTO claim_event (claim_id, action, from_state, to_state, on_date, amount_fen, note, by_user, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        self.conn.executemany(
            "INSERT INTO direct_pay_failure (claim_id, notice_on, corrected_on, corrected_account, transferred_on, "
            "handed_down_on, signed_on, note, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            failures,
        )
        by_state = {state: sum(1 for c in claims if c["state"] == state) for state, _, _ in _CLAIM_PATHS}
        self._step(
            "demo.claims",
            "claim_report",
            {"claims": len(claims), "claim_events": len(events), "direct_pay_failures": len(failures)},
            states=by_state,
        )

    def _random_lines(self, total_lines: int, count: int = 1000) -> list[tuple]:
        """About ``count`` random coverage lines with their policy's unit, plan and end."""
        ids = sorted({self.rng.randint(1, total_lines) for _ in range(count)}, reverse=True)
        return self.conn.execute(
            'SELECT c.member_id, p.unit_id, p.plan_id, c.shares, c.cover_start, c.observation_end, p."end" '
            f"FROM coverage c JOIN policy p ON p.id = c.policy_id WHERE c.id IN ({','.join('?' * len(ids))}) "
            "ORDER BY c.id DESC",
            ids,
        ).fetchall()

    def _claim(
        self, claim_id: int, path: tuple, line: tuple, plan: PlanParams, reporter: str, events: list[tuple]
    ) -> dict | None:
        """One claim on one coverage line following ``path``, or None if the line cannot carry
        it (too old for a claim in progress, too recent for the whole path, inside observation)."""
        rng = self.rng
        today = self.today
        target, steps, _ = path
        member_id, unit_id, plan_code, shares, start, obs_end, end = line
        start, last_day = date.fromisoformat(start), min(date.fromisoformat(end), today)
        obs_end = date.fromisoformat(obs_end) if obs_end else None
        illness = plan.illness_subject_to_observation
        gaps = [rng.randint(0, 20)] + [rng.randint(*_CLAIM_STEPS[s][1]) for s in steps]
        span = sum(gaps)
        declined_in_observation = (
            target == "declined" and illness and obs_end is not None and obs_end >= start and rng.random() < 0.4
        )
        if declined_in_observation:
            earliest, latest = start, min(obs_end, last_day, today - timedelta(days=span))
        else:
            earliest = max(start, obs_end + timedelta(days=1)) if illness and obs_end else start
            latest = min(last_day, today - timedelta(days=span))
        if target not in ("settled", "declined"):
            # Still waiting on its last step, taken 0–25 days ago (past 7 days is overdue).
            incident = today - timedelta(days=span + rng.randint(0, 25))
            if not earliest <= incident <= last_day:
                return None
        elif latest < earliest:
            return None
        else:
            incident = self._day(earliest, latest)
        required = list(plan.required_materials)
        received = required if steps else required[: len(required) - rng.randint(0, 2)]
        on = incident + timedelta(days=gaps[0])
        claim = {
            "id": claim_id,
            "member_id": member_id,
            "unit_id": unit_id,
            "plan_id": plan_code,
            "diagnosis": rng.choice(DIAGNOSES[plan.category]),
            "incident_kind": "illness" if illness else "accident",
            "incident_date": incident.isoformat(),
            "shares_claimed": rng.randint(1, shares),
            "report_date": on.isoformat(),
            "reporter": reporter,
            "channel": "app" if plan.category == "medical" and rng.random() < 0.6 else "paper",
            "materials": json.dumps(received, ensure_ascii=False),
            "state": "registered",
            "created_by": self.clerk,
        }
        events.append(
            (claim_id, "register", None, "registered", on.isoformat(), None, None, self.clerk, self._stamp(on))
        )
        for action, gap in zip(steps, gaps[1:], strict=True):
            on += timedelta(days=gap)
            state = _CLAIM_STEPS[action][0]
            amount = note = None
            if action == "return":
                note = claim["return_reason"] = rng.choice(RETURN_REASONS)
            elif action == "settle":
                low, high = BENEFIT_PER_SHARE[plan.category]
                amount = claim["benefit_fen"] = sum(
                    rng.randint(low * 100, high * 100) for _ in range(claim["shares_claimed"])
                )
            elif action == "decline":
                note = claim["decline_reason"] = (
                    DECLINE_REASONS[0] if declined_in_observation else rng.choice(DECLINE_REASONS[1:])
                )
            claim.setdefault(f"{state}_on", on.isoformat())
            events.append(
                (claim_id, action, claim["state"], state, on.isoformat(), amount, note, self.clerk, self._stamp(on))
            )
            claim["state"] = state
        return claim

    def _stamp(self, on: date) -> str:
        return f"{on.isoformat()}T{self.rng.randint(9, 16):02d}:{self.rng.randrange(60):02d}:00+08:00"

    def _pay_failure(self, claim: dict, *, closed: bool) -> tuple | None:
        """R2.4: notice → corrected → transferred → handed down → signed; an open item stops
        part way, a closed one reaches the member's signature (dates never after today)."""
        rng = self.rng
        on = date.fromisoformat(claim["settled_on"]) + timedelta(days=rng.randint(2, 15))
        if on > self.today:
            return None
        dates = [on]
        for low, high in ((1, 5), (2, 10), (1, 7), (1, 10))[: 4 if closed else rng.randint(0, 3)]:
            on += timedelta(days=rng.randint(low, high))
            if on > self.today:
                break
            dates.append(on)
        dates += [None] * (5 - len(dates))
        notice, corrected, transferred, handed_down, signed = (d.isoformat() if d else None for d in dates)
        return (
            claim["id"],
            notice,
            corrected,
            self._account()[1] if corrected else None,
            transferred,
            handed_down,
            signed,
            rng.choice(PAY_FAILURE_NOTES),
            self.clerk,
        )

    # --- welfare disbursements ------------------------------------------------------------------

    def _disbursements(self) -> None:
        """Last year's and this year's budget lines and welfare disbursements, every payment
        within the caps of docs/rules.md R3 (one hardship or education payment per person and year,
        weather goods on at most three occasions), money by transfer to the member's own
        account or, up to the cash limit, in cash with a reason; goods in kind."""
        budget_rows, rows = [], []
        for index, year in enumerate((self.today.year - 1, self.today.year)):
            welfare_id = index * 3 + 1
            year_rows = self._year_disbursements(year, welfare_id)
            spent = sum(r[7] for r in year_rows if r[15] != "cancelled")
            welfare = max(5_000_000, -(-spent * 5 // 4 // 1_000_000) * 1_000_000)
            budget_rows += [
                (welfare_id, year, "welfare", "互助互济支出", welfare),
                (welfare_id + 1, year, "service", "服务项目", max(2_000_000, self.members * 200)),
                (welfare_id + 2, year, "office", "办公经费", max(1_000_000, self.members * 100)),
            ]
            rows += year_rows
        # Each year's lines as a real branch gets them (models.budget): drafted by the clerk,
        # approved by the supervisor after the committee met (R11.1–R11.3, 000 第十三条2), so the
        # 年度预算 screen shows 第1版 已批准 above its lines, not 尚无预算. Fixed times, not drawn:
        # the seeded data after this step stay as they were.
        versions, version_lines = [], []
        for index, year in enumerate((self.today.year - 1, self.today.year)):
            met = min(date(year, 1, 20), self.today)
            versions.append(
                (index + 1, year, self.clerk, f"{date(year, 1, 5).isoformat()}T10:00:00+08:00", self.supervisor)
                + (f"{met.isoformat()}T15:00:00+08:00", met.isoformat(), f"{year}年第1次管委会会议纪要")
            )
            version_lines += [(index + 1, code, name, fen) for _, y, code, name, fen in budget_rows if y == year]
        self.conn.executemany(
            "INSERT INTO budget_version (id, year, number, state, drafted_by, drafted_at, approved_by, approved_at, "
            "meeting_date, minutes) VALUES (?, ?, 1, 'approved', ?, ?, ?, ?, ?, ?)",
            versions,
        )
        self.conn.executemany(
            "INSERT INTO budget_version_line (version_id, code, name, amount_fen) VALUES (?, ?, ?, ?)", version_lines
        )
        self.conn.executemany(
            "INSERT INTO budget_line (id, year, code, name, amount_fen, version_id) VALUES (?, ?, ?, ?, ?, ?)",
            [(*row, 1 if row[1] == self.today.year - 1 else 2) for row in budget_rows],
        )
        self.conn.executemany(
            "INSERT INTO disbursement (on_date, member_id, beneficiary_name, relation, unit_id, category, reason, "
            "amount_fen, method, account, transfer_ref, receipt_no, cash_reason, scheme_ref, budget_line_id, state, "
            "entered_by, approved_by, approved_on, paid_on, signed_on, visit_place) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        states = {s: sum(1 for r in rows if r[15] == s) for s in ("entered", "approved", "paid", "signed", "cancelled")}
        self._step(
            "demo.disbursements",
            "disbursement",
            {"budget_lines": len(budget_rows), "disbursements": len(rows)},
            states=states,
        )

    def _recipients(self, count: int) -> list[tuple]:
        """Distinct random members as (id, name, unit_id, bank_account), in draw order."""
        ids = self.rng.sample(range(1, self.members + 1), min(count, self.members))
        found = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for row in self.conn.execute(
                f"SELECT id, name, unit_id, bank_account FROM member WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ):
                found[row[0]] = row
        return [found[i] for i in ids]

    def _year_disbursements(self, year: int, budget_line: int) -> list[tuple]:
        rng = self.rng
        rs = self.rs
        last = min(date(year, 12, 31), self.today)
        first = date(year, 1, 1)
        scale = self.members
        rows: list[tuple] = []

        def add(on, member, beneficiary, relation, category, reason, amount, method, steps=None, cancelled=None):
            cash_reason = "会员住院，代办处人员现场慰问" if method == "cash" else None
            if cancelled is None:
                cancelled = rng.random() < 0.03
            rows.append(
                self._disbursement(
                    on,
                    member,
                    beneficiary,
                    relation,
                    category,
                    reason,
                    amount,
                    method,
                    cash_reason,
                    budget_line,
                    len(rows) + 1,
                    steps,
                    cancelled,
                )
            )

        banked = [m for m in self._recipients(max(3, scale // 500) * 4) if m[3]]
        for member in banked[: max(2, scale // 500)]:
            amount = min(rng.choice((100_000, 150_000, 200_000, 300_000, 500_000)), rs["hardship_aid_year_cap_fen"])
            reason = rng.choice(
                (
                    "家庭成员患重病，生活困难",
                    "本人长期患病，收入微薄",
                    "遭遇火灾，家庭财产损失严重",
                    "单亲家庭，子女就学负担重",
                )
            )
            add(self._day(first, last), member, member[1], "self", "hardship_aid", reason, amount, "transfer")
        for member in banked[max(2, scale // 500) :][: max(2, scale // 800)]:
            child = self._name(rng.choice(("male", "female")), self._surname_of(member[1]))
            amount = min(rng.choice((100_000, 200_000, 300_000, 500_000)), rs["education_aid_year_cap_fen"])
            add(
                self._day(first, last),
                member,
                child,
                "child",
                "education_aid",
                f"子女{child}考入大学，家庭经济困难",
                amount,
                "transfer",
            )
        for member in self._recipients(max(3, scale // 300)):
            amount = min(rng.randrange(100, 501, 50) * 100, rs["small_goods_occasion_cap_fen"])
            add(
                self._day(first, last),
                member,
                member[1],
                "self",
                "small_goods",
                rng.choice(("住院慰问", "节日慰问", "困难职工走访慰问")),
                amount,
                "in_kind",
            )
        for member in self._recipients(max(3, scale // 400)):
            relation = rng.choices(("self", "spouse", "child"), (6, 3, 1))[0]
            beneficiary = (
                member[1]
                if relation == "self"
                else self._name(
                    rng.choice(("male", "female")), self._surname_of(member[1]) if relation == "child" else None
                )
            )
            reason = {
                "self": "会员本人患重大疾病住院",
                "spouse": "会员配偶遭受意外伤害",
                "child": "会员子女患重大疾病",
            }[relation]
            amount = min(rng.randrange(500, 2001, 100) * 100, rs["condolence_cash_occasion_cap_fen"])
            if member[3]:
                add(
                    self._day(first, last), member, beneficiary, relation, "condolence_cash", reason, amount, "transfer"
                )
            else:
                add(
                    self._day(first, last),
                    member,
                    beneficiary,
                    relation,
                    "condolence_cash",
                    reason,
                    min(amount, rs["cash_payment_max_fen"]),
                    "cash",
                )
        # Weather goods: the same outdoor workers on each occasion, at most three a year, so
        # the yearly cap (three occasions at the per-occasion cap) cannot be exceeded.
        outdoor = self._recipients(max(5, scale // 200))
        occasions = (
            (date(year, 1, 10), "寒冷天气慰问品"),
            (date(year, 7, 15), "高温慰问品"),
            (date(year, 12, 20), "寒冷天气慰问品"),
        )
        per_occasion = min(rs["weather_goods_occasion_cap_fen"], rs["weather_goods_year_cap_fen"] // len(occasions))
        for on, reason in occasions:
            if on <= last:
                for member in outdoor:
                    add(
                        on,
                        member,
                        member[1],
                        "self",
                        "weather_goods",
                        reason,
                        rng.choice((per_occasion * 4 // 5, per_occasion)),
                        "in_kind",
                    )
        if year == self.today.year:
            # Recent hospital visits, one in each open state and one cancelled, so that even a
            # small demo shows the whole register. A demo of fewer than four members draws fewer.
            for member, days_ago, steps, cancelled in zip(
                self._recipients(4), (1, 4, 9, 15), (0, 1, 2, 0), (False, False, False, True), strict=False
            ):
                add(
                    max(first, self.today - timedelta(days=days_ago)),
                    member,
                    member[1],
                    "self",
                    "small_goods",
                    "住院慰问",
                    min(30_000, rs["small_goods_occasion_cap_fen"]),
                    "in_kind",
                    steps,
                    cancelled,
                )
        return rows

    def _disbursement(
        self,
        on: date,
        member: tuple,
        beneficiary: str,
        relation: str,
        category: str,
        reason: str,
        amount: int,
        method: str,
        cash_reason: str | None,
        budget_line: int,
        number: int,
        steps: int | None = None,
        cancelled: bool = False,
    ) -> tuple:
        """One disbursement moved along entered → approved → paid → signed by ``steps`` (drawn
        from its age unless given; never past today), or cancelled after entry. Entered by the
        clerk, approved by the supervisor (R3.5); a paid transfer has its bank reference and
        every payment its receipt number (附件2)."""
        rng = self.rng
        if steps is None:
            steps = 3 if (self.today - on).days > 30 and rng.random() < 0.9 else rng.randint(0, 3)
        dates: list[date] = []
        day = on
        for low, high in ((0, 3), (1, 5), (0, 7))[: 0 if cancelled else steps]:
            day += timedelta(days=rng.randint(low, high))
            if day > self.today:
                break
            dates.append(day)
        state = "cancelled" if cancelled else ("entered", "approved", "paid", "signed")[len(dates)]
        approved_on, paid_on, signed_on = (d.isoformat() if d else None for d in (dates + [None] * 3)[:3])
        return (
            on.isoformat(),
            member[0],
            beneficiary,
            relation,
            member[2],
            category,
            reason,
            amount,
            method,
            member[3] if method == "transfer" else None,
            f"ZZ{on:%Y%m%d}{number:05d}" if paid_on and method == "transfer" else None,
            f"QS{on.year}-{number:05d}" if paid_on else None,
            cash_reason,
            None,
            budget_line,
            state,
            self.clerk,
            self.supervisor if approved_on else None,
            approved_on,
            paid_on,
            signed_on,
            "会员住院的医院" if method == "cash" else None,
        )

    # --- staff -----------------------------------------------------------------------------------

    def _staff(self) -> None:
        """Business-system accounts (one near the 150-day warning, one past 180 days, one of a
        clerk who left), their filing and change forms, and the handover when that clerk left."""
        today = self.today
        left_on = today - timedelta(days=130)
        accounts = (
            ("王芳", "bj004wangfang", today - timedelta(days=2), True),
            ("李静", "bj004lijing", today - timedelta(days=31), True),
            ("赵磊", "bj004zhaolei", today - timedelta(days=158), True),
            ("孙丽", "bj004sunli", today - timedelta(days=196), True),
            ("刘洋", "bj004liuyang", left_on, False),
        )
        self.conn.executemany(
            "INSERT INTO staff_account (id, name, phone, username, last_login, active) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (i, name, self._mobile(), username, last.isoformat(), active)
                for i, (name, username, last, active) in enumerate(accounts, start=1)
            ],
        )
        forms = [
            (i, "filing", date(today.year - HISTORY_YEARS, 1, 5).isoformat(), None, username, "用户名备案")
            for i, (_, username, _, _) in enumerate(accounts, start=1)
        ]
        forms.append(
            (
                1,
                "change",
                (left_on + timedelta(days=3)).isoformat(),
                "bj004wangf",
                "bj004wangfang",
                "接替刘洋岗位后用户名变更",
            )
        )
        self.conn.executemany(
            "INSERT INTO account_form (account_id, kind, on_date, old_username, new_username, note) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            forms,
        )
        open_work = {"unfinished_claims": 3, "unsigned_receipts": 2, "pending_renewals": 4}
        self.conn.execute(
            "INSERT INTO handover (id, on_date, outgoing, incoming, supervisor, reported_on, outgoing_confirmed, "
            "incoming_confirmed, open_work, note, created_by) VALUES (1, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?)",
            (
                left_on.isoformat(),
                "刘洋",
                "王芳",
                "陈建国",
                (left_on + timedelta(days=6)).isoformat(),
                json.dumps(open_work, ensure_ascii=False),
                "刘洋调离，岗位由王芳接替",
                self.clerk,
            ),
        )
        quantities = {
            "seals": ("代办处公章、财务专用章", 2),
            "cheques": ("空白支票（连号）", 25),
            "certificates": ("代办处登记证及经办人员聘书", 3),
            "archives": ("会员参保及理赔档案", 12),
            "ledgers": ("现金日记账、报案登记簿、慰问金发放登记簿", 3),
            "system_usernames": ("业务系统用户名 bj004liuyang（已停用）", 1),
        }
        items = [
            (1, code, f"{label}：{quantities.get(code, (label, 1))[0]}", quantities.get(code, (label, 1))[1], 1)
            for code, label in self.rs["handover_items"].items()
        ]
        self.conn.executemany(
            "INSERT INTO handover_item (handover_id, kind, description, quantity, checked) VALUES (?, ?, ?, ?, ?)",
            items,
        )
        self._step(
            "demo.staff",
            "staff_account",
            {
                "staff_accounts": len(accounts),
                "account_forms": len(forms),
                "handovers": 1,
                "handover_items": len(items),
            },
        )
