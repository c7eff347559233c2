"""Social assistance models, one module per area (each module lists its models in `__all__`)."""

from .applications import *  # noqa: F403
from .charity import *  # noqa: F403
from .children import *  # noqa: F403
from .disaster import *  # noqa: F403
from .medical import *  # noqa: F403
from .notices import *  # noqa: F403
from .poverty import *  # noqa: F403
from .reviews import *  # noqa: F403
