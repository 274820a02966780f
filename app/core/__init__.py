"""The ground floor: configuration, the database and its tables, time, languages, text rules,
hosts and client addresses, headers, rate limits, metrics and the audit log. Core imports no
domain package and no face."""
