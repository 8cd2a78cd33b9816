/** A replica-style rejection: reject code (class), message, and the `ICxxxx` error code. */
export interface Reject {
  rejectCode: number;
  rejectMessage: string;
  errorCode: string;
}

/** Error codes of the replica used by the devnet (their first digit is the reject code). */
export const ErrorCodes = {
  SubnetOversubscribed: 101,
  CanisterIdAlreadyExists: 205,
  CanisterNotFound: 301,
  CanisterSnapshotNotFound: 305,
  CanisterRejectedMessage: 406,
  UnknownManagementMessage: 407,
  InvalidManagementPayload: 408,
  CanisterSnapshotImmutable: 409,
  CanisterCalledTrap: 503,
  CanisterContractViolation: 504,
  CanisterInvalidWasm: 505,
  CanisterStopped: 508,
  CanisterNotStopped: 510,
  CanisterInvalidController: 512,
  CanisterMethodNotFound: 536,
  CanisterWasmModuleNotFound: 537,
  CanisterAlreadyInstalled: 538,
} as const;

export function makeReject(code: number, message: string): Reject {
  return {
    rejectCode: Math.floor(code / 100),
    rejectMessage: message,
    errorCode: `IC${String(code).padStart(4, '0')}`,
  };
}

/** The replica's reject for a message to a method the canister does not export (IC0536). */
export function methodNotFound(canisterId: string, kind: 'update' | 'query', method: string): Reject {
  return makeReject(
    ErrorCodes.CanisterMethodNotFound,
    `Error from Canister ${canisterId}: Canister has no ${kind} method '${method}'.`,
  );
}

/** Thrown inside message handling to end the message with a reject. */
export class RejectError extends Error {
  readonly reject: Reject;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'RejectError';
    this.reject = makeReject(code, message);
  }
  static from(reject: Reject): RejectError {
    const error = new RejectError(0, reject.rejectMessage);
    (error as { reject: Reject }).reject = reject;
    return error;
  }
}
