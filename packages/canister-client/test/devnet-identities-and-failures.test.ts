import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { startDevnet } from '@soulrecall/devnet';
import { expect } from 'chai';
import { wasmArtifactFromBytes } from '../src/artifact.js';
import { CanisterClient } from '../src/canister-client.js';
import { IdentityStore } from '../src/identity/store.js';
import { EMPTY_CANDID_ARGS } from '../src/management/install.js';
import { expectClientError, useDevnet } from './support/devnet.js';
import { canisterModule } from './support/wasm-fixtures.js';

const noRetry = { retries: 0, initialDelayMs: 1, maxDelayMs: 1 };

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('identities and failures against the devnet', function () {
  this.timeout(120_000);
  const fixture = useDevnet();
  let owner: CanisterClient;
  let canisterId: string;

  before(async () => {
    owner = await CanisterClient.connect(fixture.network, Ed25519KeyIdentity.generate());
    canisterId = await owner.createCanister();
    await owner.install({ canisterId, module: wasmArtifactFromBytes(canisterModule()) });
  });

  it('a non-controller gets NOT_A_CONTROLLER; its health probe falls back to read_state', async () => {
    const stranger = await CanisterClient.connect(fixture.network, Ed25519KeyIdentity.generate());
    const error = await expectClientError(stranger.status(canisterId), 'NOT_A_CONTROLLER');
    expect(error.reject?.rejectCode).to.be.a('number');
    await expectClientError(stranger.stop(canisterId), 'NOT_A_CONTROLLER');
    await expectClientError(
      stranger.install({ canisterId, module: wasmArtifactFromBytes(canisterModule({ version: 9 })), mode: 'upgrade' }),
      'NOT_A_CONTROLLER',
    );
    const verdict = await stranger.health(canisterId, { method: 'health' });
    expect(verdict).to.include({
      healthy: true,
      status: 'unknown',
      statusSource: 'read_state',
      moduleHash: (await owner.status(canisterId)).moduleHash,
    });
    expect(verdict.cycles).to.equal(undefined);
  });

  it('Ed25519, secp256k1 and P-256 PEM identities all sign accepted requests', async () => {
    const store = new IdentityStore({ dataDir: path.join(fixture.tempDir, 'data'), home: fixture.tempDir });
    for (const keyType of ['ed25519', 'secp256k1', 'p256'] as const) {
      const info = store.create(`deployer-${keyType}`, keyType);
      const client = await CanisterClient.connect(fixture.network, store.resolve(`deployer-${keyType}`));
      expect(client.principal).to.equal(info.principal);
      const id = await client.createCanister();
      expect(await client.controllers(id)).to.deep.equal([info.principal]);
      await client.install({ canisterId: id, module: wasmArtifactFromBytes(canisterModule()) });
      expect((await client.health(id, { method: 'health' })).healthy).to.equal(true);
    }
  });

  it('dfx:<name> identities are found under a fake HOME', async () => {
    const home = path.join(fixture.tempDir, 'home');
    const dir = path.join(home, '.config', 'dfx', 'identity', 'alice');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'identity.pem'),
      crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ format: 'pem', type: 'sec1' }),
    );
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const alice = new IdentityStore({ dataDir: path.join(fixture.tempDir, 'data2') }).resolve('dfx:alice');
      const client = await CanisterClient.connect(fixture.network, alice);
      const id = await client.createCanister();
      expect((await client.status(id)).settings.controllers).to.deep.equal([alice.principal]);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('unhealthy verdicts: #false reply, trap, missing method, no code', async () => {
    const broken = await owner.createCanister();
    expect(await owner.health(broken, { method: 'health' })).to.deep.include({
      healthy: false,
      problems: ['no code installed'],
    });
    await owner.install({ canisterId: broken, module: wasmArtifactFromBytes(canisterModule({ healthy: false })) });
    const falseReply = await owner.health(broken, { method: 'health' });
    expect(falseReply.healthy).to.equal(false);
    expect(falseReply.method).to.include({ healthy: false, reply: false });
    const trapped = await owner.health(broken, { method: 'boom' });
    expect(trapped.method?.error?.code).to.equal('CANISTER_TRAPPED');
    expect(trapped.healthy).to.equal(false);
    const missing = await owner.health(broken, { method: 'nope' });
    expect(missing.method?.error?.code).to.equal('METHOD_NOT_FOUND');
  });

  it('a canister that does not exist is CANISTER_NOT_FOUND', async () => {
    // Canister index 0xfffff: far beyond what this devnet has created.
    const neverCreated = Principal.fromUint8Array(Uint8Array.of(0, 0, 0, 0, 0, 0x0f, 0xff, 0xff, 1, 1)).toText();
    const error = await expectClientError(owner.status(neverCreated), 'CANISTER_NOT_FOUND');
    expect(error.message).to.contain(neverCreated);
    await expectClientError(owner.update(neverCreated, 'greet', EMPTY_CANDID_ARGS), 'CANISTER_NOT_FOUND');
  });

  it('nothing listening: NETWORK_UNREACHABLE with the URL and a hint', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await expectClientError(
      CanisterClient.connect({ name: 'local', url, kind: 'local' }, Ed25519KeyIdentity.generate(), {
        requestTimeoutMs: 2000,
        readRetry: noRetry,
      }),
      'NETWORK_UNREACHABLE',
    );
    expect(error.message).to.contain(url);
    // The package knows no CLI: its hint is neutral, and the facts say which network it was.
    expect(error.hint).to.equal('Start the local network.');
    expect(error.details).to.include({ url, networkKind: 'local' });
  });

  it('a network that stopped after connecting: NETWORK_UNREACHABLE', async () => {
    const stateDir = fs.mkdtempSync(path.join(fixture.tempDir, 'second-'));
    const second = await startDevnet({ port: 0, stateDir });
    const client = await CanisterClient.connect(
      { name: 'staging', url: second.url, kind: 'url' },
      Ed25519KeyIdentity.generate(),
      {
        requestTimeoutMs: 2000,
        readRetry: noRetry,
      },
    );
    const id = await client.createCanister();
    await second.close();
    await expectClientError(client.status(id), 'NETWORK_UNREACHABLE');
    await expectClientError(client.moduleHash(id), 'NETWORK_UNREACHABLE');
    const verdict = await client.health(id);
    expect(verdict).to.include({ healthy: false, reachable: false });
  });

  it('a server that accepts but never answers: NETWORK_UNREACHABLE within the timeout', async () => {
    const sockets = new Set<Socket>();
    const server = http.createServer(() => undefined); // never responds
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const error = await expectClientError(
        CanisterClient.connect({ name: 'slow', url, kind: 'url' }, Ed25519KeyIdentity.generate(), {
          requestTimeoutMs: 300,
          readRetry: noRetry,
        }),
        'NETWORK_UNREACHABLE',
      );
      expect(error.details.timedOut).to.equal(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an update whose reply never comes: NETWORK_UNREACHABLE that says the outcome is unknown', async () => {
    // Forwards everything to the devnet except update calls, which it swallows.
    const sockets = new Set<Socket>();
    const proxy = http.createServer((request, response) => {
      if (request.url?.endsWith('/call')) return;
      const upstream = http.request(
        new URL(request.url!, fixture.devnet.url),
        { method: request.method, headers: request.headers },
        (reply) => {
          response.writeHead(reply.statusCode!, reply.headers);
          reply.pipe(response);
        },
      );
      request.pipe(upstream);
    });
    proxy.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const client = await CanisterClient.connect({ name: 'flaky', url, kind: 'url' }, Ed25519KeyIdentity.generate(), {
        requestTimeoutMs: 500,
        readRetry: noRetry,
      });
      const error = await expectClientError(
        client.update(canisterId, 'greet', EMPTY_CANDID_ARGS),
        'NETWORK_UNREACHABLE',
      );
      expect(error.details).to.include({ timedOut: true, outcomeUnknown: true });
      expect(error.hint).to.contain('before retrying greet');
      // Reads still work through the same proxy.
      expect(await client.moduleHash(canisterId)).to.be.a('string');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('an HTTP server that is not a replica: HTTP_ERROR', async () => {
    const server = http.createServer((_request, response) => response.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await expectClientError(
        CanisterClient.connect({ name: 'web', url, kind: 'url' }, Ed25519KeyIdentity.generate(), {
          readRetry: noRetry,
        }),
        'HTTP_ERROR',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
