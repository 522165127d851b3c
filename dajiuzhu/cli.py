"""The `dajiuzhu` console command: Django's management commands (migrate, seed, runserver, …), and
`dajiuzhu check CASE.json`, which assesses a household described in a file with no database."""

from __future__ import annotations

import os
import sys


def main() -> None:
    from dajiuzhu.rules.cli_check import check_case, is_case_check

    if is_case_check(sys.argv):
        sys.exit(check_case(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
