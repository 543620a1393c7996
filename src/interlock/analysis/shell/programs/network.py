"""Network clients: downloads (their output is remote code if run), uploads (credential files
sent out are catastrophic), and remote shells (ssh: the remote command is analysed on that host)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from ...http import METADATA_HOSTS, normalize_host
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd, Stream, Word
from . import Handler

# Programs that send what they read on stdin over the network.
NETWORK_SENDERS = {"curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ssh", "scp",
                   "sftp", "ftp", "openssl", "http", "https", "xh", "aws", "gsutil", "rclone",
                   "mail", "sendmail", "mutt", "nslookup", "dig", "gh", "s3cmd", "azcopy",
                   "rsync", "fetch", "aria2c", "gcloud", "az", "host", "ping", "mailx", "lftp", "tftp", "smbclient"}

_CURL_ARG = ("dFTHoXuAebcKxmwrECyYzQD", frozenset({
    "--data", "--data-binary", "--data-raw", "--data-ascii", "--data-urlencode", "--json",
    "--form", "--form-string", "--upload-file", "--header", "--output", "--request", "--user",
    "--user-agent", "--referer", "--cookie", "--cookie-jar", "--config", "--proxy",
    "--max-time", "--connect-timeout", "--write-out", "--retry", "--range", "--url", "--cert",
    "--key", "--cacert", "--resolve", "--limit-rate", "--output-dir", "--oauth2-bearer",
    "--quote", "--interface", "--dns-servers", "--proto", "--ciphers", "--variable", "--expand-url",
    "--dump-header", "--trace", "--trace-ascii", "--stderr", "--libcurl", "--etag-save",
    "--etag-compare", "--hsts", "--alt-svc", "--netrc-file"}))
# curl options that name a file it writes besides the download (headers, traces, cookies).
CURL_WRITES = ("-D", "--dump-header", "-c", "--cookie-jar", "--trace", "--trace-ascii",
               "--stderr", "--libcurl", "--etag-save", "--hsts", "--alt-svc")
# `-w '%output{FILE}…'` (curl >= 8.3) redirects the write-out text into FILE.
_CURL_WRITEOUT_FILE = re.compile(r"%output\{>?([^}]*)\}")
# Options whose file holds more options we cannot see (an output path, an upload, a URL).
CURL_CONFIG = ("-K", "--config")
WGET_WRITES = ("-o", "--output-file", "-a", "--append-output")
WGET_CONFIG = ("-e", "--execute", "--config")
_DATA_OPTS = ("-d", "--data", "--data-binary", "--data-ascii", "--data-urlencode", "--json")


def url_host(text: str) -> str | None:
    """The host a URL names, normalised as the HTTP analyzer does (`0xa9fea9fe`,
    `[::ffff:169.254.169.254]` and `2852039166` are all 169.254.169.254)."""
    if DYN in text:
        return None
    t = text if "://" in text else "http://" + text
    try:
        host = urlsplit(t).hostname
    except ValueError:
        return None
    return normalize_host(host) if host else None


def _metadata(cmd: Cmd, hosts: list[str], what: str) -> Effect | None:
    """A request to a cloud metadata service hands out the instance's credentials (as the
    HTTP analyzer says); what it prints is a secret."""
    host = next((h for h in hosts if h in METADATA_HOSTS), None)
    if host is None:
        return None
    cmd.stdout = Stream("secret", f"credential from {host}")
    return fx.eff(Verb.READ_SECRET, f"url {what}", (Target("host", host),),
                  detail="cloud instance metadata service (hands out credentials)")


def _secret_file(cmd: Cmd, path: str, recursive: bool = False) -> bool:
    if path in ("-", "") or DYN in path:
        return path == "-" and cmd.stdin.kind == "secret"
    if path.startswith("~"):  # curl and friends do not expand it, but the intent is home
        path = cmd.ctx.line.home + path[1:]
    e = fx.path_read(cmd.ctx, Word(path), recursive=recursive)
    return e.verb is Verb.READ_SECRET


def _download_name(url: str) -> str:
    """The file name curl -O / wget give a download: the URL path's last segment."""
    try:
        path = urlsplit(url if "://" in url else "http://" + url).path
    except ValueError:
        path = ""
    return path.rsplit("/", 1)[-1] or "index.html"


