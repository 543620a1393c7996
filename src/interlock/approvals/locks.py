"""Target locks: only one open change per target at a time.

A request holds one lock key per *changing* effect (every verb but read/read_secret):
`"<resolved target>|<resource>"`, e.g. `kube_context:prod-eu, k8s_namespace:payments|k8s/ns/payments`.
The target part is the inventory target that decided the effect's environment (or all its
targets); the resource part keeps two changes to different resources behind the same target
apart. A second request with a different action hash sharing any key while the first is open
(pending, or approved and not yet redeemed) is a Conflict naming the first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ..effects import Effect, Verb

NON_CHANGING = frozenset({Verb.READ, Verb.READ_SECRET})
MAX_KEY = 400


def _bound(key: str) -> str:
    if len(key) <= MAX_KEY:
        return key
    return key[:300] + "#" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]


def lock_keys(effects: Iterable[Effect]) -> list[str]:
    keys: set[str] = set()
    for e in effects:
        if e.verb in NON_CHANGING:
            continue
        target = e.resolved_target or ", ".join(str(t) for t in e.targets) or "-"
        keys.add(_bound(f"{target}|{e.resource}"))
    return sorted(keys)
