#!/usr/bin/env node
// bench/startup: how long soulrecall takes to start, against bare Node (`node -e 0`), measured
// side by side: every command once per round, rounds repeated, medians reported, so machine load
// affects every column alike. Usage: node bench/startup/run.mjs [rounds=21]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../support.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repo, 'bin', 'run.js');
const rounds = Number(process.argv[2] ?? 21);
const work = mkdtempSync(join(tmpdir(), 'soulrecall-bench-startup-'));
const project = join(work, 'project');
const outside = join(work, 'outside');
const env = { ...process.env, SOULRECALL_HOME: join(work, 'home'), CI: '1' };
mkdirSync(project, { recursive: true });
mkdirSync(outside, { recursive: true });
// A project with the guide's three environments; nothing here contacts a network.
writeFileSync(
  join(project, 'soulrecall.yaml'),
  `pipeline: [local, staging, production]
environments:
  local: { network: "http://127.0.0.1:4943" }
  staging: { network: "http://127.0.0.1:4944" }
  production: { network: "http://127.0.0.1:4945", protected: true }
agents:
  my-agent: { wasm: ./agent.wasm }
`,
);

// The floor oclif itself sets: import @oclif/core and load the CLI's configuration (every
// plugin's manifest), and run no command.
const oclifFloor = join(work, 'oclif-floor.mjs');
writeFileSync(
  oclifFloor,
  `process.env.OCLIF_DISABLE_ENGINE_WARNING = 'true';
const { Config } = await import(${JSON.stringify(join(repo, 'node_modules', '@oclif', 'core', 'lib', 'index.js'))});
const { cliLoadOptions } = await import(${JSON.stringify(join(repo, 'node_modules', '@soulrecall', 'core', 'dist', 'plugins', 'bundled.js'))});
await Config.load(cliLoadOptions(${JSON.stringify(`${repo}/`)}));
`,
);

const commands = [
  { name: 'node -e 0', args: ['-e', '0'], cwd: project },
  { name: 'soulrecall --version', args: [bin, '--version'], cwd: project },
  { name: 'oclif floor (import + Config.load, no command)', args: [oclifFloor], cwd: project },
  { name: 'soulrecall --help', args: [bin, '--help'], cwd: project },
  { name: 'soulrecall list (empty store, in a project)', args: [bin, 'list'], cwd: project },
  { name: 'soulrecall list (empty store, no project)', args: [bin, 'list'], cwd: outside },
  { name: 'soulrecall promote list my-agent (empty store)', args: [bin, 'promote', 'list', 'my-agent'], cwd: project },
  { name: 'soulrecall env list', args: [bin, 'env', 'list'], cwd: project },
];
const times = commands.map(() => []);
try {
  // One untimed run of each first, to warm the page cache.
  for (const command of commands) spawnSync(process.execPath, command.args, { cwd: command.cwd, env });
  for (let round = 0; round < rounds; round++) {
    commands.forEach((command, i) => {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, command.args, { cwd: command.cwd, env, encoding: 'utf8' });
      times[i].push(Number(process.hrtime.bigint() - started) / 1e6);
      if (result.status !== 0) throw new Error(`${command.name} exited ${result.status}: ${result.stderr}`);
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const bare = median(times[0]);
console.log(
  JSON.stringify(
    {
      rounds,
      node: process.version,
      commands: commands.map((command, i) => ({
        command: command.name,
        medianMs: Math.round(median(times[i])),
        ratioToNode: +(median(times[i]) / bare).toFixed(2),
      })),
    },
    null,
    2,
  ),
);
