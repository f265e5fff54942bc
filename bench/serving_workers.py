"""Memory of `archive serve --workers 2` after the bench workload over HTTP (issue 15).

``python -m bench.serving_workers`` serves the index of ``python -m bench.serving_memory``
(``bench/cache/index-serving-20000``; build it first) with two gunicorn workers on a free
port of 127.0.0.1, sends the 65 bench searches three times to ``/api/search``, then prints
each process's ``/proc/PID/smaps_rollup`` figures in MiB (the master first). Not a test.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.corpus import CACHE_DIR
from bench.queries import load_queries, whoosh_text

INDEX = CACHE_DIR / "index-serving-20000"


def main() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("archive")),
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
            "--index-dir",
            str(INDEX),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, ARCHIVE_ACCESS_LOG="off"),
    )
    base = f"http://127.0.0.1:{port}"
    t0 = time.time()
    while True:
        try:
            urllib.request.urlopen(base + "/api/search?q=election", timeout=30).read()
            break
        except Exception:
            if time.time() - t0 > 120:
                raise
            time.sleep(0.5)
    print("first answer after", round(time.time() - t0, 1), "s")
    for _ in range(3):
        for q in load_queries():
            params = (
                [("q", whoosh_text(q))]
                + [("tag", t) for t in q.tags]
                + [("place", p) for p in q.places]
            )
            urllib.request.urlopen(
                base + "/api/search?" + urllib.parse.urlencode(params), timeout=60
            ).read()

    def kids(pid):
        out = []
        for tid in os.listdir(f"/proc/{pid}/task"):
            out += [int(c) for c in open(f"/proc/{pid}/task/{tid}/children").read().split()]
        return out

    def mem(pid):
        f = {}
        for line in open(f"/proc/{pid}/smaps_rollup"):
            p = line.split()
            if len(p) >= 3 and p[-1] == "kB":
                f[p[0].rstrip(":")] = int(p[1]) / 1024
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(("RssAnon:", "RssFile:")):
                f[line.split(":")[0]] = int(line.split()[1]) / 1024
        return f

    for pid in [server.pid] + kids(server.pid):
        m = mem(pid)
        print(
            pid,
            {
                k: round(m[k], 1)
                for k in (
                    "Rss",
                    "Pss",
                    "RssAnon",
                    "RssFile",
                    "Private_Clean",
                    "Private_Dirty",
                    "Shared_Clean",
                )
            },
        )
    server.terminate()
    server.wait(30)


if __name__ == "__main__":
    main()
