"""Bots: their creation rules and lifecycle, their types, their owners (hand-over and offers).
No web code."""
