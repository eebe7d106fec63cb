"""Import every package's tables so that `SQLModel.metadata` is complete (migrations, tests)."""

from alerts import models as alerts_models  # noqa: F401
from monitor import models as monitor_models  # noqa: F401
from responders import labels as responders_labels  # noqa: F401
from responders import models as responders_models  # noqa: F401

from .tables import ApiToken, Lease, LoginAttempt, User  # noqa: F401
