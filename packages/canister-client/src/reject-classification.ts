import { CanisterClientError, type CanisterClientErrorCode, type ReplicaRejectDetails } from './errors.js';

/**
 * Replica error codes (`IC0xxx`, from the IC's ErrorCode enum) that map to a specific
 * client error code. Replicas that send no error code are classified by message instead.
 */
const BY_ERROR_CODE: Record<string, CanisterClientErrorCode> = {
  IC0301: 'CANISTER_NOT_FOUND',
  IC0305: 'SNAPSHOT_NOT_FOUND',
  IC0512: 'NOT_A_CONTROLLER',
  IC0508: 'CANISTER_STOPPED',
  IC0509: 'CANISTER_STOPPED', // stopping: new calls are rejected the same way
  IC0502: 'CANISTER_TRAPPED',
  IC0503: 'CANISTER_TRAPPED',
  IC0302: 'METHOD_NOT_FOUND',
  IC0536: 'METHOD_NOT_FOUND',
  IC0513: 'METHOD_NOT_FOUND',
  IC0407: 'METHOD_NOT_FOUND', // unknown management canister method
  IC0408: 'INVALID_ARGUMENT',
  IC0504: 'INVALID_ARGUMENT',
  IC0207: 'INSUFFICIENT_CYCLES',
  IC0501: 'INSUFFICIENT_CYCLES',
};

const BY_MESSAGE: Array<[RegExp, CanisterClientErrorCode]> = [
  [
    /not (?:a|one of the) controllers?|only (?:the )?controllers? (?:of the canister )?can|is not authorized|not authorized to/i,
    'NOT_A_CONTROLLER',
  ],
  [/canister .*(?:not found|does not exist)|no canister|canister_not_found/i, 'CANISTER_NOT_FOUND'],
  [/is stopped|is stopping|canister .*stopped/i, 'CANISTER_STOPPED'],
  [/has no (?:update|query) method|method .*not found|no such method/i, 'METHOD_NOT_FOUND'],
  [/trapped|called .*trap|\btrap\b/i, 'CANISTER_TRAPPED'],
  [
    /decod(?:e|ing) .*(?:argument|candid|payload)|deseriali[sz]|invalid argument|invalid principal/i,
    'INVALID_ARGUMENT',
  ],
  [/out of cycles|insufficient cycles|not enough cycles/i, 'INSUFFICIENT_CYCLES'],
];

const HINTS: Partial<Record<CanisterClientErrorCode, string>> = {
  SNAPSHOT_NOT_FOUND:
    'The canister has no snapshot with that id (deleting a canister deletes its snapshots); list them with `list_canister_snapshots`.',
  CANISTER_NOT_FOUND:
    'Check the canister id and the network: the canister does not exist there (it may have been deleted).',
  NOT_A_CONTROLLER:
    "The identity in use is not a controller of this canister. Use a controller identity (`--identity`, or the environment's `identity`) or ask a controller to add it.",
  CANISTER_STOPPED: 'Start the canister first (`start`), or wait until a pending stop finishes.',
  CANISTER_TRAPPED: 'The canister code trapped; see its logs.',
  METHOD_NOT_FOUND:
    'The canister does not export that method; check the method name and whether it is a query or an update.',
  INVALID_ARGUMENT: 'The argument was rejected; check its Candid type and values (e.g. principals).',
  INSUFFICIENT_CYCLES: 'Top up the canister (or the paying identity) with cycles.',
};

export function classifyRejectCode(reject: ReplicaRejectDetails): CanisterClientErrorCode {
  const byCode = reject.errorCode ? BY_ERROR_CODE[reject.errorCode] : undefined;
  if (byCode) return byCode;
  // Reject code 3 is DESTINATION_INVALID: the canister (or method) is not there.
  for (const [pattern, code] of BY_MESSAGE) if (pattern.test(reject.rejectMessage)) return code;
  if (reject.rejectCode === 3) return 'CANISTER_NOT_FOUND';
  return 'REPLICA_REJECTED';
}

/** Turns a replica reject into the typed error callers switch on. */
export function rejectError(reject: ReplicaRejectDetails): CanisterClientError {
  const code = classifyRejectCode(reject);
  const where = [reject.method, reject.canisterId && `(canister ${reject.canisterId})`].filter(Boolean).join(' ');
  const errorCode = reject.errorCode ? `, ${reject.errorCode}` : '';
  const message = `The replica rejected ${where || 'the call'} (reject code ${reject.rejectCode}${errorCode}): ${reject.rejectMessage}`;
  return new CanisterClientError(code, message, { hint: HINTS[code], details: { reject } });
}
