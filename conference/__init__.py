"""Plenary: runs the sessions of a UN Conference of the Parties."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from conference.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping | None = None) -> Flask:
    """The application factory. `config` overrides the environment (tests use it).

    Raises ConfigError, with a one-line message, when the configuration cannot work.
    """
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(instance_path, config))

    from conference.extensions import csrf, db, login_manager, migrate

    try:
        db.init_app(app)
    except (SQLAlchemyError, ImportError) as exc:
        raise ConfigError(f"DATABASE_URL cannot be used: {exc}") from None
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from conference.core.security import init_app as init_security

    init_security(app)

    import conference.models  # noqa: F401  (the whole schema, for Alembic and relationships)
    from conference.accounts import views as accounts_views
    from conference.admin import views as admin_views
    from conference.conferences import views as conference_views
    from conference.core import views as core_views
    from conference.programme import admin as programme_admin
    from conference.programme import views as programme_views
    from conference.registration import admin as registration_admin
    from conference.registration import exports as registration_exports
    from conference.registration import focal as registration_focal
    from conference.registration import views as registration_views

    app.register_blueprint(core_views.bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(registration_admin.bp)
    app.register_blueprint(registration_exports.bp)
    app.register_blueprint(registration_focal.bp)
    app.register_blueprint(registration_views.bp)
    app.register_blueprint(programme_views.bp)
    app.register_blueprint(programme_admin.bp)
    from conference.feeds import views as feed_views

    app.register_blueprint(feed_views.bp)
    from conference.statistics import views as statistics_views

    app.register_blueprint(statistics_views.bp)
    from conference.privacy import views as privacy_views

    app.register_blueprint(privacy_views.bp)
    from conference.badges import views as badges_views
    from conference.checkin import views as checkin_views

    app.register_blueprint(badges_views.bp)
    app.register_blueprint(checkin_views.bp)
    app.register_blueprint(conference_views.bp)  # last: its /<code> routes catch the rest

    from conference.core.errors import register_error_handlers

    register_error_handlers(app)

    from conference.accounts.cli import users_cli
    from conference.demo.cli import demo_command
    from conference.statistics.cli import stats_command

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(stats_command)
    from conference.privacy.cli import purge_command

    app.cli.add_command(purge_command)
    from conference.registration.cli import participants_cli

    app.cli.add_command(participants_cli)
    from conference.badges.cli import badges_command

    app.cli.add_command(badges_command)
    from conference.core.jobs import worker_command

    app.cli.add_command(worker_command)

    from conference.mail.services import init_app as init_mail

    init_mail(app)

    from conference.core.templating import register_template_helpers

    register_template_helpers(app)
    return app
