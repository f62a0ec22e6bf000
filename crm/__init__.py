"""The outreach CRM application factory."""

from __future__ import annotations

import logging
import os

from flask import Flask

from config import ROOT, Config, load_config


def create_app(config: Config | str | None = None, **overrides) -> Flask:
    """Build the app: config, extensions, access control, blueprints, errors, commands."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    cfg = config if isinstance(config, Config) else load_config(config)
    app.config.from_object(cfg)
    app.config.update(overrides)

    register_proxies(app)
    register_extensions(app)
    register_access_control(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_commands(app)
    register_logging(app)
    return app


def register_logging(app: Flask) -> None:
    """Log at INFO, with secrets and personal data redacted."""
    from crm.redaction import install_log_redaction

    logging.basicConfig(level=logging.INFO)
    install_log_redaction()


def register_proxies(app: Flask) -> None:
    """Behind CRM_TRUSTED_PROXIES reverse proxies, believe that many X-Forwarded-For/-Proto
    hops (and no more, so a client cannot claim another address)."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    """Set up the database, migrations, sign-in, CSRF and Celery for the app."""
    from crm import models  # noqa: F401  (registers the tables)
    from crm.extensions import (
        celery_init_app,
        csrf,
        db,
        init_transactions,
        login_manager,
        migrate,
    )

    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    init_transactions(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    celery_init_app(app)


def register_access_control(app: Flask) -> None:
    """Check each request's access (crm/authz.py)."""
    from crm import authz

    authz.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Add the `<id:...>` URL converter and every blueprint."""
    from crm.ids import IdConverter

    app.url_map.converters["id"] = IdConverter  # `<id:...>`: before any rule is added
    from crm import api
    from crm.admin.routes import bp as admin_bp
    from crm.assignments.routes import bp as assignments_bp
    from crm.assignments.routes import work_bp
    from crm.auth.routes import bp as auth_bp
    from crm.bills.routes import bp as bills_bp
    from crm.briefs.routes import bp as briefs_bp
    from crm.campaigns.routes import bp as campaigns_bp
    from crm.conrad30.routes import bp as conrad30_bp
    from crm.digests.routes import bp as digests_bp
    from crm.duplicates.routes import bp as duplicates_bp
    from crm.events.routes import bp as events_bp
    from crm.history.routes import bp as history_bp
    from crm.imports.routes import bp as imports_bp
    from crm.inbound.routes import bp as inbound_bp
    from crm.intake.routes import bp as intake_bp
    from crm.interactions.routes import bp as interactions_bp
    from crm.links.routes import bp as links_bp
    from crm.lists.routes import bp as lists_bp
    from crm.lobbying.routes import bp as lobbying_bp
    from crm.main.routes import bp as main_bp
    from crm.organizations.routes import bp as organizations_bp
    from crm.people.routes import bp as people_bp
    from crm.policy.routes import bp as policy_bp
    from crm.reports.routes import bp as reports_bp
    from crm.search.routes import bp as search_bp
    from crm.settings.routes import bp as settings_bp
    from crm.staff.routes import bp as staff_bp
    from crm.tags.routes import bp as tags_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(people_bp, url_prefix="/people")
    app.register_blueprint(briefs_bp, url_prefix="/people")
    app.register_blueprint(duplicates_bp, url_prefix="/people")
    app.register_blueprint(organizations_bp, url_prefix="/organizations")
    app.register_blueprint(interactions_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(imports_bp, url_prefix="/admin/imports")
    app.register_blueprint(settings_bp, url_prefix="/settings")
    app.register_blueprint(work_bp)
    app.register_blueprint(assignments_bp)
    app.register_blueprint(campaigns_bp, url_prefix="/campaigns")
    app.register_blueprint(policy_bp)
    app.register_blueprint(bills_bp, url_prefix="/bills")
    app.register_blueprint(conrad30_bp, url_prefix="/conrad30")
    app.register_blueprint(lobbying_bp, url_prefix="/lobbying")
    app.register_blueprint(events_bp, url_prefix="/days")
    app.register_blueprint(intake_bp, url_prefix="/intake")
    app.register_blueprint(inbound_bp, url_prefix="/inbound")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(digests_bp, url_prefix="/digest")
    app.register_blueprint(search_bp)
    app.register_blueprint(links_bp)
    app.register_blueprint(history_bp)
    api.init_app(app)
    app.register_blueprint(tags_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(lists_bp, url_prefix="/lists")


def register_template_helpers(app: Flask) -> None:
    """Add the template filters and globals."""
    from crm import templating

    templating.init_app(app)


def register_error_handlers(app: Flask) -> None:
    """Render errors as pages (or JSON) of our own."""
    from crm import errors

    errors.init_app(app)


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response."""
    from crm import security

    security.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the `flask crm` commands."""
    from crm.commands import crm_cli

    app.cli.add_command(crm_cli)
