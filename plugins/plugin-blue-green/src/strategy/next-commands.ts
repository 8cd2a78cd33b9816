/**
 * What to run after `promote --blue-green --no-switch`: the promotion guide's steps 2–4 with
 * the real canister ids (verify green, make it live, remove blue).
 */
export function nextCommands(greenCanisterId: string, blueCanisterId: string): string[] {
  return [`soulrecall health ${greenCanisterId}`, `soulrecall config set --routing ${greenCanisterId}`, `soulrecall delete ${blueCanisterId}`];
}

/** The human text printed after a --no-switch promotion. */
export function renderNextCommands(greenCanisterId: string, blueCanisterId: string): string {
  return [
    `Green ${greenCanisterId} is verified; blue ${blueCanisterId} is still live (--no-switch). Next:`,
    ...nextCommands(greenCanisterId, blueCanisterId).map((command) => `  ${command}`),
  ].join('\n');
}
