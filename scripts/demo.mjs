#!/usr/bin/env node
// The soulrecall demo: the real binary against three real local IC networks (local, staging,
// production), in a temporary folder, printing each command before it runs so a newcomer sees
// how soulrecall is used. Nothing outside the temporary folder is touched.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

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

// Returns what the command printed (shown as it is), so the demo can check what it claims.
function run(display, file, args) {
  process.stdout.write(`\n$ ${display}\n`);
  const result = spawnSync(process.execPath, [file, ...args], {
    cwd: project,
    env,
    stdio: ['inherit', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  process.stdout.write(result.stdout ?? '');
  if (result.status !== 0) throw new Error(`\`${display}\` exited with ${result.status}`);
  return result.stdout;
}

const soulrecall = (...args) => run(`soulrecall ${args.join(' ')}`, bin, args);
// The agent's own client (an app would do the same): reads the live id where soulrecall keeps it in the project folder.
const clientPath = join(repo, 'examples', 'agent', 'client.mjs');
const client = (...args) =>
  run(`node ${clientPath} ${args.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')}`, clientPath, args);
const production = (...args) => client('production', 'http://127.0.0.1:4945', ...args);

// The tool canister's answer is the evidence of the inter-canister call: only tool.mo writes
// "N memories, W words; latest: ...", so the demo stops if the agent answered anything else.
function reflectThroughTool(expectedMemories, latest) {
  const answer = production('reflect');
  const count = `${expectedMemories} ${expectedMemories === 1 ? 'memory' : 'memories'}`;
  if (!answer.includes(count) || !answer.includes(`latest: "${latest}"`)) {
    throw new Error(`the agent's answer did not come through its tool with ${count} (latest "${latest}"): ${answer}`);
  }
}

// Two reads of the agent's 2-second recurring timer, a few seconds apart: the count must grow.
async function timerTicking() {
  const ticks = (text) => Number(/fired (\d+) times/.exec(text)?.[1]);
  const before = ticks(production('ticks'));
  process.stdout.write('\n(waiting 5 seconds for the timer)\n');
  await sleep(5000);
  const after = ticks(production('ticks'));
  if (!(after > before)) throw new Error(`the agent's timer did not fire in 5 s (${before} then ${after} firings)`);
}

mkdirSync(join(project, 'agent'), { recursive: true });
cpSync(join(repo, 'examples', 'soulrecall.yaml'), join(project, 'soulrecall.yaml'));
cpSync(join(repo, 'examples', 'agent', 'dist'), join(project, 'agent', 'dist'), { recursive: true });
console.log(`soulrecall demo in ${work}`);
const started = [];
try {
  heading('The project: a pipeline of three environments, the agent and its tool (soulrecall.yaml)');
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
  production('remember', 'the user prefers green tea');
  production('version');

  heading("The agent's tool: a second canister it calls (an inter-canister call), and its timer");
  soulrecall('deploy', 'my-tool', '-e', 'prod', '--yes');
  // An operator's step: only a controller of the agent may point it at a tool.
  production('set-tool');
  reflectThroughTool(1, 'the user prefers green tea');
  await timerTicking();

  heading('Version 2: deploy to local, promote to staging and production (in place: memories kept)');
  soulrecall('deploy', 'my-agent', '-e', 'local', '-w', 'agent/dist/agent-v2.wasm');
  soulrecall('promote', 'my-agent', '--from', 'local');
  soulrecall('promote', 'my-agent', '--from', 'staging', '--to', 'production', '--yes');
  production('version');
  production('recall');
  // The tool setting and the timer are agent state too: the upgraded agent still calls its tool.
  reflectThroughTool(1, 'the user prefers green tea');
  await timerTicking();

  heading('Version 3, blue-green: a new canister gets the memories, then takes over after a short write pause');
  production('remember', 'the user is learning Japanese');
  soulrecall('deploy', 'my-agent', '-e', 'local', '-w', 'agent/dist/agent-v3.wasm');
  soulrecall('promote', 'my-agent', '--from', 'local');
  soulrecall('promote', 'my-agent', '--from', 'staging', '--to', 'prod', '--blue-green', '--yes');
  production('version');
  production('recall');
  // Green got the tool setting with the memories, and its own timer started at install.
  reflectThroughTool(2, 'the user is learning Japanese');
  await timerTicking();
  soulrecall('bluegreen', 'status', 'my-agent', '-e', 'prod');

  heading('Rollback to v2 (blue), carrying what green learned since the switch back into it');
  production('remember', 'the user travels to Kyoto in May');
  const green = JSON.parse(readFileSync(join(project, 'canister_ids.json'), 'utf8'))['my-agent'].production;
  soulrecall('rollback', green, '--carry-state', '--yes');
  production('version');
  production('recall');
  reflectThroughTool(3, 'the user travels to Kyoto in May');
  await timerTicking();

  heading('What ran where, and who put it there');
  soulrecall('list');
  soulrecall('promote', 'list', 'my-agent');
  const promotions = JSON.parse(
    spawnSync(process.execPath, [bin, 'promote', 'list', 'my-agent', '--json'], { cwd: project, env, encoding: 'utf8' })
      .stdout,
  );
  const latest = (promotions.promotions ?? promotions)[0];
  soulrecall('promote', 'show', latest.id);
} finally {
  heading('Stopping the networks');
  for (const network of started) soulrecall('network', 'stop', '--port', String(network.port));
  rmSync(work, { recursive: true, force: true });
}
console.log('\nDemo finished: every command above ran against real local IC networks.');
