#!/usr/bin/env node
// Ctrl+C or a SIGTERM before a command installs its own handler (a promotion journals where it
// stopped, then exits 130) still ends with the documented exit code 130, not the shell's 128+n.
// Installed before oclif is even loaded, so no instant of start-up escapes it.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) process.exit(130);
  });
}

const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
