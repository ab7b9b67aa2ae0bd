"""The content-addressed upload store."""

import hashlib

import pytest

from review_app.services.platform.storage import FolderStore


def test_put_returns_the_hash_and_keeps_the_bytes(tmp_path):
    store = FolderStore(tmp_path)
    data = "共建协议".encode() * 100
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.exists(digest) and store.path(digest).read_bytes() == data
    assert store.put(data) == digest  # the same bytes twice: one file
    assert len(list(tmp_path.rglob("*"))) == 2  # the folder ab/ and the file


def test_unknown_or_malformed_hashes(tmp_path):
    store = FolderStore(tmp_path)
    with pytest.raises(FileNotFoundError):
        store.path("0" * 64)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
