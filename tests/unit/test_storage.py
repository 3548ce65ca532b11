"""storage: atomic, chunked writes under random names; nothing left behind on failure."""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import pytest

from tests.unit.stored import kept
from upload_demo import storage
from upload_demo.storage import CHUNK_SIZE, TEMP_PREFIX, TooLarge

STORED_NAME = re.compile(r"^[0-9a-f]{32}(\.[a-z0-9]+)$")


class RecordingSource(io.RawIOBase):
    """A readable stream that records every read and what the directory held meanwhile."""

    def __init__(self, data: bytes, directory: Path | None = None) -> None:
        self._data = io.BytesIO(data)
        self.directory = directory
        self.sizes: list[int | None] = []
        self.listings: list[list[str]] = []

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        self.sizes.append(size)
        if self.directory is not None:
            self.listings.append(sorted(os.listdir(self.directory)))
        return self._data.read(size)


class FailingSource(io.RawIOBase):
    """Hands out some chunks, then raises as a dropped connection would."""

    def __init__(self, good_chunks: int, error: BaseException) -> None:
        self.good_chunks = good_chunks
        self.error = error
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        if self.reads > self.good_chunks:
            raise self.error
        return os.urandom(min(size or CHUNK_SIZE, 4096))


def test_write_is_atomic_through_a_temp_file_in_the_same_dir(tmp_path: Path) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 123)
    source = RecordingSource(data, tmp_path)
    received = kept(source, tmp_path, ".bin", max_bytes=len(data))
    # While bytes were copied, the only entry was one temp file, in the target dir.
    assert source.listings
    for listing in source.listings:
        assert len(listing) == 1
        assert listing[0].startswith(TEMP_PREFIX)
    assert len({tuple(listing) for listing in source.listings}) == 1
    # After: the final file only, no temp file.
    assert sorted(os.listdir(tmp_path)) == [received.staged.name]
    assert storage.temp_files(tmp_path) == []
    assert (tmp_path / received.staged.name).read_bytes() == data


def test_size_and_sha256_are_computed_while_copying(tmp_path: Path) -> None:
    head = b"HEAD" * 100
    rest = os.urandom(CHUNK_SIZE + 17)
    received = kept(io.BytesIO(rest), tmp_path, ".dat", max_bytes=10**9, head=head)
    assert received.size == len(head) + len(rest)
    assert received.sha256 == hashlib.sha256(head + rest).hexdigest()
    assert (tmp_path / received.staged.name).read_bytes() == head + rest


def test_head_only(tmp_path: Path) -> None:
    received = kept(io.BytesIO(b""), tmp_path, ".txt", max_bytes=10, head=b"abc")
    assert (received.size, received.sha256) == (3, hashlib.sha256(b"abc").hexdigest())


def test_empty_source_gives_an_empty_file(tmp_path: Path) -> None:
    received = kept(io.BytesIO(b""), tmp_path, ".txt", max_bytes=10)
    assert received.size == 0
    assert received.sha256 == hashlib.sha256(b"").hexdigest()
    assert (tmp_path / received.staged.name).read_bytes() == b""


def test_creates_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    received = kept(io.BytesIO(b"x"), target, ".txt", max_bytes=1)
    assert (target / received.staged.name).is_file()


def test_names_are_random_and_never_derived_from_content(tmp_path: Path) -> None:
    data = b"the same bytes every time"
    names = [
        kept(io.BytesIO(data), tmp_path, ".png", max_bytes=100).staged.name for _ in range(200)
    ]
    assert len(set(names)) == len(names)
    digest = hashlib.sha256(data).hexdigest()
    for name in names:
        match = STORED_NAME.match(name)
        assert match, name
        assert match.group(1) == ".png"
        assert digest[:8] not in name
    assert sorted(os.listdir(tmp_path)) == sorted(names)


@pytest.mark.parametrize("extension", [".jpg", ".webm", ".html", ".pdf"])
def test_extension_is_the_one_given(tmp_path: Path, extension: str) -> None:
    received = kept(io.BytesIO(b"x"), tmp_path, extension, max_bytes=1)
    assert received.staged.name.endswith(extension)
    assert STORED_NAME.match(received.staged.name)


def test_new_name_shape() -> None:
    names = {storage.new_name(".gif") for _ in range(1000)}
    assert len(names) == 1000
    assert all(STORED_NAME.match(n) and n.endswith(".gif") for n in names)


def test_exactly_max_bytes_is_fine(tmp_path: Path) -> None:
    received = kept(io.BytesIO(b"12345"), tmp_path, ".txt", max_bytes=5)
    assert received.size == 5


@pytest.mark.parametrize(
    ("head", "rest", "limit"),
    [
        (b"", b"123456", 5),
        (b"123456", b"", 5),
        (b"12", b"3456", 5),
        (b"", os.urandom(3 * CHUNK_SIZE), 2 * CHUNK_SIZE + 1),
    ],
    ids=["source", "head", "both", "multi-chunk"],
)
def test_too_large_leaves_nothing(tmp_path: Path, head: bytes, rest: bytes, limit: int) -> None:
    with pytest.raises(TooLarge) as info:
        kept(io.BytesIO(rest), tmp_path, ".bin", max_bytes=limit, head=head)
    assert info.value.limit == limit
    assert os.listdir(tmp_path) == []


