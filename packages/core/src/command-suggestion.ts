/**
 * What to say when the words typed name no command (`soulrecall delet <id> --network staging`):
 * the words that are not a command, and the closest command with the rest of the line kept as
 * its arguments. Pure, so the choice is tested without oclif.
 */

export interface CommandSuggestion {
  /** The words that name no command, as typed: `['delet']`, `['bluegreen', 'swich']`. */
  typed: string[];
  /** The closest command (`bluegreen:switch`) and what follows its words on the line; absent when nothing is close. */
  suggestion?: { id: string; argv: string[] };
}

/**
 * A word this many edits from a command's word is a typo of it (Cobra suggests within 2 as
 * well); a word no longer than that must be closer, or any two letters would suggest something.
 */
const MAX_DISTANCE = 2;

/**
 * `words`: everything typed after the program name. `commandIds`: every visible command id
 * (and alias), topics separated by `:` as oclif keeps them. The command words are the leading
 * words before the first flag; a command of n words is compared word by word with the first n
 * of them. The least total distance wins, then the command that takes more of the words (so
 * `promot list x` suggests `promote list`, not `promote` with an agent named `list`).
 */
export function suggestCommand(words: readonly string[], commandIds: readonly string[]): CommandSuggestion {
  const firstFlag = words.findIndex((word) => word.startsWith('-'));
  const positional = firstFlag === -1 ? [...words] : words.slice(0, firstFlag);
  let best: { id: string; size: number; distance: number } | undefined;
  for (const id of [...new Set(commandIds)].sort()) {
    const parts = id.split(':');
    if (parts.length > positional.length) continue;
    let distance = 0;
    for (const [index, part] of parts.entries()) {
      const typed = positional[index]!;
      const edits = editDistance(typed, part);
      if (edits > MAX_DISTANCE || (edits > 0 && edits >= typed.length)) {
        distance = Number.POSITIVE_INFINITY;
        break;
      }
      distance += edits;
    }
    if (distance === Number.POSITIVE_INFINITY) continue;
    if (!best || distance < best.distance || (distance === best.distance && parts.length > best.size))
      best = { id, size: parts.length, distance };
  }
  if (best) return { typed: positional.slice(0, best.size), suggestion: { id: best.id, argv: words.slice(best.size) } };
  // A line that starts with a flag oclif does not know (`soulrecall --jsn`) names that flag.
  return { typed: positional.length > 0 ? unknownPrefix(positional, commandIds) : words.slice(0, 1) };
}

/** The leading words that still begin some command, and the first that does not: `xyzzy`, `bluegreen frob`. */
function unknownPrefix(positional: readonly string[], commandIds: readonly string[]): string[] {
  const prefixes = new Set(
    commandIds.flatMap((id) => id.split(':').map((_, index, parts) => parts.slice(0, index + 1).join(':'))),
  );
  const typed: string[] = [];
  for (const word of positional) {
    typed.push(word);
    if (!prefixes.has(typed.join(':'))) break;
  }
  return typed;
}

/** Levenshtein distance: insertions, deletions and substitutions, each one edit. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A command line as a user would type it again in a POSIX shell: words quoted only when they need it. */
export function formatCommandLine(words: readonly string[]): string {
  return words.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}
