/**
 * Test support (not a test): servers on 127.0.0.1 that misbehave the way real networks, proxies
 * and wrong URLs do — accept and never answer, drip one byte a second, or answer 200 with bytes
 * an IC replica would never send. Used by this package's tests and by the CLI's (test/cli).
 */
import { Cbor } from '@dfinity/agent';
import http from 'node:http';
import net from 'node:net';

export interface HostileServer {
  url: string;
  /** Connections the server still has open (an aborted request closes its own). */
  openConnections(): number;
  close(): Promise<void>;
}

/** The kinds of 200 answers `garbageServer` gives. */
export const GARBAGE_KINDS = [
  'not-cbor',
  'wrong-shape',
  'empty',
  'html',
  'truncated',
  'cut-off',
  'status-then-garbage',
] as const;
export type GarbageKind = (typeof GARBAGE_KINDS)[number];

/** Bytes no CBOR decoder accepts: major type 0 with the reserved additional information 28. */
const NOT_CBOR = Uint8Array.of(0x1c, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x13, 0x37);
/** Self-described CBOR (tag 55799) holding [1, 2, 3]: valid CBOR, not a status reply. */
const WRONG_SHAPE = Uint8Array.of(0xd9, 0xd9, 0xf7, 0x83, 0x01, 0x02, 0x03);
/** A status reply cut after its first key's header. */
const TRUNCATED = Uint8Array.of(0xd9, 0xd9, 0xf7, 0xa3, 0x6e, 0x69, 0x63, 0x5f);
const HTML =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The proxy got no answer.</p></body></html>\n';

/**
 * A status reply an IC replica could send: its root key has the shape of a BLS key (not a real
 * one; nothing signed with it ever arrives, so nothing verifies against it).
 */
export function plausibleStatusReply(): Uint8Array {
  const rootKey = new Uint8Array(133);
  rootKey.set(Buffer.from('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100', 'hex'));
  rootKey.fill(7, 37);
  return Cbor.encode({
    ic_api_version: '0.18.0',
    impl_version: 'hostile',
    replica_health_status: 'healthy',
    root_key: rootKey,
  });
}

function answer(kind: GarbageKind, request: http.IncomingMessage, response: http.ServerResponse): void {
  const send = (type: string, body: Uint8Array | string): void => {
    response.writeHead(200, { 'content-type': type }).end(body);
  };
  switch (kind) {
    case 'not-cbor':
      return send('application/cbor', NOT_CBOR);
    case 'wrong-shape':
      return send('application/cbor', WRONG_SHAPE);
    case 'empty':
      return send('application/cbor', new Uint8Array());
    case 'html':
      return send('text/html', HTML);
    case 'truncated':
      return send('application/cbor', TRUNCATED);
    case 'cut-off':
      // Promises 500 bytes, sends 8, hangs up.
      response.writeHead(200, { 'content-type': 'application/cbor', 'content-length': '500' });
      response.write(TRUNCATED);
      setTimeout(() => response.socket?.destroy(), 20);
      return;
    case 'status-then-garbage':
      return request.url === '/api/v2/status'
        ? send('application/cbor', plausibleStatusReply())
        : send('application/cbor', NOT_CBOR);
  }
}

/** Tracks sockets so close() does not wait for connections the server keeps open on purpose. */
async function listen(server: net.Server): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    openConnections: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTP server that answers every request with 200 and `kind` of garbage. */
export function garbageServer(kind: GarbageKind): Promise<HostileServer> {
  return listen(
    http.createServer((request, response) => {
      request.resume();
      request.on('end', () => answer(kind, request, response));
    }),
  );
}

/** Accepts TCP connections and never sends a byte. */
export function silentServer(): Promise<HostileServer> {
  return listen(net.createServer(() => undefined));
}

/**
 * Answers in valid HTTP, one byte a second, forever: `headers` never finishes its headers,
 * `body` sends complete headers (200, a large content-length) and then drips the body.
 */
export function drippingServer(mode: 'headers' | 'body'): Promise<HostileServer> {
  return listen(
    net.createServer((socket) => {
      socket.on('data', () => undefined);
      const head =
        mode === 'headers'
          ? 'HTTP/1.1 200 OK\r\nX-Drip: '
          : 'HTTP/1.1 200 OK\r\nContent-Type: application/cbor\r\nContent-Length: 1000000\r\n\r\n';
      let sent = 0;
      const drip = () => {
        if (socket.destroyed) return;
        socket.write(sent < head.length ? head[sent] : mode === 'headers' ? 'a' : '\u0000');
        sent += 1;
        timer = setTimeout(drip, sent < head.length && mode === 'body' ? 0 : 1000);
      };
      let timer = setTimeout(drip, 0);
      socket.on('close', () => clearTimeout(timer));
    }),
  );
}

/**
 * Answers /api/v2/status like a replica, then accepts every other request and never answers:
 * a network that dies after connect, or an update whose reply never comes.
 */
export function statusThenSilence(): Promise<HostileServer> {
  return listen(
    http.createServer((request, response) => {
      request.resume();
      if (request.url === '/api/v2/status')
        request.on('end', () =>
          response.writeHead(200, { 'content-type': 'application/cbor' }).end(plausibleStatusReply()),
        );
    }),
  );
}
