import { expect } from 'chai';
import { hostname } from 'node:os';
import { HistoryStoreError, isProcessAlive, openHistoryStore, type Lease } from '../src/index.js';
import type { HistoryStore } from '../src/store.js';
import { ensureBuilt, forkWorker, makeTempDir, manualClock, removeDir, waitForExit, waitForLine } from './helpers.js';

function caught(fn: () => unknown): HistoryStoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HistoryStoreError) return error;
    throw error;
  }
  throw new Error('expected a HistoryStoreError');
}

describe('locks', () => {
  let dir: string;
  let store: HistoryStore;
  let clock: ReturnType<typeof manualClock>;
  const request = (operationId: string, operation = 'promotion', ttlMs = 60_000) => ({
    agent: 'bot',
    environment: 'production',
    operation,
    operationId,
    ttlMs,
  });

  beforeEach(() => {
    dir = makeTempDir();
    clock = manualClock(new Date().toISOString());
    store = openHistoryStore({ dataDir: dir, clock: clock.now });
  });
  afterEach(() => {
    store.close();
    removeDir(dir);
  });

  it('acquires a lease with owner, start and expiry', () => {
    const lease = store.locks.acquire(request('prm-ab12cd', 'promotion', 30_000));
    expect(lease).to.include({
      agent: 'bot',
      environment: 'production',
      operation: 'promotion',
      operationId: 'prm-ab12cd',
      pid: process.pid,
      host: hostname(),
    });
    expect(Date.parse(lease.expiresAt) - Date.parse(lease.acquiredAt)).to.equal(30_000);
    expect(store.locks.get('bot', 'production')).to.deep.equal(lease);
    expect(store.locks.list()).to.deep.equal([lease]);
    expect(store.locks.get('bot', 'staging')).to.equal(null);
  });

  it('makes a second operation fail fast while the holder lives, with a clear message and hint', () => {
    const lease = store.locks.acquire(request('prm-ab12cd'));
    const error = caught(() => store.locks.acquire(request('dep-42', 'deploy')));
    expect(error.code).to.equal('LOCK_HELD');
    expect(error.message).to.equal(
      `promotion prm-ab12cd is running on bot/production since ${lease.acquiredAt} (pid ${process.pid} on host ${hostname()})`,
    );
    expect(error.hint).to.equal('wait for it, or abort promotion prm-ab12cd if it is dead');
    expect((error.details!['holder'] as Lease).operationId).to.equal('prm-ab12cd');
    // Other agents and environments are independent.
    expect(store.locks.acquire({ ...request('prm-other'), environment: 'staging' }).operationId).to.equal('prm-other');
  });

  it('re-acquiring its own lease renews it', () => {
    const lease = store.locks.acquire(request('prm-ab12cd', 'promotion', 1000));
    clock.advance(500);
    const again = store.locks.acquire(request('prm-ab12cd', 'promotion', 1000));
    expect(again.acquiredAt).to.equal(lease.acquiredAt);
    expect(Date.parse(again.expiresAt)).to.equal(Date.parse(lease.expiresAt) + 500);
  });

  it('renews and releases, and tells a holder that lost its lease', () => {
    const lease = store.locks.acquire(request('prm-ab12cd', 'promotion', 1000));
    clock.advance(800);
    const renewed = store.locks.renew(lease, 5000);
    expect(Date.parse(renewed.expiresAt) - Date.parse(renewed.renewedAt)).to.equal(5000);
    expect(store.locks.release(renewed)).to.equal(true);
    expect(store.locks.release(renewed)).to.equal(false);
    expect(store.locks.get('bot', 'production')).to.equal(null);
    expect(caught(() => store.locks.renew(lease)).code).to.equal('LOCK_LOST');
    expect(store.audit.list({ action: 'lock.' }).map((e) => e.action)).to.deep.equal([
      'lock.release',
      'lock.renew',
      'lock.acquire',
    ]);
  });

  it('takes over an expired lease', () => {
    const old = store.locks.acquire(request('prm-ab12cd', 'promotion', 1000));
    clock.advance(1000);
    const taken = store.locks.acquire(request('dep-7', 'deploy'));
    expect(taken.operationId).to.equal('dep-7');
    expect(caught(() => store.locks.renew(old)).code).to.equal('LOCK_LOST');
    const audit = store.audit.list({ action: 'lock.takeover' })[0]!;
    expect(audit.detail['previous']).to.include({ operationId: 'prm-ab12cd', why: 'expired' });
  });

  it('validates the lease length', () => {
    expect(caught(() => store.locks.acquire(request('x', 'deploy', 0))).code).to.equal('INVALID_ARGUMENT');
  });

  describe('held by another process', function () {
    this.timeout(60_000);
    before(() => ensureBuilt());

    it('refuses while that process lives, takes over once it is dead', async () => {
      const worker = forkWorker('lock-worker.mjs', [dir, 'hold', '600000', 'prm-live22']);
      let held: Lease;
      try {
        const line = await waitForLine(worker, (l) => l.startsWith('lease '));
        held = JSON.parse(line.slice('lease '.length)) as Lease;
        expect(held.pid).to.equal(worker.pid);
        expect(isProcessAlive(held.pid)).to.equal(true);

        const error = caught(() => store.locks.acquire(request('prm-second')));
        expect(error.code).to.equal('LOCK_HELD');
        expect(error.message).to.contain(`pid ${worker.pid}`).and.contain('prm-live22');
      } finally {
        worker.kill('SIGKILL');
        await waitForExit(worker);
      }
      expect(isProcessAlive(held.pid)).to.equal(false);
      const taken = store.locks.acquire(request('prm-second'));
      expect(taken).to.include({ operationId: 'prm-second', pid: process.pid });
      expect(store.audit.list({ action: 'lock.takeover' })[0]!.detail['previous']).to.include({
        operationId: 'prm-live22',
        why: 'holder-dead',
      });
    });

    it('takes over from a process that exited without releasing', async () => {
      const worker = forkWorker('lock-worker.mjs', [dir, 'exit', '600000', 'prm-gone22']);
      await waitForLine(worker, (l) => l.startsWith('lease '));
      await waitForExit(worker);
      expect(store.locks.acquire(request('prm-next22')).operationId).to.equal('prm-next22');
    });

    it('takes over from a live process whose lease expired', async () => {
      const worker = forkWorker('lock-worker.mjs', [dir, 'hold', '1000', 'prm-slow22']);
      try {
        await waitForLine(worker, (l) => l.startsWith('lease '));
        expect(caught(() => store.locks.acquire(request('prm-next22'))).code).to.equal('LOCK_HELD');
        clock.advance(60_000);
        expect(store.locks.acquire(request('prm-next22')).operationId).to.equal('prm-next22');
        expect(store.audit.list({ action: 'lock.takeover' })[0]!.detail['previous']).to.include({ why: 'expired' });
      } finally {
        worker.kill('SIGKILL');
        await waitForExit(worker);
      }
    });
  });
});
