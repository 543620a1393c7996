"""`interlock mcp-proxy`: a guard between an MCP client (the agent) and one MCP server.

Towards the client it is a stdio (or streamable HTTP) MCP server built on the SDK's low-level
`Server`; towards the real server it is a stdio `ClientSession` on the spawned SERVER_CMD. It
mirrors the server's identity and capabilities, passes tools/list, resources and prompts through
unchanged, and gates every tools/call through `Gate` (interlock's decision pipeline): allowed
calls go to the server and their result comes back unchanged; anything else comes back as a
tool result with isError=true that says why. The server's own name for itself is never used for
decisions (operator overrides are keyed on the name): that is `--name`, or the command's.

Not forwarded (documented in docs/mcp-proxy.md): server→client requests (sampling, elicitation,
roots), notifications (progress, logging, list_changed, resource updates) and subscriptions;
task-augmented calls run as ordinary calls.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

import mcp_types as types
from mcp.client.session import ClientSession, IncomingMessage
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.server.lowlevel import Server
from mcp.server.models import InitializationOptions
from mcp.server.stdio import stdio_server

from .mcp_gate import Gate

# A server that pages forever must not hang the proxy.
MAX_LIST_PAGES = 1000

Handler = Callable[[Any, Any], Awaitable[Any]]


def refusal(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                is_error=True)


def _own_params(params: Any) -> Any:
    """The client's params without its `_meta`: that carries the client's protocol envelope
    (2026-era clients put their version there) and progress tokens, which are not the
    server's business on our own session with it."""
    if params is None or getattr(params, "meta", None) is None:
        return params
    return params.model_copy(update={"meta": None})


def _passthrough(backend: ClientSession, request_type: type, result_type: type) -> Handler:
    async def handler(ctx: Any, params: Any) -> Any:
        return await backend.send_request(request_type(params=_own_params(params)),
                                          result_type)
    return handler


class McpProxy:
    """The request handlers; `backend` is the session with the real server."""

    def __init__(self, backend: ClientSession, gate: Gate) -> None:
        self.backend = backend
        self.gate = gate
        self.stale = False  # the server said its tool list changed

    def _absorb(self, result: types.ListToolsResult, *, reset: bool) -> None:
        self.gate.catalog.absorb(
            ((t.name, t.annotations.model_dump(by_alias=True, exclude_none=True, mode="json")
              if t.annotations is not None else None) for t in result.tools), reset=reset)

    async def refresh_tools(self) -> None:
        """Read the server's whole tool listing into the catalog."""
        cursor: str | None = None
        for page in range(MAX_LIST_PAGES):
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            result = await self.backend.send_request(types.ListToolsRequest(params=params),
                                                     types.ListToolsResult)
            self._absorb(result, reset=page == 0)
            cursor = result.next_cursor
            if not cursor:
                break
        self.stale = False

    async def list_tools(self, ctx: Any, params: types.PaginatedRequestParams | None
                         ) -> types.ListToolsResult:
        result = await self.backend.send_request(
            types.ListToolsRequest(params=_own_params(params)), types.ListToolsResult)
        self._absorb(result, reset=params is None or params.cursor is None)
        return result

    async def call_tool(self, ctx: Any, params: types.CallToolRequestParams
                        ) -> types.CallToolResult:
        name = params.name
        try:
            # Decide on a private copy and forward exactly that copy.
            arguments = copy.deepcopy(params.arguments) if params.arguments is not None else None
            if self.stale or name not in self.gate.catalog:
                await self.refresh_tools()
        except Exception as e:  # noqa: BLE001 - no listing, no forwarding
            return refusal(f"interlock: the call {self.gate.server}/{name} was denied: cannot "
                           f"read the server's tool list ({type(e).__name__}: {e}); "
                           "it was not run.")
        outcome = self.gate.check(name, arguments)  # never raises; refuses on any error
        if not outcome.forward:
            return refusal(outcome.text)
        return await self.backend.send_request(
            types.CallToolRequest(params=types.CallToolRequestParams(name=name,
                                                                     arguments=arguments)),
            types.CallToolResult)

    async def on_message(self, message: IncomingMessage) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            self.stale = True


def build_server(proxy: McpProxy, init: types.InitializeResult
                 ) -> tuple[Server[Any], InitializationOptions]:
    """A low-level Server mirroring the real server's identity and capabilities."""
    caps = init.capabilities
    backend = proxy.backend
    handlers: dict[str, Handler] = {}
    if caps.tools is not None:
        handlers.update(on_list_tools=proxy.list_tools, on_call_tool=proxy.call_tool)
    if caps.resources is not None:
        handlers.update(
            on_list_resources=_passthrough(backend, types.ListResourcesRequest,
                                           types.ListResourcesResult),
            on_list_resource_templates=_passthrough(backend, types.ListResourceTemplatesRequest,
                                                    types.ListResourceTemplatesResult),
            on_read_resource=_passthrough(backend, types.ReadResourceRequest,
                                          types.ReadResourceResult))
    if caps.prompts is not None:
        handlers.update(
            on_list_prompts=_passthrough(backend, types.ListPromptsRequest,
                                         types.ListPromptsResult),
            on_get_prompt=_passthrough(backend, types.GetPromptRequest, types.GetPromptResult))
    if caps.completions is not None:
        handlers["on_completion"] = _passthrough(backend, types.CompleteRequest,
                                                 types.CompleteResult)
    info = init.server_info
    server: Server[Any] = Server(info.name, version=info.version, title=info.title,
                                 description=info.description, instructions=init.instructions,
                                 website_url=info.website_url, **handlers)  # type: ignore[call-overload]
    return server, server.create_initialization_options(
        experimental_capabilities=caps.experimental)


async def _serve_http(server: Server[Any], host: str, port: int) -> None:
    import uvicorn

    app = server.streamable_http_app(host=host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve()


async def run_proxy(command: list[str], gate: Gate, *, http: tuple[str, int] | None = None,
                    errlog: TextIO = sys.stderr) -> int:
    """Spawn the server, connect, then serve the client until it goes away. Returns an exit
    status; a server that cannot be started or initialised means no proxy (nothing runs)."""
    # The client configured the proxy with the server's environment: pass all of it on.
    params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    holder: list[McpProxy] = []

    async def on_message(message: IncomingMessage) -> None:
        if holder:
            await holder[0].on_message(message)

    async with stdio_client(params, errlog=errlog) as (read, write), \
            ClientSession(read, write, message_handler=on_message) as backend:
        init = await backend.initialize()
        proxy = McpProxy(backend, gate)
        holder.append(proxy)
        if init.capabilities.tools is not None:
            await proxy.refresh_tools()
        server, options = build_server(proxy, init)
        if http is not None:
            await _serve_http(server, *http)
        else:
            async with stdio_server() as (client_read, client_write):
                await server.run(client_read, client_write, options)
    return 0
