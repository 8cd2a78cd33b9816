/**
 * Every error code soulrecall reports and its exit code, checked by the compiler: a code without an
 * exit code, an exit code that is not documented, or a code nobody declared does not build.
 *
 * Packages below core (canister-client, history-store, devnet) cannot import this module (core
 * depends on them), so each declares its own codes; their union with core's is SoulrecallErrorCode.
 * It imports nothing but types, so test/error-code-types.test.ts can compile a changed copy of it.
 */
import type { CanisterClientErrorCode } from '@soulrecall/canister-client';
import type { DevnetErrorCode } from '@soulrecall/devnet';
import type { HistoryStoreErrorCode } from '@soulrecall/history-store';

/** Documented exit codes (README "Exit codes"). Scripts may rely on them. */
export const ExitCode = {
  Success: 0,
  /** An unexpected failure: a bug or an environment problem soulrecall does not recognise. */
  Internal: 1,
  /** Bad command line: unknown flag, missing argument, invalid flag value. */
  Usage: 2,
  /** soulrecall.yaml missing or invalid. */
  Config: 3,
  /** Something named on the command line does not exist: agent, environment, canister, promotion, backup. */
  NotFound: 4,
  /** An input file or value is unusable: not a Wasm module, not a principal, bad identity file. */
  InvalidInput: 5,
  /** The network could not be reached (connection refused, timeout, TLS or HTTP failure). */
  Unreachable: 6,
  /** The network refused the request: not a controller, canister stopped, canister trapped. */
  Rejected: 7,
  /** A health check said unhealthy. */
  Unhealthy: 8,
  /** The operation conflicts with the current state: a lock is held, the canister is live, drift. */
  Conflict: 9,
  /** Confirmation was required and not given (or refused). */
  NotConfirmed: 10,
  /** The history store could not be read or written. */
  Store: 11,
  /** The operation failed and soulrecall undid it (state restored). */
  RolledBack: 12,
  /** The words typed name no command (a shell's "command not found"). */
  CommandNotFound: 127,
  /** Stopped by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it). */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** File-system failures soulrecall recognises (`FS_<errno>`): a folder it cannot write or a full disk. */
export const FS_ERRNOS = ['EACCES', 'EPERM', 'EROFS', 'ENOSPC'] as const;

/** The codes of core, the CLI and its plugins (the lower packages declare theirs). */
export const CORE_ERROR_CODES = [
  'INTERNAL',
  'USAGE',
  'INTERRUPTED',
  'COMMAND_NOT_FOUND',
  'NOT_CONFIRMED',
  ...FS_ERRNOS.map((errno) => `FS_${errno}` as const),
  // soulrecall.yaml
  'CONFIG_NOT_FOUND',
  'CONFIG_EMPTY',
  'CONFIG_INVALID_YAML',
  'CONFIG_NOT_A_MAPPING',
  'CONFIG_UNKNOWN_KEY',
  'CONFIG_MISSING_KEY',
  'CONFIG_INVALID_VALUE',
  'CONFIG_INVALID_NAME',
  'CONFIG_INVALID_URL',
  'CONFIG_DUPLICATE_NAME',
  'CONFIG_NO_ENVIRONMENTS',
  'CONFIG_UNKNOWN_ENVIRONMENT',
  'CONFIG_WASM_NOT_FOUND',
  'CONFIG_IMPORT_INVALID',
  // what the command line names
  'AGENT_NOT_FOUND',
  'ENVIRONMENT_NOT_FOUND',
  'PROJECT_NOT_FOUND',
  'UNKNOWN_NETWORK',
  'CANISTER_AMBIGUOUS',
  'CANISTER_NOT_RECORDED',
  'CANISTER_DECOMMISSIONED',
  'CANISTER_IDS_INVALID',
  'INVALID_CANISTER_ID',
  'LOGS_TARGET_MISSING',
  'INVALID_LIMIT',
  'INVALID_SINCE',
  'FLAGS_CONFLICT',
  'DATA_DIR_UNWRITABLE',
  'STORE_INVALID_NETWORK',
  // deploy, delete, routing, health
  'INVALID_MODE',
  'WASM_NOT_GIVEN',
  'CANISTER_OTHER_AGENT',
  'CANISTER_DELETED',
  'CANISTER_NOT_EMPTY',
  'CANISTER_EMPTY',
  'CANISTER_IS_LIVE',
  'UPGRADE_INCOMPATIBLE',
  'UNHEALTHY',
  'DEPLOY_ROLLED_BACK',
  'NOTHING_DEPLOYED',
  // rollback
  'NOTHING_TO_ROLL_BACK',
  'NO_PREVIOUS_VERSION',
  'VERSION_NOT_FOUND',
  'VERSION_NOT_DEPLOYABLE',
  'ALREADY_AT_VERSION',
  'ARTIFACT_MISSING',
  'INVALID_VERSION',
  // backups
  'BACKUP_NOT_FOUND',
  'BACKUP_DELETED',
  'BACKUP_AGENT_UNKNOWN',
  'BACKUP_FILE_NOT_FOUND',
  'BACKUP_FILE_UNREADABLE',
  'SNAPSHOT_LIMIT',
  // init
  'INIT_SOURCE_AMBIGUOUS',
  'INIT_SOURCE_NOT_FOUND',
  // plugins
  'PLUGIN_NOT_FOUND',
  'PLUGIN_MISSING',
  'PLUGIN_NOT_A_PACKAGE',
  'PLUGIN_NOT_A_PLUGIN',
  'PLUGIN_CORE_MISMATCH',
  'PLUGIN_REGISTRY_UNREACHABLE',
  // promotions
  'SAME_ENVIRONMENT',
  'NO_NEXT_STAGE',
  'NO_PREVIOUS_STAGE',
  'PIPELINE_TOO_SHORT',
  'SKIP_DEPLOY_NEEDS_CANISTER',
  'STRATEGY_NOT_INSTALLED',
  'SOURCE_NOT_DEPLOYED',
  'SOURCE_DEPLOYMENT_FAILED',
  'MODULE_NOT_FROM_SOURCE',
  'DRIFT',
  'PROMOTION_NOT_FOUND',
  'PROMOTION_NOT_RESUMABLE',
  'PROMOTION_NOT_ABORTABLE',
  'PROMOTION_INTERRUPTED',
  'PROMOTION_FAILED',
  'PROMOTION_ROLLED_BACK',
  'JOURNAL_RECORD_MISMATCH',
  // blue-green
  'INVALID_STATE_MODE',
  'NO_GREEN',
  'GREEN_IS_LIVE',
  'CUTOVER_FAILED',
  'CUTOVER_INTERRUPTED',
  'ABORT_IMPOSSIBLE',
] as const;

export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];

