import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHILD_TIMEOUT_MS, CliSandbox, repoRoot, STACK_TRACE, type CliResult } from '../helpers/cli.js';

const HISTORY_PLUGIN = '@soulrecall/plugin-history';

/**
 * `soulrecall plugins uninstall @soulrecall/plugin-history` cannot remove a core plugin, so this
 * builds what a user without it has: a copy of the CLI's root package.json whose
 * `oclif.plugins` lacks plugin-history (no manifest, so oclif reads the command folders), next
 * to symlinks to the real `dist` and `node_modules`, started by a bin that calls
 * `execute({ dir })` exactly like bin/run.js.
 */
class CliWithoutHistoryPlugin {
  readonly root = mkdtempSync(join(tmpdir(), 'soulrecall-cli-'));
  readonly sandbox = new CliSandbox();

  constructor() {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    pkg.oclif.plugins = (pkg.oclif.plugins as string[]).filter((name) => name !== HISTORY_PLUGIN);
    delete pkg.dependencies[HISTORY_PLUGIN];
    writeFileSync(join(this.root, 'package.json'), JSON.stringify(pkg, null, 2));
    symlinkSync(join(repoRoot, 'node_modules'), join(this.root, 'node_modules'), 'dir');
    symlinkSync(join(repoRoot, 'dist'), join(this.root, 'dist'), 'dir');
    mkdirSync(join(this.root, 'bin'));
    writeFileSync(join(this.root, 'bin', 'run.js'), "import { execute } from '@oclif/core';\nawait execute({ dir: import.meta.url });\n");
  }

  run(args: string[]): Promise<CliResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [join(this.root, 'bin', 'run.js'), ...args], { cwd: this.sandbox.home, env: this.sandbox.env(), stdio: 'pipe', timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ stdout, stderr, exitCode: code ?? -1 }));
      child.stdin.end();
    });
  }

  cleanup(): void {
    this.sandbox.cleanup();
    rmSync(this.root, { recursive: true, force: true });
  }
}

describe('soulrecall binary without plugin-history', function () {
  this.timeout(60_000);
  const cli = new CliWithoutHistoryPlugin();
  after(() => cli.cleanup());

  it('really lacks the plugin: `plugins --core` does not list it, plugin-promotion is there', async () => {
    const result = await cli.run(['plugins', '--core']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.include('@soulrecall/plugin-promotion');
    expect(result.stdout).to.not.include(HISTORY_PLUGIN);
  });

  for (const sub of ['list', 'show']) {
    it(`\`promote ${sub} x\` is not read as promoting an agent named "${sub}": it names the plugin and how to install it`, async () => {
      const result = await cli.run(['promote', sub, 'x']);
      expect(result.exitCode, result.stderr).to.equal(4);
      expect(result.stderr).to.include(`promote ${sub}`).and.include('history plugin');
      expect(result.stderr).to.include(`soulrecall plugins install ${HISTORY_PLUGIN}`);
      expect(result.stderr).to.not.match(STACK_TRACE);
      const json = await cli.run(['promote', sub, 'x', '--json']);
      expect(JSON.parse(json.stdout).error).to.include({ code: 'PLUGIN_MISSING', exitCode: 4 });
    });
  }
});
