"""Share link API shapes."""

from marshmallow import Schema, fields, validate


class ShareCreateSchema(Schema):
    expires_in_days = fields.Integer(validate=validate.Range(min=1, max=90),
                                     metadata={"description": "Default 30"})


class ShareSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    expires_at = fields.String()
    revision = fields.Integer()
    qr_svg = fields.String(metadata={"description": "SVG image of a QR code of the URL"})
