"""`AppTables`: the app's own tables in the shared database, apart from the index's."""

from __future__ import annotations

from bot.index.lance import Database, quote

__all__ = ["AppTables", "quote"]


class AppTables(Database):
    """Tickets, feedback, seen events, memory, recorded questions, and the app's settings learnt at run time
    (`meta`)."""

    meta_table = "app_meta"
    """Not the index's `meta`: `kb sync --rebuild` drops that one, and what the app learnt must survive it."""
