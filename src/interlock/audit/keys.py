"""The Ed25519 checkpoint signing key: a PEM file with mode 0600, created on first use.

Its public half goes into `audit_keys` (by key id) so checkpoints stay verifiable after a
rotation replaces the private key file.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..store.errors import StoreError


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw).hex()


def key_id_of(public_key_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        st = path.stat()
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise StoreError(f"signing key {path} is accessible to other users "
                             f"(mode {stat.S_IMODE(st.st_mode):o}); chmod 600 it")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as e:
        raise StoreError(f"cannot read signing key {path}: {e.strerror or e}") from None
    except ValueError as e:
        raise StoreError(f"signing key {path} is not a PEM private key: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise StoreError(f"signing key {path} is not an Ed25519 key")
    return key


def load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        return load_key(path)
    key = Ed25519PrivateKey.generate()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return load_key(path)
    except OSError as e:
        raise StoreError(f"cannot create signing key {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "wb") as f:
        f.write(_pem(key))
        f.flush()
        os.fsync(f.fileno())
    return key


def replace_key(path: Path) -> Ed25519PrivateKey:
    """Write a fresh key over `path` atomically (rotation)."""
    key = Ed25519PrivateKey.generate()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(_pem(key))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write signing key {path}: {e.strerror or e}") from None
    return key


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return key.sign(message).hex()


def verify_signature(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True
