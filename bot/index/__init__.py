"""Indexing: chunk documents, embed them, keep them in LanceDB, and sync sources incrementally."""
