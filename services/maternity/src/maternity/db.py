from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """The maternity service's own metadata (no service shares tables with another)."""
