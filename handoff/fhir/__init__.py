"""FHIR R4 export (DESIGN 3.8): signed handoffs as document Bundles, checklists as Questionnaires.

`routes` is the HTTP edge; `service` reads the records and audits; `export` holds the plain values
an export is made of; `base` the pieces every resource shares (ids, narrative, references, times);
one module per document kind (`discharge`, `ipass`, `generic`) and `questionnaire` for the
checklist forms. The builders know nothing of HTTP or the database.
"""
