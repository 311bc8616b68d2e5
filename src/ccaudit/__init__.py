"""ccaudit: inspection of TWSE Article 12 (CC-21100) for securities firms."""

__version__ = "0.1.0"
