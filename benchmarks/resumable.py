"""1 GiB with tus (/resumable) against through /large, same server, same run; a cut resumed.

One app server (Granian, one worker, SQLite). The cases take turns:

- ``/large``: one multipart POST to ``/_upload`` (the streaming handler), timed from its
  first byte to the file's record, as in the bucket benchmark;
- ``/resumable``: a creation POST to ``/tus/``, then the body in 32 MiB PATCHes one after
  the other, as the page's tus-js-client sends it (its ``CHUNK_SIZE``), timed from the
  creation to the last PATCH's 204, which the server sends once the file is stored.

Each stored file's SHA-256 is then checked against the bytes sent, untimed, and the
upload dir emptied. Peak RSS growth is the server's, as in the uploads benchmark.

Then a cut: 256 MiB in ONE PATCH whose body breaks off (the client's body generator
raises, httpx drops the connection) after 128 MiB are on the wire; HEAD until the
server's offset settles, one PATCH from there to the end, stored hash checked. The
bytes sent again are those on the wire before the cut less the server's confirmed
offset; the target is at most one of the page's chunks (32 MiB).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.app_servers import AppServer, handler_headers, reflex_app
from benchmarks.payload import MiB, Payload, empty, multipart, new_nonce, size_label, stored_hashes
from benchmarks.registry import Options, Result, benchmark, time_runs
from benchmarks.rows import mb_per_s, path_result
from benchmarks.servers import peak_rss_growth
from benchmarks.targets import Target, large_ok, recorded
from upload_demo import tus
from upload_demo.components.resumable_uploads import CHUNK_SIZE

NAME = "resumable"
LARGE = "/large (rx.upload_files_chunk)"
TUS = "/resumable (tus)"
CUT = "bytes sent again after a cut"

#: The targets: tus at least this share of /large's rate, and this much server RSS growth.
TARGET_RATIO = 0.8
TARGET_RSS = 64 * MiB
#: The cut: this much sent in one PATCH, broken off after half of it.
CUT_SIZE = 256 * MiB

TUS_HEADERS = {"Tus-Resumable": tus.VERSION}


class Stream:
    """A payload's chunks, handed out in pieces of a given byte count."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.left = b""

    def take(self, size: int) -> Iterator[bytes]:
        """The next ``size`` bytes (fewer if the payload ends), as they are read."""
        while size:
            data = self.left or next(self.chunks, b"")
            if not data:
                return
            data, self.left = data[:size], data[size:]
            size -= len(data)
            yield data

    def skip(self, size: int) -> None:
        for _ in self.take(size):
            pass


class Cut(Exception):
    """The client's body breaks off: what the benchmark raises to cut a PATCH."""


def create(client: httpx.Client, base: str, size: int, name: str) -> str:
    """A new tus upload of ``size`` bytes named ``name``; its URL."""
    response = client.post(
        f"{base}/tus/",
        headers={
            **TUS_HEADERS,
            "Upload-Length": str(size),
            "Upload-Metadata": tus.encode_metadata({"filename": name}),
        },
    )
    if response.status_code != 201:
        raise RuntimeError(f"tus creation answered {response.status_code}: {response.text[:300]}")
    return f"{base}{response.headers['location']}"


def patch(client: httpx.Client, url: str, offset: int, body: Iterator[bytes], size: int) -> int:
    """One PATCH of ``size`` bytes at ``offset``; the server's offset after it."""
    response = client.patch(
        url,
        content=body,
        headers={
            **TUS_HEADERS,
            "Upload-Offset": str(offset),
            "Content-Type": tus.PATCH_CONTENT_TYPE,
            "Content-Length": str(size),
        },
    )
    if response.status_code != 204:
        raise RuntimeError(f"PATCH at {offset} answered {response.status_code}: {response.text}")
    return int(response.headers["upload-offset"])


def head_offset(client: httpx.Client, url: str) -> int:
    response = client.head(url, headers=TUS_HEADERS)
    response.raise_for_status()
    return int(response.headers["upload-offset"])


