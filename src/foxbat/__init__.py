"""foxbat: aircraft flying against radar networks over real terrain."""

__version__ = "0.1.0"
