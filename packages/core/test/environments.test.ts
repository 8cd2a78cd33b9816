import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentWasmPath, environmentsInPipelineOrder, findAgent, nextStage, previousStage, resolveEnvironment } from '../src/config/environments.js';
import { ConfigError } from '../src/config/errors.js';
import { parseProjectConfig } from '../src/config/loader.js';
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
      .that.satisfies((error: SoulrecallError) => error.exitCode === ExitCode.NotFound && /production \(prod, live\)/.test(error.hint!));
  });

  it('orders environments by pipeline, outsiders last', () => {
    expect(environmentsInPipelineOrder(config).map((e) => e.name)).to.deep.equal(['local', 'staging', 'production', 'scratch']);
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
      expect(() => agentWasmPath(local, findAgent(local, 'my-agent')))
        .to.throw(ConfigError, `${join(folder, 'soulrecall.yaml')}:9: agents.my-agent.wasm names ${join(folder, 'dist', 'agent.wasm')}, which does not exist.`);
    });

    it('asks for -w when the agent has no module configured', () => {
      expect(() => agentWasmPath(config, findAgent(config, 'bare'))).to.throw(SoulrecallError, /has no module to deploy/);
    });
  });
});
