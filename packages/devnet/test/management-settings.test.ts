import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { startDevnetWithEngine, type Devnet } from '../src/devnet.js';
import { createEchoEngine } from './support/echo-engine.js';
import {
  createCanister,
  installCode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
  settingsWith,
} from './support/fixtures.js';

/** Every field of `canister_status_result` and its records in the current ic.did (what icp-cli decodes strictly). */
const STATUS_FIELDS = [
  'status',
  'ready_for_migration',
  'version',
  'settings',
  'module_hash',
  'memory_size',
  'memory_metrics',
  'cycles',
  'reserved_cycles',
  'idle_cycles_burned_per_day',
  'query_stats',
];
const SETTINGS_FIELDS = [
  'controllers',
  'compute_allocation',
  'memory_allocation',
  'freezing_threshold',
  'reserved_cycles_limit',
  'log_visibility',
  'log_memory_limit',
  'snapshot_visibility',
  'status_visibility',
  'minimum_incoming_canister_call_cycles',
  'wasm_memory_limit',
  'wasm_memory_threshold',
  'environment_variables',
];
const MEMORY_METRICS_FIELDS = [
  'wasm_memory_size',
  'stable_memory_size',
  'global_memory_size',
  'wasm_binary_size',
  'custom_sections_size',
  'canister_history_size',
  'wasm_chunk_store_size',
  'snapshots_size',
  'log_memory_store_size',
];

