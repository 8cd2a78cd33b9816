// Builds the sample agent with the `motoko` npm package: one source, several modules that differ
// only in the constants substituted into it, plus the Candid interface; and the tool canister the
// agent calls. Skips compiling when every output is newer than the sources and this script.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceFile = path.join(here, 'src', 'agent.mo');
const toolSourceFile = path.join(here, 'src', 'tool.mo');
const distDir = path.join(here, 'dist');

const healthy = { REPORTS_HEALTHY: 'true', MIGRATION_TRAPS_ON_MEMORIES: 'false' };
const VARIANTS = [
  { file: 'agent-v1.wasm', constants: { VERSION: '1.0.0', RECALL_NEWEST_FIRST: 'false', ...healthy } },
  { file: 'agent-v2.wasm', constants: { VERSION: '2.0.0', RECALL_NEWEST_FIRST: 'true', ...healthy } },
  { file: 'agent-v3.wasm', constants: { VERSION: '3.0.0', RECALL_NEWEST_FIRST: 'true', ...healthy } },
  {
    file: 'agent-broken.wasm',
    constants: {
      VERSION: '2.1.0-broken',
      RECALL_NEWEST_FIRST: 'true',
      REPORTS_HEALTHY: 'false',
      MIGRATION_TRAPS_ON_MEMORIES: 'false',
    },
  },
  // Installs fine into an empty canister, but its postupgrade traps on an agent with memories.
  {
    file: 'agent-migration-trap.wasm',
    constants: {
      VERSION: '2.2.0-trap',
      RECALL_NEWEST_FIRST: 'true',
      REPORTS_HEALTHY: 'true',
      MIGRATION_TRAPS_ON_MEMORIES: 'true',
    },
  },
];
const CANDID_FILE = 'agent.did';
const TOOL_FILES = { wasm: 'tool.wasm', candid: 'tool.did' };

function substitute(source, constants) {
  const result = source.replace(/\{\{([A-Z_]+)\}\}/g, (match, name) => {
    if (!(name in constants)) throw new Error(`agent.mo uses the unknown constant ${match}`);
    return constants[name];
  });
  return result;
}

function upToDate() {
  const inputs = [sourceFile, toolSourceFile, fileURLToPath(import.meta.url)].map((f) => fs.statSync(f).mtimeMs);
  const newestInput = Math.max(...inputs);
  return [...VARIANTS.map((v) => v.file), CANDID_FILE, TOOL_FILES.wasm, TOOL_FILES.candid].every((file) => {
    const output = path.join(distDir, file);
    return fs.existsSync(output) && fs.statSync(output).mtimeMs > newestInput;
  });
}

function build() {
  const require = createRequire(import.meta.url);
  const mo = require('motoko');
  mo.loadPackage(require('motoko/packages/latest/core.json'));
  const source = fs.readFileSync(sourceFile, 'utf8');
  fs.mkdirSync(distDir, { recursive: true });
  let candid;
  for (const variant of VARIANTS) {
    const started = Date.now();
    mo.write('agent.mo', substitute(source, variant.constants));
    const { wasm, candid: did } = mo.wasm('agent.mo', 'ic');
    candid ??= did;
    fs.writeFileSync(path.join(distDir, variant.file), wasm);
    console.log(
      `built dist/${variant.file} (version ${variant.constants.VERSION}, ${wasm.length} bytes) in ${Date.now() - started} ms`,
    );
  }
  fs.writeFileSync(path.join(distDir, CANDID_FILE), candid);
  console.log(`wrote dist/${CANDID_FILE}`);

  const started = Date.now();
  mo.write('tool.mo', fs.readFileSync(toolSourceFile, 'utf8'));
  const tool = mo.wasm('tool.mo', 'ic');
  fs.writeFileSync(path.join(distDir, TOOL_FILES.wasm), tool.wasm);
  fs.writeFileSync(path.join(distDir, TOOL_FILES.candid), tool.candid);
  console.log(
    `built dist/${TOOL_FILES.wasm} (${tool.wasm.length} bytes) and dist/${TOOL_FILES.candid} in ${Date.now() - started} ms`,
  );
}

if (upToDate()) {
  console.log('example-agent: dist/ is up to date, nothing to compile');
} else {
  build();
}
