"""Purchases and the fixed-asset register (docs/rules.md R13) from the command line:
``huzhu purchase new|quote|score|compare|decide|show|list`` and ``huzhu asset add|move|dispose|count|list``.

A bulk purchase (from the office's amount on) needs three quotes, every scorer's sheet
(004 附件3) and the price comparison signed by three (004 附件4) before its supplier is
decided; ``show --out FILE.xlsx`` prints both forms. Refusals: exit 3 with the reason code
and article, nothing written. docs/purchases.md documents the commands and their JSON.
"""

from __future__ import annotations

from models.errors import ValidationFailed
from models.money import parse_yuan
from tui import clikit
from tui.commands.registry import JSON, arg, command, group


def purchase_id(text: str) -> int:
    from models.purchases import parse_number

    return parse_number(text)


def score_row(text: str) -> tuple[str, int, int, int, int]:
    """``供应商=资质,报价,质量,售后`` (whole points; full-width commas accepted)."""
    supplier, sep, points = (text or "").rpartition("=")
    parts = [p.strip() for p in points.replace("，", ",").split(",")]
    if not sep or not supplier.strip() or len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValidationFailed(
            f"评分应写成“供应商=资质与实力,财务报价,产品质量,售后服务”（整数分），如 甲公司=18,27,35,9；收到：“{text}”",
            f"a score is SUPPLIER=QUALIFICATION,PRICE,QUALITY,SERVICE in whole points, e.g. A=18,27,35,9; got {text!r}",
        )
    a, b, c, d = (int(p) for p in parts)
    return supplier.strip(), a, b, c, d


def _date(text, zh: str, en: str):
    return clikit.user_date(text, zh, en)


def _yuan(fen: int | None) -> str:
    return clikit.yuan(fen)


def _print_purchase(view) -> None:
    bulk = view.bulk
    print(
        f"{view.number} {view.title} ×{view.quantity}（{view.kind_name}）  {view.state_name}  "
        f"预计 {_yuan(view.estimate_fen)} 元  {view.budget_year}年度“{view.budget_line_name}”  "
        f"申请 {view.requested_on} {view.requested_by}"
    )
    if bulk is not None:
        print(f"{bulk.message}（{bulk.citation}）")
    if view.quotes:
        totals = view.ranking.data.get("totals", {}) if view.ranking else {}
        clikit.print_table(
            [
                (
                    q.supplier,
                    q.phone or "",
                    q.model or "",
                    _yuan(q.unit_price_fen),
                    _yuan(q.total_fen),
                    q.payment_terms or "",
                    q.tax_invoice or "",
                    q.after_sales or "",
                    totals.get(q.supplier, ""),
                )
                for q in view.quotes
            ],
            ["供应商", "电话", "型号", "单价（元）", "总价（元）", "付款方式", "税票", "售后服务", "评分合计"],
        )
    for sheet in view.sheets:
        points = "；".join(
            f"{r.supplier} {r.qualification}/{r.price}/{r.quality}/{r.after_sales}={r.total}" for r in sheet.rows
        )
        print(f"评分表 {sheet.scorer}（{sheet.signed_on} 签字）：{points}")
    if view.compared_on:
        print(
            f"价格对比表签字（{view.compared_on}）：管委会主任 {view.signers['chair']}，"
            f"代办处主任 {view.signers['director']}，经手人 {view.signers['handler']}"
        )
    if view.ranking is not None:
        print(f"评分结果：{view.ranking.message}")
    if view.chosen_supplier:
        why = f"，理由：{view.decision_reason}" if view.decision_reason else ""
        print(
            f"确定供应商：{view.chosen_supplier} {_yuan(view.amount_fen)} 元（{view.decided_on} {view.decided_by}{why}）"
        )
    elif view.readiness is not None:
        for d in view.readiness.errors:
            print(f"尚缺：{d.message}（{d.citation.short}）")


def _done(args, view, zh: str, en: str) -> int:
    if getattr(args, "json", False):
        clikit.print_json(view.to_json())
    clikit.say(zh, en)
    return 0


group("purchase", help="采购：报价、评分、价格对比与确定供应商 purchases (004 附件3–4)")


