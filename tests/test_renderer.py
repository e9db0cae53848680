"""The PDF renderer: bundled fonts, large type, stable bytes, and a fetcher that loads only our static files."""

import io
import logging
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from handoff.documents.renderer import (
    RENDERER_VERSION,
    SCHEME,
    RefusedURL,
    StaticOnlyFetcher,
    render_pdf,
    render_pdf_within,
)


@pytest.fixture(autouse=True)
def clean_database():
    """Pure unit tests: override conftest's per-test database reset, so no app or database is needed."""
    yield


STATIC = Path(__file__).resolve().parents[1] / "static"
SPANISH = "¿Cuándo llamar? Señales de alarma: niño, ü"
RENDERER_LOGGER = "handoff.documents.renderer"


def page(body: str, *, head: str = "", body_class: str = "", stylesheets: bool = True) -> str:
    links = (
        '<link rel="stylesheet" href="/static/documents/fonts.css">'
        '<link rel="stylesheet" href="/static/documents/print.css">'
        if stylesheets
        else ""
    )
    return (
        f'<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Prueba</title>{links}{head}</head>'
        f'<body class="{body_class}">{body}</body></html>'
    )


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(p.extract_text() for p in reader.pages)


def embedded_fonts(pdf: bytes) -> set[str]:
    """BaseFont names of the fonts whose program is embedded in the PDF (subset tag removed)."""
    names = set()
    for pdf_page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in pdf_page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def png(width: int = 6, height: int = 4, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def image_sizes(pdf: bytes) -> list[tuple[int, int]]:
    return [
        (image.image.width, image.image.height)
        for pdf_page in pypdf.PdfReader(io.BytesIO(pdf)).pages
        for image in pdf_page.images
    ]


def refused_urls(caplog) -> list[str]:
    return [r.args[0] for r in caplog.records if r.name == RENDERER_LOGGER and r.msg.startswith("Refused")]


def link_uris(pdf: bytes) -> list[str]:
    uris = []
    for pdf_page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for annotation in pdf_page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


# --- fonts, text, determinism -------------------------------------------------------------------------------


def test_spanish_text_reads_back_and_uses_the_bundled_font():
    pdf = render_pdf(
        page(f"<h1>Resumen</h1><p>{SPANISH}</p><p><strong>¡Importante!</strong> <em>Ñandú</em></p>"), static_root=STATIC
    )

    text = pdf_text(pdf)
    assert SPANISH in text
    assert "¡Importante!" in text and "Ñandú" in text
    fonts = embedded_fonts(pdf)
    assert {"Atkinson-Hyperlegible", "Atkinson-Hyperlegible-Bold", "Atkinson-Hyperlegible-Italic"} <= fonts


def test_without_fonts_css_the_bundled_font_is_not_used_so_it_comes_from_static_not_the_machine():
    pdf = render_pdf(page(f"<p>{SPANISH}</p>", stylesheets=False), static_root=STATIC)

    assert SPANISH in pdf_text(pdf)
    assert not any(name.startswith("Atkinson") for name in embedded_fonts(pdf))


def test_same_html_renders_identical_bytes():
    html = page(f"<h1>Resumen</h1><p>{SPANISH}</p><table><tr><th>Medicina</th><td>Furosemida</td></tr></table>")

    first = render_pdf(html, static_root=STATIC)
    second = render_pdf(html, static_root=STATIC)

    assert first == second
    assert b"/CreationDate" not in first and b"/ModDate" not in first


def test_renderer_version_names_weasyprint_and_a_hash_of_our_css_and_fonts():
    import weasyprint

    prefix = f"weasyprint-{weasyprint.__version__}+"
    assert RENDERER_VERSION.startswith(prefix)
    assert len(RENDERER_VERSION) == len(prefix) + 12
    int(RENDERER_VERSION[len(prefix) :], 16)


# --- print CSS ---------------------------------------------------------------------------------------------


def char_sizes(pdf: bytes, text: str) -> set[float]:
    """Font sizes (pt) of the characters on the line(s) that contain `text`."""
    sizes = set()
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for pdf_page in document.pages:
            for line in pdf_page.extract_text_lines():
                if text in line["text"]:
                    sizes |= {round(char["size"], 1) for char in line["chars"] if not char["text"].isspace()}
    assert sizes, f"{text!r} not found"
    return sizes


def test_body_text_is_at_least_14_pt_and_large_print_is_18_pt():
    body = (
        f"<h2>Tus medicinas</h2><p>{SPANISH}</p><ul><li>Una pastilla cada mañana</li></ul>"
        "<table><tr><td>Furosemida 40 mg</td></tr></table>"
    )

    regular = render_pdf(page(body), static_root=STATIC)
    large = render_pdf(page(body, body_class="large-print"), static_root=STATIC)

    for text in (SPANISH, "Una pastilla cada mañana", "Furosemida 40 mg"):
        assert char_sizes(regular, text) == {14.0}
        assert char_sizes(large, text) == {18.0}
    assert min(char_sizes(regular, "Tus medicinas")) > 14.0


def test_page_numbers_and_the_running_header_repeat_on_every_page():
    body = '<div class="running-header">Rosa Tester · MRN 000123</div>' + "".join(
        f"<p>Línea {n}</p>" for n in range(80)
    )

    pdf = render_pdf(page(body), static_root=STATIC)

    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "Rosa Tester · MRN 000123" in text
        assert f"{number} / {len(pages)}" in text


def pages_of(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [p.extract_text() for p in document.pages]


def test_a_table_row_is_never_split_across_pages():
    # Five lines per cell: with fewer, widows/orphans alone keep a cell whole and the test would prove nothing.
    rows = "".join(
        "<tr><td>" + "<br>".join(f"Fila {n} parte {k}" for k in range(5)) + f"</td><td>Dosis {n}</td></tr>"
        for n in range(30)
    )

    pages = pages_of(render_pdf(page(f"<p>Intro</p><table>{rows}</table>"), static_root=STATIC))

    assert len(pages) >= 2
    for n in range(30):
        holding = [i for i, text in enumerate(pages) if f"Fila {n} " in text]
        assert len(holding) == 1, f"row {n} split over pages {holding}"
        assert f"Fila {n} parte 4" in pages[holding[0]] and f"Dosis {n}" in pages[holding[0]]


@pytest.mark.parametrize("filler", range(19, 26))  # one of these puts the heading at the foot
def test_a_heading_is_never_the_last_line_of_a_page(filler):
    body = "".join(f"<p>Relleno {n}</p>" for n in range(filler)) + "<h2>Cuándo llamar</h2><p>Si tiene fiebre.</p>"

    pages = pages_of(render_pdf(page(body), static_root=STATIC))

    [holding] = [text for text in pages if "Cuándo llamar" in text]
    assert "Si tiene fiebre." in holding


# --- the URL fetcher ---------------------------------------------------------------------------------------


@pytest.fixture
def static_root(tmp_path) -> Path:
    """A static root holding one image, next to a secret file the documents must never read."""
    root = tmp_path / "static"
    (root / "img").mkdir(parents=True)
    (root / "img" / "logo.png").write_bytes(png(6, 4))
    (tmp_path / "secret.png").write_bytes(png(9, 9))
    (root / "img" / "escape.png").symlink_to(tmp_path / "secret.png")
    return root


@pytest.mark.parametrize(
    "url",
    [
        f"{SCHEME}:/static/img/logo.png",
        f"{SCHEME}:/static/img/logo.png?v=123",
        f"{SCHEME}:/static/img/../img/logo.png",
        f"{SCHEME}:/static/img/%6Cogo.png",
    ],
)
def test_fetcher_serves_files_under_the_static_root(static_root, url):
    response = StaticOnlyFetcher(static_root).fetch(url)

    assert response.read() == png(6, 4)
    assert response.content_type == "image/png"
    assert response.url == f"{SCHEME}:/static/img/logo.png"


def test_fetcher_serves_file_urls_only_inside_the_static_root(static_root):
    fetcher = StaticOnlyFetcher(static_root)

    assert fetcher.fetch((static_root / "img" / "logo.png").as_uri()).read() == png(6, 4)
    with pytest.raises(RefusedURL):
        fetcher.fetch((static_root.parent / "secret.png").as_uri())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.css",
        "ftp://127.0.0.1/x.png",
        "file:///etc/passwd",
        "file://otherhost/static/img/logo.png",
        f"{SCHEME}:/etc/passwd",
        f"{SCHEME}:/static/../secret.png",
        f"{SCHEME}:/static/%2e%2e/secret.png",
        f"{SCHEME}:/static/img/escape.png",  # a symlink pointing outside
        f"{SCHEME}:/static/img",  # a directory
        f"{SCHEME}:/static/img/missing.png",
        f"{SCHEME}:/static/img/logo.png%00.css",
        f"{SCHEME}://127.0.0.1/static/img/logo.png",
        f"{SCHEME}:/img/logo.png",
        "data:text/css,body{}",
        "data:text/html;base64,PGI+PC9iPg==",
        "javascript:alert(1)",
        "about:blank",
    ],
)
def test_fetcher_refuses_everything_else(static_root, url, caplog):
    caplog.set_level(logging.INFO, logger=RENDERER_LOGGER)
    fetcher = StaticOnlyFetcher(static_root)

    with pytest.raises(RefusedURL):
        fetcher.fetch(url)

    assert fetcher.refused == [url]
    assert refused_urls(caplog) == [url]


