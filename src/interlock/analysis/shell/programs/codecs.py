"""Programs that produce or transform text on a pipe: the literal payload of decode-and-run
(`echo … | base64 -d | sh`) is followed through them so the shell at the end can be analysed."""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib

from ....effects import Effect, Verb
from .. import fx
from ..argv import parse
from ..model import DYN, UNKNOWN, Cmd, Stream, Word
from ..words import ansi_c
from . import Handler

_MAX_PAYLOAD = 200_000


def _lit(text: str) -> Stream:
    return Stream("literal", text) if len(text) <= _MAX_PAYLOAD else UNKNOWN


def _unknown_input(cmd: Cmd) -> Stream:
    # A transform of a secret is still the secret; of anything else, unknown.
    return cmd.stdin if cmd.stdin.kind == "secret" else UNKNOWN


def echo(cmd: Cmd) -> list[Effect]:
    args = list(cmd.args)
    newline, escapes = True, False
    while args and args[0].text[:1] == "-" and len(args[0].text) > 1 and set(args[0].text[1:]) <= set("neE"):
        flags = args.pop(0).text[1:]
        newline = newline and "n" not in flags
        escapes = ("e" in flags) or (escapes and "E" not in flags)
    text = " ".join(w.text for w in args)
    if escapes:
        text = ansi_c(text)
    cmd.stdout = Stream("literal", text + ("\n" if newline else "")) if DYN not in text else UNKNOWN
    return [fx.eff(Verb.READ, f"command {cmd.name}", detail="prints text")]


def printf(cmd: Cmd) -> list[Effect]:
    args = [w for w in cmd.args if w.text != "--"]
    if args and args[0].text == "-v":
        return [fx.eff(Verb.READ, "command printf")]
    if not args or any(w.dynamic for w in args):
        cmd.stdout = UNKNOWN
        return [fx.eff(Verb.READ, "command printf")]
    fmt, rest = args[0].text, [w.text for w in args[1:]]
    out: list[str] = []
    i = 0
    ok = True
    body = ansi_c(fmt.replace("%%", "\x01"))
    pieces = body.split("%")
    out.append(pieces[0])
    for p in pieces[1:]:
        if p[:1] in ("s", "b"):
            val = rest.pop(0) if rest else ""
            out.append((ansi_c(val) if p[0] == "b" else val) + p[1:])
        elif p[:1] == "d":
            out.append((rest.pop(0) if rest else "0") + p[1:])
        else:
            ok = False
            break
        i += 1
    text = "".join(out).replace("\x01", "%")
    cmd.stdout = _lit(text) if ok else UNKNOWN
    return [fx.eff(Verb.READ, "command printf", detail="prints text")]


def _decode_b64(text: str) -> str | None:
    data = "".join(text.split())
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4), validate=False)
    except (binascii.Error, ValueError):
        return None
    return raw.decode("latin-1")


def base64_cmd(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "w", frozenset({"--wrap"}))
    decode = o.has("-d", "--decode", "-D")
    effects = [fx.path_read(cmd.ctx, w) for w in o.pos if w.text != "-"]
    src = cmd.stdin.literal if not [w for w in o.pos if w.text != "-"] else None
    if decode and src is not None:
        dec = _decode_b64(src)
        cmd.stdout = _lit(dec) if dec is not None else UNKNOWN
    elif not decode and src is not None:
        cmd.stdout = _lit(base64.b64encode(src.encode("latin-1", "replace")).decode() + "\n")
    else:
        cmd.stdout = _unknown_input(cmd)
        if any(e.verb is Verb.READ_SECRET for e in effects):
            cmd.stdout = Stream("secret", effects[0].resource)
    return effects or [fx.eff(Verb.READ, f"command {cmd.name}", detail="encodes/decodes text")]


def xxd(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "cglos", set())
    src = cmd.stdin.literal if not o.pos else None
    if o.has("-r") and src is not None:
        try:
            hexs = "".join(src.split()) if o.has("-p", "-ps", "-plain") else None
            cmd.stdout = _lit(bytes.fromhex(hexs).decode("latin-1")) if hexs is not None else UNKNOWN
        except ValueError:
            cmd.stdout = UNKNOWN
    else:
        cmd.stdout = _unknown_input(cmd)
    return [fx.path_read(cmd.ctx, w) for w in o.pos] or [fx.eff(Verb.READ, "command xxd")]


