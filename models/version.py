"""The program's version, recorded in the database, backups and bundles."""

from importlib import metadata

try:
    VERSION = metadata.version("huzhu")
except metadata.PackageNotFoundError:  # running from a source tree that was not installed
    VERSION = "0.1.0"
