"""Header names, limits and enum values of the RI Platform v1 wire format."""

from __future__ import annotations

# -- headers ---------------------------------------------------------------------------

API_KEY_HEADER = "rime-api-key"
"""Carries an API token."""
SESSION_HEADER = "authorization"
"""Carries a local-instance session as ``Bearer <session token>``."""
SESSION_SCHEME = "Bearer"
CHALLENGE_HEADER = "rime-local-challenge"
"""``GET /healthz``: the TUI's challenge to the local instance (:mod:`rime_tui.proof`)."""
PROOF_HEADER = "rime-local-proof"
"""``GET /healthz``: the local instance's answer to the challenge."""

# -- limits -----------------------------------------------------------------------------

MAX_NAME_LENGTH = 100
"""Characters in a token, workspace or project name."""
MAX_TOKENS = 200
"""API tokens an RI Platform instance holds at most, across all workspaces."""
MAX_EXPIRY_DAYS = 270
"""The longest lifetime of an API token, and its default."""
MAX_PAGE_SIZE = 500
"""The most items one page of a list answer holds (the local instance's cap); the
clients ask for pages of this size."""

# -- enum values ------------------------------------------------------------------------

ADMIN = "ACTOR_ROLE_ADMIN"
USER = "ACTOR_ROLE_USER"
NO_ROLE = "ACTOR_ROLE_NONE"
ACTOR_ROLES = frozenset(
    {
        ADMIN,
        USER,
        "ACTOR_ROLE_VIEWER",
        "ACTOR_ROLE_SUPPORT",
        "ACTOR_ROLE_VP",
        NO_ROLE,
    }
)
TOKEN_TYPE_USER = "TOKEN_TYPE_USER"
TOKEN_TYPES = frozenset(
    {
        TOKEN_TYPE_USER,
        "TOKEN_TYPE_INTERNAL_AGENT",
        "TOKEN_TYPE_EXTERNAL_AGENT",
        "TOKEN_TYPE_FIREWALL_AGENT",
        "TOKEN_TYPE_UNSPECIFIED",
    }
)
MODEL_TASKS = frozenset(
    {
        "MODEL_TASK_UNSPECIFIED",
        "MODEL_TASK_REGRESSION",
        "MODEL_TASK_BINARY_CLASSIFICATION",
        "MODEL_TASK_MULTICLASS_CLASSIFICATION",
        "MODEL_TASK_NAMED_ENTITY_RECOGNITION",
        "MODEL_TASK_RANKING",
        "MODEL_TASK_OBJECT_DETECTION",
        "MODEL_TASK_NATURAL_LANGUAGE_INFERENCE",
        "MODEL_TASK_FILL_MASK",
        "MODEL_TASK_ANOMALY_DETECTION",
    }
)
TEST_CATEGORIES = frozenset(
    {
        "TEST_CATEGORY_TYPE_ABNORMAL_INPUTS",
        "TEST_CATEGORY_TYPE_ADVERSARIAL",
        "TEST_CATEGORY_TYPE_BIAS_AND_FAIRNESS",
        "TEST_CATEGORY_TYPE_DATA_CLEANLINESS",
        "TEST_CATEGORY_TYPE_DRIFT",
        "TEST_CATEGORY_TYPE_MODEL_PERFORMANCE",
        "TEST_CATEGORY_TYPE_DATA_POISONING_DETECTION",
        "TEST_CATEGORY_TYPE_SUBSET_PERFORMANCE",
        "TEST_CATEGORY_TYPE_SUBSET_PERFORMANCE_DEGRADATION",
        "TEST_CATEGORY_TYPE_TRANSFORMATIONS",
        "TEST_CATEGORY_TYPE_EVASION_ATTACK_DETECTION",
        "TEST_CATEGORY_TYPE_CUSTOM",
    }
)
