"""The yearly audit self-check (稽核自查, 000 第二十三条; 001 附件1 and 附件3).

Every item of the office's audit standard (001 附件1) is listed. Those the program can
measure from its own data are computed, each with the evidence behind its verdict and
the rules that decided it (``rules`` only: nothing here re-decides what a rule decides);
the others form a checklist the clerk ticks, with a note, and the ticks are kept per year.
Where the data hold nothing to judge by, the item says 无记录 rather than passing or failing.

The materials list of 001 附件3 says which papers the program can produce, and
``produce_materials`` writes them for the audited year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from models import audit, clock, reports
from models.db import database, writing
from models.errors import UsageError
from models.worklog import KINDS, list_entries
from rules import (
    CATEGORIES,
    BudgetLine,
    ClaimEvent,
    ClaimReport,
    Decision,
    Disbursement,
    Handover,
    PriorPayment,
    Severity,
    check_approval,
    check_audit_counts,
    check_budget,
    check_caps,
    check_claim_history,
    check_handover,
    check_payment_method,
    check_register_fields,
    handover_report_status,
    ruleset_on,
    selfassessment_due,
)
from rules.audit import selfassessment_window
from rules.staff import login_gaps

STATUS_NAMES = {
    "ok": "符合",
    "fail": "不符合",
    "attention": "需关注",
    "no_record": "无记录",
    "info": "已计算",
    "ticked": "已核对",
    "open": "待核对",
}
SECTIONS = {"org": "组织机构管理", "biz": "业务管理", "fin": "财务管理"}
#: Evidence lines shown per item; the rest are counted, so one bad year cannot flood the screen.
EVIDENCE_LIMIT = 30


@dataclass(frozen=True)
class Standard:
    """One audit item of 001 附件1. ``measure`` names the function computing it, or is None
    for an item the clerk checks by hand."""

    code: str
    text: str
    measure: str | None = None


STANDARDS: tuple[Standard, ...] = (
    Standard("org.1", "代办处（经办机构）组织健全，建立互助保障工作管理办法。"),
    Standard(
        "org.2",
        "分管领导定期听取互助保障工作汇报，监督、检查年度计划的完成情况，研究解决问题，有会议记录"
        "（管委会会议每季度至少一次，000 第十六条1）。",
        "meetings",
    ),
    Standard("org.3", "将职工互助保障工作纳入工会工作的议事日程，定期研究、部署和总结互助保障工作两次及以上。"),
    Standard(
        "org.4", "按时参加办事处的各项会议、培训，认真贯彻总会、市总及办事处的各项文件精神，严格执行各项文件规定。"
    ),
    Standard("org.5", "建立健全经办机构各项规章制度、自查机制等。"),
    Standard("org.6", "全总、市总及办事处的所有文件，按年度、按类别装订成册并保存。"),
    Standard("org.7.handover", "经办人员、通讯方式的变更信息要及时上报，人员变化应有交接记录。", "handovers"),
    Standard("org.7.login", "经办人员登录系统天数间隔不高于180天。", "logins"),
    Standard(
        "org.8",
        "按照信息安全管理制度使用《业务系统用户名变更表》和《业务系统用户名备案表》，"
        "做好用户名信息安全管理工作、信息保密工作。",
    ),
    Standard(
        "biz.1", "正确、熟练使用业务系统软件；规范进行会员的调入调出；按照《关于清理长期滞留会员的通知》进行清理。"
    ),
    Standard("biz.2", "按时做好投保、续转工作，流程规范；确保投保单位的真实性。"),
    Standard("biz.3", "做好理赔工作，建立内部报案登记簿，正确录入业务操作系统，理赔资料真实、齐全。", "claim_register"),
    Standard(
        "biz.4",
        "定期导出统计报表，核对投保、理赔业务数据，保证办事处、基层单位数据上下一致，"
        "保证各项资金准确无误（每月向办事处报送数据包）。",
        "reconciliation",
    ),
    Standard("biz.5", "规范业务档案管理，业务档案由专人负责，分类妥善保存。"),
    Standard("biz.6", "医疗类理赔加强无纸化APP申报工作；业务系统理赔资料基层单位保存，保证真实有效齐全。"),
    Standard(
        "biz.7",
        "做好业务统计分析，提高经办人员业务能力，定期组织业务培训全年不少于4次，以工作信息形式向办事处报送。",
        "trainings",
    ),
    Standard("biz.8", "积极向会员宣传各项互助保障计划，扩大职工互助保障覆盖面，发展新会员，消灭空白点。"),
    Standard("biz.9", "积极向职工推广使用互助保障微信公众平台，提高关注度和知晓率。"),
    Standard("biz.10", "医疗互助、重大疾病互助、意外伤害互助“三位一体”的职工互助保障目标完成情况。"),
    Standard(
        "biz.11",
        "充分利用办事处门户网站，宣传报道互助保障工作方法和经验，积极向办事处投稿，每年不少于4篇。",
        "articles",
    ),
    Standard("fin.1", "遵守《会计法》《北京办事处财务管理办法》等财务法律法规，并制定内部财务制度。"),
    Standard("fin.2", "按照《中国职工保险互助会北京办事处代办处会计核算办法（暂行）》的规定进行核算。"),
    Standard("fin.3", "财务工作岗位应按要求分设财务会计和出纳岗位。"),
    Standard("fin.4", "定期核对财务、业务数据，按时按要求上报报表。"),
    Standard(
        "fin.5",
        "管理费使用制度、手续完备，使用与预算、审批一致（不超预算，录入与审批不相容岗位分离）。",
        "budget_and_approval",
    ),
    Standard(
        "fin.6",
        "会员活动、互助互济开展情况，慰问金的发放有相关规定和支付标准，手续完备"
        "（不超标准，发放方式合规，受益会员签收）。",
        "disbursements",
    ),
    Standard(
        "fin.7",
        "按照总会统一下发的各保障计划收费标准收取会费，及时、足额上交办事处，不截留、挪用资金，"
        "不公款私存、设立账外账，不为外单位作经济担保。",
    ),
    Standard("fin.8", "预算执行情况完成率高。", "budget_rate"),
    Standard("fin.9", "按规定管理财务账簿和档案。"),
    Standard("fin.10", "实行代开票据的经办组织确保开具发票的准确性；“直投”代办处及时领取并下发基层单位缴费票据。"),
)
CHECKLIST_CODES = frozenset(s.code for s in STANDARDS if s.measure is None)
#: A few words (at most 16 cells) naming each item, for lists where the standard's whole text does not fit (a clerk
#: does not know the items by their codes).
TITLES: dict[str, str] = {
    "org.1": "组织与管理办法",
    "org.2": "领导听取汇报",
    "org.3": "纳入工会议事日程",
    "org.4": "参会培训执行文件",
    "org.5": "规章与自查机制",
    "org.6": "文件装订保存",
    "org.7.handover": "人员变更与交接",
    "org.7.login": "系统登录间隔",
    "org.8": "用户名备案保密",
    "biz.1": "业务系统与调转",
    "biz.2": "投保续转规范",
    "biz.3": "理赔与报案登记簿",
    "biz.4": "数据核对与上报",
    "biz.5": "业务档案管理",
    "biz.6": "无纸化APP申报",
    "biz.7": "业务分析与培训",
    "biz.8": "宣传发展新会员",
    "biz.9": "推广微信公众号",
    "biz.10": "三位一体目标",
    "biz.11": "网站宣传投稿",
    "fin.1": "财务法规与制度",
    "fin.2": "按办法核算",
    "fin.3": "会计出纳分设",
    "fin.4": "财务业务核对",
    "fin.5": "管理费预算审批",
    "fin.6": "互助互济与慰问",
    "fin.7": "会费足额上交",
    "fin.8": "预算执行率",
    "fin.9": "账簿与档案",
    "fin.10": "票据开具下发",
}


@dataclass(frozen=True)
class Material:
    """One line of 001 附件3 and the reports (``models.reports`` names) that produce it."""

    number: int
    text: str
    reports: tuple[str, ...] = ()
    partly: str = ""


MATERIALS: tuple[Material, ...] = (
    Material(1, "代办处（经办机构）管理制度及相关内控制度"),
    Material(2, "前次稽核报告复印件"),
    Material(
        3,
        "财务情况说明、资产负债表、业务活动表、年度预算及预算完成情况表、银行存款对账单、银行存款余额调节表、"
        "银行账户情况表等",
        ("budget", "budget_plan"),
        "仅可生成“预算完成情况表”及下年度预算表（000 第二十三条）",
    ),
    Material(4, "总账、明细账及现金、银行存款日记账和全年会计凭证"),
    Material(5, "往来账明细、账龄"),
    Material(
        6,
        "财产盘点明细表（现金、固定资产），固定资产产权证，新增固定资产发票复印件、《固定资产购置申请表》、"
        "《大宗商品购置申请表》",
        ("assets", "purchases"),
        "生成固定资产的财产盘点明细表（含产权证、发票号）及购置记录；现金盘点、证件和发票复印件另行准备",
    ),
    Material(
        7,
        "《会费收入、理赔给付业务统计报表》、《慰问金发放登记簿》、《为代办点配置办公设备发放登记表》",
        ("statistics", "disbursements"),
        "不含《为代办点配置办公设备发放登记表》",
    ),
    Material(8, "重要业务合同、协议复印件，管理费下拨申请、批复"),
    Material(9, "保单、理赔、文件等各类档案", ("claims",), "仅可生成理赔档案中的报案登记簿"),
    Material(10, "业务系统用户名变更表和业务系统用户名备案表", ("accounts",), "生成各表的登记记录，原件另行装订"),
)


@dataclass
class Item:
    code: str
    section: str
    standard: str
    measured: bool
    status: str
    summary: str
    evidence: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # "[code] citation" of the decisions behind the verdict
    note: str | None = None
    by_user: str | None = None
    at: str | None = None

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def title(self) -> str:
        return TITLES.get(self.code, self.code)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "section": self.section,
            "standard": self.standard,
            "measured": self.measured,
            "status": self.status,
            "status_name": self.status_name,
            "summary": self.summary,
            "evidence": self.evidence,
            "rules": self.rules,
            "note": self.note,
            "by": self.by_user,
            "at": self.at,
        }


@dataclass
class SelfCheck:
    year: int
    today: dt.date
    items: list[Item]
    due: Decision

    def counts(self) -> dict[str, int]:
        out = {status: 0 for status in STATUS_NAMES}
        for item in self.items:
            out[item.status] += 1
        return out

    def to_json(self) -> dict:
        return {
            "year": self.year,
            "today": self.today.isoformat(),
            "selfassessment": {
                "outcome": self.due.outcome,
                "message": self.due.message,
                "window_start": self.due.data["window_start"].isoformat(),
                "window_end": self.due.data["window_end"].isoformat(),
            },
            "counts": self.counts(),
            "items": [i.to_json() for i in self.items],
            "materials": [
                {"number": m.number, "text": m.text, "reports": list(m.reports), "partly": m.partly or None}
                for m in MATERIALS
            ],
        }


def _rule(d: Decision) -> str:
    return f"[{d.code}] {d.citation}"


def _limit(lines: list[str]) -> list[str]:
    if len(lines) <= EVIDENCE_LIMIT:
        return lines
    return lines[:EVIDENCE_LIMIT] + [f"……另有 {len(lines) - EVIDENCE_LIMIT} 条未列出"]


def _d(value) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value)[:10])


class _Measures:
    """The measured items of one year, judged as of ``today``. Each method returns
    (status, summary, evidence, decisions)."""

    def __init__(self, year: int, today: dt.date):
        self.year = year
        self.today = today
        self.year_over = today > dt.date(year, 12, 31)
        entries = list_entries(year=year)
        self.entries = {kind: [e for e in entries if e.kind == kind] for kind in KINDS}
        self.counts = check_audit_counts(
            year,
            [e.on_date for e in self.entries["meeting"]],
            len(self.entries["training"]),
            len(self.entries["article"]),
        )

    # --- work log: meetings, trainings, articles (check_audit_counts) ---------------------------

    def _short(self, code: str) -> Decision | None:
        return next((d for d in self.counts if d.code == code), None)

    def _counted(self, kind: str, code: str):
        entries = self.entries[kind]
        evidence = [
            f"{e.on_date} {e.title}" + (f"（{e.attendees_or_outlet}）" if e.attendees_or_outlet else "")
            for e in entries
        ]
        short = self._short(code)
        if not entries:
            return (
                "no_record",
                f"无记录：工作记录中没有{self.year}年的{KINDS[kind]}",
                [short.message] if short else [],
                [short] if short else [],
            )
        if short is None:
            return (
                "ok",
                f"{self.year}年{KINDS[kind]} {len(entries)} 次，符合标准",
                evidence,
                [d for d in self.counts if d.code == "R6.counts_ok"],
            )
        status = "fail" if self.year_over else "attention"
        summary = short.message + ("" if self.year_over else "（年度尚未结束）")
        return status, summary, evidence, [short]

    def meetings(self):
        return self._counted("meeting", "R6.committee_meetings_short")

    def trainings(self):
        return self._counted("training", "R6.trainings_short")

    def articles(self):
        return self._counted("article", "R6.articles_short")

    # --- staff -------------------------------------------------------------------------------

    def logins(self):
        """R4.2 over the year: every account in use during it, from its creation (or its
        first login) to today, the day it was disabled, or the year's self-assessment
        deadline (a gap still open when the year's papers are due counts against the year)."""
        start, year_end = dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        deadline = selfassessment_window(year_end, ruleset_on(year_end))[1]
        accounts = database.execute_sql(
            "SELECT id, name, username, created_on, disabled_on, last_login FROM staff_account "
            "WHERE (created_on IS NULL OR created_on <= ?) AND (active OR disabled_on >= ?) "
            "ORDER BY name, id",
            (year_end.isoformat(), start.isoformat()),
        ).fetchall()
        if not accounts:
            return "no_record", f"无记录：{self.year}年没有在用的业务系统账户（用 huzhu staff add 登记）", [], []
        logins: dict[int, list[dt.date]] = defaultdict(list)
        for account_id, on in database.execute_sql(
            "SELECT account_id, on_date FROM staff_login WHERE on_date <= ? ORDER BY account_id, on_date",
            (deadline.isoformat(),),
        ):
            logins[account_id].append(_d(on))
        decisions, evidence = [], []
        for account_id, name, username, created, disabled, last in accounts:
            end = min(self.today, deadline, _d(disabled) or deadline)
            # the cached last login counts too: rows written before the login entries existed hold only it
            seen = logins[account_id] + ([_d(last)] if last else [])
            d = login_gaps(_d(created), seen, start, end)
            if d.outcome == "not_yet":
                continue
            decisions.append(d)
            evidence.append(f"{name}（{username}）：{d.message}")
        if not decisions:
            return "no_record", f"无记录：{self.year}年没有在用的业务系统账户", [], []
        overdue = [d for d in decisions if d.outcome == "overdue"]
        warned = [d for d in decisions if d.outcome == "warn"]
        summary = f"按 {min(self.today, deadline)} 计，{len(decisions)} 个在用账户"
        if overdue:
            return "fail", f"{summary}，{len(overdue)} 个登录间隔超过上限", evidence, overdue + warned
        if warned:
            return "attention", f"{summary}，{len(warned)} 个即将超过登录间隔上限", evidence, warned
        return "ok", f"{summary}，登录间隔均未超过上限", evidence, decisions[:1]

    def handovers(self):
        staff = database.execute_sql("SELECT name, active FROM staff_account ORDER BY name").fetchall()
        rows = database.execute_sql(
            "SELECT id, on_date, outgoing, incoming, supervisor, reported_on, incoming_confirmed FROM handover "
            "ORDER BY on_date, id"
        ).fetchall()
        if not staff and not rows:
            return "no_record", "无记录：没有业务系统账户和交接记录", [], []
        items = defaultdict(set)
        for handover_id, kind in database.execute_sql("SELECT handover_id, kind FROM handover_item WHERE checked"):
            items[handover_id].add(kind)
        evidence, bad, warn = [], [], []
        outgoing = {r[2] for r in rows}
        for name, active in staff:
            if not active and name not in outgoing:
                evidence.append(f"{name} 的业务系统账户已停用，但没有其移交的交接记录")
                bad.append(None)
        for handover_id, on, out, inc, sup, reported, acknowledged in rows:
            on = _d(on)
            if on.year != self.year:
                continue
            h = Handover(out, inc, sup, on, frozenset(items[handover_id]), bool(acknowledged), _d(reported))
            for d in (*check_handover(h), handover_report_status(h, self.today)):
                evidence.append(f"{on} {out}→{inc}：{d.message}")
                if d.severity is Severity.ERROR:
                    bad.append(d)
                elif d.severity is Severity.WARNING:
                    warn.append(d)
        in_year = sum(1 for r in rows if _d(r[1]).year == self.year)
        decisions = [d for d in bad + warn if d is not None]
        if bad:
            return "fail", f"{self.year}年交接 {in_year} 次，{len(bad)} 处不符合", evidence, decisions
        if warn:
            return "attention", f"{self.year}年交接 {in_year} 次，{len(warn)} 处需关注", evidence, decisions
        if not in_year:
            return "ok", f"{self.year}年无人员变更交接；停用账户均有交接记录", evidence, []
        return "ok", f"{self.year}年交接 {in_year} 次，交接完整并已按期上报", evidence, []

    # --- claims --------------------------------------------------------------------------------

    def claim_register(self):
        start, end = dt.date(self.year, 1, 1).isoformat(), dt.date(self.year, 12, 31).isoformat()
        claims = database.execute_sql(
            "SELECT c.id, u.name, m.name, c.diagnosis, c.plan_id, c.shares_claimed, c.report_date, c.reporter, "
            "c.incident_date, c.incident_kind FROM claim_report c JOIN unit u ON u.id = c.unit_id "
            "JOIN member m ON m.id = c.member_id WHERE c.report_date BETWEEN ? AND ? ORDER BY c.report_date, c.id",
            (start, end),
        ).fetchall()
        if not claims:
            return "no_record", f"无记录：{self.year}年没有报案登记", [], []
        events = defaultdict(list)
        for claim_id, state, on, by, amount, note in database.execute_sql(
            "SELECT e.claim_id, e.to_state, e.on_date, e.by_user, e.amount_fen, e.note FROM claim_event e "
            "JOIN claim_report c ON c.id = e.claim_id WHERE c.report_date BETWEEN ? AND ? ORDER BY e.id",
            (start, end),
        ):
            events[claim_id].append(ClaimEvent(state, _d(on), by, note if state == "returned" else None, amount))
        evidence, problems, incomplete = [], [], 0
        for claim_id, unit, member, diagnosis, plan, shares, reported, reporter, incident, kind in claims:
            report = check_register_fields(
                ClaimReport(unit, member, diagnosis, plan, shares, _d(reported), reporter, _d(incident), kind),
                self.today,
            )
            found = list(report.errors)
            if events[claim_id]:
                found += check_claim_history(events[claim_id], _d(incident) or _d(reported)).errors
            for d in found:
                evidence.append(f"{reported} {unit} {member}：{d.message}")
            problems += found
            incomplete += bool(found)
        if problems:
            return "fail", f"{self.year}年报案 {len(claims)} 件，{incomplete} 件登记不完整", evidence, problems
        return "ok", f"{self.year}年报案 {len(claims)} 件，登记簿必填项齐全，各环节日期连贯", [], []

    # --- reconciliation: the monthly bundles ---------------------------------------------------------

    def reconciliation(self):
        from sync.bundle import KIND_BRANCH_MONTHLY

        due = [
            f"{self.year}-{m:02d}" for m in range(1, 13) if dt.date(self.year + (m == 12), m % 12 + 1, 1) <= self.today
        ]
        if not due:
            return "info", f"{self.year}年尚无已结束的月份", [], []
        sent: dict[str, tuple[int, str]] = {}
        for period, sequence, created in database.execute_sql(
            "SELECT period, sequence, created_at FROM bundle_log WHERE direction = 'out' AND kind = ? "
            "AND period LIKE ? ORDER BY sequence",
            (KIND_BRANCH_MONTHLY, f"{self.year}-%"),
        ):
            sent.setdefault(period, (sequence, created))
        evidence = [
            f"{p}：已生成第 {sent[p][0]} 号月度数据包（{sent[p][1][:10]}）" if p in sent else f"{p}：无记录"
            for p in due
        ]
        missing = [p for p in due if p not in sent]
        if len(missing) == len(due):
            return "no_record", f"无记录：没有{self.year}年向办事处报送月度数据包的记录", evidence, []
        if missing:
            return "fail", f"{len(due)} 个月中 {len(missing)} 个月没有报送记录：{'、'.join(missing)}", evidence, []
        return "ok", f"{len(due)} 个月均已向办事处报送月度数据包", evidence, []

    # --- disbursements and budget ----------------------------------------------------------------------

    def _disbursements(self) -> list[dict]:
        """The year's disbursements (not cancelled) in the order they were made; ``own_account``
        compares the account paid to with the member's own, without reading either out."""
        columns = (
            "on",
            "member_id",
            "beneficiary",
            "category",
            "reason",
            "amount",
            "method",
            "own_account",
            "cash_reason",
            "scheme_ref",
            "line_id",
            "state",
            "entered_by",
            "approver",
            "approved_on",
            "signed_on",
            "member",
        )
        cur = database.execute_sql(
            "SELECT d.on_date, d.member_id, d.beneficiary_name, d.category, d.reason, d.amount_fen, d.method, "
            "d.account IS NOT NULL AND d.account = m.bank_account, d.cash_reason, d.scheme_ref, d.budget_line_id, "
            "d.state, d.entered_by, d.approved_by, d.approved_on, d.signed_on, coalesce(m.name, d.beneficiary_name) "
            "FROM disbursement d LEFT JOIN member m ON m.id = d.member_id "
            "WHERE d.state != 'cancelled' AND d.on_date BETWEEN ? AND ? ORDER BY d.on_date, d.id",
            (dt.date(self.year, 1, 1).isoformat(), dt.date(self.year, 12, 31).isoformat()),
        )
        return [dict(zip(columns, row, strict=True), on=_d(row[0])) for row in cur]

    @staticmethod
    def _what(r: dict) -> str:
        return f"{r['on']} {r['member']} {CATEGORIES.get(r['category'], r['category'])} {reports.yuan(r['amount'])}元"

    def disbursements(self):
        rows = self._disbursements()
        if not rows:
            return "no_record", f"无记录：{self.year}年没有互助互济支出", [], []
        history: dict[object, list[PriorPayment]] = defaultdict(list)
        evidence, bad, unsigned = [], [], 0
        for r in rows:
            if r["category"] not in CATEGORIES:
                evidence.append(f"{self._what(r)}：未知的支出类别")
                bad.append(None)
                continue
            who = r["member_id"] or r["beneficiary"]
            student = r["beneficiary"] if r["category"] == "education_aid" else None
            found = [
                check_caps(r["category"], r["amount"], r["on"], history[who], student=student),
                check_payment_method(
                    Disbursement(
                        r["category"],
                        r["member"],
                        r["on"],
                        r["amount"],
                        r["reason"] or "",
                        r["method"],
                        to_own_account=bool(r["own_account"]),
                        cash_reason=r["cash_reason"],
                        student=student,
                        scheme_ref=r["scheme_ref"],
                    )
                ),
            ]
            history[who].append(PriorPayment(r["category"], r["on"], r["amount"], student))
            for d in found:
                if not d.ok:
                    evidence.append(f"{self._what(r)}：{d.message}")
                    bad.append(d)
            if r["state"] == "paid" and not r["signed_on"]:
                evidence.append(f"{self._what(r)}：已发放，尚无受益会员签收")
                unsigned += 1
        decisions = [d for d in bad if d is not None]
        summary = f"{self.year}年支出 {len(rows)} 笔"
        if bad:
            return "fail", f"{summary}，{len(bad)} 处超标准或发放方式不合规", evidence, decisions
        if unsigned:
            return "attention", f"{summary}，均未超标准；{unsigned} 笔已发放待签收", evidence, []
        return "ok", f"{summary}，均未超标准，发放方式合规，均已签收", [], []

    def budget_and_approval(self):
        lines = {
            i: (name, amount)
            for i, name, amount in database.execute_sql(
                "SELECT id, name, amount_fen FROM budget_line WHERE year = ?", (self.year,)
            )
        }
        if not lines:
            return "no_record", f"无记录：没有{self.year}年的预算科目", [], []
        rows = self._disbursements()
        roles = dict(database.execute_sql("SELECT name, role FROM app_user").fetchall())
        committed: dict[int, int] = defaultdict(int)
        evidence, bad = [], []
        for r in rows:
            line = lines.get(r["line_id"])
            found = [
                check_budget(
                    BudgetLine(line[0], line[1], committed[r["line_id"]]) if line else None, r["amount"], r["on"]
                )
            ]
            committed[r["line_id"]] += r["amount"]
            if r["approver"]:
                found.append(
                    check_approval(
                        r["entered_by"], r["approver"], roles.get(r["approver"]), _d(r["approved_on"]) or r["on"]
                    )
                )
            for d in found:
                if not d.ok:
                    evidence.append(f"{self._what(r)}：{d.message}")
                    bad.append(d)
        summary = f"{self.year}年预算科目 {len(lines)} 个，支出 {len(rows)} 笔"
        if bad:
            return "fail", f"{summary}，{len(bad)} 处超预算或审批不合规", evidence, bad
        return "ok", f"{summary}，均在预算内，录入与审批由不同人员办理", [], []

    def budget_rate(self):
        report = reports.budget(reports.parse_period(str(self.year)))
        if not report.rows:
            return "no_record", f"无记录：没有{self.year}年的预算科目", [], []
        col = {c.key: c for c in report.columns}
        evidence = [
            f"{r['name']}：预算 {reports.yuan(r['budget_fen'])}元，累计支出 {reports.yuan(r['year_fen'])}元，"
            f"执行率 {reports.display(col['rate'], r['rate']) or '—'}"
            for r in report.rows
        ]
        rate = reports.display(col["rate"], report.totals["rate"]) or "—"
        return ("info", f"{self.year}年预算执行率 {rate}（来源未规定具体比例，供自评参考）", evidence, [])


def run(year: int, *, today: dt.date | None = None) -> SelfCheck:
    """The self-check of ``year`` as of ``today``: measured items and the clerk's ticks."""
    today = today or clock.today()
    if not 2000 <= year <= 2999:
        raise UsageError(f"年份无效：{year}", f"invalid year: {year}")
    measures = _Measures(year, today)
    ticks = {
        item: (bool(t), note, by, at)
        for item, t, note, by, at in database.execute_sql(
            "SELECT item, ticked, note, by_user, at FROM selfcheck_tick WHERE year = ?", (year,)
        )
    }
    items = []
    for s in STANDARDS:
        section = SECTIONS[s.code.split(".")[0]]
        if s.measure:
            status, summary, evidence, decisions = getattr(measures, s.measure)()
            items.append(
                Item(
                    s.code,
                    section,
                    s.text,
                    True,
                    status,
                    summary,
                    _limit(evidence),
                    list(dict.fromkeys(_rule(d) for d in decisions)),
                )
            )
            continue
        ticked, note, by, at = ticks.get(s.code, (False, None, None, None))
        items.append(
            Item(
                s.code,
                section,
                s.text,
                False,
                "ticked" if ticked else "open",
                f"{by} 于 {at[:10]} 核对" if ticked else "由经办人核对后勾选",
                note=note,
                by_user=by,
                at=at,
            )
        )
    return SelfCheck(year, today, items, selfassessment_due(today))


def tick(year: int, code: str, *, ticked: bool = True, note: str | None = None) -> None:
    """Tick (or untick) a checklist item of ``year`` with a note; measured items cannot be ticked."""
    if code not in CHECKLIST_CODES:
        measured = any(s.code == code for s in STANDARDS)
        raise UsageError(
            f"“{code}”由程序根据数据计算，不能手工勾选" if measured else f"没有编号为“{code}”的自查项目",
            f"item {code!r} is computed from the data and cannot be ticked"
            if measured
            else f"no self-check item {code!r}",
        )
    note = (note or "").strip() or None
    with writing() as session:
        at = clock.stamp()
        database.execute_sql(
            "INSERT INTO selfcheck_tick (year, item, ticked, note, by_user, at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (year, item) DO UPDATE SET ticked = excluded.ticked, note = excluded.note, "
            "by_user = excluded.by_user, at = excluded.at",
            (year, code, ticked, note, session.user, at),
        )
        audit.record("selfcheck.tick", "selfcheck_tick", f"{year}/{code}", {"ticked": ticked, "note": note})


# --- output ------------------------------------------------------------------------------------------

ITEM_COLUMNS = (
    reports.Column("code", "编号"),
    reports.Column("section", "类别"),
    reports.Column("standard", "稽核内容及标准"),
    reports.Column("how", "方式"),
    reports.Column("status", "结果"),
    reports.Column("summary", "说明"),
    reports.Column("evidence", "依据及记录"),
)
MATERIAL_COLUMNS = (
    reports.Column("number", "序号", "int"),
    reports.Column("text", "稽核前应准备的资料（001 附件3）"),
    reports.Column("produced", "本程序可生成"),
    reports.Column("files", "生成的报表"),
)


def as_reports(check: SelfCheck) -> list[reports.Report]:
    """The self-check and the materials list as tables, for the screen and the .xlsx file."""
    period = reports.parse_period(str(check.year))
    rows = [
        {
            "code": i.code,
            "section": i.section,
            "standard": i.standard,
            "how": "自动计算" if i.measured else "人工核对",
            "status": i.status_name,
            "summary": i.summary,
            "evidence": "\n".join(i.evidence + i.rules + ([f"备注：{i.note}"] if i.note else [])),
        }
        for i in check.items
    ]
    counts = check.counts()
    totals = {
        "code": f"共 {len(rows)} 项",
        "summary": "，".join(f"{STATUS_NAMES[s]} {n}" for s, n in counts.items() if n),
    }
    branch = reports.branch_label()
    items = reports.Report(
        "selfcheck",
        f"{check.year}年度代办处稽核自查表",
        period,
        ITEM_COLUMNS,
        rows,
        totals,
        branch,
        notes=("依据《稽核内容及标准》(001 附件1) 及《代办处管理办法》第二十三条。", check.due.message),
        made_on=check.today,
    )
    material_rows = [
        {
            "number": m.number,
            "text": m.text,
            "produced": ("部分：" + m.partly if m.partly else "是") if m.reports else "否",
            "files": "、".join(reports.REPORTS[r].title for r in m.reports),
        }
        for m in MATERIALS
    ]
    materials = reports.Report(
        "materials",
        "稽核前应准备的资料",
        period,
        MATERIAL_COLUMNS,
        material_rows,
        {"number": None, "text": f"共 {len(MATERIALS)} 项，本程序可生成 {sum(1 for m in MATERIALS if m.reports)} 项"},
        branch,
        landscape=False,
        made_on=check.today,
    )
    return [items, materials]


def produce_materials(year: int, folder: str | Path) -> list[Path]:
    """Write, for ``year``, every report the materials list names, one .xlsx each, into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    period = reports.parse_period(str(year))
    names = list(dict.fromkeys(r for m in MATERIALS for r in m.reports))
    return [
        reports.write(reports.build(name, period), folder / f"{year}年度{reports.REPORTS[name].title}.xlsx")
        for name in names
    ]
