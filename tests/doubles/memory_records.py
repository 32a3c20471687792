"""Records of the in-process host (:mod:`.memory`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cpro_siecle_plugin.adapters.base import HostUser

__all__ = ["MemoryUser", "MemoryCohort"]


@dataclass
class MemoryUser:
    """An account of the in-process host (the password is kept out of the repr)."""

    id: int
    username: str
    idnumber: str
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    suspended: bool = False
    password: str = field(default="", repr=False)
    force_change: bool = True

    def to_host(self) -> HostUser:
        return HostUser(self.id, self.username, self.idnumber, self.firstname, self.lastname,
                        self.email, self.suspended)


@dataclass
class MemoryCohort:
    """A cohort of the in-process host."""

    id: int
    idnumber: str
    name: str
    description: str = ""
