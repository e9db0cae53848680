"""The one module that owns WeasyPrint: HTML to PDF that may load only the app's own static files.

Every URL a document names (stylesheets, @import, fonts, images, <object>/<embed>, SVG hrefs, <base>)
goes through `StaticOnlyFetcher`, which serves files under `static_root` from disk and refuses the rest:
no request leaves the machine (http, https, ftp, …), no `file:` path outside `static_root` is read
(`..` and symlinks are resolved before the check), and redirects cannot happen because nothing is fetched
remotely. `data:` URLs are allowed for images only (at most `MAX_DATA_URL_BYTES`): they carry their bytes
inline, so they reach nothing. A refused URL is logged at INFO under this module's logger and WeasyPrint
skips the resource (logging an error on the `weasyprint` logger) rather than failing the render.
Attachments (`<link rel=attachment>`) are never embedded, and links other than http(s)/mailto/tel
(`javascript:`, `file:`, …) are dropped from the PDF.

Templates reference static files by the path the browser would use, so one template serves HTML and PDF:
`<link rel="stylesheet" href="/static/documents/fonts.css">`. With the default base URL
(`handoff-static:/`) that becomes `handoff-static:/static/documents/fonts.css`, and relative URLs inside
the stylesheets (`../fonts/….ttf`) resolve against it. A caller may pass the app's own http(s) origin as
`base_url` instead: `/static/…` URLs on exactly that origin are then read from disk too, never requested.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import mimetypes
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit, uses_relative
from urllib.request import url2pathname

import pydyf
import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["MIN_FILL", "RENDERER_VERSION", "SCHEME", "RefusedURL", "StaticOnlyFetcher", "page_fills", "render_pdf",
           "render_pdf_within"]

LOGGER = logging.getLogger(__name__)

SCHEME = "handoff-static"
STATIC_URL_PATH = "/static/"
MAX_DATA_URL_BYTES = 1024 * 1024
# No page of a document with a page budget but its last should be less full than this (DESIGN 4, "mostly empty").
MIN_FILL = 0.6
# Links a reader may follow from the PDF; anything else (javascript:, file:, data:, our own scheme) is dropped.
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

# urljoin resolves relative references only for schemes it knows; without this, `../fonts/x.woff2` inside
# handoff-static:/static/documents/fonts.css would stay relative and never reach the fetcher.
if SCHEME not in uses_relative:
    uses_relative.append(SCHEME)

# Pango/fontconfig under WeasyPrint are not safe to drive from several threads at once (threaded gunicorn
# workers); one render at a time per process. A render of a few pages takes a fraction of a second.
_RENDER_LOCK = threading.Lock()

_PROJECT_STATIC = Path(__file__).resolve().parents[2] / "static"
# Python 3.11's table lacks the web font types; WeasyPrint checks text/css for <link rel=stylesheet>.
_CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


class RefusedURL(ValueError):
    """A document named a URL the renderer will not load."""


def _short(url: str) -> str:
    return url if len(url) <= 200 else url[:200] + "…"


def _inside(root: Path, candidate: Path) -> bool:
    return candidate == root or root in candidate.parents


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher serving only regular files under `static_root` (and small data: images).

    It subclasses WeasyPrint's URLFetcher because WeasyPrint 70 expects one, but never calls the parent's
    `fetch`/`open`, which are what would touch the network.
    """

    def __init__(self, static_root: Path, base_url: str = f"{SCHEME}:/"):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.static_root = Path(static_root).resolve()
        base = urlsplit(base_url)
        # An http(s) base names our own origin: its /static/ paths map to disk (see the module docstring).
        self._origin = (base.scheme.lower(), base.netloc.lower()) if base.scheme.lower() in ("http", "https") else None
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        try:
            response = self._serve(url)
        except RefusedURL as refusal:
            self.refused.append(url)
            LOGGER.info("Refused URL %s: %s", _short(url), refusal)
            raise
        self.served.append(url)
        return response

    def open(self, url, data=None, timeout=None):
        # OpenerDirector.open is public on the parent; route it through the same gate.
        return self.fetch(url if isinstance(url, str) else url.full_url)

    def _serve(self, url: str) -> URLFetcherResponse:
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise RefusedURL(f"malformed URL ({error})") from None
        scheme = parts.scheme.lower()
        if scheme == "data":
            return self._data(url)
        if scheme == SCHEME or (self._origin and (scheme, parts.netloc.lower()) == self._origin):
            if scheme == SCHEME and parts.netloc:
                raise RefusedURL("a host is not allowed in handoff-static URLs")
            path = unquote(parts.path)
            if not path.startswith(STATIC_URL_PATH):
                raise RefusedURL(f"only {STATIC_URL_PATH}… paths are served")
            return self._file(self.static_root / path[len(STATIC_URL_PATH) :])
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise RefusedURL("file: URLs on another host are refused")
            return self._file(Path(url2pathname(parts.path)))
        raise RefusedURL(f"scheme {scheme or '(none)'!r} is not served: documents load only static files")

    def _file(self, requested: Path) -> URLFetcherResponse:
        try:
            resolved = requested.resolve(strict=True)
            is_file = resolved.is_file()
        except (OSError, ValueError, RuntimeError):
            raise RefusedURL("no such file under the static root") from None
        if not _inside(self.static_root, resolved):
            raise RefusedURL("outside the static root")
        if not is_file:
            raise RefusedURL("not a regular file")
        relative = resolved.relative_to(self.static_root).as_posix()
        content_type = _CONTENT_TYPES.get(resolved.suffix.lower()) or (
            mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        )
        # The canonical URL is the base for relative URLs inside the file (e.g. fonts in fonts.css).
        canonical = f"{SCHEME}:{STATIC_URL_PATH}{relative}"
        return URLFetcherResponse(canonical, resolved.read_bytes(), {"Content-Type": content_type})

    def _data(self, url: str) -> URLFetcherResponse:
        header, comma, payload = url[len("data:") :].partition(",")
        if not comma:
            raise RefusedURL("malformed data: URL")
        params = [part.strip() for part in header.split(";")]
        media_type = (params[0] or "text/plain").lower()
        if not media_type.startswith("image/"):
            raise RefusedURL("data: URLs are allowed for images only")
        if len(payload) > MAX_DATA_URL_BYTES * 2:
            raise RefusedURL("data: URL too large")
        try:
            body = (
                base64.b64decode(unquote(payload), validate=False)
                if "base64" in params[1:]
                else unquote_to_bytes(payload)
            )
        except (binascii.Error, ValueError):
            raise RefusedURL("undecodable data: URL") from None
        if len(body) > MAX_DATA_URL_BYTES:
            raise RefusedURL("data: URL too large")
        return URLFetcherResponse("data:", body, {"Content-Type": media_type})


