// Loaded by mocha before any test file. Under tsx's loader a lazy `import('binaryen')` from the
// devnet's execution engine fails (its import.meta shim lacks `resolve`); importing binaryen once
// here, outside any transformed file, lets the in-process devnets of the tests lower Motoko
// modules as they do in production, where no loader is involved.
import 'binaryen';
import { createHook } from 'node:async_hooks';

// mocha runs without `exit: true`, so a test that leaves a server, socket, child process, worker
// or timer open keeps the process alive after the summary. Rather than let CI hang until its time
// limit with no clue, say what is still open and fail the run. The timer starts in the global
// teardown, which mocha runs after the summary (and after every root `after` hook), and it is
// unref'd: it fires only if something else keeps the process alive that long after the last test.
const LEAK_GRACE_MS = 15_000;

// Where each handle was opened costs a stack trace per resource (and async_hooks slow promises
// down), so it is recorded only on request: the report names this variable.
const STACKS_VARIABLE = 'TEST_OPEN_HANDLE_STACKS';
const creationStacks = process.env[STACKS_VARIABLE] === '1' ? trackCreationStacks() : undefined;

export function mochaGlobalTeardown() {
  setTimeout(reportOpenHandles, LEAK_GRACE_MS).unref();
}

function reportOpenHandles() {
  const open = describeOpenHandles();
  const lines = open.length > 0 ? open : ['nothing node can name (see process.getActiveResourcesInfo())'];
  const hint = creationStacks
    ? 'Close them where the test (or the code under test) opens them.'
    : `Close them where the test (or the code under test) opens them; ${STACKS_VARIABLE}=1 shows where each was opened.`;
  process.stderr.write(
    `\nThe test run finished but ${open.length} handle(s) are still open, so node cannot exit:\n` +
      `${lines.map((line) => `  - ${line.replaceAll('\n', '\n    ')}`).join('\n')}\n${hint}\n`,
  );
  // mocha's own exit listener sets the exit code to the number of failures; this one runs after it.
  process.on('exit', () => {
    if (!process.exitCode) process.exitCode = 1;
  });
  process.exit(1);
}

function describeOpenHandles() {
  const stdio = new Set([process.stdin, process.stdout, process.stderr]);
  // Node lists only handles that keep the loop alive (ref'd), so unref'd ones are not reported.
  const handles = process._getActiveHandles().filter((handle) => !stdio.has(handle));
  const described = handles.map((handle) => withStack(describeHandle(handle), asyncIdOf(handle)));
  // Timers, immediates and pending requests (DNS, fs) are not in the handle list; the resource list
  // names them: its requests come first, ref'd timers and immediates last.
  const resources = process.getActiveResourcesInfo();
  const requests = resources.slice(0, process._getActiveRequests().length).map((type) => `a pending ${type} request`);
  const timers = resources.filter((type) => type === 'Timeout' || type === 'Immediate');
  const timerLines = creationStacks
    ? [...creationStacks.values()]
        .filter(({ resource }) => resource?.hasRef?.() === true)
        .map(({ type, stack }) => `a ${type} (setTimeout, setInterval or setImmediate), opened\n${stack}`)
    : timers.map((type) => `a ${type} (a setTimeout, setInterval or setImmediate still pending and not unref'd)`);
  return [...described, ...requests, ...timerLines];
}

function describeHandle(handle) {
  const kind = handle?.constructor?.name ?? typeof handle;
  if (Array.isArray(handle.spawnargs)) return `${kind} pid ${handle.pid}: ${handle.spawnargs.join(' ')}`;
  if (typeof handle.threadId === 'number') return `${kind} thread ${handle.threadId}`;
  if (typeof handle.address === 'function') {
    const local = safely(() => handle.address());
    const remote = handle.remoteAddress ? ` to ${handle.remoteAddress}:${handle.remotePort}` : '';
    if (local && typeof local === 'object' && 'port' in local)
      return `${kind} on ${local.address}:${local.port}${remote}`;
    if (typeof local === 'string') return `${kind} on ${local}${remote}`;
    // A socket without an address is a pipe: a child process's stdio, or an IPC channel.
    if (handle._handle?.constructor?.name === 'Pipe') return `${kind} on a pipe (a child process's stdio or IPC?)`;
  }
  return kind;
}

function asyncIdOf(handle) {
  return safely(() => handle._handle?.getAsyncId?.()) ?? safely(() => handle.getAsyncId?.());
}

function withStack(line, asyncId) {
  const stack = asyncId === undefined ? undefined : creationStacks?.get(asyncId)?.stack;
  return stack ? `${line}, opened\n${stack}` : line;
}

function trackCreationStacks() {
  const stacks = new Map();
  createHook({
    init(asyncId, type, _triggerAsyncId, resource) {
      if (type === 'PROMISE') return;
      // The first frames are async_hooks' own; the rest say who opened the resource.
      const frames = (new Error().stack ?? '').split('\n').slice(1);
      const stack = frames
        .filter((frame) => !frame.includes('node:internal/async_hooks'))
        .slice(0, 12)
        .join('\n');
      stacks.set(asyncId, { type, stack, resource: type === 'Timeout' || type === 'Immediate' ? resource : undefined });
    },
    destroy(asyncId) {
      stacks.delete(asyncId);
    },
  }).enable();
  return stacks;
}

function safely(read) {
  try {
    return read();
  } catch {
    return undefined;
  }
}
