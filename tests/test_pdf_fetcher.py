"""What WeasyPrint may fetch: data: URIs, the project's static files and the uploads the renderer is given; never the
network, never another file of the machine (issue 16: a badge photo that was an SVG made the renderer call a URL)."""

from __future__ import annotations

import ast
import base64
import http.server
import io
import threading
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from conference.badges import services as badges
from conference.core import pdf
from conference.core.pdf import ProjectFetcher, render_pdf
from conference.core.storage import LocalStorage

CONFERENCE = Path(pdf.__file__).resolve().parent.parent


@pytest.fixture
def server():
    """A tiny HTTP server on 127.0.0.1 that records every request it gets (and answers with a PNG)."""
    hits: list[str] = []
    png = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(png, "PNG")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(png.getvalue())

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def _png(path: Path) -> Path:
    Image.new("RGB", (20, 20), "blue").save(path, "PNG")
    return path


def _images(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def _hostile_svg(base: str) -> bytes:
    """An SVG whose comments pass a naive PDF check, and which names a URL and a local file."""
    return (f'<?xml version="1.0"?>\n<!-- %PDF-1.7 -->\n<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" width="35" height="45">'
            f'<image href="{base}/from-svg.png" width="35" height="45"/>'
            f'<image xlink:href="file:///etc/passwd" width="35" height="45"/>'
            f'<style>@import url("{base}/svg-import.css");</style></svg>\n<!-- %%EOF -->\n').encode()


def test_no_render_reaches_the_network_or_a_file_outside_the_project(server, tmp_path):
    base, hits = server
    outside = _png(tmp_path / "outside.png")
    svg = base64.b64encode(_hostile_svg(base)).decode()
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{base}/linked.css">
      <style>@import url("{base}/imported.css");
        @font-face {{ font-family: X; src: url("{base}/font.woff2"); }}
        body {{ background: url("{base}/background.png"); font-family: X; }}</style></head><body>
      <img src="{base}/x.png"><img src="https://127.0.0.1:{base.rsplit(':', 1)[1]}/tls.png">
      <img src="ftp://127.0.0.1:{base.rsplit(':', 1)[1]}/ftp.png">
      <img src="file:///etc/passwd"><img src="../../../../../../etc/passwd"><img src="{outside.as_uri()}">
      <img src="file://127.0.0.1{outside}"><img src="data:image/svg+xml;base64,{svg}">
      <object data="{base}/object.png"></object><embed src="{base}/embed.png"><iframe src="{base}/frame"></iframe>
      <a href="{base}/link">a link is written, never fetched</a>
    </body></html>"""
    data = render_pdf(html, base_url=pdf.STATIC, stylesheets=["css/report.css"])
    assert data.startswith(b"%PDF-")
    assert hits == []
    assert _images(data) == 0  # not the outside PNG, not /etc/passwd


def test_the_uploads_given_and_static_files_are_served(tmp_path):
    photo = _png(tmp_path / "photo.png").read_bytes()
    html = f'<img src="{pdf.upload_url("photos/a.png")}">'
    assert _images(render_pdf(html, base_url=pdf.STATIC, uploads={"photos/a.png": photo})) == 1
    assert _images(render_pdf(html, base_url=pdf.STATIC)) == 0  # the same upload, not given: refused
    assert _images(render_pdf(html, base_url=pdf.STATIC, uploads={"photos/b.png": photo})) == 0  # another one
    # A static file by a relative link, and a data: URI.
    png = io.BytesIO()
    Image.new("RGB", (5, 5)).save(png, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    assert _images(render_pdf(f'<img src="favicon.svg"><img src="{uri}">', base_url=pdf.STATIC)) >= 1


def test_the_fetcher_refuses_directly(tmp_path):
    given = _png(tmp_path / "given.png")
    fetcher = ProjectFetcher(uploads={"photos/given.png": given.read_bytes()})
    for url in ("http://127.0.0.1:9/x", "https://example.org/x", "ftp://127.0.0.1/x", "file:///etc/passwd",
                (pdf.STATIC / ".." / ".." / ".." / "etc" / "passwd").as_uri(), (tmp_path / "other.png").as_uri(),
                given.as_uri(), f"file://example.org{given}", "gopher://127.0.0.1/x", "javascript:alert(1)",
                pdf.upload_url("photos/other.png"), pdf.upload_url("../photos/given.png"), "upload:/etc/passwd"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert fetcher.fetch(pdf.upload_url("photos/given.png")).read().startswith(b"\x89PNG")
    assert fetcher.fetch((pdf.STATIC / "css" / "badge.css").as_uri()).read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_a_symbolic_link_in_static_does_not_lead_outside(tmp_path):
    link = pdf.STATIC / "test-link-to-etc-passwd"
    link.symlink_to("/etc/passwd")
    try:
        with pytest.raises(ValueError, match="refused"):
            ProjectFetcher().fetch(link.as_uri())
    finally:
        link.unlink()


def test_a_badge_photo_that_is_an_svg_fetches_nothing(server, tmp_path):
    """The attack of issue 16: a "photo" that is an SVG naming a URL, printed on a badge (the web process, the job
    thread and the RQ worker all print through render_badges)."""
    base, hits = server
    uploads = LocalStorage(tmp_path)
    uploads.put("photos/not-a-photo.jpg", _hostile_svg(base))
    badge = {"serial": "P-1", "qr": "x", "name": "Ana", "function": "", "entity": "Austria", "category": "STATE",
             "colour": "#000", "letter": "S", "label": "State", "photo": "photos/not-a-photo.jpg"}
    conference = {"title": "T", "short_title": "T", "dates": "1 May", "venue": "V", "city": "C", "language": "en"}
    data = badges.render_badges([badge], conference, uploads=uploads)
    assert data.startswith(b"%PDF-")
    assert hits == []


def _weasyprint_calls(tree: ast.AST) -> list[ast.Call]:
    names = {"HTML", "CSS"}
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Name) and node.func.id in names
        or isinstance(node.func, ast.Attribute) and node.func.attr in names
        and isinstance(node.func.value, ast.Name) and node.func.value.id == "weasyprint")]


def test_the_benchmarks_render_with_the_fetcher_too():
    """The badge benchmarks' bare WeasyPrint yardstick (bench/_common.py) and any other call in bench/."""
    calls = [call for path in (CONFERENCE.parent / "bench").glob("*.py")
             for call in _weasyprint_calls(ast.parse(path.read_text(encoding="utf-8")))]
    assert len(calls) >= 2
    assert all(any(k.arg == "url_fetcher" for k in call.keywords) for call in calls)


def test_every_weasyprint_document_goes_through_the_fetcher():
    """Only conference/core/pdf.py imports WeasyPrint's HTML and CSS, and each of its calls passes the fetcher."""
    for path in CONFERENCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
        uses_weasyprint = any(
            isinstance(node, ast.ImportFrom) and (node.module or "").startswith("weasyprint")
            or isinstance(node, ast.Import) and any(a.name.startswith("weasyprint") for a in node.names)
            for node in imports)
        if path.name == "pdf.py" and path.parent.name == "core":
            calls = _weasyprint_calls(tree)
            assert len(calls) >= 2
            for call in calls:
                fetcher = [k for k in call.keywords if k.arg == "url_fetcher"]
                assert fetcher and isinstance(fetcher[0].value, ast.Call) \
                    and fetcher[0].value.func.id == "ProjectFetcher", f"pdf.py:{call.lineno}"
        else:
            assert not uses_weasyprint, f"{path}: render PDFs through conference.core.pdf, not WeasyPrint itself"
