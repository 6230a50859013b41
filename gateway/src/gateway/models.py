"""The gateway's own tables: who may come in (staff, unit and HIS accounts) and which regions are trusted."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base


class LoginColumns:
    """A password (argon2 hash), the count of failed logins in a row and the lockout they caused."""

    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: tokens issued before this (a password change) are no longer accepted
    credentials_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffAccount(LoginColumns, Base):
    """经办人员账号: who may act as staff, in which region, with which roles."""

    __tablename__ = "staff_account"

    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    region: Mapped[str] = mapped_column(String(6))
    roles: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EmployerAccount(LoginColumns, Base):
    """单位网厅账号: the unit's handler (经办人) logs in with the unit's USCC and its password."""

    __tablename__ = "employer_account"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(6))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class InstitutionClient(Base):
    """A designated institution's HIS as an OAuth2 client: client id = fixmedins_code, secret hashed."""

    __tablename__ = "institution_client"

    client_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(6))
    secret_hash: Mapped[str] = mapped_column(String(200))
    #: requests per minute for this client (None: the gateway's default for institutions)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    credentials_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PartnerRegion(Base):
    """伙伴地区: another region's agency, trusted with its public keys, reached at its gateway."""

    __tablename__ = "partner_region"

    admdvs: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    base_url: Mapped[str] = mapped_column(String(300))
    jwks: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
