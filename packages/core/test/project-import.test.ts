import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseProjectConfig } from '../src/config/loader.js';
import {
  canisterIdsLocation,
  readCanisterId,
  removeCanisterId,
  writeCanisterId,
  writtenRoutes,
} from '../src/services/canister-ids.js';
import { readProjectToImport, renderProjectYaml } from '../src/services/init.js';

/** Pure logic of `soulrecall init` and of where ids are written: files in a temp folder, no network. */
describe('project import and canister ids files', () => {
  let root: string;
  const write = (name: string, text: string) => {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  };
  const config = (environments: string) =>
    parseProjectConfig(`environments:\n${environments}`, join(root, 'soulrecall.yaml'));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'soulrecall-import-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  describe("which file holds an environment's ids", () => {
    const cases: Array<{
      name: string;
      icpYaml?: string;
      environment: string;
      network: string;
      file: string;
      shape: 'by-network' | 'flat';
    }> = [
      {
        name: 'network local (dfx layout)',
        environment: 'dev',
        network: 'local',
        file: '.dfx/dev/canister_ids.json',
        shape: 'by-network',
      },
      {
        name: 'the environment named local, on another port',
        environment: 'local',
        network: 'http://127.0.0.1:8080',
        file: '.dfx/local/canister_ids.json',
        shape: 'by-network',
      },
      {
        name: 'a shared network on a loopback URL (dfx keeps it in canister_ids.json)',
        environment: 'staging',
        network: 'http://127.0.0.1:4944',
        file: 'canister_ids.json',
        shape: 'by-network',
      },
      { name: 'mainnet', environment: 'production', network: 'ic', file: 'canister_ids.json', shape: 'by-network' },
      {
        name: 'icp-cli layout, managed local network',
        icpYaml: 'canisters: []\n',
        environment: 'local',
        network: 'http://127.0.0.1:8000',
        file: '.icp/cache/mappings/local.ids.json',
        shape: 'flat',
      },
      {
        name: 'icp-cli layout, connected local network',
        icpYaml: 'networks:\n  - name: local\n    mode: connected\n    url: http://127.0.0.1:9000\n',
        environment: 'local',
        network: 'http://127.0.0.1:9000',
        file: '.icp/data/mappings/local.ids.json',
        shape: 'flat',
      },
      {
        name: 'icp-cli layout, mainnet still in canister_ids.json',
        icpYaml: 'canisters: []\n',
        environment: 'ic',
        network: 'ic',
        file: 'canister_ids.json',
        shape: 'by-network',
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, () => {
        if (testCase.icpYaml) write('icp.yaml', testCase.icpYaml);
        const project = config(`  ${testCase.environment}: { network: "${testCase.network}" }\n`);
        expect(canisterIdsLocation(project, testCase.environment)).to.deep.equal({
          file: join(root, testCase.file),
          shape: testCase.shape,
        });
      });
    }
  });

  it('write, read and remove keep the other entries of both shapes', () => {
    write('icp.yaml', 'canisters: []\n');
    const project = config('  local: { network: local }\n  ic: { network: ic }\n');
    write('.icp/cache/mappings/local.ids.json', '{ "frontend": "ryjl3-tyaaa-aaaaa-aaaba-cai" }');
    writeCanisterId(project, 'my-agent', 'local', 'rrkah-fqaaa-aaaaa-aaaaq-cai');
    writeCanisterId(project, 'my-agent', 'ic', 'aaaaa-aa');
    expect(JSON.parse(readFileSync(join(root, '.icp/cache/mappings/local.ids.json'), 'utf8'))).to.deep.equal({
      frontend: 'ryjl3-tyaaa-aaaaa-aaaba-cai',
      'my-agent': 'rrkah-fqaaa-aaaaa-aaaaq-cai',
    });
    expect(JSON.parse(readFileSync(join(root, 'canister_ids.json'), 'utf8'))).to.deep.equal({
      'my-agent': { ic: 'aaaaa-aa' },
    });
    expect(readCanisterId(project, 'my-agent', 'local')).to.equal('rrkah-fqaaa-aaaaa-aaaaq-cai');
    expect(writtenRoutes(project)).to.have.length(3);
    removeCanisterId(project, 'my-agent', 'local');
    removeCanisterId(project, 'my-agent', 'ic');
    expect(JSON.parse(readFileSync(join(root, '.icp/cache/mappings/local.ids.json'), 'utf8'))).to.deep.equal({
      frontend: 'ryjl3-tyaaa-aaaaa-aaaba-cai',
    });
    expect(JSON.parse(readFileSync(join(root, 'canister_ids.json'), 'utf8'))).to.deep.equal({});
  });

  it('a local id written before it had its own file leaves the root canister_ids.json once it moves', () => {
    const project = config('  local: { network: local }\n  ic: { network: ic }\n');
    write(
      'canister_ids.json',
      JSON.stringify({ 'my-agent': { local: 'aaaaa-aa', ic: 'ryjl3-tyaaa-aaaaa-aaaba-cai' } }),
    );
    writeCanisterId(project, 'my-agent', 'local', 'rrkah-fqaaa-aaaaa-aaaaq-cai');
    expect(JSON.parse(readFileSync(join(root, 'canister_ids.json'), 'utf8'))).to.deep.equal({
      'my-agent': { ic: 'ryjl3-tyaaa-aaaaa-aaaba-cai' },
    });
    expect(JSON.parse(readFileSync(join(root, '.dfx/local/canister_ids.json'), 'utf8'))).to.deep.equal({
      'my-agent': { local: 'rrkah-fqaaa-aaaaa-aaaaq-cai' },
    });
  });

  describe('dfx.json networks become environments', () => {
    const cases: Array<{ name: string; networks: unknown; expected: Array<[string, string]> }> = [
      {
        name: "nothing declared: dfx's local and ic",
        networks: undefined,
        expected: [
          ['local', 'local'],
          ['ic', 'ic'],
        ],
      },
      {
        name: 'local on its default bind stays `local`',
        networks: { local: { bind: '127.0.0.1:4943' } },
        expected: [
          ['local', 'local'],
          ['ic', 'ic'],
        ],
      },
      {
        name: 'local on a wildcard bind is reached on loopback',
        networks: { local: { bind: '0.0.0.0:8080' } },
        expected: [
          ['local', 'http://127.0.0.1:8080'],
          ['ic', 'ic'],
        ],
      },
      {
        name: 'a project network by its first provider, between local and ic',
        networks: { staging: { providers: ['http://10.0.0.5:4943', 'http://10.0.0.6:4943'] } },
        expected: [
          ['local', 'local'],
          ['staging', 'http://10.0.0.5:4943'],
          ['ic', 'ic'],
        ],
      },
      {
        name: 'a network whose provider is mainnet is ic',
        networks: { prod: { providers: ['https://icp0.io'] } },
        expected: [
          ['local', 'local'],
          ['prod', 'ic'],
          ['ic', 'ic'],
        ],
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, () => {
        write(
          'dfx.json',
          JSON.stringify({ canisters: {}, ...(testCase.networks ? { networks: testCase.networks } : {}) }),
        );
        const imported = readProjectToImport(root);
        expect(imported.environments.map((environment) => [environment.name, environment.network])).to.deep.equal(
          testCase.expected,
        );
        expect(imported.environments.at(-1)).to.include({ name: 'ic', protected: true });
        // What init writes is a soulrecall.yaml the loader accepts.
        expect(parseProjectConfig(renderProjectYaml(imported), join(root, 'soulrecall.yaml')).pipeline).to.deep.equal(
          testCase.expected.map(([name]) => name),
        );
      });
    }
  });

  it('ids of canisters or networks the project does not define are skipped with a warning', () => {
    write(
      'dfx.json',
      JSON.stringify({
        canisters: {
          backend: { type: 'rust', candid: 'src/backend.did' },
          frontend: { type: 'assets', source: ['dist'] },
        },
      }),
    );
    write(
      'canister_ids.json',
      JSON.stringify({ backend: { ic: 'aaaaa-aa', testnet: 'aaaaa-aa' }, gone: { ic: 'aaaaa-aa' } }),
    );
    const imported = readProjectToImport(root);
    // An asset canister has no module of the project's own to deploy.
    expect(imported.agents).to.deep.equal([
      { name: 'backend', wasm: '.dfx/local/canisters/backend/backend.wasm', candid: 'src/backend.did' },
      { name: 'frontend' },
    ]);
    expect(imported.canisterIds).to.deep.equal([
      { agent: 'backend', environment: 'ic', canisterId: 'aaaaa-aa', file: 'canister_ids.json' },
    ]);
    expect(imported.warnings).to.have.length(2);
  });
});
