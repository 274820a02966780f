"""The settings pages: the Account & privacy and Your bots tabs."""
