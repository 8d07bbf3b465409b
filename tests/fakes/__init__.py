"""Local fake servers that speak real source APIs, so the real client libraries do the HTTP."""
