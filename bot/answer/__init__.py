"""Answering: retrieve the best chunks, compose a cited answer, decide when there is none."""
