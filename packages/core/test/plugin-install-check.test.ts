import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoulrecallError } from '../src/index.js';
import { checkPluginBeforeInstall } from '../src/plugins/install-check.js';
import { freePort } from '../../../test/helpers/ports.js';

/** A registry that serves package documents from a map, over real HTTP. */
function registryServing(
  documents: Record<string, unknown>,
  status: Record<string, number> = {},
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const name = decodeURIComponent(request.url!.slice(1));
    const code = status[name] ?? (documents[name] ? 200 : 404);
    response
      .writeHead(code, { 'content-type': 'application/json' })
      .end(JSON.stringify(documents[name] ?? { error: 'not found' }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, server }),
    ),
  );
}

const plugin = (version: string, extra: Record<string, unknown> = {}) => ({
  name: '@acme/plugin-x',
  version,
  oclif: { commands: './dist/commands' },
  ...extra,
});
const refusal = async (promise: Promise<unknown>): Promise<SoulrecallError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SoulrecallError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('plugins install: checked before npm runs', () => {
  let server: Server;
  let url: string;
  const coreVersion = '0.1.0';
  const options = () => ({ registry: async () => url, coreVersion });

  before(async () => {
    ({ url, server } = await registryServing(
      {
        '@acme/plugin-x': {
          'dist-tags': { latest: '1.1.0', next: '2.0.0' },
          versions: {
            '1.0.0': plugin('1.0.0'),
            '1.1.0': plugin('1.1.0', { peerDependencies: { '@soulrecall/core': '^0.1.0' } }),
            '2.0.0': plugin('2.0.0', { dependencies: { '@soulrecall/core': '^2.0.0' } }),
          },
        },
        'left-pad': { 'dist-tags': { latest: '1.3.0' }, versions: { '1.3.0': { name: 'left-pad', version: '1.3.0' } } },
      },
      { '@acme/private': 403, '@acme/broken': 500 },
    ));
  });
  after(() => server.close());

  it('accepts a plugin whose @soulrecall/core range this core satisfies, by tag, version or range', async () => {
    expect(
      (await checkPluginBeforeInstall({ type: 'npm', name: '@acme/plugin-x', tag: 'latest' }, options()))?.version,
    ).to.equal('1.1.0');
    expect(
      (await checkPluginBeforeInstall({ type: 'npm', name: '@acme/plugin-x', tag: '1.0.0' }, options()))?.version,
    ).to.equal('1.0.0');
    expect(
      (await checkPluginBeforeInstall({ type: 'npm', name: '@acme/plugin-x', tag: '^1.0.0' }, options()))?.version,
    ).to.equal('1.1.0');
  });

  it('leaves a registry that wants credentials for reads to npm', async () => {
    expect(await checkPluginBeforeInstall({ type: 'npm', name: '@acme/private', tag: 'latest' }, options())).to.equal(
      undefined,
    );
  });

  const refusals: {
    what: string;
    request: Parameters<typeof checkPluginBeforeInstall>[0];
    registry?: string;
    code: string;
    exitCode: number;
    message: RegExp;
  }[] = [
    {
      what: 'a core range this CLI does not satisfy',
      request: { type: 'npm', name: '@acme/plugin-x', tag: 'next' },
      code: 'PLUGIN_CORE_MISMATCH',
      exitCode: 5,
      message: /^@acme\/plugin-x@2\.0\.0 needs @soulrecall\/core \^2\.0\.0, and this soulrecall has 0\.1\.0\.$/,
    },
    {
      what: 'a package that is not a plugin',
      request: { type: 'npm', name: 'left-pad', tag: 'latest' },
      code: 'PLUGIN_NOT_A_PLUGIN',
      exitCode: 5,
      message: /^left-pad@1\.3\.0 is not a soulrecall plugin/,
    },
    {
      what: 'a name the registry does not have',
      request: { type: 'npm', name: '@acme/nothing', tag: 'latest' },
      code: 'PLUGIN_NOT_FOUND',
      exitCode: 4,
      message: /^@acme\/nothing is not in the npm registry at http/,
    },
    {
      what: 'a version the registry does not have',
      request: { type: 'npm', name: '@acme/plugin-x', tag: '9.9.9' },
      code: 'PLUGIN_NOT_FOUND',
      exitCode: 4,
      message: /has no version 9\.9\.9/,
    },
    {
      what: 'a registry failing',
      request: { type: 'npm', name: '@acme/broken', tag: 'latest' },
      code: 'PLUGIN_REGISTRY_UNREACHABLE',
      exitCode: 6,
      message: /cannot be reached: it answered HTTP 500\.$/,
    },
    {
      what: 'a registry that is down',
      request: { type: 'npm', name: '@acme/plugin-x', tag: 'latest' },
      registry: 'CLOSED',
      code: 'PLUGIN_REGISTRY_UNREACHABLE',
      exitCode: 6,
      message: /^The npm registry at http:\/\/127\.0\.0\.1:\d+\/ cannot be reached: connection refused\.$/,
    },
  ];
  for (const { what, request, registry, code, exitCode, message } of refusals) {
    it(`refuses ${what} in one sentence with a hint`, async () => {
      const closed = async () => `http://127.0.0.1:${await freePort()}/`;
      const error = await refusal(
        checkPluginBeforeInstall(request, {
          registry: async () => (registry === 'CLOSED' ? await closed() : url),
          coreVersion,
        }),
      );
      expect({ code: error.code, exitCode: error.exitCode }).to.deep.equal({ code, exitCode });
      expect(error.message).to.match(message);
      expect(error.hint).to.be.a('string').and.not.equal('');
    });
  }

  describe('tarballs and folders', () => {
    let dir: string;
    const pack = (pkg: Record<string, unknown>): string => {
      const folder = join(dir, String(pkg.name));
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'package.json'), JSON.stringify(pkg));
      const file = execFileSync('npm', ['pack', '--pack-destination', dir], {
        cwd: folder,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
        .trim()
        .split('\n')
        .pop()!;
      return join(dir, file);
    };
    before(() => (dir = mkdtempSync(join(tmpdir(), 'soulrecall-tarballs-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a tarball’s package.json (an absolute or relative file: URL) and a folder’s', async () => {
      const tarball = pack({
        name: 'good-plugin',
        version: '1.0.0',
        oclif: {},
        peerDependencies: { '@soulrecall/core': '>=0.1.0' },
      });
      expect((await checkPluginBeforeInstall({ type: 'repo', url: `file:${tarball}` }, options()))?.name).to.equal(
        'good-plugin',
      );
      expect(
        (
          await checkPluginBeforeInstall(
            { type: 'repo', url: `file:${'../'.repeat(8)}${tarball}` },
            { ...options(), cwd: dir },
          )
        )?.name,
      ).to.equal('good-plugin');
      expect(
        (await checkPluginBeforeInstall({ type: 'repo', url: `file:${join(dir, 'good-plugin')}` }, options()))?.name,
      ).to.equal('good-plugin');
      expect(
        await checkPluginBeforeInstall({ type: 'repo', url: 'https://example.invalid/acme/plugin.git' }, options()),
      ).to.equal(undefined);
    });

    it('refuses a tarball that is not a plugin, one for another core, a file that is no tarball and a missing path', async () => {
      const cases: [string, string, RegExp][] = [
        [
          pack({ name: 'plain-package', version: '1.0.0' }),
          'PLUGIN_NOT_A_PLUGIN',
          /^plain-package is not a soulrecall plugin/,
        ],
        [
          pack({
            name: 'future-plugin',
            version: '1.0.0',
            oclif: {},
            peerDependencies: { '@soulrecall/core': '^9.0.0' },
          }),
          'PLUGIN_CORE_MISMATCH',
          /^future-plugin needs @soulrecall\/core \^9\.0\.0, and this soulrecall has 0\.1\.0\.$/,
        ],
        [
          (writeFileSync(join(dir, 'notes.tgz'), 'just text'), join(dir, 'notes.tgz')),
          'PLUGIN_NOT_A_PACKAGE',
          /is not an npm package: it is not a tarball holding package\/package\.json\.$/,
        ],
        [join(dir, 'nowhere.tgz'), 'PLUGIN_NOT_FOUND', /nowhere\.tgz does not exist\.$/],
      ];
      for (const [path, code, message] of cases) {
        const error = await refusal(checkPluginBeforeInstall({ type: 'repo', url: `file:${path}` }, options()));
        expect(error.code, path).to.equal(code);
        expect(error.message).to.match(message);
      }
    });
  });
});
