"""Tables of the embedded host: its own accounts, cohorts, memberships and guardian links.

Apart from the plugin's ledger (``store/``): this is what an LMS would hold.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .base import HostUser

__all__ = ["Base", "User", "Cohort", "Member", "Guardian"]


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "host_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    idnumber: Mapped[str] = mapped_column(String(255), index=True)
    firstname: Mapped[str] = mapped_column(String(100), default="")
    lastname: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str] = mapped_column(String(255))
    force_change: Mapped[bool] = mapped_column(Boolean, default=True)

    def to_host(self) -> HostUser:
        return HostUser(self.id, self.username, self.idnumber, self.firstname, self.lastname,
                        self.email, self.suspended)


class Cohort(Base):
    __tablename__ = "host_cohort"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idnumber: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(1000), default="")


class Member(Base):
    __tablename__ = "host_cohort_member"
    cohort_id: Mapped[int] = mapped_column(ForeignKey("host_cohort.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("host_user.id"), primary_key=True)


class Guardian(Base):
    __tablename__ = "host_guardian"
    guardian_id: Mapped[int] = mapped_column(ForeignKey("host_user.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("host_user.id"), primary_key=True)
