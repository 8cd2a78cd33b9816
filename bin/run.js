#!/usr/bin/env node
// Ctrl+C or a SIGTERM before a command installs its own handler (a promotion journals where it
// stopped, then exits 130) still ends with the documented exit code 130, not the shell's 128+n.
// Installed before oclif is even loaded, so no instant of start-up escapes it.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) process.exit(130);
  });
}

// A team's history in PostgreSQL: its connection starts now, alongside loading oclif, rather
// than after (bench/history-plugin). Help, version and shell completion never open the store
// (completion runs on every TAB, with the words being completed as its arguments).
const args = process.argv.slice(2);
const storeless = ['__complete', 'autocomplete'].includes(args[0]) || args.some((arg) => ['--version', '-v', '--help', '-h', 'help'].includes(arg));
if (args.length > 0 && !storeless) {
  await import('@soulrecall/core').then(({ prestartHistory }) => prestartHistory(args)).catch(() => {});
}

const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
