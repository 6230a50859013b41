from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """The institutions service's own metadata (no service shares tables with another)."""
