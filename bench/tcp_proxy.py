"""A loopback TCP proxy that can be cut and restored: a database outage on demand, for benches and tests."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.engine import make_url

CHUNK = 64 * 1024


class TcpProxy:
    """Forwards 127.0.0.1:`port` to (host, target_port). `cut()` drops every proxied connection and then kills
    each new one at once (a server that is down); `cut(blackhole=True)` instead accepts new ones and never
    answers (a network that swallows packets). `restore()` forwards again."""

    def __init__(self, host: str, target_port: int) -> None:
        self.host, self.target_port = host, target_port
        self.down = False
        self.blackhole = False
        self._live: set[asyncio.StreamWriter] = set()  # both ends of every proxied connection
        self._held: set[asyncio.StreamWriter] = set()  # connections swallowed while blackholed
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> TcpProxy:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening and drop everything."""
        self._drop(self._live | self._held)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> TcpProxy:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @classmethod
    def before(cls, database_url: str) -> TcpProxy:
        """A proxy to the server of `database_url` (not yet listening)."""
        url = make_url(database_url)
        return cls(url.host or "127.0.0.1", url.port or 5432)

    def url(self, database_url: str) -> str:
        """`database_url` through the proxy."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    def cut(self, blackhole: bool = False) -> None:
        """The database goes away: every open connection is reset, new ones fail (or hang when blackholed)."""
        self.down, self.blackhole = True, blackhole
        self._drop(self._live)

    def restore(self) -> None:
        """The database is back: connections swallowed meanwhile are reset (clients retry), new ones pass."""
        self.down = False
        self._drop(self._held)

    @staticmethod
    def _drop(writers: set[asyncio.StreamWriter]) -> None:
        for writer in list(writers):
            writer.transport.abort()  # a reset, not a polite close: as from a crashed server
        writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection: forwarded while up; reset or held while down."""
        if self.down:
            if self.blackhole:
                self._held.add(writer)
            else:
                writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._live.update((writer, up_writer))
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            for end in (writer, up_writer):
                self._live.discard(end)
                end.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction until it ends; then end the other side too."""
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
