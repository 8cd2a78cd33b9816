import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agentWasmPath,
  environmentsInPipelineOrder,
  findAgent,
  nextStage,
  previousStage,
  resolveEnvironment,
} from '../src/config/environments.js';
import { ConfigError } from '../src/config/errors.js';
import { environmentOfNetwork, parseProjectConfig } from '../src/config/loader.js';
import type { EnvironmentConfig } from '../src/config/types.js';
import { requireEnvironment } from '../src/services/canister-lookup.js';
import type { Session } from '../src/services/session.js';
import { ExitCode, SoulrecallError } from '../src/errors.js';

const text = `
pipeline: [local, staging, production]
environments:
  production: { network: ic, aliases: [prod, live], protected: true }
  staging: { network: "http://127.0.0.1:4944", aliases: [stg] }
  local: { network: local }
  scratch: { network: local }
agents:
  my-agent: { wasm: dist/agent.wasm }
  bare: {}
`;

describe('environment resolution', () => {
  const config = parseProjectConfig(text, '/project/soulrecall.yaml');

  it('resolves names and aliases (-e prod = production)', () => {
    expect(resolveEnvironment(config, 'prod').name).to.equal('production');
    expect(resolveEnvironment(config, 'live').name).to.equal('production');
    expect(resolveEnvironment(config, 'production').name).to.equal('production');
    expect(resolveEnvironment(config, 'stg').networkUrl).to.equal('http://127.0.0.1:4944');
  });

  it('rejects an unknown environment, listing the known ones and their aliases', () => {
    expect(() => resolveEnvironment(config, 'qa'))
      .to.throw(SoulrecallError, 'Unknown environment "qa".')
      .that.satisfies(
        (error: SoulrecallError) =>
          error.exitCode === ExitCode.NotFound && /production \(prod, live\)/.test(error.hint!),
      );
  });

  it('orders environments by pipeline, outsiders last', () => {
    expect(environmentsInPipelineOrder(config).map((e) => e.name)).to.deep.equal([
      'local',
      'staging',
      'production',
      'scratch',
    ]);
  });

  it('knows the stage after and before an environment', () => {
    expect(nextStage(config, resolveEnvironment(config, 'local'))?.name).to.equal('staging');
    expect(nextStage(config, resolveEnvironment(config, 'stg'))?.name).to.equal('production');
    expect(nextStage(config, resolveEnvironment(config, 'prod'))).to.equal(undefined);
    expect(nextStage(config, resolveEnvironment(config, 'scratch'))).to.equal(undefined);
    expect(previousStage(config, resolveEnvironment(config, 'prod'))?.name).to.equal('staging');
    expect(previousStage(config, resolveEnvironment(config, 'local'))).to.equal(undefined);
  });

  it('finds agents and rejects unknown ones', () => {
    expect(findAgent(config, 'my-agent').wasm).to.equal('dist/agent.wasm');
    expect(() => findAgent(config, 'nobody')).to.throw(SoulrecallError, 'Unknown agent "nobody".');
  });

  describe('agent modules are checked only when used', () => {
    let folder: string;
    beforeEach(() => {
      folder = mkdtempSync(join(tmpdir(), 'soulrecall-env-'));
    });
    afterEach(() => rmSync(folder, { recursive: true, force: true }));

    it('resolves the module relative to the project file', () => {
      const local = parseProjectConfig(text, join(folder, 'soulrecall.yaml'));
      mkdirSync(join(folder, 'dist'));
      writeFileSync(join(folder, 'dist', 'agent.wasm'), '\0asm');
      expect(agentWasmPath(local, findAgent(local, 'my-agent'))).to.equal(join(folder, 'dist', 'agent.wasm'));
    });

    it('names the file and line of a module that does not exist', () => {
      const local = parseProjectConfig(text, join(folder, 'soulrecall.yaml'));
      expect(() => agentWasmPath(local, findAgent(local, 'my-agent'))).to.throw(
        ConfigError,
        `${join(folder, 'soulrecall.yaml')}:9: agents.my-agent.wasm names ${join(folder, 'dist', 'agent.wasm')}, which does not exist.`,
      );
    });

    it('asks for -w when the agent has no module configured', () => {
      expect(() => agentWasmPath(config, findAgent(config, 'bare'))).to.throw(
        SoulrecallError,
        /has no module to deploy/,
      );
    });
  });
});

describe('--network of read commands: an environment, else a bare network', () => {
  const config = parseProjectConfig(text, '/project/soulrecall.yaml');
  const inProject = { config } as unknown as Session;
  const outside = {} as Session;
  const read = { acceptNetwork: true };

  const networks: Array<[string, Pick<EnvironmentConfig, 'networkKind' | 'networkUrl' | 'rootKey'> | undefined]> = [
    ['ic', { networkKind: 'ic', networkUrl: 'https://icp-api.io', rootKey: 'builtin-mainnet' }],
    ['local', { networkKind: 'local', networkUrl: 'http://127.0.0.1:4943', rootKey: 'fetched' }],
    ['http://127.0.0.1:4950/', { networkKind: 'url', networkUrl: 'http://127.0.0.1:4950', rootKey: 'fetched' }],
    // Mainnet by URL keeps the built-in root key: a fetched one would prove nothing.
    ['https://ic0.app', { networkKind: 'ic', networkUrl: 'https://ic0.app', rootKey: 'builtin-mainnet' }],
    ['staging', undefined],
    ['127.0.0.1:4943', undefined],
    ['ftp://127.0.0.1:4943', undefined],
    ['http://', undefined],
  ];
  for (const [value, expected] of networks) {
    it(`outside a project, --network ${value} is ${expected ? `${expected.networkKind} at ${expected.networkUrl}` : 'refused with exit 2'}`, () => {
      if (expected) {
        const environment = requireEnvironment(outside, value, read);
        expect(environment).to.deep.include({ ...expected, name: value, network: value, protected: true, aliases: [] });
        expect(environmentOfNetwork(value)).to.deep.equal(environment);
      } else {
        expect(environmentOfNetwork(value)).to.equal(undefined);
        expect(() => requireEnvironment(outside, value, read))
          .to.throw(SoulrecallError, `--network "${value}" is neither`)
          .that.satisfies(
            (error: SoulrecallError) =>
              error.exitCode === ExitCode.Usage && error.code === 'UNKNOWN_NETWORK' && /--network ic/.test(error.hint!),
          );
      }
    });
  }

  it('in a project, names and aliases win; a bare network is taken only by read commands', () => {
    expect(requireEnvironment(inProject, 'local', read)).to.equal(config.environments.find((e) => e.name === 'local'));
    expect(requireEnvironment(inProject, 'prod', read).name).to.equal('production');
    expect(requireEnvironment(inProject, 'ic', read)).to.deep.include({ name: 'ic', networkKind: 'ic' });
    expect(() => requireEnvironment(inProject, 'ic')).to.throw(SoulrecallError, 'Unknown environment "ic".');
    expect(() => requireEnvironment(inProject, 'qa', read)).to.throw(SoulrecallError, 'Unknown environment "qa".');
    expect(() => requireEnvironment(outside, 'ic')).to.throw(SoulrecallError, '--network needs a soulrecall.yaml');
  });
});