def test_too_large_stops_reading_early(tmp_path: Path) -> None:
    source = RecordingSource(os.urandom(10 * CHUNK_SIZE))
    with pytest.raises(TooLarge):
        kept(source, tmp_path, ".bin", max_bytes=CHUNK_SIZE + 1)
    # Refused as soon as the count passed the limit, not after reading everything.
    assert len(source.sizes) == 2
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "error",
    [OSError("connection reset"), ValueError("bad"), KeyboardInterrupt(), SystemExit(1)],
    ids=["oserror", "valueerror", "keyboardinterrupt", "systemexit"],
)
def test_source_failing_mid_copy_leaves_nothing(tmp_path: Path, error: BaseException) -> None:
    source = FailingSource(good_chunks=3, error=error)
    with pytest.raises(type(error)):
        kept(source, tmp_path, ".bin", max_bytes=10**9, head=b"x" * 10)
    assert source.reads == 4
    assert os.listdir(tmp_path) == []


def test_reads_are_bounded(tmp_path: Path) -> None:
    data = os.urandom(5 * CHUNK_SIZE + 999)
    source = RecordingSource(data)
    received = kept(source, tmp_path, ".bin", max_bytes=len(data))
    assert received.size == len(data)
    assert source.sizes
    for size in source.sizes:
        # Never "read everything" (None or negative), never more than a chunk.
        assert size is not None and 0 < size <= CHUNK_SIZE


def test_chunk_size_is_bounded() -> None:
    assert 64 * 1024 <= CHUNK_SIZE <= 16 * 1024 * 1024


def test_delete_removes_a_stored_file(tmp_path: Path) -> None:
    received = kept(io.BytesIO(b"bye"), tmp_path, ".txt", max_bytes=3)
    storage.delete(tmp_path, received.staged.name)
    assert os.listdir(tmp_path) == []
    # Deleting again is not an error.
    storage.delete(tmp_path, received.staged.name)


@pytest.mark.parametrize(
    "name",
    ["../victim.txt", "..", ".", "", "sub/victim.txt", "sub/../../victim.txt", "/etc/passwd"],
)
def test_delete_refuses_names_that_are_paths(tmp_path: Path, name: str) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "sub").mkdir()
    victims = [tmp_path / "victim.txt", store / "sub" / "victim.txt"]
    for victim in victims:
        victim.write_text("keep me")
    with pytest.raises(ValueError, match="not a stored file name"):
        storage.delete(store, name)
    assert all(v.read_text() == "keep me" for v in victims)


def test_temp_files(tmp_path: Path) -> None:
    assert storage.temp_files(tmp_path / "missing") == []
    stored = kept(io.BytesIO(b"x"), tmp_path, ".txt", max_bytes=1)
    crashed = tmp_path / f"{TEMP_PREFIX}deadbeef"
    crashed.write_bytes(b"partial")
    (tmp_path / f"{TEMP_PREFIX}a-directory").mkdir()
    assert storage.temp_files(tmp_path) == [crashed]
    assert (tmp_path / stored.staged.name).exists()


def test_claim_is_refused_while_the_writer_holds_the_file(tmp_path: Path) -> None:
    """The writer's lock follows its file through the rename: kept, it is still held."""
    with storage.staging(tmp_path, "abc.txt") as staged:
        with storage.claim(staged.temp) as free:
            assert not free
        staged.keep()
        with storage.claim(tmp_path / "abc.txt") as free:
            assert not free
    with storage.claim(tmp_path / "abc.txt") as free:
        assert free
    with storage.claim(tmp_path / "gone.txt") as free:
        assert not free


# --- staged files: inspected before anyone can see them ------------------------------


def test_received_bytes_stay_a_temp_file_until_kept(tmp_path: Path) -> None:
    data = os.urandom(CHUNK_SIZE + 5)
    with storage.receive(io.BytesIO(data), tmp_path, ".png", max_bytes=len(data)) as received:
        staged = received.staged
        assert (received.size, received.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert STORED_NAME.match(staged.name) and staged.name.endswith(".png")
        # Complete on disk, but only as a temp file: nothing under the final name yet.
        assert os.listdir(tmp_path) == [staged.temp.name]
        assert staged.temp.name.startswith(TEMP_PREFIX)
        assert staged.path == staged.temp
        assert staged.path.read_bytes() == data
        staged.keep()
        assert os.listdir(tmp_path) == [staged.name]
        assert staged.path == tmp_path / staged.name
    assert (tmp_path / staged.name).read_bytes() == data


def test_received_bytes_not_kept_are_removed(tmp_path: Path) -> None:
    with storage.receive(io.BytesIO(b"data"), tmp_path, ".bin", max_bytes=10) as received:
        assert received.staged.temp.exists()
    assert os.listdir(tmp_path) == []


def test_an_error_while_inspecting_removes_the_temp_file(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="inspection failed"),
        storage.receive(io.BytesIO(b"data"), tmp_path, ".bin", max_bytes=10),
    ):
        raise RuntimeError("inspection failed")
    assert os.listdir(tmp_path) == []


def test_receive_too_large_leaves_nothing(tmp_path: Path) -> None:
    with (
        pytest.raises(TooLarge),
        storage.receive(io.BytesIO(b"123456"), tmp_path, ".bin", max_bytes=5),
    ):
        pytest.fail("the block must not run for a refused stream")
    assert os.listdir(tmp_path) == []


def test_staging_a_derived_file(tmp_path: Path) -> None:
    with storage.staging(tmp_path, "abc.thumb.webp") as staged:
        with staged.writer() as out:
            out.write(b"thumb")
        assert os.listdir(tmp_path) == [staged.temp.name]
        staged.keep()
    assert os.listdir(tmp_path) == ["abc.thumb.webp"]
    assert (tmp_path / "abc.thumb.webp").read_bytes() == b"thumb"
    with storage.staging(tmp_path, "never.poster.jpg") as dropped, dropped.writer() as out:
        out.write(b"poster")
    assert os.listdir(tmp_path) == ["abc.thumb.webp"]
