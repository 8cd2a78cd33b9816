import { IDL } from '@dfinity/candid';
import { expect } from 'chai';
import { probeHealth } from '../src/health/probe.js';
import type { ManagementCanister } from '../src/management/management-canister.js';
import type { CanisterRunStatus } from '../src/management/types.js';
import type { CanisterStateReader } from '../src/read-state.js';
import type { IcTransport } from '../src/transport.js';

const CANISTER = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
const later = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Fakes of the three network paths a probe uses, logging when each call starts and ends. */
function network(status: CanisterRunStatus, healthReply: () => Promise<Uint8Array>) {
  const log: string[] = [];
  const management = {
    canisterStatus: async () => {
      log.push('status started');
      await later();
      log.push('status done');
      return { status, moduleHash: 'ab'.repeat(32), cycles: 1n };
    },
  } as unknown as ManagementCanister;
  const call = async () => {
    log.push('health started');
    return healthReply();
  };
  const transport = { query: call, update: call } as unknown as IcTransport;
  return { log, deps: { management, transport, reader: {} as CanisterStateReader } };
}

describe('probeHealth: what runs at once', () => {
  it('sends a query health method alongside canister_status, not after it', async () => {
    const { log, deps } = network('running', async () => new Uint8Array(IDL.encode([IDL.Text], ['ok'])));
    const verdict = await probeHealth(deps, CANISTER, { method: 'health' });
    expect(verdict.healthy, verdict.problems.join('; ')).to.equal(true);
    expect(log.indexOf('health started')).to.be.lessThan(log.indexOf('status done'));
  });

  it("ignores a stopped canister's answer to that query, and its failure reaches no one", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { deps } = network('stopped', async () => Promise.reject(new Error('canister is stopped')));
      const verdict = await probeHealth(deps, CANISTER, { method: 'health' });
      expect(verdict.method).to.equal(undefined);
      expect(verdict.problems).to.deep.equal(['canister is stopped']);
      await later();
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('calls an update health method (it may change state) only once the status says it may', async () => {
    const { log, deps } = network('running', async () => new Uint8Array(IDL.encode([], [])));
    await probeHealth(deps, CANISTER, { method: 'health', callAs: 'update' });
    expect(log).to.deep.equal(['status started', 'status done', 'health started']);
  });
});
