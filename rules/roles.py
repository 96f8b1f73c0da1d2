"""Role names the rules check. Which clerk holds which role is stored by the caller."""

#: A branch supervisor (代办处负责人/主管): may grant R1.4 overrides and approve disbursements (R3.5).
SUPERVISOR_ROLE = "supervisor"