@command("purchase new", help="登记采购申请 a purchase request")
@arg("--title", required=True, metavar="TEXT", help="商品名称")
@arg("--quantity", required=True, type=clikit.positive_int(1_000_000), metavar="N", help="数量")
@arg("--estimate", required=True, metavar="YUAN", help="预计金额（元）：决定是否属大宗商品采购")
@arg("--kind", choices=("goods", "asset", "service"), default="goods", help="类别：大宗商品/固定资产/服务")
@arg("--spec", metavar="TEXT", help="规格")
@arg("--requirement", metavar="TEXT", help="要求")
@arg("--line", default="purchases_assets", metavar="CODE", help="列支的预算科目代码（默认 purchases_assets）")
@arg("--on", metavar="DATE", help="申请日期（默认今天）")
@JSON
def cmd_new(args) -> int:
    from models import purchases

    clikit.open_session(args)
    view = purchases.new(
        args.title,
        args.quantity,
        parse_yuan(args.estimate),
        kind=args.kind,
        spec=args.spec,
        requirement=args.requirement,
        line=args.line,
        on=_date(args.on, "申请日期", "request date"),
    )
    bulk = view.bulk.message if view.bulk else ""
    return _done(args, view, f"已登记采购 {view.number}：{view.title}。{bulk}", f"purchase {view.number} recorded")


@command("purchase quote", help="登记一家供应商的报价 a supplier's quote")
@arg("purchase", metavar="ID", help="采购编号（如 CG0001）")
@arg("--supplier", required=True, metavar="NAME", help="供应商")
@arg("--unit-price", required=True, metavar="YUAN", help="单价（元）；总价 = 单价 × 数量")
@arg("--phone", metavar="TEXT", help="电话")
@arg("--model", metavar="TEXT", help="商品型号")
@arg("--payment-terms", metavar="TEXT", help="付款方式")
@arg("--tax-invoice", metavar="TEXT", help="提供税票种")
@arg("--after-sales", metavar="TEXT", help="售后服务")
@arg("--on", metavar="DATE", help="报价日期（默认今天）")
@JSON
def cmd_quote(args) -> int:
    from models import purchases

    clikit.open_session(args)
    view = purchases.add_quote(
        purchase_id(args.purchase),
        args.supplier,
        parse_yuan(args.unit_price),
        phone=args.phone,
        model=args.model,
        payment_terms=args.payment_terms,
        tax_invoice=args.tax_invoice,
        after_sales=args.after_sales,
        on=_date(args.on, "报价日期", "quote date"),
    )
    return _done(
        args,
        view,
        f"{view.number} 已登记 {args.supplier.strip()} 的报价（共 {len(view.quotes)} 家）",
        f"quote recorded ({len(view.quotes)} in all)",
    )


@command("purchase score", help="登记一位评分人员的评分表（附件3） one scorer's sheet")
@arg("purchase", metavar="ID", help="采购编号")
@arg("--scorer", required=True, metavar="NAME", help="评分人员（签字人）")
@arg(
    "--row",
    action="append",
    required=True,
    metavar="SUPPLIER=Q,P,QL,S",
    help="一家供应商的得分：资质与实力(≤20),财务报价(≤30),产品质量与性能指标(≤40),售后服务(≤10)；每家一个 --row",
)
@arg("--signed-on", metavar="DATE", help="签字日期（默认今天）")
@JSON
def cmd_score(args) -> int:
    from models import purchases

    rows = [score_row(text) for text in args.row]
    clikit.open_session(args)
    view = purchases.score(
        purchase_id(args.purchase), args.scorer, rows, signed_on=_date(args.signed_on, "签字日期", "date signed")
    )
    return _done(
        args,
        view,
        f"{view.number} 已登记 {args.scorer.strip()} 的评分表（共 {len(view.sheets)} 位评分人员）",
        f"score sheet recorded ({len(view.sheets)} scorers)",
    )


@command("purchase compare", help="价格对比表（附件4）三方签字 sign the price comparison")
@arg("purchase", metavar="ID", help="采购编号")
@arg("--chair", required=True, metavar="NAME", help="管委会主任")
@arg("--director", required=True, metavar="NAME", help="代办处主任")
@arg("--handler", required=True, metavar="NAME", help="经手人")
@arg("--on", metavar="DATE", help="签字日期（默认今天）")
@JSON
def cmd_compare(args) -> int:
    from models import purchases

    clikit.open_session(args)
    view = purchases.sign_comparison(
        purchase_id(args.purchase),
        args.chair,
        args.director,
        args.handler,
        on=_date(args.on, "签字日期", "date signed"),
    )
    return _done(args, view, f"{view.number} 价格对比表已由三方签字", "price comparison signed")


@command("purchase decide", help="确定供应商（总分最高者；并列或另选须写明理由） decide the supplier")
@arg("purchase", metavar="ID", help="采购编号")
@arg("--supplier", metavar="NAME", help="中选供应商（不填：总分最高者，或唯一的报价）")
@arg("--reason", metavar="TEXT", help="总分并列或未选总分最高者时，评分人员确定的理由")
@arg("--few-quotes-reason", metavar="TEXT", help="大宗商品采购报价不足三家的理由")
@arg("--on", metavar="DATE", help="确定日期（默认今天）")
@JSON
def cmd_decide(args) -> int:
    from models import purchases

    clikit.open_session(args)
    done = purchases.decide(
        purchase_id(args.purchase),
        args.supplier,
        reason=args.reason,
        few_quotes_reason=args.few_quotes_reason,
        on=_date(args.on, "确定日期", "decision date"),
    )
    for w in done.warnings:
        clikit.say(f"提示：{w.message}（{w.citation.short}）", f"note: {w.code}")
    view = done.view
    return _done(
        args,
        view,
        f"{view.number} {done.decision.message}，金额 {_yuan(view.amount_fen)} 元",
        f"purchase {view.number}: supplier decided ({done.decision.code})",
    )


