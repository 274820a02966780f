"""Telling people: the security notices, the "This wasn't me" links, the addresses a key
left for, the expiry notices, and the outbound mail queue that carries them. No web code."""
