"""Uploads over HTTP against the disk and two bare anchors, all on the same bytes in one run.

Paths: a plain write + fsync (the physical limit), a bare Starlette endpoint
that parses multipart as a stream, a bare one that does ``await
request.form()`` then a chunked copy (what a buffered Reflex upload must do),
the real app's buffered handler (the restricted page, limits raised by
reflex_app.py) and its streaming one (``LargeState.handle_chunks``), both in
the same backend process. Each Reflex figure is given as a ratio to its anchor
and to the disk. An upload's time runs until its file is stored and recorded:
the streaming handler answers 202 once the body is in and records after, so
its time includes waiting for the record. Every upload's stored bytes are then
checked, untimed, against a SHA-256 of what was sent. Then 32 concurrent 8 MiB
uploads to the buffered handler and to the bare ``form()`` endpoint, and the
time from an upload to /large cut off half-way (the client closes the
connection) to no partial file left in the upload directory.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.registry import Options, Result, benchmark, time_runs
from benchmarks.servers import ROOT, Server, peak_rss_growth, serving
from upload_demo.storage import temp_files

MiB = 1024 * 1024
CHUNK = MiB
HEADER = b"%PDF-1.7\n%"
NONCE_LENGTH = 32
#: Each Reflex path and the bare endpoint it is measured against.
ANCHORS = {"reflex buffered": "bare form()", "reflex /large": "bare streaming"}


@dataclasses.dataclass(frozen=True)
class Payload:
    """A PDF-looking file of random bytes; each upload gets its own nonce after the header.

    The nonce keeps every upload's bytes (and so its SHA-256) distinct, since the
    app stores a given content once; the size and the rest of the bytes are shared.
    """

    source: Path
    size: int

    @classmethod
    def create(cls, directory: Path, size: int) -> Payload:
        path = directory / "source.bin"
        with path.open("wb") as f:
            left = size
            while left:
                block = os.urandom(min(8 * MiB, left))
                f.write(block)
                left -= len(block)
        return cls(path, size)

    def chunks(self, nonce: bytes, limit: int | None = None) -> Iterator[bytes]:
        """The file's bytes with ``nonce`` in place, in 1 MiB chunks (``limit`` bytes at most)."""
        left = self.size if limit is None else min(limit, self.size)
        with self.source.open("rb") as f:
            first = True
            while left:
                data = f.read(min(CHUNK, left))
                if first:
                    data = HEADER + nonce + data[len(HEADER) + NONCE_LENGTH :]
                    first = False
                left -= len(data)
                yield data

    def sha256(self, nonce: bytes, limit: int | None = None) -> str:
        digest = hashlib.sha256()
        for data in self.chunks(nonce, limit):
            digest.update(data)
        return digest.hexdigest()


def new_nonce() -> bytes:
    return uuid.uuid4().hex.encode()


def multipart(
    chunks: Iterator[bytes], size: int, name: str
) -> tuple[Generator[bytes, None, None], dict]:
    """One file as a streamed multipart body, and the headers that announce it."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Generator[bytes, None, None]:
        yield head
        yield from chunks
        yield tail

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + size + len(tail)),
    }
    return body(), headers


@dataclasses.dataclass
class Target:
    """Where one path's uploads go, and how to know a file is stored (given its name)."""

    server: Server
    url: str
    headers: dict[str, str]
    directory: Path
    check: Callable[[httpx.Response, str], None]

    def post(self, client: httpx.Client, body: Iterator[bytes], headers: dict, name: str) -> None:
        response = client.post(self.url, content=body, headers={**self.headers, **headers})
        response.raise_for_status()
        self.check(response, name)


def _anchor_ok(response: httpx.Response, name: str) -> None:
    if len(response.json()) != 1:
        raise RuntimeError(f"the anchor stored {response.text!r}")


def _reflex_ok(response: httpx.Response, name: str) -> None:
    from tests.client import outcomes
    from upload_demo.pages.restricted import RestrictedState

    results = outcomes(response, RestrictedState)
    if len(results) != 1 or not results[0]["stored"]:
        raise RuntimeError(f"the app did not store the file: {results}")


def recorded(database: Path, name: str) -> bool:
    """Whether the app's database holds a record of a file uploaded as ``name``."""
    uri = f"file:{database}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
        query = "SELECT 1 FROM storedfile WHERE original_name = ?"
        return db.execute(query, (name,)).fetchone() is not None