def test_fetcher_serves_small_data_images_and_refuses_huge_ones(static_root):
    import base64

    fetcher = StaticOnlyFetcher(static_root)
    small = "data:image/png;base64," + base64.b64encode(png()).decode()
    assert fetcher.fetch(small).read() == png()

    with pytest.raises(RefusedURL):
        fetcher.fetch("data:image/png;base64," + "A" * (3 * 1024 * 1024))


def test_static_images_that_exist_are_embedded(static_root):
    import base64

    inline = "data:image/png;base64," + base64.b64encode(png(3, 5)).decode()
    html = page(
        f'<p>Logo</p><img src="/static/img/logo.png"><img src="{inline}">'
        '<img src="/static/img/escape.png"><img src="/static/img/missing.png">',
        stylesheets=False,
    )

    pdf = render_pdf(html, static_root=static_root)

    assert sorted(image_sizes(pdf)) == [(3, 5), (6, 4)]


class RecordingServer:
    """A tiny HTTP server on 127.0.0.1 that records every request it gets (it should get none)."""

    def __init__(self):
        self.requests: list[str] = []
        recorded = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                recorded.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.timeout = 2
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def test_hostile_document_makes_no_request_and_each_url_is_refused(static_root, caplog):
    caplog.set_level(logging.INFO, logger=RENDERER_LOGGER)
    with RecordingServer() as server:
        here = server.url
        ftp = here.replace("http://", "ftp://") + "/ftp.png"
        font_face = f'@font-face {{ font-family: X; src: url("{here}/font.woff2"); }} p {{ font-family: X; }}'
        hostile = {
            f'<link rel="stylesheet" href="{here}/link.css">': f"{here}/link.css",
            '<link rel="stylesheet" href="https://example.org/x.css">': "https://example.org/x.css",
            f"<style>@import url({here}/import.css);</style>": f"{here}/import.css",
            f"<style>{font_face}</style>": f"{here}/font.woff2",
            "<style>body { background: url(file:///etc/passwd); }</style>": "file:///etc/passwd",
            f'<style>ul {{ list-style-image: url("{here}/bullet.png"); }}</style>': f"{here}/bullet.png",
            f'<style>h1::after {{ content: url("{here}/after.png"); }}</style>': f"{here}/after.png",
        }
        body = {
            f'<img src="{here}/x.png">': f"{here}/x.png",
            '<img src="file:///etc/hostname">': "file:///etc/hostname",
            '<img src="/static/../../etc/passwd">': f"{SCHEME}:/etc/passwd",
            '<img src="/static/%2e%2e/secret.png">': f"{SCHEME}:/static/%2e%2e/secret.png",
            '<img src="/static/img/escape.png">': f"{SCHEME}:/static/img/escape.png",
            f'<img src="{ftp}">': ftp,
            f'<object data="{here}/object.svg" type="image/svg+xml"></object>': f"{here}/object.svg",
            f'<embed src="{here}/embed.png">': f"{here}/embed.png",
            f'<svg width="9" height="9"><image href="{here}/svg.png" width="9" height="9"/></svg>': f"{here}/svg.png",
            '<img src="data:text/html;base64,PGI+PC9iPg==">': "data:text/html;base64,PGI+PC9iPg==",
        }
        silent = (  # never fetched at all: no refusal to log, and no request either
            f'<iframe src="{here}/iframe.html"></iframe>'
            f'<link rel="attachment" href="{here}/attachment.bin">'
            '<link rel="attachment" href="/static/img/logo.png">'
            f'<a rel="attachment" href="{here}/a-attachment.bin">adjunto</a>'
            '<a href="javascript:alert(document.domain)">javascript</a>'
            '<a href="https://example.org/ok">sitio</a><a href="tel:+15555550100">teléfono</a>'
        )
        html = page(
            f"<h1>Hola</h1><ul><li>{SPANISH}</li></ul>{''.join(body)}{silent}", head="".join(hostile), stylesheets=True
        )

        pdf = render_pdf(html, static_root=static_root)

        assert server.requests == []
    assert SPANISH in pdf_text(pdf)
    # urljoin spells "/static/../../etc/passwd" against "handoff-static:/" differently across Python versions.
    same = lambda url: url.replace(f"{SCHEME}:/", f"{SCHEME}:")  # noqa: E731
    refused = {same(url) for url in refused_urls(caplog)}
    for url in [*hostile.values(), *body.values()]:
        assert same(url) in refused, f"{url} was not refused: {refused}"
    assert not any(here in url for url in link_uris(pdf) if "attachment" in url)
    assert link_uris(pdf) == ["https://example.org/ok", "tel:+15555550100"]
    assert b"/EmbeddedFiles" not in pdf and b"/FileAttachment" not in pdf
    assert image_sizes(pdf) == []


