import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/**
 * A real webhook on 127.0.0.1: records every request and answers `status` (or never answers,
 * with `hang`). `url` of a stopped server is a port where nothing listens.
 */
export class WebhookServer {
  readonly requests: ReceivedRequest[] = [];
  status = 204;
  hang = false;
  private server?: Server;
  private port = 0;

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk) => (raw += chunk));
      request.on('end', () => {
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          // recorded as text
        }
        this.requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
        if (this.hang) return;
        response.writeHead(this.status, { 'content-type': 'text/plain' }).end(this.status < 300 ? '' : 'boom');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/soulrecall`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

/** A URL where nothing listens: a webhook that is down. */
export async function downWebhookUrl(): Promise<string> {
  const server = await new WebhookServer().start();
  const url = server.url;
  await server.stop();
  return url;
}
