"""The languages Handoff ships: patients' preferred language, the summaries, the tablet app."""

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
