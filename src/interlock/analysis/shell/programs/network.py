"""Network clients: downloads (their output is remote code if run), uploads (credential files
sent out are catastrophic), and remote shells (ssh: the remote command is analysed on that host)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd, Stream, Word
from . import Handler

# Programs that send what they read on stdin over the network.
NETWORK_SENDERS = {"curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ssh", "scp",
                   "sftp", "ftp", "openssl", "http", "https", "xh", "aws", "gsutil", "rclone",
                   "mail", "sendmail", "mutt", "nslookup", "dig", "gh", "s3cmd"}

_CURL_ARG = ("dFTHoXuAebcKxmwrECyYzQ", frozenset({
    "--data", "--data-binary", "--data-raw", "--data-ascii", "--data-urlencode", "--json",
    "--form", "--form-string", "--upload-file", "--header", "--output", "--request", "--user",
    "--user-agent", "--referer", "--cookie", "--cookie-jar", "--config", "--proxy",
    "--max-time", "--connect-timeout", "--write-out", "--retry", "--range", "--url", "--cert",
    "--key", "--cacert", "--resolve", "--limit-rate", "--output-dir", "--oauth2-bearer",
    "--quote", "--interface", "--dns-servers", "--proto", "--ciphers", "--variable", "--expand-url"}))
_DATA_OPTS = ("-d", "--data", "--data-binary", "--data-ascii", "--data-urlencode", "--json")


def url_host(text: str) -> str | None:
    if DYN in text:
        return None
    t = text if "://" in text else "http://" + text
    try:
        host = urlsplit(t).hostname
    except ValueError:
        return None
    return host or None


def _secret_file(cmd: Cmd, path: str) -> bool:
    if path in ("-", "") or DYN in path:
        return path == "-" and cmd.stdin.kind == "secret"
    if path.startswith("~"):  # curl and friends do not expand it, but the intent is home
        path = cmd.ctx.line.home + path[1:]
    e = fx.path_read(cmd.ctx, Word(path))
    return e.verb is Verb.READ_SECRET


def _exfil(host: str | None, what: str, how: str) -> Effect:
    targets = (Target("host", host),) if host else ()
    return fx.eff(Verb.UPDATE, f"network send of {what}", targets, risks=(Risk.CATASTROPHIC,),
                  reversible=False, detail=f"credential file sent to the network ({how})")


def curl(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, *_CURL_ARG)
    urls = [w.text for w in o.pos] + o.all("--url")
    hosts = [h for h in (url_host(u) for u in urls) if h]
    host = hosts[0] if hosts else None
    targets = tuple(Target("host", h) for h in dict.fromkeys(hosts))
    out: list[Effect] = []
    uploads: list[str] = []
    for v in o.all(*_DATA_OPTS):
        if v.startswith("@"):
            uploads.append(v[1:])
    for v in o.all("-F", "--form"):
        _, _, val = v.partition("=")
        if val.startswith(("@", "<")):
            uploads.append(val[1:].split(";", 1)[0])
    uploads += o.all("-T", "--upload-file")
    for p in uploads:
        if _secret_file(cmd, p):
            out.append(_exfil(host, p, f"{cmd.name} upload"))
        elif p not in ("-", ".") and DYN not in p:
            out.append(fx.path_read(cmd.ctx, Word(p)))
    method = (o.get("-X", "--request") or "").upper()
    sends = bool(uploads or o.has(*_DATA_OPTS, "-F", "--form", "--form-string", "--data-raw"))
    verb = Verb.READ if (method in ("", "GET", "HEAD", "OPTIONS") and not sends) else (
        Verb.DELETE if method == "DELETE" else Verb.UPDATE)
    what = ", ".join(w.show for w in o.pos[:2]) or "(no url)"
    out.append(fx.eff(verb, f"url {what}", targets, detail=f"{cmd.name} {method or ('POST' if sends else 'GET')}",
                      reversible=verb in (Verb.READ, Verb.UPDATE)))
    outfile = o.get("-o", "--output")
    if outfile and outfile != "-":
        out.append(fx.path_change(cmd.ctx, Word(outfile), Verb.UPDATE, detail="curl -o"))
    elif o.has("-O", "--remote-name", "--remote-name-all"):
        out.append(fx.path_change(cmd.ctx, Word("."), Verb.UPDATE, detail="curl -O (file in cwd)"))
    else:
        cmd.stdout = Stream("remote", host or "unknown host")
    return out


def wget(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "OoaPeUtTwiQlADRIX", frozenset({
        "--output-document", "--output-file", "--post-file", "--post-data", "--body-file",
        "--header", "--user", "--password", "--directory-prefix", "--method", "--body-data",
        "--input-file", "--level", "--execute", "--user-agent"}))
    hosts = [h for h in (url_host(w.text) for w in o.pos) if h]
    host = hosts[0] if hosts else None
    targets = tuple(Target("host", h) for h in dict.fromkeys(hosts))
    out: list[Effect] = []
    for p in o.all("--post-file", "--body-file"):
        if _secret_file(cmd, p):
            out.append(_exfil(host, p, "wget --post-file"))
    sends = o.has("--post-file", "--post-data", "--body-data", "--body-file") or (
        (o.get("--method") or "GET").upper() not in ("GET", "HEAD"))
    out.append(fx.eff(Verb.UPDATE if sends else Verb.READ,
                      f"url {', '.join(w.show for w in o.pos[:2]) or '(no url)'}", targets,
                      detail=f"{cmd.name} {'POST' if sends else 'GET'}"))
    doc = o.get("-O", "--output-document")
    if doc == "-":
        cmd.stdout = Stream("remote", host or "unknown host")
    elif doc:
        out.append(fx.path_change(cmd.ctx, Word(doc), Verb.UPDATE, detail="wget -O"))
    else:
        d = o.get("-P", "--directory-prefix") or "."
        out.append(fx.path_change(cmd.ctx, Word(d), Verb.UPDATE, detail="wget download"))
    return out


def net_send(cmd: Cmd) -> list[Effect]:
    """nc/socat/telnet/openssl s_client: a connection; secrets on stdin are handled by dispatch."""
    texts = [w.text for w in cmd.args]
    pos = [t for t in texts if not t.startswith("-")]
    host = None
    for t in texts:
        if t.startswith("-connect") or ":" in t and cmd.name in ("socat", "openssl"):
            hp = t.split(":", 1)[-1] if cmd.name == "socat" else t
            host = hp.split(":")[0] or None
    if cmd.name in ("openssl",):
        i = texts.index("-connect") if "-connect" in texts else -1
        host = texts[i + 1].split(":")[0] if 0 <= i < len(texts) - 1 else host
    host = host or (pos[0] if pos and cmd.name not in ("socat", "openssl") else None)
    risks: tuple[Risk, ...] = ()
    if any(t in ("-e", "-c", "--exec", "--sh-exec", "--lua-exec") for t in texts) or \
            any(t.startswith("EXEC:") or t.startswith("SYSTEM:") for t in texts):
        risks = (Risk.HOST_SECURITY,)
    listening = any(t in ("-l", "-lp", "-lvp", "-lnvp", "-nlvp") or t.startswith("TCP-LISTEN")
                    for t in texts)
    targets = (Target("host", host),) if host and DYN not in host else ()
    cmd.stdout = Stream("remote", host or "unknown host")
    return [fx.eff(Verb.UPDATE, f"network connection {host or '(unknown)'}", targets,
                   risks=risks, detail=f"{cmd.name}{' listener' if listening else ''}"
                   + (" runs a program for the peer (remote shell)" if risks else ""))]


_SSH_ARG = "bcDEeFIiJlLmOoQRSWwBp"


def ssh(cmd: Cmd) -> list[Effect]:
    assert cmd.run_text is not None
    o = parse(cmd.args, _SSH_ARG, frozenset(), stop_at_operand=True)
    if not o.rest:
        return [fx.eff(Verb.READ, "command ssh", detail=cmd.argv_text[:80])]
    dest = o.rest[0]
    hosttext = dest.text.split("@")[-1]
    if hosttext.startswith("ssh://"):
        hosttext = url_host(hosttext) or hosttext
    host = None if DYN in hosttext else hosttext.split(":")[0]
    target = Target("host", host)
    words = o.rest[1:]
    inner = cmd.ctx.child(extra=cmd.ctx.extra + (target,), cwd=None, vars={}, exported=set(),
                          functions={})
    if words:
        text = " ".join(w.text for w in words)
        cmd.run_text(cmd, text, ctx=inner, stdin=cmd.stdin, detail=f"ssh {host}")
        return []
    if cmd.stdin.kind == "literal":
        cmd.run_text(cmd, cmd.stdin.text, ctx=inner, detail=f"ssh {host} stdin")
        return []
    if o.has("-N", "-O", "-V", "-G", "-Q"):
        return [fx.eff(Verb.READ, f"host {host}", (target,), detail="ssh (no remote command)")]
    return [opaque(f"host {host}", "ssh session without a command", (target,))]


def scp(cmd: Cmd) -> list[Effect]:
    from .files import _remote

    o = parse(cmd.args, "cFiJlPSoDX", frozenset())
    if len(o.pos) < 2:
        return [fx.eff(Verb.READ, "command scp")]
    srcs, dest = o.pos[:-1], o.pos[-1]
    dhost, _, dpath = _remote(dest.text)
    out: list[Effect] = []
    if dhost is not None:
        for s in srcs:
            shost, _, _ = _remote(s.text)
            if shost is None and _secret_file(cmd, s.text):
                out.append(_exfil(dhost, s.show, cmd.name))
            elif shost is None:
                out.append(fx.path_read(cmd.ctx, s))
        out.append(fx.eff(Verb.UPDATE, f"host {dhost}:{dpath}", (Target("host", dhost),),
                          scope=Scope.MANY, detail=f"{cmd.name} upload"))
    else:
        hosts = [h for h in (_remote(s.text)[0] for s in srcs) if h]
        out.extend(fx.eff(Verb.READ, f"host {h}", (Target("host", h),), detail=f"{cmd.name} download")
                   for h in hosts)
        out.append(fx.path_change(cmd.ctx, dest, Verb.UPDATE, recursive=o.has("-r"),
                                  detail=f"{cmd.name} download"))
    return out


def httpie(cmd: Cmd) -> list[Effect]:
    pos = [w.text for w in cmd.args if not w.text.startswith("-")]
    method = pos[0].upper() if pos and pos[0].isalpha() and pos[0].isupper() else "GET"
    url = pos[1] if method != "GET" or (pos and pos[0] == "GET") else (pos[0] if pos else "")
    host = url_host(url) if url else None
    out = []
    for t in pos:
        if "@" in t and ("=@" in t or ":=@" in t or t.startswith("@")):
            p = t.split("@", 1)[1]
            if _secret_file(cmd, p):
                out.append(_exfil(host, p, cmd.name))
    verb = Verb.READ if method in ("GET", "HEAD") and not out else Verb.UPDATE
    cmd.stdout = Stream("remote", host or "unknown host")
    return out + [fx.eff(verb, f"url {url}", (Target("host", host),) if host else (),
                         detail=f"{cmd.name} {method}")]


HANDLERS: dict[str, Handler] = {
    "curl": curl, "wget": wget, "ssh": ssh, "scp": scp, "sftp": scp, "nc": net_send,
    "ncat": net_send, "netcat": net_send, "socat": net_send, "telnet": net_send,
    "http": httpie, "https": httpie, "xh": httpie, "fetch": wget, "aria2c": wget,
}
