"""Ceph RGW for ``make services``: one mon, one OSD and radosgw, then a user and the bucket.

The recipe and its pitfalls are the ones measured in TOOLCHAIN.md ("Real servers for the
scale tests"): radosgw needs ``ms mon client mode = crc`` with auth ``none``; short paxos
intervals; ``cluster addr`` or the OSD listens on every interface; memstore; short RGW
garbage collection.
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from tests.services.processes import ServiceError, alive, run, spawn, tail, wait_for

if TYPE_CHECKING:
    from botocore.client import BaseClient

REGION = "us-east-1"
BUCKET = "upload-demo-test"


def ceph_conf(ceph: Path, fsid: str, mon_port: int, rgw_port: int) -> str:
    return f"""[global]
fsid = {fsid}
mon host = v2:127.0.0.1:{mon_port}
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = {ceph}/run
admin socket = {ceph}/run/$name.asok
log file = {ceph}/log/$name.log
crash dir = {ceph}/crash
mon data = {ceph}/mon/$id
osd data = {ceph}/osd/$id
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon allow pool delete = true

[mon]
paxos propose interval = 0.1
paxos min wait = 0.01

[osd]
osd objectstore = memstore
# The size the OSD reports, not a cap on RAM: at 1 GiB the OSD declared itself full
# (and every write hung) once a benchmark's 1 GiB objects and those awaiting garbage
# collection passed it. Objects stay in RAM, so keep test objects small or deleted.
memstore device bytes = 8589934592

[client]
ms mon client mode = crc

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port}
rgw data = {ceph}/rgw
rgw gc obj min wait = 10
rgw gc processor period = 10
rgw gc processor max time = 10
"""


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def _osd_up(conf: Path, osd_id: int) -> bool:
    dump = json.loads(
        run(
            ["ceph", "-c", str(conf), "--connect-timeout", "5", "osd", "dump", "-f", "json"],
            timeout=15,
        )
    )
    return any(osd["osd"] == osd_id and osd["up"] == 1 for osd in dump["osds"])


def _http_ok(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def start_ceph(base: Path, mon_port: int, rgw_port: int, env: dict[str, str]) -> None:
    ceph = base / "ceph"
    for sub in ("run", "log", "crash", "mon", "osd", "rgw"):
        (ceph / sub).mkdir(parents=True)
    fsid = str(uuid.uuid4())
    conf = ceph / "ceph.conf"
    conf.write_text(ceph_conf(ceph, fsid, mon_port, rgw_port))
    c = ["-c", str(conf)]
    run(
        [
            "monmaptool",
            "--create",
            "--fsid",
            fsid,
            "--addv",
            "a",
            f"[v2:127.0.0.1:{mon_port}]",
            str(ceph / "monmap"),
        ]
    )
    run(["ceph-mon", *c, "--mkfs", "-i", "a", "--monmap", str(ceph / "monmap")])
    mon = spawn(["ceph-mon", *c, "-i", "a", "-f"], ceph / "log" / "mon.out")
    env["UPLOAD_DEMO_SERVICES_CEPH_MON_PID"] = str(mon.pid)
    mon_log = ceph / "log" / "mon.a.log"
    wait_for("ceph-mon", lambda: _accepts(mon_port), mon.pid, "ceph-mon", mon_log, 30)
    osd_uuid = str(uuid.uuid4())
    # `osd new` is the first command the mon answers: it waits for the mon to form its quorum.
    osd_id = run(
        ["ceph", *c, "--connect-timeout", "20", "osd", "new", osd_uuid], timeout=30
    ).strip()
    if not alive(mon.pid, "ceph-mon"):
        raise ServiceError(f"ceph-mon died\n{tail(mon_log)}")
    (ceph / "osd" / osd_id).mkdir()
    run(["ceph-osd", *c, "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid])
    osd = spawn(["ceph-osd", *c, "-i", osd_id, "-f"], ceph / "log" / "osd.out")
    env["UPLOAD_DEMO_SERVICES_CEPH_OSD_PID"] = str(osd.pid)
    wait_for(
        "ceph-osd up",
        lambda: _osd_up(conf, int(osd_id)),
        osd.pid,
        "ceph-osd",
        ceph / "log" / f"osd.{osd_id}.log",
        60,
    )
    rgw = spawn(["radosgw", *c, "-n", "client.rgw.a", "-f"], ceph / "log" / "rgw.out")
    env["UPLOAD_DEMO_SERVICES_RGW_PID"] = str(rgw.pid)
    wait_for(
        "radosgw",
        lambda: _http_ok(rgw_port),
        rgw.pid,
        "radosgw",
        ceph / "log" / "client.rgw.a.log",
        60,
    )
    access, secret = secrets.token_hex(10).upper(), secrets.token_hex(20)
    run(
        [
            "radosgw-admin",
            *c,
            "user",
            "create",
            "--uid=test",
            "--display-name=test",
            f"--access-key={access}",
            f"--secret-key={secret}",
        ],
        timeout=30,
    )
    env["UPLOAD_DEMO_TEST_S3_ENDPOINT"] = f"http://127.0.0.1:{rgw_port}"
    env["AWS_ACCESS_KEY_ID"] = access
    env["AWS_SECRET_ACCESS_KEY"] = secret
    env["AWS_DEFAULT_REGION"] = REGION
    # What an app (or boto3 anywhere) needs to reach this server: upload_demo/bucket.py.
    env["AWS_ENDPOINT_URL_S3"] = env["UPLOAD_DEMO_TEST_S3_ENDPOINT"]
    env["UPLOAD_DEMO_S3_ADDRESSING_STYLE"] = "path"
    create_bucket(env)
    env["UPLOAD_DEMO_TEST_S3_BUCKET"] = BUCKET


def s3_client(env: dict[str, str]) -> BaseClient:
    """A boto3 S3 client for the env file's RGW (path-style, as RGW without DNS needs)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=env["UPLOAD_DEMO_TEST_S3_ENDPOINT"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def create_bucket(env: dict[str, str]) -> None:
    # A fresh user's first request can meet RGW still settling its pools: retry briefly.
    deadline = time.monotonic() + 20
    while True:
        try:
            s3_client(env).create_bucket(Bucket=BUCKET)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
