"""The hospital's translation memory: reviewed translations of the free text clinicians type.

`library/phrases.json` is the built-in phrase library; hospital entries (POST
/api/v1/translations) supersede it. See service.py for how an entry is chosen.
"""