@command("purchase show", help="查看采购：报价、评分、签字与结果；--out 打印附件3、附件4 show (and print) a purchase")
@arg("purchase", metavar="ID", help="采购编号")
@arg("--out", type=clikit.output_file, metavar="FILE.xlsx", help="写出评分表（附件3）和价格对比表（附件4）")
@JSON
def cmd_show(args) -> int:
    from models import purchases

    clikit.open_session(args)
    view = purchases.show(purchase_id(args.purchase))
    if args.out:
        written = purchases.write_forms(view, args.out)
        clikit.say(f"已写出评分表（附件3）和价格对比表（附件4）：{written}", f"forms written to {written}")
    if args.json:
        clikit.print_json(view.to_json())
    elif not args.out:
        _print_purchase(view)
    return 0


@command("purchase list", help="列出采购 list purchases")
@arg("--year", type=clikit.YEAR, metavar="YYYY", help="只列该年度申请的采购")
@JSON
def cmd_list(args) -> int:
    from models import purchases

    clikit.open_session(args)
    views = purchases.list_purchases(args.year)
    if args.json:
        clikit.print_json({"purchases": [v.to_json() for v in views]})
        return 0
    if not views:
        clikit.say("还没有采购记录：用 huzhu purchase new 登记", "no purchases yet")
        return 0
    clikit.print_table(
        [
            (
                v.number,
                v.requested_on,
                v.title,
                v.quantity,
                _yuan(v.estimate_fen),
                "是" if v.bulk and v.bulk.outcome == "bulk" else "否",
                len(v.quotes),
                len(v.sheets),
                "已签" if v.compared_on else "",
                v.chosen_supplier or v.state_name,
                _yuan(v.amount_fen),
            )
            for v in views
        ],
        [
            "编号",
            "申请日期",
            "商品名称",
            "数量",
            "预计（元）",
            "大宗",
            "报价",
            "评分表",
            "对比表",
            "供应商",
            "金额（元）",
        ],
    )
    return 0


# --- assets ------------------------------------------------------------------------------------


group("asset", help="固定资产登记、变更、处置与年度盘点 the fixed-asset register")


@command("asset add", help="登记固定资产 register an asset")
@arg("--name", metavar="TEXT", help="资产名称（有 --purchase 时默认为采购的商品名称）")
@arg("--purchase", metavar="ID", help="来源采购编号（已确定供应商）")
@arg("--amount", metavar="YUAN", help="金额（元；有 --purchase 时默认为中选报价的单价）")
@arg("--location", required=True, metavar="TEXT", help="存放地点")
@arg("--keeper", required=True, metavar="NAME", help="保管人（经办人员姓名或业务系统用户名，见 huzhu staff list）")
@arg("--acquired-on", metavar="DATE", help="取得日期（默认今天）")
@arg("--model", metavar="TEXT", help="型号")
@arg("--invoice", metavar="NO", help="发票号")
@arg("--title-doc", metavar="TEXT", help="产权证（如 汽车行驶证 编号）")
@arg("--note", metavar="TEXT", help="备注")
@JSON
def cmd_asset_add(args) -> int:
    from models import assets

    clikit.open_session(args)
    view = assets.add(
        args.name,
        args.location,
        args.keeper,
        amount_fen=parse_yuan(args.amount) if args.amount is not None else None,
        purchase_id=purchase_id(args.purchase) if args.purchase else None,
        acquired_on=_date(args.acquired_on, "取得日期", "acquisition date"),
        model=args.model,
        invoice_no=args.invoice,
        title_doc=args.title_doc,
        note=args.note,
    )
    return _done(
        args,
        view,
        f"已登记固定资产 {view.number}：{view.name} {_yuan(view.amount_fen)} 元，存放于{view.location}，保管人 {view.keeper}",
        f"asset {view.number} registered",
    )


@command("asset move", help="变更存放地点或保管人 move an asset or change its keeper")
@arg("asset", metavar="NO", help="资产编号（如 ZC0001）")
@arg("--location", metavar="TEXT", help="新的存放地点")
@arg("--keeper", metavar="NAME", help="新的保管人")
@arg("--reason", required=True, metavar="TEXT", help="变更原因")
@arg("--on", metavar="DATE", help="变更日期（默认今天）")
@JSON
def cmd_asset_move(args) -> int:
    from models import assets

    clikit.open_session(args)
    view = assets.move(
        assets.parse_number(args.asset),
        location=args.location,
        keeper=args.keeper,
        reason=args.reason,
        on=_date(args.on, "变更日期", "date"),
    )
    return _done(
        args, view, f"{view.number} 现存放于{view.location}，保管人 {view.keeper}", f"asset {view.number} moved"
    )