/** Every code a soulrecall command can fail with: the `code` of `--json` errors. */
export type SoulrecallErrorCode = CoreErrorCode | CanisterClientErrorCode | HistoryStoreErrorCode | DevnetErrorCode;

/** The exit code of every error code; README "Exit codes" lists the same (packages/core/test/error-codes.test.ts). */
export const EXIT_CODE_OF = {
  INTERNAL: ExitCode.Internal,
  USAGE: ExitCode.Usage,
  INTERRUPTED: ExitCode.Interrupted,
  COMMAND_NOT_FOUND: ExitCode.CommandNotFound,
  NOT_CONFIRMED: ExitCode.NotConfirmed,
  FS_EACCES: ExitCode.Internal,
  FS_EPERM: ExitCode.Internal,
  FS_EROFS: ExitCode.Internal,
  FS_ENOSPC: ExitCode.Internal,

  CONFIG_NOT_FOUND: ExitCode.Config,
  CONFIG_EMPTY: ExitCode.Config,
  CONFIG_INVALID_YAML: ExitCode.Config,
  CONFIG_NOT_A_MAPPING: ExitCode.Config,
  CONFIG_UNKNOWN_KEY: ExitCode.Config,
  CONFIG_MISSING_KEY: ExitCode.Config,
  CONFIG_INVALID_VALUE: ExitCode.Config,
  CONFIG_INVALID_NAME: ExitCode.Config,
  CONFIG_INVALID_URL: ExitCode.Config,
  CONFIG_DUPLICATE_NAME: ExitCode.Config,
  CONFIG_NO_ENVIRONMENTS: ExitCode.Config,
  CONFIG_UNKNOWN_ENVIRONMENT: ExitCode.Config,
  CONFIG_WASM_NOT_FOUND: ExitCode.Config,
  CONFIG_IMPORT_INVALID: ExitCode.Config,

  AGENT_NOT_FOUND: ExitCode.NotFound,
  ENVIRONMENT_NOT_FOUND: ExitCode.NotFound,
  PROJECT_NOT_FOUND: ExitCode.NotFound,
  UNKNOWN_NETWORK: ExitCode.Usage,
  CANISTER_AMBIGUOUS: ExitCode.Usage,
  CANISTER_NOT_RECORDED: ExitCode.NotFound,
  CANISTER_DECOMMISSIONED: ExitCode.NotFound,
  CANISTER_IDS_INVALID: ExitCode.InvalidInput,
  INVALID_CANISTER_ID: ExitCode.InvalidInput,
  LOGS_TARGET_MISSING: ExitCode.Usage,
  INVALID_LIMIT: ExitCode.Usage,
  INVALID_SINCE: ExitCode.Usage,
  FLAGS_CONFLICT: ExitCode.Usage,
  DATA_DIR_UNWRITABLE: ExitCode.Store,
  STORE_INVALID_NETWORK: ExitCode.Store,

  INVALID_MODE: ExitCode.Usage,
  WASM_NOT_GIVEN: ExitCode.InvalidInput,
  CANISTER_OTHER_AGENT: ExitCode.Conflict,
  CANISTER_DELETED: ExitCode.Conflict,
  CANISTER_NOT_EMPTY: ExitCode.Conflict,
  CANISTER_EMPTY: ExitCode.Conflict,
  CANISTER_IS_LIVE: ExitCode.Conflict,
  UPGRADE_INCOMPATIBLE: ExitCode.InvalidInput,
  UNHEALTHY: ExitCode.Unhealthy,
  DEPLOY_ROLLED_BACK: ExitCode.RolledBack,
  NOTHING_DEPLOYED: ExitCode.NotFound,

  NOTHING_TO_ROLL_BACK: ExitCode.NotFound,
  NO_PREVIOUS_VERSION: ExitCode.NotFound,
  VERSION_NOT_FOUND: ExitCode.NotFound,
  VERSION_NOT_DEPLOYABLE: ExitCode.Conflict,
  ALREADY_AT_VERSION: ExitCode.Conflict,
  ARTIFACT_MISSING: ExitCode.NotFound,
  INVALID_VERSION: ExitCode.Usage,

  BACKUP_NOT_FOUND: ExitCode.NotFound,
  BACKUP_DELETED: ExitCode.NotFound,
  BACKUP_AGENT_UNKNOWN: ExitCode.InvalidInput,
  BACKUP_FILE_NOT_FOUND: ExitCode.NotFound,
  BACKUP_FILE_UNREADABLE: ExitCode.InvalidInput,
  SNAPSHOT_LIMIT: ExitCode.Conflict,

  INIT_SOURCE_AMBIGUOUS: ExitCode.Usage,
  INIT_SOURCE_NOT_FOUND: ExitCode.NotFound,

  PLUGIN_NOT_FOUND: ExitCode.NotFound,
  PLUGIN_MISSING: ExitCode.NotFound,
  PLUGIN_NOT_A_PACKAGE: ExitCode.InvalidInput,
  PLUGIN_NOT_A_PLUGIN: ExitCode.InvalidInput,
  PLUGIN_CORE_MISMATCH: ExitCode.InvalidInput,
  PLUGIN_REGISTRY_UNREACHABLE: ExitCode.Unreachable,

  SAME_ENVIRONMENT: ExitCode.Usage,
  NO_NEXT_STAGE: ExitCode.Usage,
  NO_PREVIOUS_STAGE: ExitCode.Usage,
  PIPELINE_TOO_SHORT: ExitCode.Usage,
  SKIP_DEPLOY_NEEDS_CANISTER: ExitCode.Usage,
  STRATEGY_NOT_INSTALLED: ExitCode.NotFound,
  SOURCE_NOT_DEPLOYED: ExitCode.NotFound,
  SOURCE_DEPLOYMENT_FAILED: ExitCode.Conflict,
  MODULE_NOT_FROM_SOURCE: ExitCode.NotConfirmed,
  DRIFT: ExitCode.Conflict,
  PROMOTION_NOT_FOUND: ExitCode.NotFound,
  PROMOTION_NOT_RESUMABLE: ExitCode.Conflict,
  PROMOTION_NOT_ABORTABLE: ExitCode.Conflict,
  PROMOTION_INTERRUPTED: ExitCode.Internal,
  PROMOTION_FAILED: ExitCode.Unhealthy,
  PROMOTION_ROLLED_BACK: ExitCode.RolledBack,
  JOURNAL_RECORD_MISMATCH: ExitCode.Store,

  INVALID_STATE_MODE: ExitCode.Usage,
  NO_GREEN: ExitCode.NotFound,
  GREEN_IS_LIVE: ExitCode.Conflict,
  CUTOVER_FAILED: ExitCode.RolledBack,
  CUTOVER_INTERRUPTED: ExitCode.Unreachable,
  ABORT_IMPOSSIBLE: ExitCode.RolledBack,

  // @soulrecall/canister-client
  NETWORK_UNREACHABLE: ExitCode.Unreachable,
  HTTP_ERROR: ExitCode.Unreachable,
  TRUST_ERROR: ExitCode.Unreachable,
  UNEXPECTED_REPLY: ExitCode.Unreachable,
  SNAPSHOT_CORRUPT: ExitCode.Unreachable,
  REPLICA_REJECTED: ExitCode.Rejected,
  NOT_A_CONTROLLER: ExitCode.Rejected,
  CANISTER_STOPPED: ExitCode.Rejected,
  CANISTER_TRAPPED: ExitCode.Rejected,
  METHOD_NOT_FOUND: ExitCode.Rejected,
  INSUFFICIENT_CYCLES: ExitCode.Rejected,
  CYCLES_LEDGER_ERROR: ExitCode.Rejected,
  CANISTER_NOT_FOUND: ExitCode.NotFound,
  SNAPSHOT_NOT_FOUND: ExitCode.NotFound,
  SNAPSHOT_ARCHIVE_INVALID: ExitCode.InvalidInput,
  INVALID_ARGUMENT: ExitCode.InvalidInput,
  IDENTITY_NOT_FOUND: ExitCode.NotFound,
  IDENTITY_INVALID: ExitCode.InvalidInput,
  IDENTITY_ENCRYPTED: ExitCode.InvalidInput,
  IDENTITY_PASSPHRASE_REQUIRED: ExitCode.InvalidInput,
  IDENTITY_PASSPHRASE_WRONG: ExitCode.InvalidInput,
  IDENTITY_EXISTS: ExitCode.Conflict,
  WASM_NOT_FOUND: ExitCode.NotFound,
  WASM_EMPTY: ExitCode.InvalidInput,
  WASM_INVALID: ExitCode.InvalidInput,
  WASM_TOO_LARGE: ExitCode.InvalidInput,

  // @soulrecall/history-store
  STORE_CORRUPT: ExitCode.Store,
  STORE_READ_ONLY: ExitCode.Store,
  STORE_FULL: ExitCode.Store,
  STORE_BUSY: ExitCode.Store,
  STORE_IO: ExitCode.Store,
  STORE_CANT_OPEN: ExitCode.Store,
  STORE_CLOSED: ExitCode.Store,
  STORE_SCHEMA_TOO_NEW: ExitCode.Store,
  STORE_FOREIGN: ExitCode.Store,
  STORE_UNREACHABLE: ExitCode.Store,
  STORE_AUTH: ExitCode.Store,
  ARTIFACT_CORRUPT: ExitCode.Store,
  LOCK_HELD: ExitCode.Conflict,
  LOCK_LOST: ExitCode.Conflict,
  CONFLICT: ExitCode.Conflict,
  INVALID_TRANSITION: ExitCode.Conflict,
  NOT_FOUND: ExitCode.NotFound,

  // @soulrecall/devnet (`network start|stop|status|fund`)
  PORT_IN_USE: ExitCode.Conflict,
  ALREADY_RUNNING: ExitCode.Conflict,
  STATE_DIR_UNWRITABLE: ExitCode.InvalidInput,
  NOT_RUNNING: ExitCode.NotFound,
  STALE_PID_FILE: ExitCode.NotFound,
  INVALID_AMOUNT: ExitCode.Usage,
  INVALID_PRINCIPAL: ExitCode.InvalidInput,
  FUND_REFUSED: ExitCode.Rejected,
  START_FAILED: ExitCode.Internal,
  LISTEN_FAILED: ExitCode.Internal,
} as const satisfies Record<SoulrecallErrorCode, ExitCodeValue>;

/** Whether a code (from an error of another package copy, or a log) is one soulrecall knows. */
export function isSoulrecallErrorCode(code: string): code is SoulrecallErrorCode {
  return Object.hasOwn(EXIT_CODE_OF, code);
}
