/**
 * The hints that name soulrecall commands, for errors of the packages below core. Those packages
 * are libraries that know nothing of the CLI: they give a neutral hint (or none) and the facts in
 * `details`; when a command fails with one of their errors, the CLI's hint replaces the neutral one.
 */
import type { CanisterClientErrorCode } from '@soulrecall/canister-client';
import type { DevnetErrorCode } from '@soulrecall/devnet';
import type { HistoryStoreErrorCode } from '@soulrecall/history-store';
import type { SoulrecallErrorCode } from './error-codes.js';

/** What a lower package's error says about itself. */
export interface LowerPackageError {
  hint?: string;
  details?: Record<string, unknown>;
}

/** The CLI's hint for an error, or undefined to keep the package's own. */
type CliHint = (error: LowerPackageError) => string | undefined;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const networkStartHint = 'Start one with `soulrecall network start --background`';

/** What to do about a network that does not answer; the embedded one is what `network start` runs. */
function networkHint(kind: unknown, url: unknown, timedOut: unknown): string | undefined {
  const slow =
    timedOut === true
      ? ' For a slow network, raise the timeout with SOULRECALL_REQUEST_TIMEOUT_MS (milliseconds).'
      : '';
  if (kind === 'local') return `Start the local network with \`soulrecall network start\`.${slow}`;
  if (kind === 'url' && typeof url === 'string') {
    const embedded = '(for the embedded network: `soulrecall network start`)';
    return `Check that a replica is listening at ${url} ${embedded}.${slow}`;
  }
  return undefined;
}

/** Only a local network is the embedded one, which `network start` starts. */
function notAReplicaHint(kind: unknown, url: unknown): string | undefined {
  if (kind !== 'local' || typeof url !== 'string') return undefined;
  return (
    `Check that ${url} is an IC replica or boundary node (\`soulrecall network start\` starts one), ` +
    'and not some other server; ' +
    "the environment's `network` in soulrecall.yaml sets the URL."
  );
}

const CLI_HINT_OF: { readonly [Code in CanisterClientErrorCode | HistoryStoreErrorCode | DevnetErrorCode]?: CliHint } =
  {
    // @soulrecall/canister-client
    NETWORK_UNREACHABLE: ({ details }) =>
      details?.outcomeUnknown === true
        ? `Check the canister's state (e.g. \`soulrecall status\`) before retrying ${text(details.method) ?? 'it'}; ` +
          'for a slow network, raise SOULRECALL_REQUEST_TIMEOUT_MS (milliseconds).'
        : networkHint(details?.networkKind, details?.url, details?.timedOut),
    UNEXPECTED_REPLY: ({ details }) => notAReplicaHint(details?.networkKind, details?.url),
    // A TLS failure is about certificates, not about which server answers.
    HTTP_ERROR: ({ details }) =>
      details?.tls === undefined ? notAReplicaHint(details?.networkKind, details?.url) : undefined,
    IDENTITY_NOT_FOUND: ({ details }) => {
      const source = text(details?.source);
      if (source?.startsWith('soulrecall:')) {
        const name = source.slice('soulrecall:'.length);
        return (
          `Create it with \`soulrecall identity new ${name}\`, ` +
          `import one with \`soulrecall identity import ${name} <pem>\`, ` +
          'or use `dfx:<name>` for a dfx identity.'
        );
      }
      return details?.file !== undefined && !source?.startsWith('dfx:')
        ? 'Check the path, or list identities with `soulrecall identity list`.'
        : undefined;
    },
    IDENTITY_ENCRYPTED: ({ details }) => {
      const source = text(details?.source);
      if (!source?.startsWith('dfx:')) return undefined;
      const name = source.slice('dfx:'.length);
      return (
        `Export it unencrypted (\`dfx identity export ${name} > ${name}.pem\`) ` +
        `and import it: \`soulrecall identity import ${name} ${name}.pem\`.`
      );
    },
    IDENTITY_INVALID: ({ details }) =>
      details?.reason === 'unsupported-key'
        ? 'Use an Ed25519, secp256k1 or P-256 private key PEM (PKCS#8, SEC1 or encrypted PKCS#8), ' +
          'as dfx, quill, keysmith, openssl or `soulrecall identity new` write it.'
        : undefined,
    SNAPSHOT_ARCHIVE_INVALID: () =>
      'Use the file exactly as `soulrecall backup download` wrote it (its name is its sha256); ' +
      'copy it again if it was cut short or changed on the way.',
    CANISTER_TRAPPED: () => 'The canister code trapped; see its logs (`soulrecall logs <canister-id>`).',

    // @soulrecall/history-store
    STORE_UNREACHABLE: () =>
      'start the PostgreSQL server or fix `history:` in soulrecall.yaml (or SOULRECALL_HISTORY_URL); ' +
      'an interrupted promotion resumes with soulrecall promote resume once it is back',
    NOT_FOUND: ({ details }) => {
      if (details?.entity === 'backup') return 'list backups with soulrecall backup list';
      if (details?.entity === 'promotion') return 'list promotions with soulrecall promote list <agent>';
      if (details?.entity === 'snapshot-file')
        return 'download the backup again with soulrecall backup download <backup-id>';
      return undefined;
    },
    LOCK_HELD: ({ details }) => {
      const holder = details?.holder as { operation?: unknown; operationId?: unknown } | undefined;
      return holder?.operation === 'promotion'
        ? `wait for it, or run soulrecall promote abort ${text(holder.operationId)} if it is dead`
        : undefined;
    },
    LOCK_LOST: () => 'another command took it over after the lease expired; stop and check soulrecall doctor',
    CONFLICT: ({ details }) => {
      if (details?.reason === 'route-changed')
        return 'another command switched the route meanwhile; check soulrecall list and retry';
      if (details?.reason === 'canister-of-other-agent')
        return `delete it first (soulrecall delete ${text(details.canisterId)}) or use another canister`;
      if (details?.reason === 'canister-is-live')
        return 'route traffic to another canister first (soulrecall config set --routing <canister-id>)';
      return undefined;
    },

    // @soulrecall/devnet
    PORT_IN_USE: () => 'Stop whatever listens there (`soulrecall network stop`), or choose another port with --port.',
    ALREADY_RUNNING: () => 'Use it, or stop it first with `soulrecall network stop`.',
    NOT_RUNNING: ({ details }) =>
      `${networkStartHint}${details?.port === undefined ? '' : ' (or name its port with --port)'}.`,
    STALE_PID_FILE: () => 'Start it again with `soulrecall network start --background`.',
    FUND_REFUSED: () => 'Is it a soulrecall network? Only those have a faucet (`soulrecall network start`).',
    INVALID_PRINCIPAL: () =>
      'A principal looks like `2vxsx-fae` or `aaaaa-aa` (groups of up to five characters separated by dashes); ' +
      '`soulrecall identity principal` prints yours.',
  };

/** The hint a command shows for an error of a lower package: the CLI's, else the package's own. */
export function cliHintFor(code: SoulrecallErrorCode, error: LowerPackageError): string | undefined {
  const cliHint = (CLI_HINT_OF as Partial<Record<SoulrecallErrorCode, CliHint>>)[code];
  return cliHint?.(error) ?? error.hint;
}
