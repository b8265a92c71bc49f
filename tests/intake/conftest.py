from tests.channels.conftest import sandbox  # noqa: F401  (fixture)
from tests.workers import committed_orgs  # noqa: F401  (fixture)
