"""Storage: the encrypted database, its key slots, schema, audit chain and the services
that write to it. Nothing here imports the UI (checked by import-linter)."""

# Rule lookups by date use the open database's installed parameter notices (models/plans.py).
from models import plans as _plans

_plans.activate()

# Working days likewise follow the open database's installed calendar notices (models/workcal.py).
from models import workcal as _workcal  # noqa: E402

_workcal.activate()
