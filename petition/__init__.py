"""Petition and write-to-your-representative web app."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import Flask
from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket

from petition.config import DEFAULTS, finish_config, unknown_environment


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then PETITION_* environment, then test_config."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("PETITION")
    if test_config is not None:
        app.config.from_mapping(test_config)
    finish_config(app.config, app.instance_path, app.root_path)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("petition").setLevel(app.config["LOG_LEVEL"])
    for name in unknown_environment():
        app.logger.warning("%s is not a setting and is ignored (see petition/config.py)", name)

    from petition import (
        cache,
        cli,
        compress,
        db,
        geocoders,
        httpcache,
        i18n,
        jsonprovider,
        limits,
        mail,
        views,
    )
    from petition.content import (
        load_campaign_translations,
        load_campaigns,
        load_letter_templates,
    )

    app.extensions["petition.campaigns"] = load_campaigns(app.config["DATA_DIR"])
    translations, gaps = load_campaign_translations(
        app.config["DATA_DIR"], app.extensions["petition.campaigns"]
    )
    app.extensions["petition.campaign_translations"] = translations
    for gap in gaps:
        app.logger.warning("Campaign text falls back: %s", gap)
    app.extensions["petition.letters"] = load_letter_templates(app.config["DATA_DIR"])
    _keep_compiled_templates(app)
    jsonprovider.init_app(app)
    i18n.init_app(app)
    db.init_app(app)
    mail.init_app(app)
    cache.init_app(app)
    httpcache.init_app(app)
    geocoders.init_app(app)
    limits.init_app(app)
    compress.init_app(app)
    views.register(app)
    cli.register(app)
    return app


class TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept between starts, in a folder of the system's temporary one
    that only this user may use; Jinja compiles again a template whose source changed.
    A cache that cannot be read or written is no cache: templates are compiled as usual."""

    def load_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _keep_compiled_templates(app: Flask) -> None:
    """Spare each new worker compiling the templates of its first pages (a tenth of a
    second of its start for the home page alone)."""
    try:
        app.jinja_env.bytecode_cache = TemplateCache()
    except (OSError, RuntimeError):  # no safe temporary folder: compile as before
        app.logger.info("No folder for compiled templates; they are compiled at each start")