def test_fetcher_maps_only_static_paths_on_the_http_base_origin_to_disk(static_root):
    fetcher = StaticOnlyFetcher(static_root, "https://handoff.example/")

    assert fetcher.fetch("https://handoff.example/static/img/logo.png").read() == png(6, 4)
    for url in (
        "https://other.example/static/img/logo.png",
        "http://handoff.example/static/img/logo.png",
        "https://handoff.example:8443/static/img/logo.png",
        "https://handoff.example/api/v1/patients",
        "https://handoff.example/static/../secret.png",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_with_our_own_http_origin_as_base_static_files_are_read_from_disk_not_requested(static_root, caplog):
    caplog.set_level(logging.INFO, logger=RENDERER_LOGGER)
    (static_root / "img" / "other.png").write_bytes(png(2, 7))
    with RecordingServer() as server:
        html = page(
            f'<p>Hola</p><img src="/static/img/logo.png"><img src="{server.url}/static/img/other.png">'
            '<img src="/api/v1/photo.png">',
            stylesheets=False,
        )

        pdf = render_pdf(html, static_root=static_root, base_url=server.url + "/")

        assert server.requests == []
    assert sorted(image_sizes(pdf)) == [(2, 7), (6, 4)]
    assert refused_urls(caplog) == [f"{server.url}/api/v1/photo.png"]


def test_a_base_element_cannot_send_relative_urls_to_the_network(static_root, caplog):
    caplog.set_level(logging.INFO, logger=RENDERER_LOGGER)
    with RecordingServer() as server:
        html = page(
            '<p>Hola</p><img src="img/logo.png"><img src="/static/img/logo.png">',
            head=f'<base href="{server.url}/">',
            stylesheets=False,
        )

        pdf = render_pdf(html, static_root=static_root)

        assert server.requests == []
    assert set(refused_urls(caplog)) == {f"{server.url}/img/logo.png", f"{server.url}/static/img/logo.png"}
    assert image_sizes(pdf) == []


def _pages(pdf: bytes) -> int:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def test_render_within_takes_the_first_layout_that_fits_and_builds_no_later_one():
    built = []

    def layouts():
        for label, paragraphs in (("generous", 90), ("tight", 20), ("never built", 1)):
            built.append(label)
            yield page("".join(f"<p>{label} {n}</p>" for n in range(paragraphs)))

    pdf = render_pdf_within(layouts(), max_pages=1, static_root=STATIC)

    assert _pages(pdf) == 1 and "tight 0" in pdf_text(pdf) and "generous" not in pdf_text(pdf)
    assert built == ["generous", "tight"]


def test_render_within_gives_the_last_layout_when_none_fits():
    too_long = [page("".join(f"<p>{label} {n}</p>" for n in range(90))) for label in ("first", "last")]

    pdf = render_pdf_within(iter(too_long), max_pages=1, static_root=STATIC)

    assert _pages(pdf) > 1 and "last 0" in pdf_text(pdf)
