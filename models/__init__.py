"""Storage: the encrypted database, its key slots, schema, audit chain and the services
that write to it. Nothing here imports the UI (checked by import-linter)."""