def send_in_chunks(
    client: httpx.Client, base: str, chunks: Iterator[bytes], size: int, name: str
) -> None:
    """Create, then PATCH ``CHUNK_SIZE`` bytes at a time, as the page's client does."""
    url = create(client, base, size, name)
    stream = Stream(chunks)
    offset = 0
    while offset < size:
        piece = min(CHUNK_SIZE, size - offset)
        confirmed = patch(client, url, offset, stream.take(piece), piece)
        if confirmed != offset + piece:
            raise RuntimeError(f"the server has {confirmed} bytes after {offset + piece}")
        offset = confirmed


def settled_offset(client: httpx.Client, url: str, timeout: float = 60) -> tuple[int, int]:
    """The offset HEAD gives at once, and once it stays the same for 0.5 s."""
    first = last = head_offset(client, url)
    since = time.monotonic()
    deadline = since + timeout
    while time.monotonic() - since < 0.5:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the offset of {url} did not settle in {timeout} s")
        time.sleep(0.05)
        now = head_offset(client, url)
        if now != last:
            last, since = now, time.monotonic()
    return first, last


def cut_and_resume(app: AppServer, payload: Payload, size: int, cut_at: int) -> dict[str, Any]:
    """One cut PATCH and its resumption: the figures, the stored hash checked."""
    nonce = new_nonce()
    name = f"{nonce.decode()}.pdf"
    on_wire = 0

    def breaking_body() -> Iterator[bytes]:
        nonlocal on_wire
        for data in Stream(payload.chunks(nonce, size)).take(cut_at):
            yield data
            # httpx asks for the next piece only once this one is written to the socket.
            on_wire += len(data)
        raise Cut(f"cut after {on_wire} bytes")

    with httpx.Client(timeout=600) as client:
        url = create(client, app.server.url, size, name)
        try:
            patch(client, url, 0, breaking_body(), size)
        except (Cut, httpx.TransportError):
            pass
        else:
            raise RuntimeError("the cut PATCH was answered as if whole")
    with httpx.Client(timeout=600) as client:
        first, offset = settled_offset(client, url)
        stream = Stream(payload.chunks(nonce, size))
        stream.skip(offset)
        start = time.perf_counter()
        final = patch(client, url, offset, stream.take(size - offset), size - offset)
        seconds = time.perf_counter() - start
    if final != size or stored_hashes(app.upload_dir) != [payload.sha256(nonce, size)]:
        raise RuntimeError(f"the resumed upload did not store the bytes sent (offset {final})")
    assert app.sqlite is not None
    if not recorded(app.sqlite, name):
        raise RuntimeError(f"no record of {name}")
    empty(app.upload_dir)
    return {
        "on_wire": on_wire,
        "first_head": first,
        "confirmed": offset,
        "resent": max(0, on_wire - offset),
        "seconds": seconds,
    }


def cut_result(cuts: list[dict[str, Any]], size: int, cut_at: int) -> Result:
    resent = max(cut["resent"] for cut in cuts)
    met = "met" if resent <= CHUNK_SIZE else "MISSED"
    last = cuts[-1]
    note = (
        f"{resent / MiB:.1f} MiB sent again at most ({len(cuts)} × {size_label(size)} cut "
        f"after {size_label(cut_at)}; confirmed {last['confirmed'] / MiB:.1f} MiB, first HEAD "
        f"{last['first_head'] / MiB:.1f} MiB), target ≤ {size_label(CHUNK_SIZE)}: {met}; "
        "time: the resuming PATCH"
    )
    return Result(
        NAME,
        CUT,
        [cut["seconds"] for cut in cuts],
        note=note,
        extra={
            "resent_bytes": resent,
            "target_bytes": CHUNK_SIZE,
            "cut_bytes": size,
            "cut_after_bytes": cut_at,
            "cuts": cuts,
        },
    )


