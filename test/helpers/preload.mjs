// Loaded by mocha before any test file. Under tsx's loader a lazy `import('binaryen')` from the
// devnet's execution engine fails (its import.meta shim lacks `resolve`); importing binaryen once
// here, outside any transformed file, lets the in-process devnets of the tests lower Motoko
// modules as they do in production, where no loader is involved.
import 'binaryen';

// mocha runs without `exit: true`, so a test that leaves a server, socket, child process, worker
// or timer open keeps the process alive after the summary. Rather than let CI hang until its time
// limit with no clue, say what is still open and fail the run. The timer is unref'd: it fires only
// if something else keeps the process alive that long after the last test.
const LEAK_GRACE_MS = 15_000;

export const mochaHooks = {
  afterAll() {
    setTimeout(() => {
      const open = describeOpenHandles();
      process.stderr.write(`\nThe test run finished but ${open.length} handle(s) are still open, so node cannot exit:\n${open.map((line) => `  - ${line}`).join('\n')}\nClose them where the test (or the code under test) opens them.\n`);
      // mocha's own exit listener sets the exit code to the number of failures; this one runs after it.
      process.on('exit', () => {
        process.exitCode = 1;
      });
      process.exit(1);
    }, LEAK_GRACE_MS).unref();
  },
};

function describeOpenHandles() {
  const stdio = new Set([process.stdin, process.stdout, process.stderr]);
  const handles = process._getActiveHandles().filter((handle) => !stdio.has(handle) && (typeof handle.hasRef !== 'function' || handle.hasRef()));
  const described = handles.map(describeHandle);
  // Timers and other requests are not handles in _getActiveHandles; name them by resource type.
  const resources = process.getActiveResourcesInfo().filter((type) => type === 'Timeout' || type === 'Immediate');
  return [...described, ...resources.map((type) => `a ${type} (a setTimeout, setInterval or setImmediate still pending, perhaps unref'd)`)];
}

function describeHandle(handle) {
  const kind = handle?.constructor?.name ?? typeof handle;
  if (typeof handle.spawnargs !== 'undefined') return `${kind} pid ${handle.pid}: ${handle.spawnargs.join(' ')}`;
  if (typeof handle.address === 'function') {
    const local = safely(() => handle.address());
    const remote = handle.remoteAddress ? ` to ${handle.remoteAddress}:${handle.remotePort}` : '';
    if (local && typeof local === 'object') return `${kind} on ${local.address}:${local.port}${remote}`;
    if (typeof local === 'string') return `${kind} on ${local}${remote}`;
  }
  if (typeof handle.threadId === 'number') return `${kind} thread ${handle.threadId}`;
  return kind;
}

function safely(read) {
  try {
    return read();
  } catch {
    return undefined;
  }
}
