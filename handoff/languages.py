"""The languages Handoff ships: patients' preferred language, the summaries, the tablet app."""

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}  # for staff-facing messages, in English
