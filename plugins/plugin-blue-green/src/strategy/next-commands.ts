/**
 * What to run after `promote --blue-green --no-switch`: the promotion guide's steps 2–4 with
 * the real ids (verify green, make it live, remove blue). `network` names the environment when
 * an id alone is ambiguous in the store (recorded in several environments), so every command
 * works exactly as printed.
 */
export function nextCommands(
  greenCanisterId: string,
  blueCanisterId: string,
  options: { network?: (canisterId: string) => string | undefined } = {},
): string[] {
  const where = (canisterId: string) => {
    const network = options.network?.(canisterId);
    return network ? ` --network ${network}` : '';
  };
  return [
    `soulrecall health ${greenCanisterId}${where(greenCanisterId)}`,
    `soulrecall config set --routing ${greenCanisterId}${where(greenCanisterId)}`,
    `soulrecall delete ${blueCanisterId}${where(blueCanisterId)}`,
  ];
}

/** The human text printed after a --no-switch promotion. */
export function renderNextCommands(
  greenCanisterId: string,
  blueCanisterId: string,
  commands = nextCommands(greenCanisterId, blueCanisterId),
): string {
  return [
    `Green ${greenCanisterId} is verified; blue ${blueCanisterId} is still live (--no-switch). Next:`,
    ...commands.map((command) => `  ${command}`),
  ].join('\n');
}
