"""ITB Screen: decision support for referring patients to an intrathecal baclofen screening test."""

__version__ = "0.1.0"
