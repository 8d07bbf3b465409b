"""kb: answers IT and HR questions from the company runbooks, with citations."""
