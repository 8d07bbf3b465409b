"""Sources of documents; each module knows one API and turns its content into markdown."""
