import type { IdentityInfo, IdentityStore, KeyType } from '@soulrecall/canister-client';

export { KEY_TYPES, type KeyType } from '@soulrecall/canister-client';
import { askSecret, type TerminalInput } from '../confirm.js';
import { SoulrecallError, hasErrorCode } from '../errors.js';
import type { Session } from './session.js';

/** The `identity` commands: thin wrappers around canister-client's IdentityStore (keys are never printed). */
export async function createIdentity(
  session: Session,
  name: string,
  keyType: KeyType = 'ed25519',
): Promise<IdentityInfo> {
  return withIdentities(session, (identities) => identities.create(name, keyType));
}

export async function importIdentity(session: Session, name: string, from: string): Promise<IdentityInfo> {
  return withIdentities(session, (identities) => identities.import(name, from));
}

export async function useIdentity(session: Session, name: string): Promise<IdentityInfo> {
  return withIdentities(session, (identities) => {
    identities.use(name);
    return identities.list().find((identity) => identity.name === name)!;
  });
}

export async function listIdentities(session: Session): Promise<IdentityInfo[]> {
  return withIdentities(session, (identities) => identities.list());
}

export async function identityPrincipal(session: Session, name?: string): Promise<{ name: string; principal: string }> {
  return withIdentities(session, (identities) => {
    const resolved = name ?? identities.selected();
    return { name: resolved, principal: identities.exportPrincipal(resolved) };
  });
}

/**
 * Why the identities folder could not be written, by errno. Every identity command may write
 * (the `default` key is generated on first use), so a read-only or misplaced data directory
 * reaches them all; without this it surfaced as a raw EACCES with exit 1.
 */
const UNWRITABLE: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'it is on a read-only file system',
  ENOTDIR: 'part of that path is a file, not a directory',
  EEXIST: 'part of that path is a file, not a directory',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
};

/**
 * Runs `use` on the identity store. An encrypted key without a passphrase (none in
 * SOULRECALL_IDENTITY_PASSPHRASE) is asked for on a terminal, once per key file, and `use` runs
 * again: every store operation reads and checks keys before it writes anything, so a second run
 * repeats no change. A data directory it cannot write becomes DATA_DIR_UNWRITABLE (exit 11).
 */
export async function withIdentities<T>(
  session: Session,
  use: (identities: IdentityStore) => T,
  terminal: { input: TerminalInput; output: NodeJS.WritableStream } = { input: process.stdin, output: process.stderr },
): Promise<T> {
  const identities = await session.identities();
  const asked = new Set<string>();
  for (;;) {
    try {
      return use(identities);
    } catch (error) {
      const file = passphraseWanted(error);
      if (file !== undefined && terminal.input.isTTY && !asked.has(file)) {
        asked.add(file);
        // One question at a time: a promotion connects to its source and target at once, and
        // both may need a passphrase. One that waited its turn may find its key already unlocked.
        const answeredBefore = passphrasesAnswered;
        const unlocked = await inTurn(async () => {
          if (passphrasesAnswered !== answeredBefore) {
            try {
              return { value: use(identities) };
            } catch (again) {
              if (passphraseWanted(again) !== file) throw again;
            }
          }
          identities.providePassphrase(file, await askSecret(`Passphrase for ${file}: `, terminal));
          passphrasesAnswered++;
          return undefined;
        });
        if (unlocked) return unlocked.value;
        continue;
      }
      throw unwritable(error, identities, session);
    }
  }
}

let terminalTurn: Promise<unknown> = Promise.resolve();
let passphrasesAnswered = 0;

/** Runs `ask` once every question asked before it has been answered. */
function inTurn<T>(ask: () => Promise<T>): Promise<T> {
  const turn = terminalTurn.then(ask, ask);
  terminalTurn = turn.catch(() => undefined);
  return turn;
}

/** The key file an IDENTITY_PASSPHRASE_REQUIRED error names, if it is one. */
function passphraseWanted(error: unknown): string | undefined {
  if (!hasErrorCode(error, 'IDENTITY_PASSPHRASE_REQUIRED')) return undefined;
  const source = (error as { details?: { source?: unknown } }).details?.source;
  return typeof source === 'string' ? source : undefined;
}

function unwritable(error: unknown, identities: IdentityStore, session: Session): unknown {
  // Only Node's own file-system failures (they carry `syscall`); typed identity errors pass.
  const { code, syscall } = error as NodeJS.ErrnoException;
  const reason = typeof syscall === 'string' && code !== undefined ? UNWRITABLE[code] : undefined;
  if (reason === undefined) return error;
  return new SoulrecallError(`Cannot write soulrecall's identities to ${identities.directory}: ${reason} (${code}).`, {
    code: 'DATA_DIR_UNWRITABLE',
    hint: `Make the data directory ${session.dataDir} a writable directory, or point SOULRECALL_HOME at one.`,
    cause: error,
    details: {
      directory: identities.directory,
      dataDir: session.dataDir,
      errno: code,
      path: (error as NodeJS.ErrnoException).path,
    },
  });
}
