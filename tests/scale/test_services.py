"""The servers of ``make services`` answer as the env file says (Redis, the S3 bucket).

``make test-scale`` sources the env file, so every value is there: a missing one fails
(it would mean the file and the Makefile disagree), it is never skipped.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
import uuid

import redis
import redis.exceptions

from tests import services


def _env() -> dict[str, str]:
    keys = [
        "UPLOAD_DEMO_TEST_REDIS_URL",
        "UPLOAD_DEMO_TEST_S3_ENDPOINT",
        "UPLOAD_DEMO_TEST_S3_BUCKET",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
    ]
    missing = [key for key in keys if not os.environ.get(key)]
    assert not missing, f"not in the environment (make test-scale sources the env file): {missing}"
    return {key: os.environ[key] for key in keys}


def test_redis_needs_its_password_and_answers_with_it() -> None:
    url = _env()["UPLOAD_DEMO_TEST_REDIS_URL"]
    client = redis.Redis.from_url(url)
    key = f"upload_demo:test:{uuid.uuid4().hex}"
    try:
        assert client.ping()
        client.set(key, b"value", ex=60)
        assert client.get(key) == b"value"
    finally:
        client.delete(key)
        client.close()
    anonymous = redis.Redis.from_url(url.replace(url.split("//")[1].split("@")[0] + "@", ""))
    try:
        try:
            anonymous.ping()
        except redis.exceptions.AuthenticationError:
            pass
        else:
            raise AssertionError("Redis answered without its password")
    finally:
        anonymous.close()


def test_the_bucket_stores_reads_presigns_and_deletes() -> None:
    env = _env()
    s3 = services.s3_client(env)
    bucket, key = env["UPLOAD_DEMO_TEST_S3_BUCKET"], f"test/{uuid.uuid4().hex}.bin"
    body = os.urandom(64 * 1024)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    try:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60
        )
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read() == body
        # Nothing is public: the same object without a signature is refused.
        plain = f"{env['UPLOAD_DEMO_TEST_S3_ENDPOINT']}/{bucket}/{key}"
        try:
            urllib.request.urlopen(plain, timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code == 403
        else:
            raise AssertionError("the object was readable without a signature")
    finally:
        s3.delete_object(Bucket=bucket, Key=key)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert key not in keys
