/** A unified line diff, enough to show a kubeconfig change before it is written (--dry-run). */

type Op = { kind: ' ' | '-' | '+'; line: string }

function lcsOps(a: string[], b: string[]): Op[] {
  // Files beyond a few thousand lines are not kubeconfigs; show them whole instead of spending quadratic time.
  if (a.length * b.length > 4_000_000) return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))]
  const table = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1))
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
    }
  }
  const ops: Op[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! })
      i++
      j++
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) ops.push({ kind: '-', line: a[i++]! })
    else ops.push({ kind: '+', line: b[j++]! })
  }
  while (i < a.length) ops.push({ kind: '-', line: a[i++]! })
  while (j < b.length) ops.push({ kind: '+', line: b[j++]! })
  return ops
}

export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return ''
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n')
  const b = after.replace(/\n$/, '').split('\n')
  const ops = lcsOps(a, b)
  const changes = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]))
  // Hunks: each change with `context` lines around it, merged when they touch.
  const hunks: [number, number][] = []
  for (const index of changes) {
    const from = Math.max(0, index - context)
    const to = Math.min(ops.length, index + context + 1)
    const last = hunks[hunks.length - 1]
    if (last && from <= last[1]) last[1] = to
    else hunks.push([from, to])
  }
  const out = [`--- ${fromName}`, `+++ ${toName}`]
  for (const [from, to] of hunks) {
    const before = ops.slice(0, from)
    const shown = ops.slice(from, to)
    const aStart = before.filter((o) => o.kind !== '+').length
    const bStart = before.filter((o) => o.kind !== '-').length
    const aLen = shown.filter((o) => o.kind !== '+').length
    const bLen = shown.filter((o) => o.kind !== '-').length
    out.push(`@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@`)
    for (const op of shown) out.push(`${op.kind}${op.line}`)
  }
  return `${out.join('\n')}\n`
}