def _downloaded(cmd: Cmd, path: str, host: str | None) -> Effect:
    """A file written from the network: running it later in the line is remote code."""
    w = Word(path)
    fx.record(cmd.ctx, w, Stream("remote", host or "unknown host"))
    return fx.path_change(cmd.ctx, w, Verb.UPDATE, detail=f"{cmd.name} download")


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
    out.extend(_side_files(cmd, o, CURL_WRITES))
    for v in o.all("-w", "--write-out"):
        out.extend(fx.path_change(cmd.ctx, Word(f), Verb.UPDATE, detail="curl -w %output{}")
                   for f in _CURL_WRITEOUT_FILE.findall(v) if f)
    for v in o.all(*CURL_CONFIG):
        out.append(opaque(f"curl config {v}", f"{cmd.name} -K {v}: options from a file "
                          "(outputs, uploads, URLs) are not seen"))
    outfile = o.get("-o", "--output")
    odir = o.get("--output-dir")
    prefix = odir.rstrip("/") + "/" if odir else ""
    if outfile and outfile != "-":
        out.append(_downloaded(cmd, prefix + outfile, host))
    elif o.has("-O", "--remote-name", "--remote-name-all"):
        for u in urls or [""]:
            out.append(_downloaded(cmd, prefix + _download_name(u), url_host(u) or host))
    else:
        cmd.stdout = Stream("remote", host or "unknown host")
    meta = _metadata(cmd, hosts, what)
    return out + [meta] if meta is not None else out


def _side_files(cmd: Cmd, o: object, names: tuple[str, ...]) -> list[Effect]:
    """Files a downloader writes besides what it downloads (logs, headers, cookies)."""
    from ..argv import Opts

    assert isinstance(o, Opts)
    return [fx.path_change(cmd.ctx, Word(v), Verb.UPDATE, detail=f"{cmd.name} writes it")
            for v in o.all(*names) if v and v not in ("-", "/dev/stdout", "/dev/stderr")]


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
    out.extend(_side_files(cmd, o, WGET_WRITES))
    for v in o.all(*WGET_CONFIG):
        out.append(opaque(f"wget settings {v[:60]}", f"{cmd.name} -e/--config: wgetrc "
                          "commands can name outputs and uploads"))
    doc = o.get("-O", "--output-document")
    if doc == "-":
        cmd.stdout = Stream("remote", host or "unknown host")
    elif doc:
        out.append(_downloaded(cmd, doc, host))
    else:
        d = o.get("-P", "--directory-prefix") or "."
        for w in o.pos or [Word("")]:
            out.append(_downloaded(cmd, d.rstrip("/") + "/" + _download_name(w.text),
                                   url_host(w.text) or host))
    meta = _metadata(cmd, hosts, ", ".join(w.show for w in o.pos[:2]))
    return out + [meta] if meta is not None else out


# nc/ncat options that take a value; those that run a program for the peer (a remote shell).
NC_ARG = ("eciIOpPqsTwxXm", frozenset({"--exec", "--sh-exec", "--lua-exec", "--proxy",
                                       "--proxy-type", "--source", "--wait", "--output",
                                       "--hex-dump", "--allow", "--deny", "--max-conns"}))
NC_EXEC = ("-e", "-c", "--exec", "--sh-exec", "--lua-exec")
# socat address types that are network endpoints, and those that run a program.
SOCAT_NET = {"tcp", "tcp4", "tcp6", "tcp-connect", "tcp4-connect", "tcp6-connect", "udp",
             "udp4", "udp6", "udp-connect", "openssl", "openssl-connect", "ssl", "sctp",
             "sctp-connect", "socks", "socks4", "socks4a", "socks5", "proxy", "proxy-connect"}
SOCAT_EXEC = {"exec", "system"}


