/**
 * Test support (not a test): an HTTP proxy in front of a real network that changes one bit of
 * every BLS certificate signature it relays (call replies and read_state answers alike), leaving
 * every other byte as the network sent it. A client that checks certificates must refuse them all.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** CBOR for the map key "signature" followed by the header of a 48-byte string: a certificate's BLS signature. */
const CERTIFICATE_SIGNATURE = Buffer.from('697369676e61747572655830', 'hex');
const SIGNATURE_LENGTH = 48;

export interface TamperingProxy {
  url: string;
  /** While false, everything is relayed unchanged. */
  tampering: boolean;
  /** How many signatures have been changed so far. */
  tampered: number;
  close(): Promise<void>;
}

export async function startTamperingProxy(target: string): Promise<TamperingProxy> {
  const proxy: TamperingProxy = { url: '', tampering: true, tampered: 0, close: async () => {} };
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const upstream = await fetch(new URL(request.url ?? '/', target), {
      method: request.method,
      headers: { 'content-type': request.headers['content-type'] ?? 'application/cbor' },
      body: body.length > 0 ? body : undefined,
    });
    const reply = Buffer.from(await upstream.arrayBuffer());
    if (proxy.tampering) {
      // Certificates nest (a reply holds a certificate, a certificate may hold a delegation's): every one is changed.
      for (let at = reply.indexOf(CERTIFICATE_SIGNATURE); at >= 0; at = reply.indexOf(CERTIFICATE_SIGNATURE, at + 1)) {
        reply[at + CERTIFICATE_SIGNATURE.length + SIGNATURE_LENGTH - 1]! ^= 1;
        proxy.tampered++;
      }
    }
    response
      .writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/cbor' })
      .end(reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
