"""Office calendar notices (工作日历通知): the working-day calendar, issued and signed at the office,
installed at a branch, exactly as parameter notices are (sync/params.py, docs/params.md).

Public holidays and 调休 are announced by the State Council each year; the office turns the
notice into a TOML file, ``huzhu office calendar issue`` checks it with the rules the branch
applies (``rules.workdays.parse_year``) and signs it with the office's Ed25519 key; a branch runs
``huzhu calendar install``, which verifies the signature over the exact bytes with the pinned
office key before reading anything, shows which years change, and stores the signed file. The
latest notice installed for a year replaces the earlier one and the packaged year.

Same byte layout as a parameter notice (docs/params.md "The .hzp file") with magic ``HZCALNDR``
and signing domain ``"huzhu calendar notice v1\\0"``, so neither kind verifies as the other.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from typing import Any

from models.errors import HuzhuError
from rules.workdays import STATUSES, CalendarYear, parse_year, year_to_data
from sync.canonical import CanonicalJSONError, strict_loads
from sync.params import open_signed, payload_of, seal

MAGIC = b"HZCALNDR"
SIGNING_DOMAIN = b"huzhu calendar notice v1\x00"
PAYLOAD_FORMAT = "huzhu-calendar-notice"
VERSION = 1
MAX_TOML_BYTES = 64 * 1024

REASONS = {
    "calendar.too_large": "文件超过 1 MiB，不是工作日历通知",
    "calendar.wrong_kind": "不是工作日历通知（文件头不符，可能是参数通知、数据包或其他文件）",
    "calendar.unsupported_version": "工作日历通知版本不受支持",
    "calendar.malformed": "工作日历通知结构损坏（长度不符、截断或内容不是合法 JSON）",
    "calendar.office_not_trusted": "尚未安装办事处公钥（huzhu keys trust-office）",
    "calendar.unknown_key": "不是由已安装的办事处密钥签发",
    "calendar.bad_signature": "签名无效：文件被改动或损坏",
    "calendar.invalid": "工作日历内容不符合规定（签名有效，但数据无效）",
    "calendar.reference_reused": "已安装过同一文号但内容不同的通知",
    "calendar.older": "比已安装的同年度通知签发得早：不能用旧通知替换新通知",
}


class CalendarRefused(HuzhuError):
    """A calendar notice (or its TOML source) is refused; nothing was written."""

    exit_code = 3

    def __init__(self, reason: str, detail_zh: str = "", detail_en: str = "") -> None:
        zh = f"工作日历通知被拒绝（{reason}）：{REASONS.get(reason, reason)}" + (f"：{detail_zh}" if detail_zh else "")
        en = f"calendar notice refused ({reason})" + (f": {detail_en}" if detail_en else "")
        super().__init__(zh, en, code=reason)
        self.reason = reason


@dataclass(frozen=True)
class CalendarNotice:
    reference: str
    title: str
    years: tuple[CalendarYear, ...]


def _text(raw: dict[str, Any], key: str, limit: int, errors: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit or any(ord(c) < 32 for c in value):
        errors.append(f"工作日历通知.{key}: 应为不超过 {limit} 字、不含控制字符的非空文字")
        return ""
    return value.strip()


def parse_notice(raw: Any) -> CalendarNotice:
    """A notice's data (TOML at the office, the signed JSON at the branch); raises CalendarRefused."""
    errors: list[str] = []
    if not isinstance(raw, dict) or set(raw) != {"reference", "title", "year"}:
        keys = sorted(raw) if isinstance(raw, dict) else []
        raise CalendarRefused(
            "calendar.invalid",
            f"应有且只有 reference、title 和 [[year]]（实为 {', '.join(keys) or '无'}）",
            "the notice needs exactly reference, title and [[year]]",
        )
    reference = _text(raw, "reference", 80, errors)
    title = _text(raw, "title", 200, errors)
    years: dict[int, CalendarYear] = {}
    items = raw["year"]
    if not isinstance(items, list) or not 1 <= len(items) <= 5:
        errors.append("工作日历通知.year: 应有 1 至 5 个 [[year]]")
        items = []
    for i, item in enumerate(items):
        parsed = parse_year(item, f"year[{i}]", errors, reference or "办事处通知")
        if parsed is not None:
            if parsed.year in years:
                errors.append(f"{parsed.year}年重复列出")
            years[parsed.year] = parsed
    if errors:
        raise CalendarRefused(
            "calendar.invalid", "\n- " + "\n- ".join(errors), "the calendar data is invalid (see the Chinese message)"
        )
    return CalendarNotice(reference, title, tuple(sorted(years.values(), key=lambda y: y.year)))


def read_toml(data: bytes) -> CalendarNotice:
    if len(data) > MAX_TOML_BYTES:
        raise CalendarRefused("calendar.invalid", "TOML 文件超过 64 KiB", "TOML file too large")
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CalendarRefused("calendar.invalid", f"TOML 格式错误：{exc}", f"not valid UTF-8 TOML: {exc}") from None
    return parse_notice(raw)


