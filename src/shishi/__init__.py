"""shishi (实事): command-line ledgers of the people's livelihood work (我为群众办实事台账)."""

__version__ = "0.1.0"
