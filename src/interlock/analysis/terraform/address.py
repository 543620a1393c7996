"""Terraform resource instance addresses (`module.a["k"].aws_x.y[0]`), tokenized.

An address is dot-separated names, each optionally followed by one instance key: a number or
an HCL-quoted string (`["a.b"]`, `["say \\"hi\\""]`, `["x[1]"]`). Keys may hold dots, brackets
and escaped quotes, so neither `split(".")` nor bracket counting finds the names.
"""

from __future__ import annotations

Key = str | int | None
# HCL quoted-string escapes that Terraform writes into instance keys.
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEX = frozenset("0123456789abcdefABCDEF")


def _string_key(address: str, i: int) -> tuple[str, int] | None:
    """The string key starting at the quote `address[i]`, and the index after its closing quote."""
    out: list[str] = []
    i += 1
    n = len(address)
    while i < n:
        ch = address[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\":
            esc = address[i + 1:i + 2]
            width = {"u": 4, "U": 8}.get(esc)
            if width:
                digits = address[i + 2:i + 2 + width]
                # int() alone would take `+1`, ` 1_2`; chr() refuses beyond U+10FFFF.
                if len(digits) != width or not all(c in _HEX for c in digits):
                    return None
                try:
                    out.append(chr(int(digits, 16)))
                except ValueError:
                    return None
                i += 2 + width
                continue
            if esc not in _ESCAPES:
                return None
            out.append(_ESCAPES[esc])
            i += 2
            continue
        if ch in "$%" and address[i + 1:i + 3] == ch + "{":
            i += 1  # `$${` is a literal `${`
        out.append(ch)
        i += 1
    return None


def parse_address(address: str) -> list[tuple[str, Key]] | None:
    """[(name, key)] for each step of the address; None when it is not well formed."""
    steps: list[tuple[str, Key]] = []
    i, n = 0, len(address)
    while True:
        start = i
        while i < n and address[i] not in '.["]':
            i += 1
        name = address[start:i]
        if not name:
            return None
        key: Key = None
        if i < n and address[i] == "[":
            if address[i + 1:i + 2] == '"':
                got = _string_key(address, i + 1)
                if got is None:
                    return None
                key, i = got
            else:
                end = address.find("]", i)
                # ASCII digits only (`"²".isdigit()` is true), and short enough for int().
                index = address[i + 1:end]
                if end < 0 or not 0 < len(index) <= 18 or any(c not in "0123456789" for c in index):
                    return None
                key, i = int(address[i + 1:end]), end
            if i >= n or address[i] != "]":
                return None
            i += 1
        steps.append((name, key))
        if i == n:
            return steps
        if address[i] != ".":
            return None
        i += 1


def config_address(address: str) -> str | None:
    """The address without its instance keys, as the configuration section names the resource:
    `module.a["k.1"].module.b[0].aws_x.y["a\\"b"]` -> `module.a.module.b.aws_x.y`."""
    steps = parse_address(address)
    return ".".join(name for name, _ in steps) if steps is not None else None


def resource_type(address: str) -> str:
    """The resource type of an address (`module.a["x"].data.aws_ami.x[0]` -> aws_ami), the
    first name after the module path and a `data.`/`ephemeral.` mode; "" when malformed or
    there is none."""
    steps = parse_address(address)
    names = [name for name, _ in steps] if steps is not None else []
    while len(names) >= 2 and names[0] == "module":
        names = names[2:]
    if names and names[0] in ("data", "ephemeral"):
        names = names[1:]
    return names[0] if len(names) >= 2 else ""
