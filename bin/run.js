#!/usr/bin/env node
import { fileURLToPath } from 'node:url';

// Ctrl+C or a SIGTERM before a command installs its own handler (a promotion journals where it
// stopped, then exits 130) still ends with the documented exit code 130, not the shell's 128+n.
// Installed before oclif is even loaded, so no instant of start-up escapes it.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) process.exit(130);
  });
}

// `soulrecall --version` needs nothing but package.json, so it is answered before oclif loads
// (which is about half of any command's start-up: bench/startup), with oclif's own rule (the first
// argument) and text (Config#userAgent, which test/cli/foundation.test.ts compares it with).
if (process.argv[2] === '--version') {
  const { readFileSync } = await import('node:fs');
  const { arch, platform } = await import('node:os');
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const os = platform() === 'linux' && (await import('wsl-utils')).isWsl ? 'wsl' : platform();
  const cpu = arch() === 'ia32' ? 'x86' : arch();
  process.stdout.write(`${pjson.name}/${pjson.version} ${os}-${cpu} node-${process.version}\n`);
  process.exit(0);
}

// A team's history in PostgreSQL: its connection starts now, alongside loading oclif, rather
// than after (bench/history-plugin). Help, version and shell completion never open the store
// (completion runs on every TAB, with the words being completed as its arguments).
const args = process.argv.slice(2);
const storeless =
  ['__complete', 'autocomplete'].includes(args[0]) ||
  args.some((arg) => ['--version', '-v', '--help', '-h', 'help'].includes(arg));
if (args.length > 0 && !storeless) {
  await import('@soulrecall/core/prestart').then(({ prestartHistory }) => prestartHistory(args)).catch(() => {});
}

// Plugins always run their compiled JavaScript, a linked one too (build it, then link it: README
// "Writing a plugin"). oclif would otherwise try to transpile a linked ESM plugin's TypeScript:
// with tsx that fails (oclif imports tsx's CommonJS register API, which in tsx 4.23 cannot find
// its own loader) and silently falls back to dist; without tsx it says so on every command of it.
// Bundled plugins the user uninstalled stay out (packages/core/src/plugins/bundled.ts).
const { cliLoadOptions } = await import('@soulrecall/core/bundled-plugins');
// oclif checks at import that Node satisfies its own `engines` (semver, ≈ 50 modules, on every
// command); ours are narrower and npm checks them at install.
const engineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING;
process.env.OCLIF_DISABLE_ENGINE_WARNING = 'true';
const { execute, settings } = await import('@oclif/core');
if (engineWarning === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineWarning;
settings.enableAutoTranspile = false;
await execute({ loadOptions: cliLoadOptions(fileURLToPath(new URL('..', import.meta.url))) });
