"""The organization: what an administrator reaches and does, the directory of people and bots,
the policies, and the organization-wide audit log search. No web code."""