def _drop_unsafe_links(document) -> None:
    """Keep only links a reader can safely follow; never embed attachments (they would be fetched too)."""
    document.metadata.attachments = []
    for page in document.pages:
        kept = []
        for link in page.links:
            link_type, target = link[0], link[1]
            if link_type == "internal":
                kept.append(link)
            elif link_type == "external" and urlsplit(target).scheme.lower() in LINK_SCHEMES:
                kept.append(link)
            else:
                LOGGER.info("Dropped %s link %s", link_type, _short(str(target)))
        page.links[:] = kept


def render_pdf(html: str, *, static_root: Path, base_url: str = f"{SCHEME}:/") -> bytes:
    """Render `html` to PDF bytes; only files under `static_root` (and small data: images) can be loaded.

    The same HTML gives the same bytes: WeasyPrint writes no creation date unless the HTML has a
    `<meta name="dcterms.created">`, no random file identifier, and names font subsets by content hash.
    """
    fetcher = StaticOnlyFetcher(static_root, base_url)
    with _RENDER_LOCK:
        return _render(html, fetcher, base_url)


def render_pdf_within(layouts: Iterable[str], *, max_pages: int, static_root: Path,
                      base_url: str = f"{SCHEME}:/", min_fill: float = MIN_FILL) -> bytes:
    """Render the first of `layouts` (HTML, most generous first) that fits on `max_pages` pages with every page but
    the last at least `min_fill` full (DESIGN 4: no page but the last mostly empty); else the first that fits on
    `max_pages`; else the last.

    A layout is laid out in full before it is judged, but only the chosen one is written out as PDF. `layouts`
    may be a generator, so a tighter layout is only built when the ones before it did not do.
    """
    fetcher = StaticOnlyFetcher(static_root, base_url)
    with _RENDER_LOCK:
        document = within = None
        for html in layouts:
            document = _layout(html, fetcher, base_url)
            if len(document.pages) <= max_pages:
                if all(fill >= min_fill for fill in page_fills(document)[:-1]):
                    within = document
                    break
                within = within or document
        if document is None:
            raise ValueError("no layout to render")
        return _write(within or document)


def page_fills(document) -> list[float]:
    """How full each laid-out page is: from the top of its page area to its lowest ink (text, an image, a rule or
    a box's border), as a share of the area's height. The page's margin boxes (footer, page number) are not ink."""
    fills = []
    for page in document.pages:
        page_box = page._page_box  # WeasyPrint's laid-out page (pinned major version)
        top, height = page_box.content_box_y(), page_box.height
        lowest = top
        stack = list(page_box.children)
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.MarginBox):
                continue
            inked = isinstance(box, boxes.ReplacedBox) or (isinstance(box, boxes.TextBox) and box.text.strip())
            if inked or getattr(box, "border_top_width", 0) or getattr(box, "border_bottom_width", 0):
                lowest = max(lowest, box.position_y + box.margin_height() - box.margin_bottom)
            stack.extend(getattr(box, "children", ()))
        fills.append((lowest - top) / height if height else 0.0)
    return fills


def _render(html: str, fetcher: StaticOnlyFetcher, base_url: str) -> bytes:
    return _write(_layout(html, fetcher, base_url))


def _layout(html: str, fetcher: StaticOnlyFetcher, base_url: str):
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher, media_type="print").render(
        font_config=FontConfiguration(),
        presentational_hints=True,  # honour <table width>, <td align>, <img width> … as browsers do
    )


def _write(document) -> bytes:
    _drop_unsafe_links(document)
    return document.write_pdf(pdf_identifier=None)


def _renderer_version() -> str:
    digest = hashlib.sha256()
    digest.update(f"pydyf-{pydyf.__version__}\0".encode())
    digest.update(Path(__file__).read_bytes())
    for folder in ("documents", "fonts"):
        root = _PROJECT_STATIC / folder
        files = sorted(path for path in root.rglob("*") if path.is_file()) if root.is_dir() else []
        for path in files:
            digest.update(path.relative_to(_PROJECT_STATIC).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"weasyprint-{weasyprint.__version__}+{digest.hexdigest()[:12]}"


#: Changes whenever WeasyPrint, pydyf, this module or the bundled CSS/fonts change; part of cache keys.
RENDERER_VERSION: str = _renderer_version()