def payload_bytes(notice: CalendarNotice, issued_at: str, office: str) -> bytes:
    body = {
        "format": PAYLOAD_FORMAT,
        "version": VERSION,
        "issued_at": issued_at,
        "office": office,
        "notice": {
            "reference": notice.reference,
            "title": notice.title,
            "year": [year_to_data(y) for y in notice.years],
        },
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Issued:
    reference: str
    years: list[int]
    sha256: str
    fingerprint: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def issue(toml_data: bytes) -> tuple[bytes, Issued]:
    """Check and sign a calendar notice at the office (one audited transaction)."""
    from models import audit, clock
    from models.db import writing
    from sync.keystore import local_keys, office_name, require_office

    require_office()
    notice = read_toml(toml_data)
    keys = local_keys()
    data = seal(
        payload_bytes(notice, clock.stamp(), office_name()), keys.signing.private, magic=MAGIC, domain=SIGNING_DOMAIN
    )
    issued = Issued(
        notice.reference, [y.year for y in notice.years], hashlib.sha256(data).hexdigest(), keys.fingerprint, len(data)
    )
    with writing():
        audit.record("office.calendar_issue", "calendar_notice", notice.reference, issued.to_json())
    return data, issued


@dataclass(frozen=True)
class Verified:
    notice: CalendarNotice
    issued_at: str
    office: str
    sha256: str


def _body(payload: bytes) -> dict[str, Any]:
    try:
        body = strict_loads(payload)
    except CanonicalJSONError as exc:
        raise CalendarRefused("calendar.malformed", f"内容不是合法 JSON：{exc.reason}", str(exc)) from None
    if (
        not isinstance(body, dict)
        or body.keys() != {"format", "version", "issued_at", "office", "notice"}
        or body["format"] != PAYLOAD_FORMAT
        or body["version"] != VERSION
        or not isinstance(body["issued_at"], str)
        or not isinstance(body["office"], str)
    ):
        raise CalendarRefused("calendar.malformed", "签名内容的字段不符", "payload fields differ from the format")
    return body


def verify(data: bytes, office_ed25519_public: bytes | None) -> Verified:
    """Shape, signer and signature first (nothing of the payload is read before), then content."""
    payload = open_signed(
        data, office_ed25519_public, magic=MAGIC, domain=SIGNING_DOMAIN, prefix="calendar", refused=CalendarRefused
    )
    body = _body(payload)
    return Verified(parse_notice(body["notice"]), body["issued_at"], body["office"], hashlib.sha256(data).hexdigest())


def years_from_signed(data: bytes, reference: str) -> list[CalendarYear]:
    """The years of a notice stored after it was verified at install (no key needed: the stored
    bytes are the verified ones, inside the encrypted, audited database)."""
    notice = json.loads(payload_of(data).decode("utf-8"))["notice"]
    errors: list[str] = []
    years = [parse_year(item, reference, errors, reference) for item in notice["year"]]
    return [y for y in years if y is not None]


@dataclass
class InstallResult:
    outcome: str  # installed | unchanged | dry_run
    reference: str
    title: str
    issued_at: str
    fingerprint: str
    changes: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reference": self.reference,
            "title": self.title,
            "issued_at": self.issued_at,
            "office_fingerprint": self.fingerprint,
            "years": self.changes,
        }


def check_install(data: bytes) -> tuple[Verified, InstallResult]:
    """Verify against this branch's pinned office key and what is installed; nothing written."""
    from models.db import database
    from models.workcal import calendar_in_force
    from sync.keystore import require_branch, trusted_office

    require_branch()
    office = trusted_office()
    verified = verify(data, office.ed25519_public if office else None)
    notice = verified.notice
    same = database.execute_sql(
        "SELECT sha256 FROM calendar_notice WHERE reference = ?", (notice.reference,)
    ).fetchone()
    if same is not None and same[0] != verified.sha256:
        raise CalendarRefused(
            "calendar.reference_reused",
            f"文号 {notice.reference} 已安装，内容不同",
            f"reference {notice.reference} is installed with other content",
        )
    if same is None:
        for reference, years, issued_at in database.execute_sql(
            "SELECT reference, years, issued_at FROM calendar_notice"
        ).fetchall():
            overlap = {int(y) for y in years.split(",") if y} & {y.year for y in notice.years}
            if overlap and issued_at > verified.issued_at:
                raise CalendarRefused(
                    "calendar.older",
                    f"{'、'.join(map(str, sorted(overlap)))}年已安装 {reference}（签发于 {issued_at}）",
                    f"{reference} for the same year was issued later ({issued_at})",
                )
    current = calendar_in_force()
    changes = []
    for y in notice.years:
        before = current.years.get(y.year)
        changes.append(
            {
                "year": y.year,
                "status": y.status,
                "before": None
                if before is None
                else {"status": before.status, "origin": before.origin, "source": before.source},
                "holidays": sum(1 for h in y.holidays for _ in h.days()),
                "make_up_days": len(y.workdays),
                "changed": before is None or year_to_data(before) != year_to_data(y),
            }
        )
    return verified, InstallResult(
        "unchanged" if same is not None else "dry_run",
        notice.reference,
        notice.title,
        verified.issued_at,
        office.fingerprint if office else "",
        changes,
    )


def install(data: bytes, verified: Verified, result: InstallResult) -> InstallResult:
    """Store a verified notice (one transaction, audited)."""
    from models import audit, clock
    from models.db import current as session
    from models.db import database, writing
    from models.workcal import forget_installed

    if result.outcome == "unchanged":
        return result
    notice = verified.notice
    with writing():
        database.execute_sql(
            "INSERT INTO calendar_notice (reference, title, years, issued_at, signed_file, sha256, office_fingerprint, "
            "installed_by, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                notice.reference,
                notice.title,
                ",".join(str(y.year) for y in notice.years),
                verified.issued_at,
                data,
                verified.sha256,
                result.fingerprint,
                session().user,
                clock.stamp(),
            ),
        )
        row_id = database.execute_sql("SELECT last_insert_rowid()").fetchone()[0]
        audit.record(
            "calendar.install",
            "calendar_notice",
            row_id,
            {
                "reference": notice.reference,
                "years": {str(y.year): y.status for y in notice.years},
                "sha256": verified.sha256,
                "office_fingerprint": result.fingerprint,
            },
        )
    forget_installed()
    result.outcome = "installed"
    return result


def status_name(status: str) -> str:
    return STATUSES.get(status, status)