def _socat(texts: list[str]) -> tuple[str | None, bool]:
    host, runs = None, False
    for t in texts:
        kind, _, rest = t.partition(":")
        kind = kind.lower().split(",", 1)[0]
        if kind in SOCAT_EXEC:
            runs = True
        elif kind in SOCAT_NET and rest:
            host = host or rest.split(":", 1)[0].split(",", 1)[0] or None
    return host, runs


def net_send(cmd: Cmd) -> list[Effect]:
    """nc/socat/telnet/openssl s_client: a connection; secrets on stdin are handled by dispatch.

    Running a program for the peer (nc -e, socat EXEC:) is a remote shell: catastrophic."""
    texts = [w.text for w in cmd.args]
    host: str | None = None
    runs = False
    if cmd.name == "socat":
        host, runs = _socat(texts)
    elif cmd.name == "openssl":
        i = texts.index("-connect") if "-connect" in texts else -1
        host = texts[i + 1].split(":")[0] if 0 <= i < len(texts) - 1 else None
    else:
        o = parse(cmd.args, *NC_ARG) if cmd.name in ("nc", "ncat", "netcat") else parse(cmd.args)
        pos = [w.text for w in o.pos]
        host = pos[0] if pos else None
        runs = o.has(*NC_EXEC)
    risks: tuple[Risk, ...] = (Risk.REMOTE_CODE, Risk.CATASTROPHIC) if runs else ()
    listening = any(t in ("-l", "-lp", "-lvp", "-lnvp", "-nlvp") or t.startswith("TCP-LISTEN")
                    for t in texts)
    targets = (Target("host", host),) if host and DYN not in host else ()
    cmd.stdout = Stream("remote", host or "unknown host")
    return [fx.eff(Verb.UPDATE, f"network connection {host or '(unknown)'}", targets,
                   risks=risks, detail=f"{cmd.name}{' listener' if listening else ''}"
                   + (" runs a program for the peer (remote shell)" if runs else ""))]


# Cloud storage copiers: (subcommands that copy SRC… DEST, options with a value). A local
# source holding credentials copied to a remote destination is a secret leaving the machine.
UPLOADERS: dict[str, tuple[frozenset[str], str, frozenset[str]]] = {
    "gsutil": (frozenset({"cp", "mv", "rsync"}), "hopzDS", frozenset()),
    "rclone": (frozenset({"copy", "copyto", "move", "moveto", "sync"}), "",
               frozenset({"--config", "--include", "--exclude", "--filter", "--transfers"})),
    "s3cmd": (frozenset({"put", "sync", "cp"}), "c", frozenset({"--config"})),
    "azcopy": (frozenset({"copy", "cp", "sync"}), "", frozenset()),
}


def _is_remote_dest(text: str) -> bool:
    return "://" in text or (":" in text and not text.startswith(("/", ".", "~")))


def uploader(cmd: Cmd) -> list[Effect]:
    subs, short_arg, long_arg = UPLOADERS[cmd.name]
    o = parse(cmd.args, short_arg, long_arg)
    pos = o.pos
    if cmd.name == "gsutil" and pos and pos[0].text == "-m":
        pos = pos[1:]
    if not pos or pos[0].text not in subs or len(pos) < 3:
        return [opaque(f"command {cmd.name}", cmd.argv_text[:100])]
    srcs, dest = pos[1:-1], pos[-1]
    out: list[Effect] = []
    remote = _is_remote_dest(dest.text)
    rtarget = url_host(dest.text) if "://" in dest.text else dest.text.split(":", 1)[0]
    for s in srcs:
        if _is_remote_dest(s.text):
            continue
        e = fx.path_read(cmd.ctx, s, recursive=True)
        out.append(e)
        if remote and e.verb is Verb.READ_SECRET:
            out.append(_exfil(rtarget, s.show, cmd.name))
    if remote:
        out.append(fx.eff(Verb.UPDATE, f"storage {dest.show}",
                          (Target("host", rtarget),) if rtarget else (), scope=Scope.MANY,
                          detail=f"{cmd.name} {pos[0].text}"))
    else:
        out.append(fx.path_change(cmd.ctx, dest, Verb.UPDATE, recursive=True,
                                  detail=f"{cmd.name} {pos[0].text}"))
    return out


