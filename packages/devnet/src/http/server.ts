import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Principal } from '@dfinity/principal';
import { HttpError } from './http-error.js';
import type { HttpReply, ProtocolHandlers } from './handlers.js';

/** Bodies past this size are refused without reading them (ingress itself is limited to 2 MiB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Not part of the IC's interface: this network's own answer to "who are you?" (pid, state
 * directory), which is how `soulrecall network status|stop --port P` find a network started with
 * any state directory. Under `/_/`, a prefix the IC's HTTP interface never uses.
 */
export const NETWORK_INFO_PATH = '/_/soulrecall/network';

/**
 * Not part of the IC's interface either: the devnet's faucet. `POST` JSON `{principal, cycles}`
 * (cycles as a decimal string) mints cycles into that principal's cycles-ledger account and
 * answers `{principal, cycles, balance}`. It asks for `Content-Type: application/json`, which a
 * web page can only send after a CORS preflight this server never grants.
 */
export const FUND_PATH = '/_/soulrecall/fund';

/** Gives a principal cycles on the network's cycles ledger; returns the new balance. */
export type Faucet = (principal: Principal, cycles: bigint) => bigint;

/** What a network says about itself at NETWORK_INFO_PATH. */
export interface NetworkSelfDescription {
  pid: number;
  port: number;
  stateDir: string;
  startedAt: string;
}

/**
 * The replica's routes today: calls at v2 (asynchronous), v3 and v4 (synchronous; v4 differs from
 * v3 only in the delegation format of its certificate, and this network is a root subnet that
 * signs with the root key and never delegates); queries and read_state at v2 and v3.
 */
const CANISTER_ROUTE = /^\/api\/(?:v([234])\/canister\/([^/]+)\/call|v[23]\/canister\/([^/]+)\/(query|read_state))$/;
const SUBNET_ROUTE = /^\/api\/v[23]\/subnet\/([^/]+)\/read_state$/;

function parsePrincipalSegment(segment: string, what: 'canister' | 'subnet'): Principal {
  try {
    return Principal.fromText(decodeURIComponent(segment));
  } catch {
    throw new HttpError(400, `Could not parse effective ${what} id: ${segment}`);
  }
}

/** Reads a request body, refusing oversized ones with 413 as soon as they pass the limit. */
function readBody(request: http.IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(
        new HttpError(413, `Request body is too large: ${declared} bytes, at most ${MAX_BODY_BYTES} are accepted.`),
      );
      request.resume();
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    request.on('data', (part: Buffer) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `Request body is too large: more than ${MAX_BODY_BYTES} bytes.`));
        request.resume();
        return;
      }
      parts.push(part);
    });
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))));
    request.on('error', reject);
    // A client that goes away mid-body never sends 'end': settle so nothing waits forever.
    request.on('close', () => reject(new HttpError(400, 'The request body was not received completely.')));
  });
}

async function route(
  handlers: ProtocolHandlers,
  describe: () => NetworkSelfDescription,
  faucet: Faucet,
  request: http.IncomingMessage,
): Promise<HttpReply> {
  const url = new URL(request.url ?? '/', 'http://devnet');
  if (url.pathname === '/api/v2/status') {
    if (request.method !== 'GET') throw new HttpError(405, 'Method not allowed.');
    return handlers.status();
  }
  if (url.pathname === NETWORK_INFO_PATH) {
    if (request.method !== 'GET') throw new HttpError(405, 'Method not allowed.');
    return { status: 200, body: JSON.stringify(describe()), contentType: 'application/json' };
  }
  if (url.pathname === FUND_PATH) {
    if (request.method !== 'POST') throw new HttpError(405, 'Method not allowed.');
    if (!request.headers['content-type']?.startsWith('application/json'))
      throw new HttpError(415, 'Send the request as application/json.');
    return fund(faucet, await readBody(request));
  }
  const subnetMatch = SUBNET_ROUTE.exec(url.pathname);
  if (subnetMatch) {
    if (request.method !== 'POST') throw new HttpError(405, 'Method not allowed.');
    const subnetId = parsePrincipalSegment(subnetMatch[1]!, 'subnet');
    return handlers.readSubnetState(subnetId, await readBody(request));
  }
  const match = CANISTER_ROUTE.exec(url.pathname);
  if (!match) throw new HttpError(404, 'Not found.');
  if (request.method !== 'POST') throw new HttpError(405, 'Method not allowed.');
  const [, callVersion, callCanister, otherCanister, endpoint] = match;
  const ecid = parsePrincipalSegment((callCanister ?? otherCanister)!, 'canister');
  const body = await readBody(request);
  if (callVersion) return handlers.call(callVersion === '2' ? 'async' : 'sync', ecid, body);
  return endpoint === 'query' ? handlers.query(ecid, body) : handlers.readState(ecid, body);
}

/** Parses and runs one faucet request; a bad principal or amount is a 400 that says which. */
function fund(faucet: Faucet, body: Uint8Array): HttpReply {
  let request: { principal?: unknown; cycles?: unknown };
  try {
    request = JSON.parse(Buffer.from(body).toString('utf8')) as typeof request;
  } catch {
    throw new HttpError(400, 'The body is not JSON.');
  }
  let principal: Principal;
  try {
    principal = Principal.fromText(String(request.principal));
  } catch {
    throw new HttpError(400, `Not a principal: ${String(request.principal)}.`);
  }
  const cycles = typeof request.cycles === 'string' && /^[0-9]+$/.test(request.cycles) ? BigInt(request.cycles) : 0n;
  if (cycles <= 0n) throw new HttpError(400, `Not a positive whole number of cycles: ${String(request.cycles)}.`);
  const balance = faucet(principal, cycles);
  return {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ principal: principal.toText(), cycles: cycles.toString(), balance: balance.toString() }),
  };
}

/** The HTTP server of the network: CBOR in and out, plain-text errors like a replica's. */
export class DevnetHttpServer {
  private readonly server: http.Server;

  constructor(handlers: ProtocolHandlers, describe: () => NetworkSelfDescription, faucet: Faucet) {
    this.server = http.createServer((request, response) => {
      route(handlers, describe, faucet, request)
        .catch((error: unknown): HttpReply => {
          if (error instanceof HttpError) return { status: error.status, body: error.message };
          return { status: 500, body: `Internal error: ${(error as Error)?.message ?? String(error)}` };
        })
        .then((reply) => {
          const isCbor = reply.body instanceof Uint8Array;
          response.writeHead(reply.status, {
            'Content-Type': reply.contentType ?? (isCbor ? 'application/cbor' : 'text/plain; charset=utf-8'),
            'Access-Control-Allow-Origin': '*',
          });
          response.end(
            reply.body === undefined ? undefined : isCbor ? Buffer.from(reply.body as Uint8Array) : reply.body,
          );
        })
        .catch(() => response.destroy());
    });
    // Longer than the 90 s a pooled idle connection lives in ic-agent (icp-cli): a server that closes
    // one first races the client reusing it, and a long call then fails with "error sending request".
    this.server.keepAliveTimeout = 95_000;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
