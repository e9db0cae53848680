"""Translation memory routes: add an entry (clinical roles and admins), list the entries in force."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..auth.access import requires
from ..auth.models import ROLES
from ..http import actor, page_headers
from ..idempotency import idempotent
from . import service
from .schemas import TranslationCreateSchema, TranslationQuerySchema, TranslationSchema

# Each view declares its whole contract in its decorators (idempotency, roles, body, answer), as
# flask-smorest intends, so the stacks of similar routes look alike by design (`duplicates` lists them).
blp = Blueprint("translations", __name__, url_prefix="/api/v1/translations",
                description="The hospital's translation memory for patient-visible free text")


@blp.route("")
class Translations(MethodView):
    @requires(*ROLES)
    @blp.arguments(TranslationQuerySchema, location="query")
    @blp.response(200, TranslationSchema(many=True))
    def get(self, args):
        """Entries in force (paginated: X-Total-Count, Link); `q` searches source and text"""
        page = service.search(args.get("lang"), args.get("q"), args["page"], args["per_page"])
        return page.items, 200, page_headers(page)

    @idempotent
    @requires(*ROLES)
    @blp.arguments(TranslationCreateSchema)
    @blp.response(201, TranslationSchema)
    def post(self, args):
        """Add a translation; it supersedes any earlier one for the same language and source"""
        return service.add(actor(), args["lang"], args["source"], args["text"])
