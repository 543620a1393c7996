"""Programs that produce or transform text on a pipe: the literal payload of decode-and-run
(`echo … | base64 -d | sh`) is followed through them so the shell at the end can be analysed."""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib

from ....effects import Effect, Verb
from .. import fx
from ..argv import parse
from ..model import DYN, UNKNOWN, Cmd, Stream
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


def openssl(cmd: Cmd) -> list[Effect]:
    args = [w.text for w in cmd.args]
    sub = args[0] if args else ""
    if sub in ("base64", "enc") and "-d" in args and ("-a" in args or "-base64" in args
                                                       or sub == "base64"):
        src = cmd.stdin.literal
        if src is not None and "-in" not in args:
            dec = _decode_b64(src)
            cmd.stdout = _lit(dec) if dec is not None else UNKNOWN
        else:
            cmd.stdout = _unknown_input(cmd)
        return [fx.eff(Verb.READ, "command openssl", detail="decodes base64")]
    if sub in ("s_client",):
        from .network import net_send

        return net_send(cmd)
    cmd.stdout = _unknown_input(cmd)
    return [fx.eff(Verb.READ, "command openssl", detail=" ".join(args[:3]))]


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
