"""Zulip's bot types that Keyfob issues keys to. The type travels with the verified key
(keys.Principal.bot_type), so the platform can hold an incoming-webhook bot to posting;
within Keyfob, such a bot's key manages no keys and no bots."""

from flask_babel import lazy_gettext as _l

GENERIC = 1
INCOMING_WEBHOOK = 2
LABELS = {GENERIC: _l("Generic"), INCOMING_WEBHOOK: _l("Incoming webhook")}
