from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """The gateway's own metadata: staff accounts (经办人员账号)."""