def rev(cmd: Cmd) -> list[Effect]:
    src = cmd.stdin.literal if not cmd.args else None
    if src is not None:
        cmd.stdout = _lit("\n".join(line[::-1] for line in src.rstrip("\n").split("\n")) + "\n")
    else:
        cmd.stdout = _unknown_input(cmd)
    return [fx.path_read(cmd.ctx, w) for w in cmd.args] or [fx.eff(Verb.READ, "command rev")]


def gunzip_filter(cmd: Cmd) -> list[Effect]:
    src = cmd.stdin.literal
    if src is not None and not [w for w in cmd.args if not w.text.startswith("-")]:
        try:
            cmd.stdout = _lit(zlib.decompress(src.encode("latin-1"), 47).decode("latin-1"))
        except (zlib.error, ValueError, gzip.BadGzipFile):
            cmd.stdout = UNKNOWN
        return [fx.eff(Verb.READ, f"command {cmd.name}", detail="decompresses a stream")]
    from .files import gzip_like

    return gzip_like(cmd)


# openssl takes one-dash long options (`-out F`, `-keyout F`, `-passin file:F`), so getopt
# spellings do not apply: these tables name them. Options whose value a later word is:
OPENSSL_VALUED = frozenset({
    "-in", "-out", "-keyout", "-key", "-inkey", "-signkey", "-CAkey", "-keyfile", "-sign",
    "-prverify", "-verify", "-signature", "-dkey", "-CA", "-CAfile", "-CApath", "-CAserial",
    "-cert", "-certfile", "-chain", "-untrusted", "-trusted", "-CRLfile", "-config", "-extfile",
    "-rand", "-writerand", "-outdir", "-respout", "-reqout", "-passin", "-passout", "-pass",
    "-k", "-kfile", "-K", "-iv", "-S", "-subj", "-days", "-newkey", "-pkeyopt", "-name",
    "-nameopt", "-certopt", "-set_serial", "-extensions", "-reqexts", "-md", "-cipher",
    "-engine", "-inform", "-outform", "-keyform", "-CAform", "-CAkeyform", "-connect",
    "-servername", "-host", "-port", "-sigopt", "-macopt", "-kdfopt", "-peerkey", "-recip",
    "-signer", "-from", "-to", "-caname", "-csr", "-keyalg", "-algorithm", "-addext", "-ext",
    "-crldays", "-policy", "-iter", "-saltlen"})
# Valued in one subcommand, a flag in another (`dgst -sign KEY`, `smime -sign -in MSG`): a
# value only when the next word is no option.
_OPENSSL_MAYBE_VALUED = frozenset({"-sign", "-verify"})
# Options naming a file openssl writes.
OPENSSL_WRITES = frozenset({"-out", "-keyout", "-writerand", "-outdir", "-respout", "-reqout",
                            "-CAserial"})
# Options naming a file openssl reads (a credential file by name is a secret read, as for cat).
OPENSSL_READS = frozenset({
    "-in", "-key", "-inkey", "-signkey", "-CAkey", "-keyfile", "-sign", "-prverify", "-dkey",
    "-verify", "-signature", "-CA", "-CAfile", "-cert", "-certfile", "-chain", "-untrusted",
    "-trusted", "-CRLfile", "-config", "-extfile", "-rand", "-kfile", "-peerkey", "-recip"})
# Passphrase options: `file:PATH` reads a password file.
OPENSSL_PASS = frozenset({"-passin", "-passout", "-pass"})
# Subcommands that print (or copy out) the private key their `-in` names; `pkcs12 -in` is a
# keystore. Their output is public only with these flags.
OPENSSL_KEY_PRINTERS: dict[str, frozenset[str]] = {
    "rsa": frozenset({"-pubout"}), "ec": frozenset({"-pubout"}), "dsa": frozenset({"-pubout"}),
    "pkey": frozenset({"-pubout"}), "pkcs8": frozenset(), "storeutl": frozenset(),
    "pkcs12": frozenset({"-nokeys", "-export"}),
}
# Subcommands that make a private key: what they write is a secret file from then on.
OPENSSL_KEY_MAKERS = frozenset({"genrsa", "genpkey", "gendsa", "ecparam", *OPENSSL_KEY_PRINTERS})
# Decryption: the plaintext of protected data, like `gpg -d`.
OPENSSL_DECRYPT = {"enc": "-d", "smime": "-decrypt", "cms": "-decrypt",
                   "pkeyutl": "-decrypt", "rsautl": "-decrypt"}
