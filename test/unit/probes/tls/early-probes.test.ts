import { describe, expect, it } from 'vitest'
import { suspiciousAfterMs, whenSilent } from '../../../../src/probes/tls/packet-size.js'

/** A promise and the hands that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('the probes that explain a handshake timeout start while it is still unanswered', () => {
  it('a handshake that settles before the suspicious moment starts nothing', async () => {
    const handshake = deferred<{ ok: boolean }>()
    let started = 0
    const early = whenSilent(handshake.promise, 40, undefined, async () => ++started)
    handshake.resolve({ ok: false })
    expect(await early).toBeUndefined()
    await new Promise((r) => setTimeout(r, 60))
    expect(started).toBe(0)
  })

  it('a handshake still unanswered at the suspicious moment starts the probe then, and its answer is kept', async () => {
    const handshake = deferred<{ ok: boolean }>()
    const t0 = performance.now()
    let startedAt = -1
    const early = whenSilent(handshake.promise, 40, undefined, async () => {
      startedAt = performance.now() - t0
      return 'alert'
    })
    expect(await early).toBe('alert')
    expect(startedAt).toBeGreaterThanOrEqual(35)
    // The handshake has not settled yet: the explanation is in before the timeout is.
    handshake.resolve({ ok: false })
  })

  it('a started probe is aborted when the handshake then succeeds', async () => {
    const handshake = deferred<{ ok: boolean }>()
    const aborted = deferred<boolean>()
    void whenSilent(handshake.promise, 10, undefined, (signal) => new Promise<string>((done) => signal.addEventListener('abort', () => (aborted.resolve(true), done('cancelled')))))
    await new Promise((r) => setTimeout(r, 30))
    handshake.resolve({ ok: true })
    expect(await aborted.promise).toBe(true)
  })

  it('the run being cancelled cancels a started probe', async () => {
    const handshake = deferred<{ ok: boolean }>()
    const run = new AbortController()
    const early = whenSilent(handshake.promise, 10, run.signal, (signal) => new Promise<string>((done) => signal.addEventListener('abort', () => done('cancelled'))))
    await new Promise((r) => setTimeout(r, 30))
    run.abort()
    expect(await early).toBe('cancelled')
  })

  it('the suspicious moment is about the first retransmission, and leaves the probe most of the bound', () => {
    expect(suspiciousAfterMs(3000)).toBe(1000)
    expect(suspiciousAfterMs(10_000)).toBe(1000)
    expect(suspiciousAfterMs(1000)).toBe(333)
  })
})
