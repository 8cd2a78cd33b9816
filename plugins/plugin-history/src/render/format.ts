/** Small text formats shared by the human renderers (the --json output keeps full values). */
import { outputWidth } from '@soulrecall/core';

/** `2026-11-26 13:20:05` (UTC, as stored). */
export function formatTime(iso: string | null): string {
  return iso ? iso.slice(0, 19).replace('T', ' ') : '-';
}

/** `850ms`, `8.2s`, `3m05s`, `2h07m`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m${String(Math.floor((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** How long ago, kubectl style: `45s`, `12m`, `3h`, `4d`, `2y`. */
export function formatAge(iso: string, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 1_000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h`;
  if (seconds < 365 * 86_400) return `${Math.floor(seconds / 86_400)}d`;
  return `${Math.floor(seconds / (365 * 86_400))}y`;
}

/** Cuts a line to `width` characters, marking the cut with "…". */
export function fitLine(line: string, width = outputWidth()): string {
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** Word-wraps `text` to `width`, indenting continuation lines by `indent` spaces. */
export function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const room = width - (lines.length === 0 ? 0 : indent);
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word.length > room ? word.slice(0, room) : word;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines.map((text, index) => (index === 0 ? text : `${' '.repeat(indent)}${text}`));
}