_SSH_ARG = "bcDEeFIiJlLmOoQRSWwBp"
# `-o Key=value` settings whose value is a command ssh runs on this machine.
SSH_LOCAL_COMMANDS = frozenset({"proxycommand", "localcommand", "knownhostscommand"})


def ssh_local_commands(cmd: Cmd, settings: list[str], config: list[str]) -> list[Effect]:
    """Run what `-o ProxyCommand=…` (and friends) hand to ssh/scp/sftp/rsync -e; a config
    file (`-F f`) can hold the same, unseen."""
    assert cmd.run_text is not None
    out: list[Effect] = []
    for kv in settings:
        m = re.match(r"\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*)", kv, re.DOTALL)
        if m and m.group(1).lower() in SSH_LOCAL_COMMANDS and m.group(2).strip():
            value = m.group(2).strip()
            if value.lower() != "none":
                cmd.run_text(cmd, value.replace("%h", "HOST").replace("%p", "22"),
                             detail=f"{cmd.name} {m.group(1)}")
    out.extend(opaque(f"ssh config {f}", f"{cmd.name} -F {f}: a config file can name "
                      "commands ssh runs here (ProxyCommand, LocalCommand, Match exec)")
               for f in config if f not in ("/dev/null", "none"))
    return out


def ssh(cmd: Cmd) -> list[Effect]:
    assert cmd.run_text is not None
    o = parse(cmd.args, _SSH_ARG, frozenset(), stop_at_operand=True)
    local = ssh_local_commands(cmd, o.all("-o"), o.all("-F"))
    return local + _ssh(cmd, o)


def _ssh(cmd: Cmd, o: object) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(o, Opts) and cmd.run_text is not None
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
    if o.has("-N", "-O", "-V", "-G", "-Q", "-W"):
        return [fx.eff(Verb.READ, f"host {host}", (target,), detail="ssh (no remote command)")]
    return [opaque(f"host {host}", "ssh session without a command", (target,))]


def scp(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "cFiJlPSoDX" + ("BRs" if cmd.name == "sftp" else ""), frozenset())
    local = ssh_local_commands(cmd, o.all("-o"), o.all("-F"))
    for prog in o.all("-S") + (o.all("-D") if cmd.name == "sftp" else []):
        assert cmd.run_text is not None  # the program scp/sftp runs instead of ssh
        cmd.run_text(cmd, prog, detail=f"{cmd.name} -S/-D program")
    return local + _scp(cmd, o)


def _scp(cmd: Cmd, o: object) -> list[Effect]:
    from ..argv import Opts
    from .files import _remote

    assert isinstance(o, Opts)
    if len(o.pos) < 2:
        return [fx.eff(Verb.READ, f"command {cmd.name}")]
    srcs, dest = o.pos[:-1], o.pos[-1]
    dhost, _, dpath = _remote(dest.text)
    out: list[Effect] = []
    if dhost is not None:
        for s in srcs:
            shost, _, _ = _remote(s.text)
            if shost is None and _secret_file(cmd, s.text, recursive=True):
                out.append(_exfil(dhost, s.show, cmd.name))
            elif shost is None:
                out.append(fx.path_read(cmd.ctx, s, recursive=o.has("-r")))
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
    meta = _metadata(cmd, [host] if host else [], url)
    if meta is not None:
        out.append(meta)
    return out + [fx.eff(verb, f"url {url}", (Target("host", host),) if host else (),
                         detail=f"{cmd.name} {method}")]


HANDLERS: dict[str, Handler] = {
    "curl": curl, "wget": wget, "ssh": ssh, "scp": scp, "sftp": scp, "nc": net_send,
    "ncat": net_send, "netcat": net_send, "socat": net_send, "telnet": net_send,
    "http": httpie, "https": httpie, "xh": httpie, "fetch": wget, "aria2c": wget,
    **{n: uploader for n in UPLOADERS},
}
