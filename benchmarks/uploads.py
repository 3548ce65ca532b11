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
checked, untimed, against a SHA-256 of what was sent. Then the time from an
upload to /large cut off half-way (the client closes the connection) to no
partial file left in the upload directory. Many uploads at once are the
``concurrent`` benchmark's (concurrent.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.app_servers import buffered_target, handler_headers, reflex_app
from benchmarks.payload import (
    MiB,
    Payload,
    empty,
    multipart,
    new_nonce,
    size_label,
    stored_hashes,
)
from benchmarks.registry import Options, Result, benchmark, time_runs
from benchmarks.rows import mb_per_s, path_result
from benchmarks.servers import peak_rss_growth, serving
from benchmarks.targets import Target, anchor_ok, large_ok, recorded
from upload_demo.storage import temp_files

#: Each Reflex path and the bare endpoint it is measured against.
ANCHORS = {"reflex buffered": "bare form()", "reflex /large": "bare streaming"}


def _disk_write(payload: Payload, directory: Path) -> None:
    path = directory / f"disk-{uuid.uuid4().hex}"
    with path.open("wb") as f:
        for data in payload.chunks(new_nonce()):
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


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
    medians = {name: mb_per_s(payload.size, s)["median"] for name, s in seconds.items()}
    results = [
        path_result("disk", seconds["disk"], payload.size, rss=None, anchor=None, medians=medians)
    ]
    for name in targets:
        results.append(
            path_result(
                name,
                seconds[name],
                payload.size,
                rss=rss[name][1:],  # the warm-up upload is not timed, nor counted here
                anchor=ANCHORS.get(name),
                medians=medians,
            )
        )
    return results


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


def measure(size: int, runs: int) -> list[Result]:
    """Each path on one ``size``-byte file ``runs`` times, then a cut-off upload ``runs`` times."""
    scratch = Path(tempfile.mkdtemp(prefix="upload_demo-bench-"))
    try:
        anchor_dir = scratch / "anchor"
        anchor_dir.mkdir()
        payload = Payload.create(scratch, size)
        token = str(uuid.uuid4())
        with (
            serving(
                "benchmarks.anchor_apps:app",
                scratch / "anchors.log",
                {"BENCH_UPLOAD_DIR": str(anchor_dir)},
            ) as anchors,
            reflex_app(scratch / "sqlite-1") as app,
        ):
            assert app.sqlite is not None
            large_url = f"{app.server.url}/_upload"
            targets = {
                "bare form()": Target(
                    anchors, f"{anchors.url}/buffered", {}, anchor_dir, anchor_ok
                ),
                "bare streaming": Target(
                    anchors, f"{anchors.url}/streaming", {}, anchor_dir, anchor_ok
                ),
                "reflex buffered": buffered_target(app, token),
                "reflex /large": Target(
                    app.server,
                    large_url,
                    handler_headers(token, large=True),
                    app.upload_dir,
                    large_ok(app.sqlite),
                ),
            }
            results = _single_uploads(payload, targets, scratch, runs)
            results.append(_cancelled(payload, targets["reflex /large"], app.sqlite, runs))
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@benchmark("uploads", "uploads over HTTP vs the disk and bare Starlette anchors (granian)")
def run(options: Options) -> list[Result]:
    """1 GiB, the runner's repeat count; --quick: 64 MiB, one run (a smoke check)."""
    if options.quick:
        return measure(64 * MiB, runs=1)
    return measure(1024 * MiB, runs=options.repeat)