def wait_for_record(database: Path, name: str, timeout: float = 120) -> None:
    """Until the record of ``name`` is committed (polled every 5 ms)."""
    deadline = time.monotonic() + timeout
    while not recorded(database, name):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no record of {name} after {timeout} s")
        time.sleep(0.005)


def _large_ok(database: Path) -> Callable[[httpx.Response, str], None]:
    """The streaming handler's check: 202 (body received), then its record committed."""

    def check(response: httpx.Response, name: str) -> None:
        if response.status_code != 202:
            raise RuntimeError(f"/large answered {response.status_code}: {response.text[:300]}")
        wait_for_record(database, name)

    return check


def stored_hashes(directory: Path) -> list[str]:
    """SHA-256 of every stored file (temp and hidden files aside), sorted."""
    hashes = []
    for path in directory.iterdir():
        if path.is_file() and not path.name.startswith("."):
            digest = hashlib.sha256()
            with path.open("rb") as f:
                while data := f.read(CHUNK):
                    digest.update(data)
            hashes.append(digest.hexdigest())
    return sorted(hashes)


def empty(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_file():
            path.unlink()


def _disk_write(payload: Payload, directory: Path) -> None:
    path = directory / f"disk-{uuid.uuid4().hex}"
    with path.open("wb") as f:
        for data in payload.chunks(new_nonce()):
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


def _mb_per_s(size: int, seconds: list[float]) -> dict[str, float]:
    rates = [size / s / 1_000_000 for s in seconds]
    return {"min": min(rates), "median": statistics.median(rates), "max": max(rates)}


def _migrate(env: dict[str, str]) -> None:
    """Create the app's tables in the benchmark's own database."""
    subprocess.run(
        [sys.executable, "-m", "reflex", "db", "migrate"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )


def _path_result(
    case: str,
    seconds: list[float],
    size: int,
    *,
    rss: list[int] | None,
    anchor: str | None,
    medians: dict[str, float],
    runs_note: str = "",
) -> Result:
    rate = _mb_per_s(size, seconds)
    extra: dict[str, Any] = {"path": case, "bytes": size, "mb_per_s": rate}
    notes = [f"{rate['median']:.0f} MB/s ({rate['min']:.0f}–{rate['max']:.0f})"]
    if anchor is not None:
        extra["anchor"] = anchor
        extra["ratio_to_anchor"] = rate["median"] / medians[anchor]
        notes.append(f"{extra['ratio_to_anchor']:.2f}× {anchor}")
    if "disk" in medians and case != "disk":
        extra["ratio_to_disk"] = rate["median"] / medians["disk"]
        notes.append(f"{extra['ratio_to_disk']:.2f}× disk")
    peak = max(rss) if rss else None
    extra["rss_growth_mib"] = None if peak is None else peak / MiB
    if peak is not None:
        notes.append(f"RSS +{peak / MiB:.1f} MiB")
    if runs_note:
        notes.append(runs_note)
    return Result(
        "uploads", case, seconds, peak_memory_bytes=peak, note=", ".join(notes), extra=extra
    )


def _single_uploads(
    payload: Payload, targets: dict[str, Target], scratch: Path, runs: int
) -> list[Result]:
    """Each path in turn (disk, anchors, Reflex), interleaved, one upload at a time."""
    rss: dict[str, list[int]] = {name: [] for name in targets}
    failures: list[str] = []
    sent: dict[str, bytes] = {}

    def upload(name: str, target: Target, client: httpx.Client) -> Callable[[], None]:
        def action() -> None:
            nonce = sent[name] = new_nonce()
            file_name = f"{nonce.decode()}.pdf"
            body, headers = multipart(payload.chunks(nonce), payload.size, file_name)
            with peak_rss_growth(target.server) as growth:
                target.post(client, body, headers, file_name)
            rss[name].append(growth[0])

        return action

    def verify(name: str, target: Target) -> Callable[[], None]:
        def after() -> None:
            stored = stored_hashes(target.directory)
            if stored != [payload.sha256(sent[name])]:
                failures.append(f"{name}: stored {stored}")
            empty(target.directory)

        return after

    with httpx.Client(timeout=600) as client:
        actions: dict[str, Callable[[], object]] = {"disk": lambda: _disk_write(payload, scratch)}
        actions |= {name: upload(name, target, client) for name, target in targets.items()}
        checks = {name: verify(name, target) for name, target in targets.items()}
        seconds = time_runs(actions, repeat=runs, warmup=1, after=checks)
    if failures:
        raise RuntimeError("stored bytes differ from those sent: " + "; ".join(failures))
    medians = {name: _mb_per_s(payload.size, s)["median"] for name, s in seconds.items()}
    results = [
        _path_result("disk", seconds["disk"], payload.size, rss=None, anchor=None, medians=medians)
    ]
    for name in targets:
        results.append(
            _path_result(
                name,
                seconds[name],
                payload.size,
                rss=rss[name][1:],  # the warm-up upload is not timed, nor counted here
                anchor=ANCHORS.get(name),
                medians=medians,
            )
        )
    return results


def _concurrent(
    payload: Payload, targets: dict[str, Target], runs: int, uploads: int, each: int
) -> list[Result]:
    """``uploads`` uploads of ``each`` bytes at once; every stored file's hash checked."""
    seconds: dict[str, list[float]] = {name: [] for name in targets}
    errors: dict[str, int] = dict.fromkeys(targets, 0)
    rss: dict[str, list[int]] = {name: [] for name in targets}
    limits = httpx.Limits(max_connections=uploads, max_keepalive_connections=uploads)
    # One client token per upload, as 32 users would have: Reflex runs a token's events one
    # at a time, so a shared token would queue the handlers behind each other. The same
    # tokens serve every round, so the warm-up round creates their states.
    tokens = [str(uuid.uuid4()) for _ in range(uploads)]
    with httpx.Client(timeout=600, limits=limits) as client:
        for round_number in range(1 + runs):
            for name, target in targets.items():
                nonces = [new_nonce() for _ in range(uploads)]
                bodies = [b"".join(payload.chunks(n, each)) for n in nonces]
                sent = sorted(hashlib.sha256(b).hexdigest() for b in bodies)

                def one(index: int, target: Target = target, bodies: list[bytes] = bodies) -> bool:
                    name = f"c{index}.pdf"
                    body, headers = multipart(iter([bodies[index]]), each, name)
                    headers["Reflex-Client-Token"] = tokens[index]
                    try:
                        target.post(client, body, headers, name)
                    except (httpx.HTTPError, RuntimeError):
                        return False
                    return True

                with (
                    peak_rss_growth(target.server) as growth,
                    concurrent.futures.ThreadPoolExecutor(uploads) as pool,
                ):
                    start = time.perf_counter()
                    ok = list(pool.map(one, range(uploads)))
                    elapsed = time.perf_counter() - start
                stored = stored_hashes(target.directory)
                empty(target.directory)
                if round_number == 0:
                    continue
                seconds[name].append(elapsed)
                rss[name].append(growth[0])
                errors[name] += ok.count(False) + (0 if stored == sent else 1)
    medians = {name: _mb_per_s(uploads * each, s)["median"] for name, s in seconds.items()}
    results = []
    for name in targets:
        case = f"{uploads}× {each // MiB} MiB {name}"
        anchor = None if name == "bare form()" else f"{uploads}× {each // MiB} MiB bare form()"
        named_medians = {f"{uploads}× {each // MiB} MiB {n}": m for n, m in medians.items()}
        result = _path_result(
            case,
            seconds[name],
            uploads * each,
            rss=rss[name],
            anchor=anchor,
            medians=named_medians,
            runs_note=f"{errors[name]} errors",
        )
        result.extra["errors"] = errors[name]
        results.append(result)
    return results


def size_label(size: int) -> str:
    return f"{size // 1024**3} GiB" if size % 1024**3 == 0 else f"{size / MiB:g} MiB"


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} after {timeout} s")
        time.sleep(0.002)


def _cut_off(payload: Payload, target: Target, database: Path) -> float:
    """Send half an upload, close the connection, and time until no partial file is left.

    The connection is closed only once the handler's partial file exists, so
    the time is that of the app noticing the client left and removing it.
    Nothing of the upload may remain: no stored file, no record.
    """
    url = httpx.URL(target.url)
    nonce = new_nonce()
    name = f"{nonce.decode()}.pdf"
    body, headers = multipart(payload.chunks(nonce), payload.size, name)
    head = f"POST {url.path} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in {**target.headers, **headers}.items())
    sent = 0
    with contextlib.closing(body):
        sock = socket.create_connection((url.host, url.port), timeout=60)
        try:
            sock.sendall(head.encode() + b"\r\n")
            for piece in body:
                sock.sendall(piece)
                sent += len(piece)
                if sent >= payload.size // 2:
                    break
            _until(lambda: bool(temp_files(target.directory)), 30, "no partial file")
        finally:
            sock.close()
            start = time.perf_counter()
    _until(lambda: not temp_files(target.directory), 60, "the partial file is still there")
    elapsed = time.perf_counter() - start
    left = [p.name for p in target.directory.iterdir()]
    if left or recorded(database, name):
        raise RuntimeError(f"a cancelled upload left {left} (recorded: {recorded(database, name)})")
    return elapsed


def _cancelled(payload: Payload, target: Target, database: Path, runs: int) -> Result:
    """The median of ``runs`` cut-off uploads (see ``_cut_off``)."""
    seconds = [_cut_off(payload, target, database) for _ in range(runs)]
    case = f"cancelled {size_label(payload.size)} on /large: time to no partial file"
    note = f"{statistics.median(seconds) * 1000:.0f} ms after the client closed at half-way"
    extra = {"bytes": payload.size, "cut_at": payload.size // 2}
    return Result("uploads", case, seconds, note=note, extra=extra)


def measure(size: int, runs: int, uploads: int, each: int) -> list[Result]:
    """Each path on one ``size``-byte file ``runs`` times, then ``uploads`` × ``each`` at once."""
    scratch = Path(tempfile.mkdtemp(prefix="upload_demo-bench-"))
    try:
        anchor_dir = scratch / "anchor"
        app_dir = scratch / "uploaded_files"
        database = scratch / "bench.db"
        for d in (anchor_dir, app_dir):
            d.mkdir()
        app_env = {
            "REFLEX_UPLOADED_FILES_DIR": str(app_dir),
            "REFLEX_DB_URL": f"sqlite:///{database}",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_SKIP_COMPILE": "true",
            # The app compiles its pages on start-up (with this process's raised limits):
            # into a folder of its own, never the checkout's .web that `make run` serves.
            "REFLEX_WEB_WORKDIR": str(scratch / "web"),
            # Reflex's disk state manager lists and stats every saved state in this directory
            # each time it flushes (often, under load); the checkout's own .states holds
            # thousands left by test runs, which a deployed server would not carry.
            "REFLEX_STATES_WORKDIR": str(scratch / "states"),
        }
        _migrate(app_env)
        payload = Payload.create(scratch, size)
        from tests.client import handler_name
        from upload_demo.pages.large import LargeState
        from upload_demo.pages.restricted import RestrictedState

        token = str(uuid.uuid4())
        reflex_headers = {
            "Reflex-Client-Token": token,
            "Reflex-Event-Handler": handler_name(RestrictedState.handle_upload),
        }
        large_headers = {
            "Reflex-Client-Token": token,
            "Reflex-Event-Handler": handler_name(LargeState.handle_chunks),
        }
        with (
            serving(
                "benchmarks.anchor_apps:app",
                scratch / "anchors.log",
                {"BENCH_UPLOAD_DIR": str(anchor_dir)},
            ) as anchors,
            serving("benchmarks.reflex_app:app", scratch / "reflex.log", app_env) as app,
        ):
            targets = {
                "bare form()": Target(
                    anchors, f"{anchors.url}/buffered", {}, anchor_dir, _anchor_ok
                ),
                "bare streaming": Target(
                    anchors, f"{anchors.url}/streaming", {}, anchor_dir, _anchor_ok
                ),
                "reflex buffered": Target(
                    app, f"{app.url}/_upload", reflex_headers, app_dir, _reflex_ok
                ),
                "reflex /large": Target(
                    app, f"{app.url}/_upload", large_headers, app_dir, _large_ok(database)
                ),
            }
            results = _single_uploads(payload, targets, scratch, runs)
            concurrent_targets = {k: targets[k] for k in ("bare form()", "reflex buffered")}
            results += _concurrent(payload, concurrent_targets, runs, uploads, each)
            results.append(_cancelled(payload, targets["reflex /large"], database, runs))
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@benchmark("uploads", "uploads over HTTP vs the disk and bare Starlette anchors (granian)")
def run(options: Options) -> list[Result]:
    """1 GiB, the runner's repeat count; --quick: 64 MiB, one run (a smoke check)."""
    if options.quick:
        return measure(64 * MiB, runs=1, uploads=32, each=8 * MiB)
    return measure(1024 * MiB, runs=options.repeat, uploads=32, each=8 * MiB)
