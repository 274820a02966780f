"""The pages: accounts (login, registration, "This wasn't me", password reset) and settings
(Account & privacy, Your bots, Organization), with their forms, error pages and rc downloads."""