_OPENSSL_KEYED = frozenset({"-pass", "-k", "-kfile", "-K"})


def _openssl_opts(words: list[Word]) -> list[tuple[str, Word | None]]:
    """(option, value) pairs; flags have no value. Operands are skipped. OpenSSL 3 also
    takes `--opt` and `-opt=value`."""
    out: list[tuple[str, Word | None]] = []
    i = 0
    while i < len(words):
        t = words[i].text
        i += 1
        if not t.startswith("-") or t == "-":
            continue
        t = t[1:] if t.startswith("--") else t
        name, eq, val = t.partition("=")
        if eq and name in OPENSSL_VALUED:
            out.append((name, Word(val, val)))
        elif t in OPENSSL_VALUED and i < len(words) and not (
                t in _OPENSSL_MAYBE_VALUED and words[i].text.startswith("-")):
            out.append((t, words[i]))
            i += 1
        else:
            out.append((t, None))
    return out


def _openssl_public_only(sub: str, flags: set[str]) -> bool:
    """Only public parts reach the output: `-pubout`, or `-noout` without `-text`."""
    if flags & OPENSSL_KEY_PRINTERS.get(sub, frozenset()):
        return True
    return "-noout" in flags and "-text" not in flags


# `openssl aes-256-cbc -d …`: a cipher name as the subcommand is `enc` with that cipher.
_OPENSSL_CIPHER = re.compile(r"(aes|aria|bf|blowfish|camellia|cast|chacha|des|idea|rc[245]|seed|sm4)")


def _openssl_decrypts(sub: str, flags: set[str]) -> bool:
    if _OPENSSL_CIPHER.match(sub):
        return "-d" in flags
    if sub == "enc":  # a plain `enc -d -base64` only decodes; a key or cipher decrypts
        return "-d" in flags and bool(flags & _OPENSSL_KEYED or any(
            f not in ("-d", "-a", "-A", "-base64", "-in", "-out", "-e") and f not in
            OPENSSL_PASS and f not in OPENSSL_VALUED for f in flags))
    flag = OPENSSL_DECRYPT.get(sub)
    return flag is not None and flag in flags


def _openssl_files(cmd: Cmd, sub: str, opts: list[tuple[str, Word | None]]) -> list[Effect]:
    """Reads and writes of the files openssl's options name; a printed or decrypted key is
    read_secret whatever the file is called (`openssl rsa -in server.pem`)."""
    flags = {o for o, _ in opts}
    forced = sub in OPENSSL_KEY_PRINTERS and not _openssl_public_only(sub, flags)
    decrypts = _openssl_decrypts(sub, flags)
    secret_out = (forced or decrypts or sub in OPENSSL_KEY_MAKERS) and "-pubout" not in flags
    out: list[Effect] = []
    for name, w in opts:
        if w is None or not w.text:
            continue
        if name in OPENSSL_PASS:
            kind, _, path = w.text.partition(":")
            if kind == "file" and path:
                e = fx.path_read(cmd.ctx, Word(path, path), detail="openssl passphrase file")
                e.verb = Verb.READ_SECRET
                out.append(e)
        elif name in OPENSSL_READS and w.text not in ("-", "/dev/stdin"):
            e = fx.path_read(cmd.ctx, w, detail=f"openssl {sub} {name}")
            if (name == "-in" and (forced or decrypts)) or name == "-kfile":
                e.verb, e.detail = Verb.READ_SECRET, (
                    f"openssl {sub} decrypts it" if decrypts else f"openssl {sub} prints its key")
            out.append(e)
        if name in OPENSSL_WRITES and w.text not in ("-", "/dev/stdout", "/dev/stderr"):
            out.append(fx.path_change(cmd.ctx, w, Verb.UPDATE, detail=f"openssl {sub} {name}"))
            if name == "-keyout" or (name == "-out" and secret_out):
                fx.record(cmd.ctx, w, Stream("secret", f"key written by openssl {sub}"))
    if forced or decrypts:
        cmd.stdout = Stream("secret", f"openssl {sub}")
    return out


