#!/usr/bin/env node
// The soulrecall demo: the real binary against three real local IC networks (local, staging,
// production), in a temporary folder, printing each command before it runs so a newcomer sees
// how soulrecall is used. Nothing outside the temporary folder is touched.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'bin', 'run.js');
const work = mkdtempSync(join(tmpdir(), 'soulrecall-demo-'));
const project = join(work, 'project');
const env = { ...process.env, SOULRECALL_HOME: join(work, 'home') };
const networks = [
  { env: 'local', port: 4943 },
  { env: 'staging', port: 4944 },
  { env: 'production', port: 4945 },
];

function heading(text) {
  process.stdout.write(`\n# ${text}\n`);
}

function run(display, file, args) {
  process.stdout.write(`\n$ ${display}\n`);
  const result = spawnSync(process.execPath, [file, ...args], { cwd: project, env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`\`${display}\` exited with ${result.status}`);
}

const soulrecall = (...args) => run(`soulrecall ${args.join(' ')}`, bin, args);
// The agent's own client (an app would do the same): reads the live id where soulrecall keeps it in the project folder.
const clientPath = join(repo, 'examples', 'agent', 'client.mjs');
const client = (...args) => run(`node ${clientPath} ${args.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')}`, clientPath, args);

mkdirSync(join(project, 'agent'), { recursive: true });
cpSync(join(repo, 'examples', 'soulrecall.yaml'), join(project, 'soulrecall.yaml'));
cpSync(join(repo, 'examples', 'agent', 'dist'), join(project, 'agent', 'dist'), { recursive: true });
console.log(`soulrecall demo in ${work}`);
const started = [];
try {
  heading('The project: a pipeline of three environments and one agent (soulrecall.yaml)');
  soulrecall('env', 'list');

  heading('Three local IC networks stand in for local, staging and production');
  for (const network of networks) {
    soulrecall('network', 'start', '--port', String(network.port), '--background');
    started.push(network);
  }

  heading('Version 1: deploy to local, then promote the exact same bytes along the pipeline');
  soulrecall('deploy', 'my-agent', '-e', 'local');
  soulrecall('promote', 'my-agent', '--from', 'local', '--to', 'staging');
  soulrecall('promote', 'my-agent', '--from', 'staging', '--to', 'prod', '--yes');

  heading('Production users give the agent a memory');
  client('production', 'http://127.0.0.1:4945', 'remember', 'the user prefers green tea');
  client('production', 'http://127.0.0.1:4945', 'version');

  heading('Version 2: deploy to local, promote to staging and production (in place: memories kept)');
  soulrecall('deploy', 'my-agent', '-e', 'local', '-w', 'agent/dist/agent-v2.wasm');
  soulrecall('promote', 'my-agent', '--from', 'local');
  soulrecall('promote', 'my-agent', '--from', 'staging', '--to', 'production', '--yes');
  client('production', 'http://127.0.0.1:4945', 'version');
  client('production', 'http://127.0.0.1:4945', 'recall');

  heading('Version 3, blue-green: a new canister gets the memories, then takes over after a short write pause');
  client('production', 'http://127.0.0.1:4945', 'remember', 'the user is learning Japanese');
  soulrecall('deploy', 'my-agent', '-e', 'local', '-w', 'agent/dist/agent-v3.wasm');
  soulrecall('promote', 'my-agent', '--from', 'local');
  soulrecall('promote', 'my-agent', '--from', 'staging', '--to', 'prod', '--blue-green', '--yes');
  client('production', 'http://127.0.0.1:4945', 'version');
  client('production', 'http://127.0.0.1:4945', 'recall');
  soulrecall('bluegreen', 'status', 'my-agent', '-e', 'prod');

  heading('What ran where, and who put it there');
  soulrecall('list');
  soulrecall('promote', 'list', 'my-agent');
  const promotions = JSON.parse(spawnSync(process.execPath, [bin, 'promote', 'list', 'my-agent', '--json'], { cwd: project, env, encoding: 'utf8' }).stdout);
  const latest = (promotions.promotions ?? promotions)[0];
  soulrecall('promote', 'show', latest.id);
} finally {
  heading('Stopping the networks');
  for (const network of started) soulrecall('network', 'stop', '--port', String(network.port));
  rmSync(work, { recursive: true, force: true });
}
console.log('\nDemo finished: every command above ran against real local IC networks.');
