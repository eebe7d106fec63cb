"""The web application: operational endpoints, the officer's pages and the JSON API."""

from .app import create_app

__all__ = ["create_app"]
