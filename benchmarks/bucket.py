"""1 GiB through ``/large`` into an S3 bucket against into the local upload dir, same run.

Two app servers (Granian, one worker, SQLite each), one storing in its upload
dir, the other in a prefix of the bucket of ``make services`` (Ceph RGW, one
OSD on memstore: objects live in RAM on the same 2 cores as everything else, so
this server is the ceiling here, not boto3). An upload is timed from its first
byte to its record, which on the bucket comes after the staged file went up as a
multipart upload (8 MiB parts, 4 in flight); its bytes are then read back and
hashed, untimed, and the object deleted (memstore would keep every copy in RAM).
Peak RSS growth is the server's, as in the uploads benchmark.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks.app_servers import AppServer, handler_headers, reflex_app
from benchmarks.payload import MiB, Payload, empty, multipart, new_nonce, size_label, stored_hashes
from benchmarks.registry import Options, Result, benchmark, time_runs
from benchmarks.rows import mb_per_s, not_run, path_result
from benchmarks.servers import peak_rss_growth
from benchmarks.targets import Target, large_ok

NAME = "bucket"
LOCAL = "/large into the upload dir"
BUCKET = "/large into the bucket (RGW)"

#: The variables of the services' env file a bucket-backed server needs.
S3_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_S3",
    "UPLOAD_DEMO_S3_ADDRESSING_STYLE",
)


def bucket_settings(env_file: Path | None = None) -> tuple[dict[str, str], dict[str, str]] | str:
    """A bucket-backed server's settings (a fresh prefix), and the services' env.

    A sentence saying why not when the services do not run. ``env_file``: the file
    ``make services`` writes (its usual place by default).
    """
    from tests.services import ENV_FILE, read_env, running

    env = read_env(env_file or ENV_FILE)
    if not env or not all(running(env).values()):
        return "the S3 server is not running: start it with `make services`"
    missing = [key for key in S3_VARIABLES if key not in env]
    if missing:
        lacking = ", ".join(missing)
        return f"{env_file or ENV_FILE} lacks {lacking}: restart with `make services-stop services`"
    url = f"s3://{env['UPLOAD_DEMO_TEST_S3_BUCKET']}/bench-{secrets.token_hex(6)}"
    return {**{key: env[key] for key in S3_VARIABLES}, "UPLOAD_DEMO_STORAGE": url}, env


def _target(app: AppServer, token: str) -> Target:
    assert app.sqlite is not None
    url = f"{app.server.url}/_upload"
    return Target(
        app.server, url, handler_headers(token, large=True), app.upload_dir, large_ok(app.sqlite)
    )


def measure(size: int, runs: int, env_file: Path | None = None) -> list[Result]:
    """Each store ``runs`` times (interleaved) with the same ``size``-byte payload."""
    found = bucket_settings(env_file)
    if isinstance(found, str):
        return [not_run(LOCAL, found, NAME), not_run(BUCKET, found, NAME)]
    settings, services_env = found
    scratch = Path(tempfile.mkdtemp(prefix="upload_demo-bench-bucket-"))
    try:
        payload = Payload.create(scratch, size)
        with (
            reflex_app(scratch / "local") as local,
            reflex_app(scratch / "bucket", settings=settings) as in_bucket,
        ):
            bucket = Bucket(settings["UPLOAD_DEMO_STORAGE"], services_env)
            return _run(payload, local, in_bucket, bucket, runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class Bucket:
    """The benchmark's view of the prefix the app stores in (a client of its own)."""

    def __init__(self, url: str, services_env: dict[str, str]) -> None:
        from tests.services.ceph import s3_client
        from upload_demo.bucket import parse_url

        self.client: Any = s3_client(services_env)
        self.bucket, self.prefix = parse_url(url)

    def object_keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix)
        return [item["Key"] for item in listing.get("Contents", [])]

    def sha256_and_delete(self, key: str) -> str:
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        digest = hashlib.sha256()
        for data in body.iter_chunks(MiB):
            digest.update(data)
        self.client.delete_object(Bucket=self.bucket, Key=key)
        return digest.hexdigest()

    def empty(self) -> None:
        uploads = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
        for item in uploads.get("Uploads", []):
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=item["Key"], UploadId=item["UploadId"]
            )
        for key in self.object_keys():
            self.client.delete_object(Bucket=self.bucket, Key=key)


def _run(
    payload: Payload, local: AppServer, in_bucket: AppServer, bucket: Bucket, runs: int
) -> list[Result]:
    token = secrets.token_hex(16)
    targets = {LOCAL: _target(local, token), BUCKET: _target(in_bucket, token)}
    sent: dict[str, bytes] = {}
    rss: dict[str, list[int]] = {name: [] for name in targets}
    failures: list[str] = []

    def upload(name: str, client: httpx.Client) -> Callable[[], None]:
        def action() -> None:
            nonce = sent[name] = new_nonce()
            file_name = f"{nonce.decode()}.pdf"
            body, headers = multipart(payload.chunks(nonce), payload.size, file_name)
            with peak_rss_growth(targets[name].server) as growth:
                targets[name].post(client, body, headers, file_name)
            rss[name].append(growth[0])

        return action

    def check_local() -> None:
        if stored_hashes(local.upload_dir) != [payload.sha256(sent[LOCAL])]:
            failures.append(LOCAL)
        empty(local.upload_dir)

    def check_bucket() -> None:
        hashes = [bucket.sha256_and_delete(key) for key in bucket.object_keys()]
        if hashes != [payload.sha256(sent[BUCKET])]:
            failures.append(f"{BUCKET}: {len(hashes)} objects")

    try:
        with httpx.Client(timeout=600) as client:
            actions: dict[str, Callable[[], object]] = {
                name: upload(name, client) for name in targets
            }
            seconds = time_runs(
                actions, repeat=runs, warmup=1, after={LOCAL: check_local, BUCKET: check_bucket}
            )
    finally:
        bucket.empty()
    if failures:
        raise RuntimeError("stored bytes differ from those sent: " + "; ".join(failures))
    medians = {name: mb_per_s(payload.size, s)["median"] for name, s in seconds.items()}
    return [
        path_result(
            name,
            seconds[name],
            payload.size,
            rss=rss[name][1:],
            anchor=None,
            medians=medians,
            compared=[LOCAL] if name == BUCKET else [],
            benchmark=NAME,
            runs_note=f"{len(seconds[name])} × {size_label(payload.size)}",
        )
        for name in targets
    ]


@benchmark(NAME, "/large into the S3 bucket of make services vs into the local upload dir")
def run(options: Options) -> list[Result]:
    """1 GiB, the runner's repeat count; --quick: 64 MiB, one run (a smoke check)."""
    if options.quick:
        return measure(64 * MiB, runs=1)
    return measure(1024 * MiB, runs=options.repeat)
