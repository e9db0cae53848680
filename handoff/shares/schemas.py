"""Share link API shapes, and the query of the patient's own pages."""

from marshmallow import EXCLUDE, Schema, fields, validate

from ..api_fields import UtcDateTime
from ..languages import LANGUAGES


class ShareCreateSchema(Schema):
    expires_in_days = fields.Integer(validate=validate.Range(min=1, max=90),
                                     metadata={"description": "Default 30"})


class ShareSchema(Schema):
    """Dumps `shares.service.IssuedShare`."""

    id = fields.Integer(attribute="link.id")
    url = fields.String()
    expires_at = UtcDateTime(attribute="link.expires_at")
    revision = fields.Integer(attribute="link.revision_number")
    qr_svg = fields.String(metadata={"description": "SVG image of a QR code of the URL"})


class _LanguageOrDefault(fields.String):
    """A shipped language, or None: a patient with an odd link still gets their summary."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value if value in LANGUAGES else None


class PatientPageQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    lang = _LanguageOrDefault(load_default=None)
