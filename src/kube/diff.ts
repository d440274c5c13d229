/** A unified diff of a kubeconfig change before it is written (--dry-run), as `diff -u` prints it. */
import { structuredPatch, type StructuredPatchHunk } from 'diff'

/** `diff -u` writes a one-line range without its length, and an empty one from the line before it. */
function formatRange(start: number, lines: number): string {
  if (lines === 1) return String(start)
  return `${lines === 0 ? start - 1 : start},${lines}`
}

function formatHunk(hunk: StructuredPatchHunk): string[] {
  return [`@@ -${formatRange(hunk.oldStart, hunk.oldLines)} +${formatRange(hunk.newStart, hunk.newLines)} @@`, ...hunk.lines]
}

export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return ''
  const patch = structuredPatch(fromName, toName, before, after, undefined, undefined, { context })
  return `${[`--- ${fromName}`, `+++ ${toName}`, ...patch.hunks.flatMap(formatHunk)].join('\n')}\n`
}
