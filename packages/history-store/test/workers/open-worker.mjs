// Run as an unprivileged user: reports whether the data directory is really unwritable for
// this process, then what opening the store there does.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openHistoryStore } from '../../dist/index.js';

const [dataDir, probeDir] = process.argv.slice(2);
let probeWritable = true;
try {
  writeFileSync(join(probeDir, '.probe'), 'x');
  rmSync(join(probeDir, '.probe'));
} catch {
  probeWritable = false;
}
let result;
try {
  const store = openHistoryStore({ dataDir });
  store.canisters.record({
    canisterId: 'aaaaa-aa',
    networkUrl: 'http://127.0.0.1:4943',
    environment: 'local',
    agent: 'bot',
  });
  store.close();
  result = { opened: true };
} catch (error) {
  result = { opened: false, code: error.code, message: error.message, hint: error.hint };
}
process.send({ probeWritable, uid: process.getuid(), ...result }, () => process.exit(0));
