"""Build the host adapter the settings ask for."""

from __future__ import annotations

from ..config import Settings
from ..errors import ConfigError
from .base import HostAdapter

__all__ = ["make_host"]


def make_host(settings: Settings) -> HostAdapter:
    """The host named by ``settings.host``: ``embedded`` or ``moodle``.

    :raises ConfigError: unknown host, or Moodle without URL or token.
    """
    if settings.host == "embedded":
        from .embedded import EmbeddedHost

        return EmbeddedHost(settings.embedded_host_url, batch_size=settings.batch_size or 50)
    if settings.host == "moodle":
        if not settings.moodle_url or not settings.moodle_token:
            raise ConfigError("Hôte Moodle : réglez CPRO_SIECLE_MOODLE_URL et "
                              "CPRO_SIECLE_MOODLE_TOKEN.")
        from .moodle import MoodleHost

        return MoodleHost(settings.moodle_url, settings.moodle_token,
                          batch_size=settings.batch_size or None,
                          concurrency=settings.moodle_concurrency, timeout=settings.moodle_timeout,
                          parent_role=settings.moodle_parent_role,
                          noemail_domain=settings.moodle_noemail_domain)
    raise ConfigError(f"Réglage CPRO_SIECLE_HOST inconnu : {settings.host!r} "
                      "(embedded ou moodle).")