def measure(size: int, runs: int, cuts: int = 1) -> list[Result]:
    """Both paths ``runs`` times (interleaved) with one ``size``-byte payload, then the cuts."""
    scratch = Path(tempfile.mkdtemp(prefix="upload_demo-bench-resumable-"))
    try:
        payload = Payload.create(scratch, size)
        with reflex_app(scratch / "app") as app:
            results = _run(payload, app, runs)
            cut_size = min(CUT_SIZE, size)
            done = [cut_and_resume(app, payload, cut_size, cut_size // 2) for _ in range(cuts)]
            return [*results, cut_result(done, cut_size, cut_size // 2)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(payload: Payload, app: AppServer, runs: int) -> list[Result]:
    assert app.sqlite is not None
    database = app.sqlite
    token = secrets.token_hex(16)
    large = Target(
        app.server,
        f"{app.server.url}/_upload",
        handler_headers(token, large=True),
        app.upload_dir,
        large_ok(database),
    )
    cases = (LARGE, TUS)
    sent: dict[str, tuple[bytes, str]] = {}
    rss: dict[str, list[int]] = {name: [] for name in cases}
    failures: list[str] = []

    def upload(name: str, client: httpx.Client) -> Callable[[], None]:
        def action() -> None:
            nonce = new_nonce()
            file_name = f"{nonce.decode()}.pdf"
            sent[name] = nonce, file_name
            with peak_rss_growth(app.server) as growth:
                if name == LARGE:
                    body, headers = multipart(payload.chunks(nonce), payload.size, file_name)
                    large.post(client, body, headers, file_name)
                else:
                    chunks = payload.chunks(nonce)
                    send_in_chunks(client, app.server.url, chunks, payload.size, file_name)
            rss[name].append(growth[0])

        return action

    def check(name: str) -> Callable[[], None]:
        def after() -> None:
            nonce, file_name = sent[name]
            if stored_hashes(app.upload_dir) != [payload.sha256(nonce)]:
                failures.append(f"{name}: stored bytes differ from those sent")
            if not recorded(database, file_name):
                failures.append(f"{name}: no record of {file_name}")
            empty(app.upload_dir)

        return after

    with httpx.Client(timeout=600) as client:
        actions: dict[str, Callable[[], object]] = {name: upload(name, client) for name in cases}
        seconds = time_runs(
            actions, repeat=runs, warmup=1, after={name: check(name) for name in cases}
        )
    if failures:
        raise RuntimeError("; ".join(failures))
    medians = {name: mb_per_s(payload.size, s)["median"] for name, s in seconds.items()}
    results = [
        path_result(
            name,
            seconds[name],
            payload.size,
            rss=rss[name][1:],
            anchor=None,
            medians=medians,
            compared=[LARGE] if name == TUS else [],
            benchmark=NAME,
            runs_note=f"{len(seconds[name])} × {size_label(payload.size)}",
        )
        for name in cases
    ]
    tus_row = results[1]
    ratio = medians[TUS] / medians[LARGE]
    peak = tus_row.peak_memory_bytes or 0
    tus_row.extra["targets"] = {"ratio_to_large": TARGET_RATIO, "rss_growth_mib": TARGET_RSS / MiB}
    tus_row.note += (
        f"; targets ≥ {TARGET_RATIO}× /large: {'met' if ratio >= TARGET_RATIO else 'MISSED'}, "
        f"RSS ≤ {TARGET_RSS // MiB} MiB: {'met' if peak <= TARGET_RSS else 'MISSED'}"
    )
    return results


@benchmark(NAME, "1 GiB with tus in 32 MiB PATCHes vs through /large; bytes resent after a cut")
def run(options: Options) -> list[Result]:
    """1 GiB, the runner's repeat count, 3 cuts; --quick: 64 MiB, one run, one cut."""
    if options.quick:
        return measure(64 * MiB, runs=1, cuts=1)
    return measure(1024 * MiB, runs=options.repeat, cuts=3)
