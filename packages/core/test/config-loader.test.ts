import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/config/errors.js';
import { loadProjectConfig, parseProjectConfig } from '../src/config/loader.js';
import { ExitCode } from '../src/errors.js';

const valid = `
pipeline: [local, staging, production]
environments:
  local:      { network: local }
  staging:    { network: "http://127.0.0.1:4944" }
  production: { network: ic, aliases: [prod], protected: true, identity: prod-deployer }
agents:
  my-agent:
    wasm: dist/agent.wasm
    health: { method: health }
`;

describe('soulrecall.yaml loader', () => {
  it('reads a valid project file and resolves every network', () => {
    const config = parseProjectConfig(valid, '/p/soulrecall.yaml');
    expect(config.root).to.equal('/p');
    expect(config.pipeline).to.deep.equal(['local', 'staging', 'production']);
    const [local, staging, production] = config.environments;
    expect(local).to.include({
      name: 'local',
      networkKind: 'local',
      networkUrl: 'http://127.0.0.1:4943',
      rootKey: 'fetched',
      protected: false,
    });
    expect(staging).to.include({ networkKind: 'url', networkUrl: 'http://127.0.0.1:4944', rootKey: 'fetched' });
    expect(production).to.include({
      networkKind: 'ic',
      networkUrl: 'https://icp-api.io',
      rootKey: 'builtin-mainnet',
      protected: true,
      identity: 'prod-deployer',
    });
    expect(production!.aliases).to.deep.equal(['prod']);
    expect(config.agents).to.deep.equal([
      { name: 'my-agent', wasm: 'dist/agent.wasm', wasmLine: 9, health: { method: 'health' } },
    ]);
  });

  it('treats mainnet written as a URL as mainnet: built-in root key, never fetched', () => {
    const config = parseProjectConfig(
      'environments:\n  a: { network: "https://icp-api.io" }\n  b: { network: "https://ic0.app/" }\n  c: { network: "https://example.org" }\n',
      '/p/soulrecall.yaml',
    );
    expect(config.environments.map((e) => [e.networkKind, e.rootKey])).to.deep.equal([
      ['ic', 'builtin-mainnet'],
      ['ic', 'builtin-mainnet'],
      ['url', 'fetched'],
    ]);
  });

  it("keeps each plugin's settings under `plugins` as they are written, for the plugin to check (none: empty)", () => {
    const config = parseProjectConfig(
      'environments:\n  local: { network: local }\nplugins:\n  notify: { webhook: "https://hooks.example.com/x", retries: 2, tags: [a] }\n',
      '/p/soulrecall.yaml',
    );
    expect(config.plugins).to.deep.equal({
      notify: { webhook: 'https://hooks.example.com/x', retries: 2, tags: ['a'] },
    });
    expect(
      parseProjectConfig('environments:\n  local: { network: local }\n', '/p/soulrecall.yaml').plugins,
    ).to.deep.equal({});
  });

  it('defaults the pipeline to the order environments are declared in', () => {
    const config = parseProjectConfig(
      'environments:\n  dev: { network: local }\n  qa: { network: "https://qa.example.org/" }\n',
      '/p/soulrecall.yaml',
    );
    expect(config.pipeline).to.deep.equal(['dev', 'qa']);
    expect(config.environments[1]!.networkUrl).to.equal('https://qa.example.org');
    expect(config.agents).to.deep.equal([]);
  });

  // Each invalid file gets its own code, message and line.
  const invalid: Array<{ name: string; text: string; code: string; line?: number; message: RegExp }> = [
    {
      name: 'invalid YAML',
      text: 'environments:\n  local: { network: local\n',
      code: 'CONFIG_INVALID_YAML',
      line: 2,
      message: /invalid YAML/,
    },
    {
      name: 'duplicate YAML key',
      text: 'environments:\n  local: { network: local }\n  local: { network: local }\n',
      code: 'CONFIG_INVALID_YAML',
      line: 3,
      message: /invalid YAML: Map keys must be unique/,
    },
    { name: 'empty file', text: '', code: 'CONFIG_EMPTY', message: /the file is empty/ },
    {
      name: 'top level is a list',
      text: '- local\n',
      code: 'CONFIG_NOT_A_MAPPING',
      line: 1,
      message: /must be a mapping/,
    },
    {
      name: 'unknown top-level key',
      text: 'environments:\n  local: { network: local }\nstages: [local]\n',
      code: 'CONFIG_UNKNOWN_KEY',
      line: 3,
      message: /unknown key "stages"/,
    },
    {
      name: 'plugins that is a list',
      text: 'environments:\n  local: { network: local }\nplugins: [notify]\n',
      code: 'CONFIG_INVALID_VALUE',
      line: 3,
      message: /`plugins` must be a mapping/,
    },
    {
      name: 'a plugin section that is not a mapping',
      text: 'environments:\n  local: { network: local }\nplugins:\n  notify: https://x.example\n',
      code: 'CONFIG_INVALID_VALUE',
      line: 4,
      message: /plugins\.notify must be a mapping/,
    },
    {
      name: 'unknown environment key',
      text: 'environments:\n  local:\n    network: local\n    protect: true\n',
      code: 'CONFIG_UNKNOWN_KEY',
      line: 4,
      message: /unknown key "environments\.local\.protect"/,
    },
    {
      name: 'unknown agent key',
      text: 'environments:\n  local: { network: local }\nagents:\n  a:\n    wasm: a.wasm\n    healthcheck: x\n',
      code: 'CONFIG_UNKNOWN_KEY',
      line: 6,
      message: /unknown key "agents\.a\.healthcheck"/,
    },
    {
      name: 'no environments',
      text: 'pipeline: [local]\n',
      code: 'CONFIG_NO_ENVIRONMENTS',
      line: 1,
      message: /`environments` must be a mapping/,
    },
    {
      name: 'pipeline names an undefined environment',
      text: 'pipeline: [local, staging]\nenvironments:\n  local: { network: local }\n',
      code: 'CONFIG_UNKNOWN_ENVIRONMENT',
      line: 1,
      message: /pipeline names "staging", which is not defined/,
    },
    {
      name: 'pipeline lists an environment twice',
      text: 'pipeline: [local, dev]\nenvironments:\n  local: { network: local, aliases: [dev] }\n',
      code: 'CONFIG_DUPLICATE_NAME',
      line: 1,
      message: /lists environment local twice/,
    },
    {
      name: 'pipeline is not a list',
      text: 'pipeline: local\nenvironments:\n  local: { network: local }\n',
      code: 'CONFIG_INVALID_VALUE',
      line: 1,
      message: /`pipeline` must be a non-empty list/,
    },
    {
      name: 'alias equal to another environment name',
      text: 'environments:\n  staging: { network: local }\n  production: { network: ic, aliases: [staging] }\n',
      code: 'CONFIG_DUPLICATE_NAME',
      line: 3,
      message: /"staging" names two environments \(staging and production\)/,
    },
    {
      name: 'same alias on two environments',
      text: 'environments:\n  a: { network: local, aliases: [x] }\n  b: { network: ic, aliases: [x] }\n',
      code: 'CONFIG_DUPLICATE_NAME',
      line: 3,
      message: /"x" names two environments \(a and b\)/,
    },
    {
      name: 'invalid URL',
      text: 'environments:\n  staging:\n    network: "htp//127.0.0.1:4944"\n',
      code: 'CONFIG_INVALID_URL',
      line: 3,
      message: /environments\.staging\.network "htp\/\/127\.0\.0\.1:4944" is neither/,
    },
    {
      name: 'URL with another scheme',
      text: 'environments:\n  staging: { network: "ftp://example.org" }\n',
      code: 'CONFIG_INVALID_URL',
      line: 2,
      message: /not a valid http\(s\) URL|is neither/,
    },
    {
      name: 'network missing',
      text: 'environments:\n  staging: { protected: true }\n',
      code: 'CONFIG_MISSING_KEY',
      line: 2,
      message: /environments\.staging\.network is missing/,
    },
    {
      name: 'protected is not a boolean',
      text: 'environments:\n  prod: { network: ic, protected: "yes" }\n',
      code: 'CONFIG_INVALID_VALUE',
      line: 2,
      message: /protected must be true or false/,
    },
    {
      name: 'aliases is not a list',
      text: 'environments:\n  production: { network: ic, aliases: prod }\n',
      code: 'CONFIG_INVALID_VALUE',
      line: 2,
      message: /aliases must be a list/,
    },
    {
      name: 'invalid environment name',
      text: 'environments:\n  "my env": { network: local }\n',
      code: 'CONFIG_INVALID_NAME',
      line: 2,
      message: /environment name "my env" is not valid/,
    },
    {
      name: 'health without method',
      text: 'environments:\n  local: { network: local }\nagents:\n  a: { health: {} }\n',
      code: 'CONFIG_MISSING_KEY',
      line: 4,
      message: /agents\.a\.health\.method is missing/,
    },
    {
      name: 'identity is not a string',
      text: 'environments:\n  local: { network: local, identity: 42 }\n',
      code: 'CONFIG_INVALID_VALUE',
      line: 2,
      message: /environments\.local\.identity must be a non-empty string/,
    },
  ];

  for (const testCase of invalid) {
    it(`rejects ${testCase.name} with a precise message`, () => {
      let caught: unknown;
      try {
        parseProjectConfig(testCase.text, '/p/soulrecall.yaml');
      } catch (error) {
        caught = error;
      }
      expect(caught, 'an error').to.be.instanceOf(ConfigError);
      const error = caught as ConfigError;
      expect(error.code).to.equal(testCase.code);
      expect(error.exitCode).to.equal(ExitCode.Config);
      expect(error.message).to.match(testCase.message);
      expect(
        error.message.startsWith(
          testCase.line === undefined ? '/p/soulrecall.yaml: ' : `/p/soulrecall.yaml:${testCase.line}: `,
        ),
        error.message,
      ).to.equal(true);
      expect(error.hint, 'a hint').to.be.a('string').and.not.equal('');
      expect(error.message).not.to.include('\n');
    });
  }

  describe('finding the file', () => {
    let folder: string;
    beforeEach(() => {
      folder = mkdtempSync(join(tmpdir(), 'soulrecall-config-'));
    });
    afterEach(() => rmSync(folder, { recursive: true, force: true }));

    it('walks up from the working folder', () => {
      writeFileSync(join(folder, 'soulrecall.yaml'), valid);
      mkdirSync(join(folder, 'a', 'b'), { recursive: true });
      const config = loadProjectConfig({ cwd: join(folder, 'a', 'b') });
      expect(config.file).to.equal(join(folder, 'soulrecall.yaml'));
    });

    it('loaded twice (prestart, then the command), gives each caller its own copy, and reads a changed file again', () => {
      const file = join(folder, 'soulrecall.yaml');
      writeFileSync(file, valid);
      const first = loadProjectConfig({ cwd: folder });
      first.pipeline.push('changed by its caller');
      const second = loadProjectConfig({ cwd: folder });
      expect(second).to.deep.equal(parseProjectConfig(valid, file));
      writeFileSync(file, valid.replace(/^pipeline:.*$/m, 'pipeline: [local]'));
      expect(loadProjectConfig({ cwd: folder }).pipeline).to.deep.equal(['local']);
    });

    it('says so when no soulrecall.yaml exists up the tree', () => {
      expect(() => loadProjectConfig({ cwd: folder })).to.throw(
        ConfigError,
        /no soulrecall\.yaml in this folder or any parent folder/,
      );
    });

    it('requires the file given with --config to exist', () => {
      expect(() => loadProjectConfig({ cwd: folder, configPath: 'missing.yaml' }))
        .to.throw(ConfigError, /missing\.yaml: the configuration file given with --config does not exist/)
        .with.property('code', 'CONFIG_NOT_FOUND');
    });

    it('refuses a folder given with --config', () => {
      expect(() => loadProjectConfig({ cwd: folder, configPath: '.' })).to.throw(
        ConfigError,
        /is a folder, not a file/,
      );
    });
  });
});
