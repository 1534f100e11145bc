"""Staff accounts of a merchant, their console sessions, and the lockout after failed log-ins."""
