"""What the preliminary check found when a claim report was registered (docs/rules.md R2.2).

A 报案登记簿 records every report received: a report for a member not covered on the
incident date, or claiming more shares than held, is recorded and declined through the
lifecycle, not left out. ``claim_report.check_findings`` keeps the check's errors and
warnings at registration (JSON list of {code, outcome, severity, message, citation,
configurable, ruleset}); ``[]`` when it found nothing, NULL for reports registered before
this migration (not checked into the row). Plain SQL: nothing to freeze, no app import."""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "claim_report" ADD COLUMN "check_findings" TEXT')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "claim_report" DROP COLUMN "check_findings"')
