"""Indexing: chunk documents, embed them, keep them in LanceDB, and sync sources incrementally."""

import os

os.environ.setdefault("LANCE_LOG", "error")  # before lance loads: its deprecation chatter goes to stderr otherwise
