"""A small MCP server on the official Python SDK, for the failure paths of upstream servers.

Tools: `pid` (the server's process id), `crash` (the process exits mid-call), `hang` (never
answers). Run with the SDK's Python: flaky_server.py
"""

import asyncio
import os

from mcp.server.mcpserver import MCPServer

server = MCPServer("flaky")


@server.tool()
def pid() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool()
def crash() -> str:
    """Exits the server process in the middle of the call."""
    os._exit(3)


@server.tool()
async def hang(seconds: float = 3600) -> str:
    """Sleeps, by default for an hour."""
    await asyncio.sleep(seconds)
    return "woke up"


if __name__ == "__main__":
    server.run("stdio")
