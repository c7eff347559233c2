"""Settings for the test suite: the real settings, a fast password hasher, a scratch data folder."""

import os

os.environ.setdefault("MINZHENG_TESTING", "1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = DATA_DIR / "test-media"  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
