#!/usr/bin/env node
// The soulrecall demo: runs the real binary against real local networks in a temporary folder,
// printing each command before it runs so a newcomer sees how soulrecall is used.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'bin', 'run.js');
const work = mkdtempSync(join(tmpdir(), 'soulrecall-demo-'));
const env = { ...process.env, SOULRECALL_HOME: join(work, 'home') };
const networks = [
  { env: 'local', port: 4943 },
  { env: 'staging', port: 4944 },
  { env: 'production', port: 4945 },
];

function soulrecall(...args) {
  process.stdout.write(`\n$ soulrecall ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: join(work, 'project'), env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`soulrecall ${args.join(' ')} exited with ${result.status}`);
}

mkdirSync(join(work, 'project', 'agent'), { recursive: true });
cpSync(join(repo, 'examples', 'soulrecall.yaml'), join(work, 'project', 'soulrecall.yaml'));
cpSync(join(repo, 'examples', 'agent', 'dist'), join(work, 'project', 'agent', 'dist'), { recursive: true });
console.log(`soulrecall demo in ${work}`);
let started = [];
try {
  soulrecall('env', 'list');
  for (const network of networks) {
    soulrecall('network', 'start', '--port', String(network.port), '--background');
    started.push(network);
  }
  soulrecall('network', 'status', '--port', '4945');
} finally {
  for (const network of started) soulrecall('network', 'stop', '--port', String(network.port));
  rmSync(work, { recursive: true, force: true });
}
console.log('\nDemo finished: every command above ran against real local networks.');
