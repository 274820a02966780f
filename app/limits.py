"""Rate limits (flask-limiter), kept in RATELIMIT_STORAGE_URI: Redis shares them across workers."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
