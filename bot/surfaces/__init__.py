"""Chat surfaces: each turns its platform's events into calls of the answer core and renders the result."""
