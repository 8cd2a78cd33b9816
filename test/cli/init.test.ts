import { expect } from 'chai';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { CanisterClient, IdentityStore, readWasmArtifact } from '@soulrecall/canister-client';
import type { Devnet } from '@soulrecall/devnet';
import { binPath, CliSandbox, repoRoot, runProgram, STACK_TRACE, type CliResult } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentWasm, closedPortUrl } from '../helpers/project.js';

/**
 * `soulrecall init` in copies of a dfx and an icp-cli project whose canisters really run on
 * devnets (created and installed here first, outside soulrecall), then the commands a user runs
 * next: `env list`, `list`, `promote`, `doctor`.
 */
describe('soulrecall init: a dfx or icp-cli project adopted on day one', function () {
  this.timeout(300_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let localNet: Devnet;
  let sharedNet: Devnet;
  let v1: string;
  let v2: string;

  const fixture = (name: string, copy: string): string => {
    const dir = join(sandbox.home, copy);
    cpSync(join(repoRoot, 'test', 'fixtures', name), dir, { recursive: true });
    return dir;
  };
  const writeJson = (file: string, value: unknown) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  };
  const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
  const runIn = (dir: string, args: string[]) => sandbox.run(args, { cwd: dir });
  const json = async (dir: string, args: string[]): Promise<CliResult & { json: any }> => {
    const result = await runIn(dir, [...args, '--json']);
    try {
      return { ...result, json: JSON.parse(result.stdout) };
    } catch {
      throw new Error(
        `stdout is not JSON for ${args.join(' ')} (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`,
      );
    }
  };
  /** Canisters made the way dfx or icp-cli would have made them: by the user's identity, outside soulrecall. */
  const installed = async (devnet: Devnet, wasm: string, count: number): Promise<string[]> => {
    const identity = new IdentityStore({ dataDir: sandbox.home }).resolve();
    const client = await CanisterClient.connect({ name: 'fixture', url: devnet.url, kind: 'url' }, identity);
    const module = await readWasmArtifact(wasm);
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const canisterId = await client.createPlanned(client.planCreation());
      await client.install({ canisterId, module, mode: 'install' });
      ids.push(canisterId);
    }
    return ids;
  };
  const moduleOnChain = async (devnet: Devnet, canisterId: string) => {
    const identity = new IdentityStore({ dataDir: sandbox.home }).resolve();
    return (await CanisterClient.connect({ name: 'check', url: devnet.url, kind: 'url' }, identity)).moduleHash(
      canisterId,
    );
  };

  before(async () => {
    localNet = await pool.start();
    sharedNet = await pool.start();
    v1 = (await readWasmArtifact(agentWasm.v1)).sha256;
    v2 = (await readWasmArtifact(agentWasm.v2)).sha256;
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  describe('a dfx project', () => {
    let dir: string;
    let local: string[];
    let ic: string[];

    before(async () => {
      // The local network runs v2 (what the project just built), the `ic` stand-in still v1.
      local = await installed(localNet, agentWasm.v2, 2);
      ic = await installed(sharedNet, agentWasm.v1, 2);
      dir = fixture('dfx-project', 'dfx-project');
      const dfxJson = readJson(join(dir, 'dfx.json'));
      // dfx.json's own way to point its networks elsewhere: local's bind, ic's providers.
      dfxJson.networks.local.bind = new URL(localNet.url).host;
      dfxJson.networks.ic = { providers: [sharedNet.url] };
      writeJson(join(dir, 'dfx.json'), dfxJson);
      writeJson(join(dir, 'canister_ids.json'), { memory_agent: { ic: ic[0] }, chat_agent: { ic: ic[1] } });
      writeJson(join(dir, '.dfx', 'local', 'canister_ids.json'), {
        memory_agent: { local: local[0] },
        chat_agent: { local: local[1] },
      });
      mkdirSync(join(dir, '.dfx', 'local', 'canisters', 'memory_agent'), { recursive: true });
      copyFileSync(agentWasm.v2, join(dir, '.dfx', 'local', 'canisters', 'memory_agent', 'memory_agent.wasm'));
      mkdirSync(join(dir, 'dist'), { recursive: true });
      copyFileSync(agentWasm.v2, join(dir, 'dist', 'chat_agent.wasm'));
    });

    it('init --yes writes soulrecall.yaml from dfx.json and adopts the four canisters with their on-chain modules', async () => {
      const result = await json(dir, ['init', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json).to.include({ source: 'dfx.json', file: join(dir, 'soulrecall.yaml'), replaced: false });
      expect(result.json.pipeline).to.deep.equal(['local', 'ic']);
      expect(result.json.agents).to.deep.equal([
        {
          name: 'memory_agent',
          wasm: '.dfx/local/canisters/memory_agent/memory_agent.wasm',
          candid: '.dfx/local/canisters/memory_agent/memory_agent.did',
        },
        { name: 'chat_agent', wasm: 'dist/chat_agent.wasm', candid: 'src/chat_agent/chat_agent.did' },
      ]);
      const adopted = result.json.adopted.map((c: any) => ({
        agent: c.agent,
        environment: c.environment,
        canisterId: c.canisterId,
        from: c.from,
        moduleSha256: c.moduleSha256,
        moduleStored: c.moduleStored,
        live: c.live,
        outcome: c.outcome,
        controlled: c.controlled,
      }));
      expect(adopted).to.have.deep.members([
        {
          agent: 'memory_agent',
          environment: 'local',
          canisterId: local[0],
          from: '.dfx/local/canister_ids.json',
          moduleSha256: v2,
          moduleStored: true,
          live: true,
          outcome: 'adopted',
          controlled: true,
        },
        {
          agent: 'chat_agent',
          environment: 'local',
          canisterId: local[1],
          from: '.dfx/local/canister_ids.json',
          moduleSha256: v2,
          moduleStored: true,
          live: true,
          outcome: 'adopted',
          controlled: true,
        },
        {
          agent: 'memory_agent',
          environment: 'ic',
          canisterId: ic[0],
          from: 'canister_ids.json',
          moduleSha256: v1,
          moduleStored: false,
          live: true,
          outcome: 'adopted',
          controlled: true,
        },
        {
          agent: 'chat_agent',
          environment: 'ic',
          canisterId: ic[1],
          from: 'canister_ids.json',
          moduleSha256: v1,
          moduleStored: false,
          live: true,
          outcome: 'adopted',
          controlled: true,
        },
      ]);
      expect(result.json.warnings).to.deep.equal([]);
    });

    it('env list accepts the written soulrecall.yaml', async () => {
      const result = await json(dir, ['env', 'list']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(JSON.stringify(result.json)).to.include(sharedNet.url).and.include(localNet.url);
    });

    it('list shows the four canisters with their on-chain module hashes', async () => {
      const result = await json(dir, ['list']);
      expect(result.exitCode, result.stderr).to.equal(0);
      const rows = result.json.canisters.map((c: any) => [
        c.environment,
        c.agent,
        c.canisterId,
        c.moduleSha256,
        c.live,
        c.lastStatus,
      ]);
      expect(rows).to.have.deep.members([
        ['local', 'memory_agent', local[0], v2, true, 'succeeded'],
        ['local', 'chat_agent', local[1], v2, true, 'succeeded'],
        ['ic', 'memory_agent', ic[0], v1, true, 'succeeded'],
        ['ic', 'chat_agent', ic[1], v1, true, 'succeeded'],
      ]);
      const table = await runIn(dir, ['list']);
      expect(table.stdout).to.include(v2.slice(0, 8)).and.include(v1.slice(0, 8));
    });

    it('the ids stay where dfx keeps them: ic in canister_ids.json, local in .dfx/local/canister_ids.json', () => {
      expect(readJson(join(dir, 'canister_ids.json'))).to.deep.equal({
        memory_agent: { ic: ic[0] },
        chat_agent: { ic: ic[1] },
      });
      expect(readJson(join(dir, '.dfx', 'local', 'canister_ids.json'))).to.deep.equal({
        memory_agent: { local: local[0] },
        chat_agent: { local: local[1] },
      });
    });

    it('promote from local upgrades the adopted ic canister in place with the module adopted in local', async () => {
      const result = await json(dir, ['promote', 'memory_agent', '-f', 'local', '-t', 'ic', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(await moduleOnChain(sharedNet, ic[0])).to.equal(v2);
      expect(readJson(join(dir, 'canister_ids.json')).memory_agent).to.deep.equal({ ic: ic[0] });
    });

    it('a second init --force knows every canister already and changes nothing in the history', async () => {
      const result = await json(dir, ['init', '--force']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.replaced).to.equal(true);
      expect(result.json.adopted.map((c: any) => c.outcome)).to.deep.equal(['known', 'known', 'known', 'known']);
      const list = await json(dir, ['list']);
      expect(list.json.canisters).to.have.length(4);
    });

    it('doctor checks the local ids in .dfx/local/canister_ids.json and --fix rewrites that file', async () => {
      const file = join(dir, '.dfx', 'local', 'canister_ids.json');
      writeJson(file, { memory_agent: { local: 'aaaaa-aa' }, chat_agent: { local: local[1] } });
      // What an earlier soulrecall left in the root file: the local id beside the shared ones.
      writeJson(join(dir, 'canister_ids.json'), {
        memory_agent: { ic: ic[0], local: local[0] },
        chat_agent: { ic: ic[1] },
      });
      const found = await json(dir, ['doctor']);
      const mismatch = found.json.findings.find((f: any) => f.kind === 'route-file-mismatch');
      expect(mismatch.summary).to.include('.dfx/local/canister_ids.json says memory_agent in local is aaaaa-aa');
      const fixed = await json(dir, ['doctor', '--fix']);
      expect(fixed.exitCode, fixed.stderr).to.be.oneOf([0, 9]);
      expect(readJson(file).memory_agent).to.deep.equal({ local: local[0] });
      expect(readJson(join(dir, 'canister_ids.json'))).to.deep.equal({
        memory_agent: { ic: ic[0] },
        chat_agent: { ic: ic[1] },
      });
    });
  });

  describe('an icp-cli project', () => {
    let dir: string;
    let local: string[];
    let production: string[];

    before(async () => {
      local = await installed(localNet, agentWasm.v2, 2);
      production = await installed(sharedNet, agentWasm.v1, 2);
      dir = fixture('icp-project', 'icp-project');
      // Connected networks stand in for icp-cli's managed local network and for the shared one.
      const manifest = readFileSync(join(dir, 'icp.yaml'), 'utf8')
        .replace(
          /- name: local\n {4}mode: managed\n {4}gateway:\n {6}port: 8000/,
          `- name: local\n    mode: connected\n    url: ${localNet.url}\n    root-key: fetch`,
        )
        .replace('https://staging.example.org', sharedNet.url);
      writeFileSync(join(dir, 'icp.yaml'), manifest);
      writeJson(join(dir, '.icp', 'data', 'mappings', 'local.ids.json'), {
        memory_agent: local[0],
        chat_agent: local[1],
      });
      writeJson(join(dir, '.icp', 'data', 'mappings', 'production.ids.json'), {
        memory_agent: production[0],
        chat_agent: production[1],
      });
      mkdirSync(join(dir, '.icp', 'cache', 'artifacts'), { recursive: true });
      copyFileSync(agentWasm.v2, join(dir, '.icp', 'cache', 'artifacts', 'memory_agent'));
      mkdirSync(join(dir, 'canisters', 'chat_agent', 'dist'), { recursive: true });
      copyFileSync(agentWasm.v2, join(dir, 'canisters', 'chat_agent', 'dist', 'chat_agent.wasm'));
    });

    it('init --yes reads icp.yaml and its mappings, and adopts the four canisters with their on-chain modules', async () => {
      const result = await json(dir, ['init', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.source).to.equal('icp.yaml');
      expect(result.json.pipeline).to.deep.equal(['local', 'production', 'ic']);
      expect(result.json.environments).to.deep.equal([
        { name: 'local', network: localNet.url, protected: false },
        { name: 'production', network: sharedNet.url, protected: false },
        { name: 'ic', network: 'ic', protected: true },
      ]);
      expect(result.json.agents).to.deep.equal([
        { name: 'memory_agent', wasm: '.icp/cache/artifacts/memory_agent' },
        { name: 'chat_agent', wasm: 'canisters/chat_agent/dist/chat_agent.wasm' },
      ]);
      const adopted = result.json.adopted.map((c: any) => [
        c.environment,
        c.agent,
        c.canisterId,
        c.from,
        c.moduleSha256,
        c.moduleStored,
      ]);
      expect(adopted).to.have.deep.members([
        ['local', 'memory_agent', local[0], '.icp/data/mappings/local.ids.json', v2, true],
        ['local', 'chat_agent', local[1], '.icp/data/mappings/local.ids.json', v2, true],
        ['production', 'memory_agent', production[0], '.icp/data/mappings/production.ids.json', v1, false],
        ['production', 'chat_agent', production[1], '.icp/data/mappings/production.ids.json', v1, false],
      ]);
    });

    it('env list accepts it and list shows the four canisters with their module hashes', async () => {
      const environments = await json(dir, ['env', 'list']);
      expect(environments.exitCode, environments.stderr).to.equal(0);
      const result = await json(dir, ['list']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.canisters.map((c: any) => [c.environment, c.canisterId, c.moduleSha256])).to.have.deep.members(
        [
          ['local', local[0], v2],
          ['local', local[1], v2],
          ['production', production[0], v1],
          ['production', production[1], v1],
        ],
      );
    });

    it("promote from local works; the local ids stay in icp-cli's mappings, production's go to canister_ids.json", async () => {
      const result = await json(dir, ['promote', 'chat_agent', '-f', 'local', '-t', 'production', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(await moduleOnChain(sharedNet, production[1])).to.equal(v2);
      expect(readJson(join(dir, '.icp', 'data', 'mappings', 'local.ids.json'))).to.deep.equal({
        memory_agent: local[0],
        chat_agent: local[1],
      });
      expect(readJson(join(dir, 'canister_ids.json'))).to.deep.equal({
        memory_agent: { production: production[0] },
        chat_agent: { production: production[1] },
      });
    });
  });

  describe('edge cases that still succeed', () => {
    it('with nothing to read, the three-stage default pipeline', async () => {
      const dir = join(sandbox.home, 'empty');
      mkdirSync(dir);
      const result = await json(dir, ['init']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json).to.include({ source: null });
      expect(result.json.pipeline).to.deep.equal(['local', 'staging', 'production']);
      const environments = await json(dir, ['env', 'list']);
      expect(environments.exitCode, environments.stderr).to.equal(0);
    });

    it('--from icp reads icp.yaml in a folder that also has a dfx.json', async () => {
      const dir = join(sandbox.home, 'both');
      mkdirSync(dir);
      writeFileSync(join(dir, 'dfx.json'), '{ "canisters": { "old_backend": { "type": "motoko" } } }');
      writeFileSync(
        join(dir, 'icp.yaml'),
        'canisters:\n  - name: backend\n    build:\n      steps:\n        - type: pre-built\n          path: dist/backend.wasm\n',
      );
      const result = await json(dir, ['init', '--from', 'icp']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.source).to.equal('icp.yaml');
      expect(result.json.agents).to.deep.equal([{ name: 'backend', wasm: 'dist/backend.wasm' }]);
      expect(result.json.pipeline).to.deep.equal(['local', 'ic']);
    });

    it('on a terminal init asks before replacing soulrecall.yaml: "n" keeps it (exit 10), "y" replaces it', async () => {
      const dir = join(sandbox.home, 'asked');
      mkdirSync(dir);
      writeFileSync(join(dir, 'soulrecall.yaml'), 'environments: { local: { network: local } }\n');
      // script(1) gives the binary a terminal; the answer is typed on it.
      const onTerminal = (answer: string) =>
        runProgram('script', ['-qec', `${process.execPath} ${binPath} init`, '/dev/null'], {
          cwd: dir,
          env: sandbox.env(),
          input: answer,
        });
      const refused = await onTerminal('n\n');
      expect(refused.exitCode, refused.stdout).to.equal(10);
      expect(refused.stdout).to.include(`Replace ${join(dir, 'soulrecall.yaml')}? [y/N]`);
      expect(readFileSync(join(dir, 'soulrecall.yaml'), 'utf8')).to.equal(
        'environments: { local: { network: local } }\n',
      );
      const accepted = await onTerminal('y\n');
      expect(accepted.exitCode, accepted.stdout).to.equal(0);
      expect(accepted.stdout).to.include(`Replaced ${join(dir, 'soulrecall.yaml')}.`);
      expect(readFileSync(join(dir, 'soulrecall.yaml'), 'utf8')).to.include('pipeline:');
    });

    it('a stale id (no such canister: dfx start --clean) is skipped; one another identity controls is adopted with a warning', async () => {
      const dir = fixture('dfx-project', 'dfx-stale');
      const dfxJson = readJson(join(dir, 'dfx.json'));
      dfxJson.networks.local.bind = new URL(localNet.url).host;
      writeJson(join(dir, 'dfx.json'), dfxJson);
      const stranger = await CanisterClient.connect(
        { name: 'local', url: localNet.url, kind: 'url' },
        Ed25519KeyIdentity.generate(),
      );
      const foreign = await stranger.createCanister();
      writeJson(join(dir, '.dfx', 'local', 'canister_ids.json'), {
        memory_agent: { local: 'ryjl3-tyaaa-aaaaa-aaaba-cai' },
        chat_agent: { local: foreign },
      });
      const result = await json(dir, ['init', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.adopted).to.have.length(1);
      expect(result.json.adopted[0]).to.include({
        agent: 'chat_agent',
        canisterId: foreign,
        controlled: false,
        moduleSha256: null,
        reachable: true,
        version: null,
        live: true,
      });
      const warnings = result.json.warnings.join('\n');
      expect(warnings)
        .to.include('ryjl3-tyaaa-aaaaa-aaaba-cai for memory_agent, which is not on local')
        .and.include(`is controlled by ${stranger.principal}`);
      const listed = await json(dir, ['list']);
      expect(listed.json.canisters.map((c: any) => [c.canisterId, c.lastStatus])).to.deep.equal([[foreign, 'created']]);
    });

    it('an unreachable network: its canister is still adopted, module unknown, with a warning', async () => {
      const dir = fixture('dfx-project', 'dfx-unreachable');
      const dfxJson = readJson(join(dir, 'dfx.json'));
      dfxJson.networks.ic = { providers: [await closedPortUrl()] };
      writeJson(join(dir, 'dfx.json'), dfxJson);
      writeJson(join(dir, 'canister_ids.json'), {
        memory_agent: { ic: 'rrkah-fqaaa-aaaaa-aaaaq-cai' },
        stray_canister: { ic: 'ryjl3-tyaaa-aaaaa-aaaba-cai' },
      });
      const result = await json(dir, ['init', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.json.adopted).to.have.length(1);
      expect(result.json.adopted[0]).to.include({
        canisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
        moduleSha256: null,
        reachable: false,
        version: null,
        live: true,
      });
      expect(result.json.warnings.join('\n')).to.include('did not answer').and.include('stray_canister');
      const text = await runIn(dir, ['init', '--force']);
      expect(text.stderr).to.include('Warning:');
    });
  });

  describe('bad input: one sentence naming the file, a hint, the documented exit code, nothing written', () => {
    type Case = { name: string; files: Record<string, string>; args?: string[]; exitCode: number; message: string };
    const principalFile = JSON.stringify({ memory_agent: { ic: 'not-a-principal' } });
    const cases: Case[] = [
      {
        name: 'dfx.json that is not JSON',
        files: { 'dfx.json': '{ "canisters": ' },
        exitCode: 3,
        message: 'dfx.json: invalid JSON',
      },
      {
        name: 'dfx.json whose canisters are a list',
        files: { 'dfx.json': '{ "canisters": [] }' },
        exitCode: 3,
        message: 'dfx.json: `canisters` must be an object',
      },
      {
        name: 'dfx.json network with neither providers nor bind',
        files: { 'dfx.json': '{ "canisters": {}, "networks": { "staging": {} } }' },
        exitCode: 3,
        message: 'networks.staging has neither "providers" nor "bind"',
      },
      {
        name: 'dfx.json canister name soulrecall cannot take',
        files: { 'dfx.json': '{ "canisters": { "9lives": { "type": "motoko" } } }' },
        exitCode: 3,
        message: 'canister name "9lives"',
      },
      {
        name: 'icp.yaml that is not YAML',
        files: { 'icp.yaml': 'canisters: [\n' },
        exitCode: 3,
        message: 'icp.yaml: invalid YAML',
      },
      {
        name: 'icp.yaml environment on an undefined network',
        files: { 'icp.yaml': 'environments:\n  - name: staging\n    network: nowhere\n' },
        exitCode: 3,
        message: 'environment staging names network "nowhere"',
      },
      {
        name: 'icp.yaml network with an unknown mode',
        files: { 'icp.yaml': 'networks:\n  - name: testnet\n    mode: remote\n' },
        exitCode: 3,
        message: 'network testnet has mode "remote"',
      },
      {
        name: 'icp.yaml canisters given as a glob',
        files: { 'icp.yaml': 'canisters:\n  - canisters/*\n' },
        exitCode: 3,
        message: 'soulrecall does not expand globs',
      },
      {
        name: 'an id in canister_ids.json that is not a principal',
        files: {
          'dfx.json': '{ "canisters": { "memory_agent": { "type": "motoko" } } }',
          'canister_ids.json': principalFile,
        },
        exitCode: 5,
        message: 'canister_ids.json: memory_agent.ic is "not-a-principal", which is not a canister id',
      },
      {
        name: 'a .dfx/local/canister_ids.json that is not an object of objects',
        files: { 'dfx.json': '{ "canisters": {} }', '.dfx/local/canister_ids.json': '["x"]' },
        exitCode: 5,
        message: '.dfx/local/canister_ids.json is not a JSON object',
      },
      {
        name: 'an icp-cli mapping with an id that is not a principal',
        files: {
          'icp.yaml': 'canisters:\n  - name: backend\n',
          '.icp/data/mappings/ic.ids.json': '{ "backend": "nope" }',
        },
        exitCode: 5,
        message: '.icp/data/mappings/ic.ids.json: backend is "nope"',
      },
      {
        name: 'both dfx.json and icp.yaml without --from',
        files: { 'dfx.json': '{}', 'icp.yaml': '' },
        exitCode: 2,
        message: 'has both dfx.json and icp.yaml',
      },
      {
        name: '--from dfx where there is no dfx.json',
        files: { 'icp.yaml': '' },
        args: ['--from', 'dfx'],
        exitCode: 4,
        message: 'There is no dfx.json',
      },
      {
        name: 'an existing soulrecall.yaml, no terminal, no --force',
        files: { 'soulrecall.yaml': 'environments: { local: { network: local } }\n' },
        args: [],
        exitCode: 10,
        message: 'no terminal to ask on',
      },
      {
        name: 'an existing soulrecall.yaml with --yes but not --force',
        files: { 'soulrecall.yaml': 'environments: { local: { network: local } }\n' },
        args: ['--yes'],
        exitCode: 10,
        message: 'does not replace it without asking',
      },
    ];
    let count = 0;
    for (const testCase of cases) {
      it(testCase.name, async () => {
        count += 1;
        const dir = join(sandbox.home, `bad-${count}`);
        for (const [name, text] of Object.entries(testCase.files)) {
          mkdirSync(dirname(join(dir, name)), { recursive: true });
          writeFileSync(join(dir, name), text);
        }
        const before = existsSync(join(dir, 'soulrecall.yaml'))
          ? readFileSync(join(dir, 'soulrecall.yaml'), 'utf8')
          : null;
        const result = await runIn(dir, ['init', ...(testCase.args ?? ['--yes'])]);
        expect(result.exitCode, result.stderr).to.equal(testCase.exitCode);
        expect(result.stderr).to.include(testCase.message);
        expect(result.stderr).to.match(/^Hint: /m);
        expect(result.stderr).to.not.match(STACK_TRACE);
        expect(result.stdout).to.equal('');
        const after = existsSync(join(dir, 'soulrecall.yaml'))
          ? readFileSync(join(dir, 'soulrecall.yaml'), 'utf8')
          : null;
        expect(after).to.equal(before);
        const asJson = await runIn(dir, ['init', ...(testCase.args ?? ['--yes']), '--json']);
        expect(asJson.exitCode).to.equal(testCase.exitCode);
        expect(JSON.parse(asJson.stdout).error.exitCode).to.equal(testCase.exitCode);
      });
    }
  });
});
