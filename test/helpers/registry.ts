/**
 * A real npm registry for end-to-end tests: Verdaccio on a loopback port, its storage in a
 * temporary folder. The `@soulrecall` scope and the packages named in `localPackages` live
 * only there (published by the test); everything else is proxied from the registry npm
 * already uses, read at run time (`npm config get registry`), so the tests hold no registry
 * host. npm is pointed at it through its own userconfig file: `npmEnv()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.js';

const require = createRequire(import.meta.url);
const verdaccioBin = join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');

/**
 * Every package `npm install -g soulrecall` needs from us (folders in the repository), published as `npm run build`
 * left them.
 */
export const PUBLISHED_PACKAGES = [
  'packages/bls',
  'packages/canister-client',
  'packages/history-store',
  'packages/devnet',
  'packages/core',
  'plugins/plugin-network',
  'plugins/plugin-promotion',
  'plugins/plugin-blue-green',
  'plugins/plugin-history',
  '.',
];

export interface Registry {
  url: string;
  /** An npm userconfig that reads and publishes here (token included). */
  npmrc: string;
  /** Environment for npm and for soulrecall (its plugins install through npm). */
  npmEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** `npm publish` of a package folder (built beforehand). */
  publish(packageDir: string): void;
  stop(): Promise<void>;
}

/**
 * better-sqlite3 installs a prebuilt binary from GitHub when it can and compiles SQLite (minutes
 * on two cores) when it cannot. GitHub is out of reach here, so every install in these tests
 * would compile. prebuild-install's documented offline source, a local prebuilds folder, gets
 * the binary the repository's own `npm install` built on this machine, under the file name
 * the download would have had; a version other than the repository's still compiles.
 */
function localPrebuilds(dir: string): string {
  const packageDir = dirname(require.resolve('better-sqlite3/package.json'));
  const { version } = require('better-sqlite3/package.json') as { version: string };
  const folder = join(dir, 'prebuilds');
  mkdirSync(folder);
  const file = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(folder, file), '-C', packageDir, 'build/Release/better_sqlite3.node']);
  return folder;
}

export async function startRegistry(localPackages: string[] = []): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'soulrecall-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const npmConfig = (key: string) => execFileSync('npm', ['config', 'get', key], { encoding: 'utf8' }).trim();
  const upstream = npmConfig('registry');
  const local = (name: string) => `  '${name}': { access: $all, publish: $authenticated }`;
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      `auth: { htpasswd: { file: ${join(dir, 'htpasswd')} } }`,
      `uplinks: { upstream: { url: '${upstream}', timeout: 60s } }`,
      'packages:',
      local('@soulrecall/*'),
      local('soulrecall'),
      ...localPackages.map(local),
      "  '**': { access: $all, publish: $authenticated, proxy: upstream }",
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [verdaccioBin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${output}`);
    const up = await fetch(`${url}-/ping`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`verdaccio did not answer within 30 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  // A user and its token without prompts; npm refuses to publish with no credential at all.
  const created = await fetch(`${url}-/user/org.couchdb.user:test`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'test', password: 'test-password' }),
  });
  const { token } = (await created.json()) as { token: string };
  const npmrc = join(dir, 'npmrc');
  const nodedir = npmConfig('nodedir');
  // The machine's own npm settings that matter for installs (native addons build against the
  // local Node headers) carry over; the registry and its token are this one.
  writeFileSync(
    npmrc,
    [
      `registry=${url}`,
      `//127.0.0.1:${port}/:_authToken=${token}`,
      ...(nodedir && nodedir !== 'undefined' ? [`nodedir=${nodedir}`] : []),
      'audit=false',
      'fund=false',
      'update-notifier=false',
      '',
    ].join('\n'),
  );

  const prebuilds = localPrebuilds(dir);
  const npmEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
    // npm run sets npm_config_* for its children; they would win over the userconfig.
    for (const key of Object.keys(env))
      if (/^npm_config_(registry|userconfig|prefix|global)$/i.test(key)) delete env[key];
    return { ...env, NPM_CONFIG_USERCONFIG: npmrc, npm_config_better_sqlite3_local_prebuilds: prebuilds };
  };
  return {
    url,
    npmrc,
    npmEnv,
    publish(packageDir) {
      try {
        execFileSync('npm', ['publish', '--registry', url], { cwd: packageDir, env: npmEnv(), stdio: 'pipe' });
      } catch (error) {
        throw new Error(
          `npm publish of ${packageDir} failed:\n${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`,
        );
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
