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
    from conference.core.routing import init_app as init_routing

    init_routing(app)  # before the blueprints: their rules use the `id` converter
    from conference.core.i18n import init_app as init_i18n

    init_i18n(app)

    import conference.models  # noqa: F401  (the whole schema, for Alembic and relationships)
    from conference.accounts import admin as accounts_admin
    from conference.accounts import views as accounts_views
    from conference.accounts.cli import users_cli
    from conference.admin import views as admin_views
    from conference.badges import views as badges_views
    from conference.badges.cli import badges_command
    from conference.checkin import views as checkin_views
    from conference.conferences import admin as conference_admin
    from conference.conferences import views as conference_views
    from conference.conferences.cli import sessions_cli
    from conference.core import views as core_views
    from conference.core.errors import register_error_handlers
    from conference.core.i18n import catalogues_command
    from conference.core.jobs import worker_command
    from conference.demo.cli import demo_command
    from conference.feeds import views as feed_views
    from conference.participants_list import cli as _participants_list  # noqa: F401  (adds `participants list`)
    from conference.participants_list import views as participants_list_views
    from conference.privacy import views as privacy_views
    from conference.privacy.cli import purge_command, stale_files_command
    from conference.programme import admin as programme_admin
    from conference.programme import views as programme_views
    from conference.registration import admin as registration_admin
    from conference.registration import entities_admin, ngo_admin, outlet_admin, states_admin
    from conference.registration import exports as registration_exports
    from conference.registration import focal as registration_focal
    from conference.registration import views as registration_views
    from conference.registration.cli import participants_cli
    from conference.registration.entities_cli import entities_cli
    from conference.statistics import views as statistics_views
    from conference.statistics.cli import stats_command

    for blueprint in (core_views.bp, accounts_views.bp, accounts_admin.bp, admin_views.bp, registration_admin.bp,
                      registration_exports.bp, registration_focal.bp, registration_views.bp, programme_views.bp,
                      programme_admin.bp, feed_views.bp, statistics_views.bp, privacy_views.bp, badges_views.bp,
                      checkin_views.bp, conference_admin.bp, participants_list_views.bp, ngo_admin.bp,
                      entities_admin.bp, outlet_admin.bp, states_admin.bp,
                      conference_views.bp):  # last: its /<code>/ route is the most general
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    for command in (users_cli, demo_command, stats_command, purge_command, stale_files_command, participants_cli,
                    badges_command, worker_command, catalogues_command, sessions_cli, entities_cli):
        app.cli.add_command(command)

    from conference.mail.services import init_app as init_mail

    init_mail(app)

    from conference.core.templating import register_template_helpers

    register_template_helpers(app)
    return app