describe('devnet management interface: canister_status and update_settings as the current ic.did has them', () => {
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  let canisterId: Principal;
  const owner = newIdentity();
  const stranger = newIdentity();
  const viewer = newIdentity();

  before(async () => {
    dir = makeTempDir();
    devnet = await startDevnetWithEngine({ port: 0, stateDir: dir }, createEchoEngine);
    agent = await makeAgent(devnet.url, owner);
    canisterId = await createCanister(agent);
    await installCode(agent, canisterId, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  const status = async (as: HttpAgent = agent) =>
    (await management(as, canisterId).canister_status({ canister_id: canisterId })) as Record<string, any>;
  const update = (settings: Record<string, unknown>, as: HttpAgent = agent) =>
    management(as, canisterId).update_settings({
      canister_id: canisterId,
      settings: settingsWith(settings),
      sender_canister_version: [],
    });

  it('replies to canister_status with every field of today’s interface, with the defaults of a new canister', async () => {
    const reply = await status();
    expect(Object.keys(reply).sort()).to.deep.equal([...STATUS_FIELDS].sort());
    expect(Object.keys(reply.settings).sort()).to.deep.equal([...SETTINGS_FIELDS].sort());
    expect(Object.keys(reply.memory_metrics).sort()).to.deep.equal([...MEMORY_METRICS_FIELDS].sort());
    expect(reply.settings.snapshot_visibility).to.deep.equal({ controllers: null });
    expect(reply.settings.status_visibility).to.deep.equal({ controllers: null });
    expect(reply.settings.minimum_incoming_canister_call_cycles).to.equal(0n);
    expect(reply.settings.log_memory_limit).to.equal(65_536n);
  });

  it('stores every setting update_settings is given and returns it, leaving the others as they were', async () => {
    const before = await status();
    await update({
      compute_allocation: [7n],
      memory_allocation: [1_000_000n],
      freezing_threshold: [86_400n],
      reserved_cycles_limit: [123n],
      log_visibility: [{ public: null }],
      log_memory_limit: [8_192n],
      snapshot_visibility: [{ allowed_viewers: [viewer.getPrincipal()] }],
      status_visibility: [{ public: null }],
      minimum_incoming_canister_call_cycles: [1_000n],
      wasm_memory_limit: [1n << 30n],
      wasm_memory_threshold: [1n << 20n],
      environment_variables: [
        [
          { name: 'MODEL', value: 'llama' },
          { name: 'TOOLS', value: 'search' },
        ],
      ],
    });
    const after = (await status()).settings;
    expect(after.controllers.map((p: Principal) => p.toText())).to.deep.equal(
      before.settings.controllers.map((p: Principal) => p.toText()),
    );
    expect(after).to.deep.include({
      compute_allocation: 7n,
      memory_allocation: 1_000_000n,
      freezing_threshold: 86_400n,
      reserved_cycles_limit: 123n,
      log_visibility: { public: null },
      log_memory_limit: 8_192n,
      status_visibility: { public: null },
      minimum_incoming_canister_call_cycles: 1_000n,
      wasm_memory_limit: 1n << 30n,
      wasm_memory_threshold: 1n << 20n,
    });
    expect(after.environment_variables).to.deep.equal([
      { name: 'MODEL', value: 'llama' },
      { name: 'TOOLS', value: 'search' },
    ]);
    expect(after.snapshot_visibility.allowed_viewers.map((p: Principal) => p.toText())).to.deep.equal([
      viewer.getPrincipal().toText(),
    ]);
    expect((await status()).version).to.be.greaterThan(before.version);

    await update({ environment_variables: [[]] });
    expect((await status()).settings.environment_variables).to.deep.equal([]);
    expect((await status()).settings.log_memory_limit).to.equal(8_192n);
  });

  it('lets whoever status_visibility names read canister_status, and no one else', async () => {
    const strangerAgent = await makeAgent(devnet.url, stranger);
    await update({ status_visibility: [{ public: null }] });
    expect((await status(strangerAgent)).status).to.deep.equal({ running: null });
    await update({ status_visibility: [{ allowed_viewers: [viewer.getPrincipal()] }] });
    expect((await status(await makeAgent(devnet.url, viewer))).status).to.deep.equal({ running: null });
    expect(String(await status(strangerAgent).catch((e: Error) => e))).to.contain('IC0512');
    await update({ status_visibility: [{ controllers: null }] });
    expect(String(await status(strangerAgent).catch((e: Error) => e))).to.contain('IC0512');
  });

  it('lets whoever snapshot_visibility names list snapshots, while only controllers take them', async () => {
    await management(agent, canisterId).stop_canister({ canister_id: canisterId });
    await management(agent, canisterId).take_canister_snapshot({ canister_id: canisterId, replace_snapshot: [] });
    await management(agent, canisterId).start_canister({ canister_id: canisterId });
    await update({ snapshot_visibility: [{ allowed_viewers: [viewer.getPrincipal()] }] });
    const list = (as: HttpAgent) =>
      management(as, canisterId).list_canister_snapshots({ canister_id: canisterId }) as Promise<unknown[]>;
    expect(await list(await makeAgent(devnet.url, viewer))).to.have.length(1);
    const strangerAgent = await makeAgent(devnet.url, stranger);
    expect(String(await list(strangerAgent).catch((e: Error) => e))).to.contain('IC0512');
    const take = management(await makeAgent(devnet.url, viewer), canisterId).take_canister_snapshot({
      canister_id: canisterId,
      replace_snapshot: [],
    });
    expect(String(await take.catch((e: Error) => e))).to.contain('IC0512');
  });

  it('keeps no more log than log_memory_limit, and reports what it keeps as log_memory_store_size', async () => {
    const { Actor } = await import('@dfinity/agent');
    const echo = Actor.createActor(({ IDL }) => IDL.Service({ trap: IDL.Func([], [], []) }), { agent, canisterId });
    await update({ log_memory_limit: [8n] });
    for (let i = 0; i < 5; i++) await (echo.trap as () => Promise<void>)().catch(() => undefined);
    const { canister_log_records: records } = (await management(agent, canisterId).fetch_canister_logs.withOptions({
      effectiveCanisterId: canisterId,
    })({ canister_id: canisterId })) as { canister_log_records: { content: Uint8Array }[] };
    expect(records.map((r) => new TextDecoder().decode(r.content))).to.deep.equal(['boom', 'boom']);
    expect((await status()).memory_metrics.log_memory_store_size).to.equal(8n);
    await update({ log_memory_limit: [65_536n] });
  });

  // Bad settings: the replica's reject, nothing changed.
  const badSettings: Array<{ name: string; settings: () => Record<string, unknown>; code: string; text: string }> = [
    {
      name: 'two environment variables of one name',
      settings: () => ({
        environment_variables: [
          [
            { name: 'A', value: '1' },
            { name: 'A', value: '2' },
          ],
        ],
      }),
      code: 'IC0408',
      text: 'duplicate environment variable name "A"',
    },
    {
      name: 'a compute allocation over 100',
      settings: () => ({ compute_allocation: [101n] }),
      code: 'IC0408',
      text: 'compute_allocation',
    },
    {
      name: 'eleven controllers',
      settings: () => ({ controllers: [Array.from({ length: 11 }, () => newIdentity().getPrincipal())] }),
      code: 'IC0408',
      text: 'At most 10 controllers',
    },
  ];
  for (const bad of badSettings) {
    it(`refuses ${bad.name} and keeps the settings`, async () => {
      const before = (await status()).settings;
      const error = String(await update(bad.settings()).catch((e: Error) => e));
      expect(error).to.contain(bad.code);
      expect(error).to.contain(bad.text);
      expect((await status()).settings).to.deep.equal(before);
    });
  }

  it('refuses update_settings from a non-controller', async () => {
    const error = String(
      await update({ log_memory_limit: [1n] }, await makeAgent(devnet.url, stranger)).catch((e: Error) => e),
    );
    expect(error).to.contain('IC0512');
  });

  it('reads a state directory written before these settings existed with their defaults', async () => {
    await devnet.close();
    const file = path.join(dir, 'canisters.json');
    const registry = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const record of registry.canisters) {
      for (const key of [
        'logMemoryLimit',
        'snapshotVisibility',
        'statusVisibility',
        'minimumIncomingCanisterCallCycles',
      ])
        delete record.settings[key];
    }
    fs.writeFileSync(file, JSON.stringify(registry));
    devnet = await startDevnetWithEngine({ port: 0, stateDir: dir }, createEchoEngine);
    agent = await makeAgent(devnet.url, owner);
    const settings = (await status()).settings;
    expect(settings).to.deep.include({
      log_memory_limit: 65_536n,
      status_visibility: { controllers: null },
      minimum_incoming_canister_call_cycles: 0n,
    });
    expect(settings.compute_allocation).to.equal(7n);
  });
});
