"""Take the README's screenshots of the web app in headless Chromium.

    .venv/bin/python scripts/screenshots.py [--index-dir DIR] [--out docs/screenshots]

Without ``--index-dir`` the demo set (``data/demo``) is indexed into a temporary
folder first, with two wire copies of one of its stories (:func:`write_wire_copies`:
the demo set has no story with several versions, and the "versions" shot shows one).
The app runs on a free loopback port with waitress, as ``archive serve`` runs it; the
embed view is shown inside a page served from another port, as an intranet would frame
it (that origin is on the app's frame allow-list).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

import web  # noqa: E402
from indexer.whoosh import index_paths  # noqa: E402

INTRANET_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Intranet</title>
<style>
body {{ font-family: sans-serif; margin: 0; background: #eef0f3; }}
.bar {{ background: #5b2a86; color: #fff; padding: 14px 24px; font-size: 20px; }}
.content {{ padding: 8px 24px; }}
iframe {{ width: 100%; height: 700px; border: 1px solid #bbb; background: #fff; }}
</style>
<div class="bar">Newsroom intranet &mdash; Research desk</div>
<div class="content"><p>Search the archive without leaving the intranet:</p>
<iframe src="{src}" title="News archive search"></iframe></div>
"""


class Intranet:
    """Another origin that frames the embed view; its page is set once the app runs."""

    def __init__(self) -> None:
        self.html = ""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                body = owner.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


#: The trends screenshot: three queries per week over the demo set's busiest months.
TRENDS = {
    "q": ["trump", "russia", "china"],
    "interval": "week",
    "from": "2016-12-01",
    "to": "2017-03-31",
}


def write_wire_copies(folder: Path, query: str) -> str:
    """Two versions of the first demo JSONL story with ``query`` in it, as wire copies
    come (a dateline and a byline added, the first or last sentence dropped, another
    headline, site and day), written to ``folder/wire.jsonl``; returns a query that finds
    the story first (its headline's first words)."""
    rows = [json.loads(line) for line in (ROOT / "data/demo/news-articles.jsonl").open()]
    story = next(
        r for r in rows if query.lower() in r["content"].lower() and r["content"].count(". ") >= 8
    )
    first, rest = story["content"].split(". ", 1)
    most, _last = story["content"].rsplit(". ", 1)
    copies = [
        ("wire-1", "wire.example.com", "WASHINGTON (Reuters) - " + rest
         + "\n\nReporting by Tom Brown; Editing by Ann Lee", " (Reuters)"),
        ("wire-2", "daily.example.org", "By Jane Smith, Associated Press\n\n" + most + ".",
         ": what it means"),
    ]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "wire.jsonl").open("w", encoding="utf-8") as out:
        for number, (key, site, body, suffix) in enumerate(copies, 1):
            year, month, day = (int(x) for x in story["published"].split("/"))
            row = {
                "id": key,
                "headline": story["headline"] + suffix,
                "summary": story["summary"],
                "published": f"{year}/{month}/{day + number if day < 27 else day}",
                "link": f"https://{site}/{year}/{month:02d}/{key}",
                "content": body,
            }
            out.write(json.dumps(row) + "\n")
    return " ".join(story["headline"].split()[:4])


def api(base: str, **params) -> dict:
    url = f"{base}/api/search?{urllib.parse.urlencode(params, doseq=True)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def chromium(profile: Path):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


#: The "versions" shot: the first story with other versions, its list open, in view.
OPEN_VERSIONS = """
const list = document.querySelector("details.versions");
if (!list) { return false; }
list.open = true;
list.closest("li").scrollIntoView({block: "center"});
return true;
"""


def shoot(
    driver, url: str, path: Path, width: int = 1280, height: int = 1000, script: str = ""
) -> None:
    driver.set_window_size(width, height)
    driver.get(url)
    # "complete" waits for frames too, so the embedded view is drawn
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    if script and not driver.execute_script(script):
        raise SystemExit(f"{url}: nothing to show for {path.name} (no story with versions?)")
    driver.save_screenshot(str(path))
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  <- {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--index-dir", type=Path, help="an existing index (default: index data/demo)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--query", default="president", help="the query shown")
    parser.add_argument(
        "--only",
        choices=[
            "search",
            "faceted-search",
            "embed",
            "phone",
            "trends",
            "versions",
            "search-vi",
            "article-vi",
        ],
        action="append",
        help="take only these screenshots (repeatable; default: all)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-shots-"))
    driver = None
    try:
        index_dir = args.index_dir
        story_query = args.query
        if index_dir is None:
            index_dir = work / "index"
            story_query = write_wire_copies(work / "wire", args.query)
            report = index_paths(index_dir, [ROOT / "data" / "demo", work / "wire"])
            print(f"indexed {report.articles} demo articles")
        intranet = Intranet()
        config = web.Config.from_env(
            index_dir=index_dir, environ={"ARCHIVE_FRAME_ANCESTORS": f"'self' {intranet.url}"}
        )
        server = web.make_server(web.create_app(config), "127.0.0.1", 0)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"
        intranet.html = INTRANET_PAGE.format(src=f"{base}/embed?q={args.query}")

        # A faceted search built from the data: the query's top tag and its busiest year.
        found = api(base, q=args.query)
        params: dict[str, str | list[str]] = {"q": args.query}
        if found["facets"]["tag"]:
            params["tag"] = found["facets"]["tag"][0]["value"]
        years = [v for v in found["facets"]["date"] if "-" not in v["value"] and v["count"]]
        if years:
            params["date"] = max(years, key=lambda v: v["count"])["value"]
        narrowed = api(base, **params)
        places = [v for v in narrowed["facets"]["place"] if "/" not in v["value"] and v["count"]]
        if places:
            params["place"] = places[0]["value"]

        driver = chromium(work / "profile")
        search = f"{base}/?q={urllib.parse.quote(args.query)}"
        faceted = f"{base}/?{urllib.parse.urlencode(params, doseq=True)}"
        trends = f"{base}/trends?{urllib.parse.urlencode(TRENDS, doseq=True)}"
        shots = {
            "search": (search, 1280, 1000),
            "faceted-search": (faceted, 1280, 1000),
            "embed": (intranet.url + "/", 1280, 860),
            "phone": (search, 400, 860),
            "trends": (trends, 1280, 1000),
            "versions": (f"{base}/?q={urllib.parse.quote(story_query)}", 1280, 700),
            # The Vietnamese interface: a search narrowed to Vietnam (Babel's dates and
            # month names, the gazetteer's place spellings) and an article page.
            "search-vi": (f"{base}/?place=Vietnam&lang=vi", 1280, 1000),
        }
        seed = api(base, q="Da Nang", place="Vietnam/Da Nang")["hits"]
        if seed:
            shots["article-vi"] = (f"{base}/article/{seed[0]['id']}?lang=vi", 1280, 1000)
        for name, (url, width, height) in shots.items():
            if not args.only or name in args.only:
                script = OPEN_VERSIONS if name == "versions" else ""
                shoot(driver, url, args.out / f"{name}.png", width, height, script)
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
