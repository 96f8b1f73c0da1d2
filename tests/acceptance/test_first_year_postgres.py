"""The first year of a new branch (test_first_year.py) with the office's database on PostgreSQL."""

from __future__ import annotations

from tests.acceptance import test_first_year as year


def test_first_year_of_a_new_branch_office_on_postgresql(tmp_path, request):
    year.test_first_year_of_a_new_branch(tmp_path, request, "postgresql")
