"""`interlock serve`: the default embedded store, loopback binding, the printed URL, TLS, JSON
access logs, and refusal of bad arguments."""

from __future__ import annotations

import datetime as dt
import json
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

from test_serve_crash import _env, start_serve


def _cert(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _serve(args: list[str], home: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "interlock", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(home))


def _read_url(proc: subprocess.Popen) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "listening on" in line, (line, proc.stderr.read() if proc.stderr else "")
    return line.strip().rsplit(" ", 1)[-1]


def test_default_store_loopback_and_access_log(tmp_path: Path) -> None:
    proc = _serve([], tmp_path)
    try:
        url = _read_url(proc)
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
            assert json.loads(r.read()) == {"status": "ok"}
        assert (tmp_path / ".interlock" / "interlock.db").is_file()  # created on first run
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    lines = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    hit = [x for x in lines if x["path"] == "/healthz"]
    assert hit and hit[0]["status"] == 200 and hit[0]["method"] == "GET"
    assert {"duration_ms", "principal", "ts"} <= set(hit[0])


def test_tls(tmp_path: Path) -> None:
    cert, key = _cert(tmp_path)
    proc = _serve(["--db", f"sqlite:///{tmp_path / 'x.db'}", "--tls-cert", str(cert),
                   "--tls-key", str(key)], tmp_path)
    try:
        url = _read_url(proc)
        assert url.startswith("https://127.0.0.1:")
        ctx = ssl.create_default_context(cafile=str(cert))
        ctx.check_hostname = False
        with urllib.request.urlopen(url + "/healthz", timeout=10, context=ctx) as r:
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)


def test_bad_arguments_exit_1(tmp_path: Path) -> None:
    for args in (["--tls-cert", "x.pem"], ["--webhook", "ftp://x"], ["--request-ttl", "soon"],
                 ["--workers", "4"], ["--policy", str(tmp_path / "nope")],
                 ["--db", "mysql://x/y"]):
        proc = subprocess.run([sys.executable, "-m", "interlock", "serve", "--port", "0",
                               *args], check=False, capture_output=True, text=True,
                              env=_env(tmp_path),
                              timeout=60)
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert "interlock serve" in proc.stderr and "Traceback" not in proc.stderr


def test_restart_keeps_requests(tmp_path: Path) -> None:
    from test_api_support import INVENTORY, call, kubectl

    inv = tmp_path / "inv.toml"
    inv.write_text(INVENTORY)
    db = f"sqlite:///{tmp_path / 's.db'}"
    out = subprocess.run([sys.executable, "-m", "interlock", "principals", "add", "bot",
                          "--kind", "agent", "--db", db], capture_output=True, text=True,
                         env=_env(tmp_path), check=True).stdout
    token = out.strip().splitlines()[-1]
    proc, url = start_serve(db, tmp_path, inv)
    try:
        rid = call(url, "POST", "/v1/decisions", token, kubectl())[1]["request_id"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    proc, url = start_serve(db, tmp_path, inv)
    try:
        assert call(url, "GET", f"/v1/requests/{rid}", token)[1]["state"] == "pending"
        assert call(url, "POST", "/v1/decisions", token, kubectl())[1]["request_id"] == rid
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
