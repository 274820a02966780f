"""People: accounts, passwords and their checks, identities (names and emails), roles, login
sessions, known devices, the re-authentication window, password change and reset. No web code."""
