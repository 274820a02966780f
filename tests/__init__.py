"""Keyfob's test suite."""

import pytest

# The helpers assert as the tests do: let pytest explain their failures too.
pytest.register_assert_rewrite("tests.helpers")
