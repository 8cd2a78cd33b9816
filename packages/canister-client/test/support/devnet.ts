import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevnet, type Devnet } from '@soulrecall/devnet';
import { expect } from 'chai';
import { CanisterClientError } from '../../src/errors.js';
import type { NetworkDescription } from '../../src/network.js';

export interface DevnetFixture {
  devnet: Devnet;
  network: NetworkDescription;
  tempDir: string;
}

/** Starts a devnet in-process for a describe block (mocha hooks) and removes its state afterwards. */
export function useDevnet(): DevnetFixture {
  const fixture = {} as DevnetFixture;
  before(async function () {
    this.timeout(60_000);
    fixture.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'));
    fixture.devnet = await startDevnet({ port: 0, stateDir: path.join(fixture.tempDir, 'devnet') });
    fixture.network = { name: 'local', url: fixture.devnet.url, kind: 'url' };
  });
  after(async () => {
    await fixture.devnet?.close();
    fs.rmSync(fixture.tempDir, { recursive: true, force: true });
  });
  return fixture;
}

export async function expectClientError(promise: Promise<unknown>, code: string): Promise<CanisterClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).to.be.instanceOf(CanisterClientError);
  expect((error as CanisterClientError).code, (error as Error).message).to.equal(code);
  return error as CanisterClientError;
}