def openssl(cmd: Cmd) -> list[Effect]:
    args = [w.text for w in cmd.args]
    sub = args[0] if args else ""
    opts = _openssl_opts(list(cmd.args[1:]))
    if sub in ("base64", "enc") and "-d" in args and ("-a" in args or "-base64" in args
                                                       or sub == "base64") \
            and not _openssl_decrypts(sub, {o for o, _ in opts}):
        src = cmd.stdin.literal
        if src is not None and "-in" not in args:
            dec = _decode_b64(src)
            cmd.stdout = _lit(dec) if dec is not None else UNKNOWN
        else:
            cmd.stdout = _unknown_input(cmd)
        return [fx.eff(Verb.READ, "command openssl", detail="decodes base64"),
                *_openssl_files(cmd, sub, opts)]
    if sub in ("s_client",):
        from .network import net_send

        return [*net_send(cmd), *_openssl_files(cmd, sub, opts)]
    cmd.stdout = _unknown_input(cmd)
    files = _openssl_files(cmd, sub, opts)
    if cmd.stdout.kind == "secret" and not any(e.verb is Verb.READ_SECRET for e in files):
        # a key or plaintext from stdin or a store URI (`storeutl`), printed
        return [fx.eff(Verb.READ_SECRET, "command openssl", detail=f"openssl {sub} prints it"),
                *files]
    return [fx.eff(Verb.READ, "command openssl", detail=" ".join(args[:3])), *files]


_TR_ESC = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "-": "-"}


def _tr_set(spec: str) -> str | None:
    """A tr SET with ranges (`a-z`) and simple escapes; None for classes and the like."""
    chars: list[str] = []
    i = 0
    while i < len(spec):
        c = spec[i]
        if c == "[" or DYN in c:
            return None
        if c == "\\":
            if i + 1 >= len(spec) or spec[i + 1] not in _TR_ESC:
                return None
            chars.append(_TR_ESC[spec[i + 1]])
            i += 2
            continue
        if i + 2 < len(spec) and spec[i + 1] == "-":
            lo, hi = ord(c), ord(spec[i + 2])
            if hi < lo or hi - lo > 256:
                return None
            chars.extend(chr(x) for x in range(lo, hi + 1))
            i += 3
            continue
        chars.append(c)
        i += 1
    return "".join(chars)


def tr(cmd: Cmd) -> list[Effect]:
    src = cmd.stdin.literal
    args = [w.text for w in cmd.args]
    if src is not None and len(args) == 2 and not any(a.startswith("-") for a in args):
        a, b = _tr_set(args[0]), _tr_set(args[1])
        if a and b:
            b = b + b[-1] * (len(a) - len(b)) if len(b) < len(a) else b[: len(a)]
            # later duplicates in SET1 do not override earlier ones
            table = {}
            for x, y in zip(a, b):
                table.setdefault(ord(x), y)
            cmd.stdout = _lit(src.translate(table))
            return [fx.eff(Verb.READ, "command tr", detail="translates text")]
    if src is not None and len(args) == 2 and args[0] in ("-d", "--delete"):
        d = _tr_set(args[1])
        if d:
            cmd.stdout = _lit(src.translate({ord(x): None for x in d}))
            return [fx.eff(Verb.READ, "command tr", detail="deletes characters")]
    cmd.stdout = _unknown_input(cmd)
    return [fx.eff(Verb.READ, "command tr", detail="translates text")]


HANDLERS: dict[str, Handler] = {
    "echo": echo, "printf": printf, "base64": base64_cmd, "base32": base64_cmd,
    "xxd": xxd, "rev": rev, "openssl": openssl, "tr": tr,
    "zcat": gunzip_filter, "gunzip": gunzip_filter,
}