@command("asset dispose", help="处置固定资产（须写明原因和审批） dispose of an asset")
@arg("asset", metavar="NO", help="资产编号")
@arg("--reason", required=True, metavar="TEXT", help="处置原因（报废、出售、盘亏……）")
@arg("--approval", required=True, metavar="TEXT", help="审批（批准人或会议纪要编号）")
@arg("--on", metavar="DATE", help="处置日期（默认今天）")
@JSON
def cmd_asset_dispose(args) -> int:
    from models import assets

    clikit.open_session(args)
    view = assets.dispose(
        assets.parse_number(args.asset), args.reason, args.approval, on=_date(args.on, "处置日期", "disposal date")
    )
    return _done(
        args,
        view,
        f"{view.number} {view.name} 已于 {view.disposed_on} 处置（{view.disposal_reason}），登记记录保留",
        f"asset {view.number} disposed of",
    )


@command("asset count", help="年度财产盘点：未列出的资产均为账实相符 the yearly stocktake")
@arg("--year", required=True, type=clikit.YEAR, metavar="YYYY", help="盘点年度")
@arg("--by", required=True, metavar="NAMES", help="盘点人")
@arg("--missing", action="append", default=[], metavar="NO", help="未找到的资产编号（可重复）")
@arg("--differs", action="append", default=[], metavar="NO=TEXT", help="与登记不符的资产及差异（可重复）")
@arg("--on", metavar="DATE", help="盘点日期（默认今天）")
@arg("--note", metavar="TEXT", help="备注")
@JSON
def cmd_asset_count(args) -> int:
    from models import assets

    differs = {}
    for text in args.differs:
        no, sep, what = text.partition("=")
        if not sep:
            raise ValidationFailed(
                f"差异应写成“资产编号=差异说明”，如 ZC0001=存放地点为二楼；收到：“{text}”",
                f"--differs is NO=TEXT, e.g. ZC0001=on the second floor; got {text!r}",
            )
        differs[assets.parse_number(no)] = what
    missing = [assets.parse_number(no) for no in args.missing]
    clikit.open_session(args)
    view = assets.count(
        args.year,
        args.by,
        missing=missing,
        differs=differs,
        on=_date(args.on, "盘点日期", "count date"),
        note=args.note,
    )
    counts = view.counts()
    if args.json:
        clikit.print_json(view.to_json())
    clikit.say(
        f"{view.year}年度财产盘点（{view.counted_on}）：{len(view.lines)} 项，账实相符 {counts['found']}，"
        f"有差异 {counts['differs']}，未找到 {counts['missing']}",
        f"stocktake {view.year}: {counts}",
    )
    return 0


@command("asset list", help="固定资产登记簿；--count 显示某年度盘点 list the register")
@arg("--in-use", action="store_true", help="只列在用资产")
@arg("--count", type=clikit.YEAR, metavar="YYYY", help="显示该年度的盘点结果")
@JSON
def cmd_asset_list(args) -> int:
    from models import assets
    from rules.purchases import COUNT_RESULTS

    clikit.open_session(args)
    views = assets.list_assets(include_disposed=not args.in_use)
    count = assets.read_count(args.count) if args.count else None
    if args.json:
        out: dict = {"assets": [v.to_json() for v in views]}
        if count is not None:
            out["count"] = count.to_json()
        clikit.print_json(out)
        return 0
    if views:
        clikit.print_table(
            [
                (
                    v.number,
                    v.name,
                    v.model or "",
                    v.acquired_on,
                    _yuan(v.amount_fen),
                    f"CG{v.purchase_id:04d}" if v.purchase_id else "",
                    v.location,
                    v.keeper,
                    v.state_name if v.state == "in_use" else f"{v.state_name} {v.disposed_on}",
                    f"{v.last_count[0]} {COUNT_RESULTS[v.last_count[1]]}" if v.last_count else "",
                )
                for v in views
            ],
            ["编号", "名称", "型号", "取得日期", "金额（元）", "采购", "存放地点", "保管人", "状态", "最近盘点"],
        )
    else:
        clikit.say("还没有固定资产：用 huzhu asset add 登记", "no fixed assets yet")
    if count is not None:
        print(f"{count.year}年度盘点 {count.counted_on}，盘点人 {count.counted_by}")
        for asset, result, note in count.lines:
            print(f"  {asset.number} {asset.name}：{COUNT_RESULTS[result]}{('，' + note) if note else ''}")
    return 0
