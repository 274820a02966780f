"""What the tests of app/keys/verified.py share: how many API calls a process answered from
the keys it had verified, as its /metrics tells an operator."""

from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "metrics-token-for-the-verified-key-tests"
HIT = "keyfob_verified_key_lookups_total"


def hits(metrics_text: str) -> float:
    """The ``result="hit"`` count in a /metrics page (0 before the first)."""
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == HIT and sample.labels.get("result") == "hit":
                return float(sample.value)
    return 0.0


# The epoch column of the lookup, as app/keys/store.py writes it (the negative control
# replaces it): a rename there fails the control loudly rather than testing nothing.
EPOCH_COLUMN = "(SELECT value FROM auth_epoch WHERE id = 1)"
