"""Shared plumbing for every medins service: settings, database, event bus, app factory, identity.

No business rule of any one service lives here.
"""
