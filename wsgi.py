"""Entry point for `flask --app wsgi ...` and for gunicorn (`gunicorn wsgi:app`)."""

import sys

from conference import create_app
from conference.config import ConfigError
from conference.core.cli import install_user_error_hook

install_user_error_hook()

try:
    app = create_app()
except ConfigError as exc:
    # One clear line instead of a traceback: this is an operator's mistake, not a bug.
    sys.exit(f"plenary: {exc}")
