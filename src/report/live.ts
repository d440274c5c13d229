/** Live progress on a terminal (listr2): one line per check, started together, shown in path order. */
import type { RunEvents } from '../engine/run.js'
import type { AnyProbe, CheckResult, ProbeId } from '../engine/types.js'

export async function withLiveProgress<T>(probes: readonly AnyProbe[], run: (events: RunEvents) => Promise<T>): Promise<T> {
  const { Listr } = await import('listr2')
  const waiters = new Map<ProbeId, (result: CheckResult) => void>()
  const results = new Map<ProbeId, Promise<CheckResult>>(
    probes.map((p) => [p.id, new Promise<CheckResult>((resolve) => waiters.set(p.id, resolve))]),
  )
  const list = new Listr(
    probes.map((probe) => ({
      title: probe.title,
      task: async (_: unknown, task: { title: string; skip(message?: string): void }) => {
        const result = (await results.get(probe.id)) as CheckResult
        // listr2 has no warning state: the mark goes in the title.
        task.title = `${probe.id}  ${result.status === 'warn' ? '⚠ ' : ''}${result.detail}`
        if (result.status === 'skip') task.skip(`${probe.id}  ${result.detail}`)
        if (result.status === 'fail') throw new Error(`${probe.id}  ${result.detail}`)
      },
    })),
    { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false, showErrorMessage: true } },
  )
  const listed = list.run().catch(() => undefined)
  const value = await run({ finished: (result) => waiters.get(result.id)?.(result) })
  await listed
  return value
}
