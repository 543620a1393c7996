"""Who is acting: the server takes `agent`/`on_behalf_of` from the token, never the body.

An agent token → agent = its name, on_behalf_of = the principal it acts for (or someone further
up its chain the envelope names). A human (operator/admin) submits as no agent and on behalf of
no one. An envelope that names anyone else is refused (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..approvals.errors import Forbidden, InvalidInput
from ..principals import Principal

DECIDE_ROLES = ("operator", "admin")


def bind_identity(envelope: Any, principal: Principal,
                  chain: Callable[[], list[str]]) -> dict[str, Any]:
    """A copy of `envelope` with the caller's identity filled in. `chain()` gives the caller's
    on-behalf-of chain (principals.chain: itself first); it is read only when the envelope
    names someone beyond the agent's direct principal."""
    if not isinstance(envelope, dict):
        raise InvalidInput("the body must be a JSON object: an Action envelope "
                           "{\"tool\": …, \"input\": {…}}")
    env = dict(envelope)
    agent, obo = env.get("agent"), env.get("on_behalf_of")
    if principal.is_human:
        if not principal.has_role(*DECIDE_ROLES):
            raise Forbidden(f"{principal.name!r} needs the operator or admin role to submit "
                            "actions (agents submit with their own token)")
        if agent is not None:
            raise Forbidden(f"the envelope names agent {agent!r} but the token is human "
                            f"{principal.name!r}'s; submit with that agent's token")
        if obo is not None and obo != principal.name:
            raise Forbidden(f"the envelope acts on behalf of {obo!r}, but the token is "
                            f"{principal.name!r}'s")
        env.pop("agent", None)
        env.pop("on_behalf_of", None)
        return env
    if agent is not None and agent != principal.name:
        raise Forbidden(f"the envelope names agent {agent!r} but the token is agent "
                        f"{principal.name!r}'s")
    if obo is not None and obo != principal.acts_for and obo not in chain()[1:]:
        raise Forbidden(f"agent {principal.name!r} does not act on behalf of {obo!r}")
    env["agent"] = principal.name
    obo = obo if obo is not None else principal.acts_for
    if obo is None:
        env.pop("on_behalf_of", None)
    else:
        env["on_behalf_of"] = obo
    return env
