import { describe, expect, it } from 'vitest'
import { runProbes, selectProbes } from '../../../src/engine/run.js'
import { LAYERS, type AnyProbe, type CheckResult, type ProbeContext, type ProbeId, type ProbeOutcome } from '../../../src/engine/types.js'
import { PROBES } from '../../../src/probes/index.js'
import { DEFAULT_OPTIONS, fakeEnv, makeTarget, script } from '../../helpers/fake-env.js'

// The data the scheduler tests' own probes publish.
declare module '../../../src/engine/types.js' {
  interface ProbeData {
    'env.a': { x: number }
    'env.slow': { marker: string }
    'dns.a': { x: number }
  }
}

/** A probe for the scheduler: its layer is the first part of its id. */
function probe(id: ProbeId, run: (ctx: ProbeContext<ProbeId, ProbeId>) => Promise<ProbeOutcome>, extra: Partial<AnyProbe> = {}): AnyProbe {
  return { id, layer: id.split('.')[0] as AnyProbe['layer'], title: `title of ${id}`, run, ...extra }
}

const pass = (detail = 'fine') => async (): Promise<ProbeOutcome> => ({ status: 'pass', detail })
const fail = (detail = 'broken') => async (): Promise<ProbeOutcome> => ({ status: 'fail', detail, code: 'TCP_TIMEOUT' })

/** Resolves after ms; the timer is unref'd so a stuck test cannot keep the process alive. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

async function run(probes: AnyProbe[], o: { totalTimeoutMs?: number; concurrency?: number; finished?: CheckResult[] } = {}) {
  const env = fakeEnv()
  const results = await runProbes(probes, {
    env,
    target: makeTarget({ cluster: 'c', region: 'eu-west-1' }),
    options: { ...DEFAULT_OPTIONS, totalTimeoutMs: o.totalTimeoutMs ?? DEFAULT_OPTIONS.totalTimeoutMs },
    concurrency: o.concurrency,
    events: { finished: (r) => o.finished?.push(r) },
  })
  env.assertAllConsumed()
  return results
}

function byId(results: CheckResult[], id: ProbeId): CheckResult {
  const found = results.find((r) => r.id === id)
  if (!found) throw new Error(`no result for ${id}`)
  return found
}

describe('runProbes', () => {
  it('skips a chain behind a failure with skippedBecause the root cause, not the nearest link', async () => {
    const results = await run([
      probe('env.a', fail('A is broken')),
      probe('dns.b', pass(), { needs: ['env.a'] }),
      probe('routing.c', pass(), { needs: ['dns.b'] }),
      probe('network.d', pass(), { needs: ['routing.c'] }),
    ])
    expect(byId(results, 'env.a')).toMatchObject({ status: 'fail', detail: 'A is broken' })
    for (const id of ['dns.b', 'routing.c', 'network.d'] as const) {
      expect(byId(results, id)).toMatchObject({ status: 'skip', skippedBecause: 'env.a' })
    }
    expect(byId(results, 'dns.b').detail).toContain('env.a failed')
    expect(byId(results, 'routing.c').detail).toContain('dns.b was skipped')
  })

  it('roots a skip chain at the probe that skipped on its own', async () => {
    const results = await run([
      probe('cluster.a', async () => ({ status: 'skip', detail: 'no AWS credentials' })),
      probe('dns.b', pass(), { needs: ['cluster.a'] }),
      probe('tls.c', pass(), { needs: ['dns.b'] }),
    ])
    expect(byId(results, 'dns.b')).toMatchObject({ status: 'skip', skippedBecause: 'cluster.a' })
    expect(byId(results, 'tls.c')).toMatchObject({ status: 'skip', skippedBecause: 'cluster.a' })
  })

  it('runs a probe whose need is not part of this run', async () => {
    const results = await run([probe('dns.alone', pass('ran'), { needs: ['cluster.describe'], uses: ['routing.tailscale'] })])
    expect(results[0]).toMatchObject({ status: 'pass', detail: 'ran' })
  })

  it('runs a probe whose need warned', async () => {
    const results = await run([
      probe('env.a', async () => ({ status: 'warn', detail: 'meh', data: { x: 41 } })),
      probe('dns.b', async (ctx) => ({ status: 'pass', detail: `saw ${ctx.get('env.a')?.x}` }), { needs: ['env.a'] }),
    ])
    expect(byId(results, 'dns.b')).toMatchObject({ status: 'pass', detail: 'saw 41' })
  })

  it('makes `uses` wait for the other probe without requiring it to pass', async () => {
    const results = await run([
      probe('env.slow', async () => {
        await sleep(40)
        return { status: 'fail', detail: 'slow and failed', data: { marker: 'from-slow' } }
      }),
      probe(
        'dns.user',
        async (ctx) => ({
          status: 'pass',
          detail: `slow was ${ctx.result('env.slow')?.status ?? 'not finished'}, data ${ctx.get('env.slow')?.marker ?? 'none'}`,
        }),
        { uses: ['env.slow'] },
      ),
    ])
    expect(byId(results, 'dns.user')).toMatchObject({ status: 'pass', detail: 'slow was fail, data from-slow' })
    expect(byId(results, 'dns.user').skippedBecause).toBeUndefined()
  })

  it('runs independent probes concurrently', async () => {
    let markStarted: () => void = () => undefined
    const secondStarted = new Promise<'started'>((resolve) => {
      markStarted = () => resolve('started')
    })
    const results = await run([
      // The first probe can only pass if the second starts while the first is still running.
      probe('env.first', async () => {
        const seen = await Promise.race([secondStarted, sleep(1500).then(() => 'never' as const)])
        return seen === 'started' ? { status: 'pass', detail: 'saw second start' } : { status: 'fail', detail: 'second never started' }
      }),
      probe('dns.second', async () => {
        markStarted()
        return { status: 'pass', detail: 'second ran' }
      }),
    ])
    expect(byId(results, 'env.first')).toMatchObject({ status: 'pass', detail: 'saw second start' })
    expect(byId(results, 'dns.second').status).toBe('pass')
  })

  it('fails a probe that reads data it did not declare with PROBE_CRASHED naming both ids, and still serves declared reads', async () => {
    const results = await run([
      probe('env.a', async () => ({ status: 'pass', detail: 'has data', data: { x: 7 } })),
      probe('env.slow', async () => ({ status: 'pass', detail: 'has data too', data: { marker: 'm' } })),
      // Casts stand in for a probe whose declarations drifted from what its code reads.
      probe('dns.reader', async (ctx) => ({ status: 'pass', detail: `read ${ctx.get('env.a')?.x} then ${ctx.get('env.slow' as 'env.a')?.x}` }), { uses: ['env.a'] }),
      probe('dns.needer', async (ctx) => ({ status: 'pass', detail: `needed ${ctx.need('env.a').x}` }), { uses: ['env.a'] }),
      probe('dns.declared', async (ctx) => ({ status: 'pass', detail: `needed ${ctx.need('env.a').x}, used ${ctx.get('env.slow')?.marker}` }), { needs: ['env.a'], uses: ['env.slow'] }),
    ])
    expect(byId(results, 'dns.reader')).toMatchObject({ status: 'fail', code: 'PROBE_CRASHED' })
    expect(byId(results, 'dns.reader').detail).toContain('dns.reader read env.slow, which it does not declare in needs, uses or reads')
    expect(byId(results, 'dns.needer')).toMatchObject({ status: 'fail', code: 'PROBE_CRASHED' })
    expect(byId(results, 'dns.needer').detail).toContain('dns.needer needs the data of env.a, which it only uses')
    expect(byId(results, 'dns.declared')).toMatchObject({ status: 'pass', detail: 'needed 7, used m' })
  })

  it('fails a probe whose prerequisite passed without publishing the data it needs', async () => {
    const results = await run([
      probe('env.a', pass('no data')),
      probe('dns.b', async (ctx) => ({ status: 'pass', detail: `x is ${ctx.need('env.a').x}` }), { needs: ['env.a'] }),
    ])
    expect(byId(results, 'dns.b')).toMatchObject({ status: 'fail', code: 'PROBE_CRASHED' })
    expect(byId(results, 'dns.b').detail).toContain('dns.b needs the data of env.a, which published none')
  })

  it('goes on past a failed link that offers an assumption, and every check after it says so', async () => {
    const results = await run([
      probe('dns.a', async () => ({ status: 'fail', detail: 'wrong answer', code: 'DNS_STALE_ANSWER', data: { x: 9 }, assumption: 'with the ENI IPs from AWS' })),
      probe('network.b', async (ctx) => ({ status: 'fail', detail: `timed out at ${ctx.need('dns.a').x}`, code: 'TCP_TIMEOUT' }), { needs: ['dns.a'] }),
      probe('tls.c', pass('not reached'), { needs: ['network.b'] }),
      probe('cluster.d', async () => ({ status: 'fail', detail: 'no data to go on with', assumption: 'nothing' })),
      probe('dns.e', pass(), { needs: ['cluster.d'] }),
    ])
    expect(byId(results, 'network.b')).toMatchObject({ status: 'fail', detail: 'timed out at 9 (with the ENI IPs from AWS)', assuming: ['with the ENI IPs from AWS'] })
    // A failure without an assumption still skips what needs it, and the root of the skip is named.
    expect(byId(results, 'tls.c')).toMatchObject({ status: 'skip', skippedBecause: 'network.b' })
    // An assumption without data to go on with is no assumption.
    expect(byId(results, 'dns.e')).toMatchObject({ status: 'skip', skippedBecause: 'cluster.d' })
  })

  it('starts a probe early on a release, and settled gives the released probe its final result', async () => {
    const order: string[] = []
    const results = await run([
      probe('network.slow', async (ctx) => {
        order.push('slow started')
        ctx.release()
        await sleep(60)
        order.push('slow finished')
        return { status: 'fail', detail: 'timed out', code: 'TCP_TIMEOUT' }
      }),
      probe(
        'network.reader',
        async (ctx) => {
          order.push(`reader started, slow pending: ${ctx.pending('network.slow')}`)
          const slow = await ctx.settled('network.slow')
          order.push('reader judged')
          return { status: 'pass', detail: `slow ended ${slow?.status}` }
        },
        { uses: ['network.slow'], early: ['network.slow'] },
      ),
      probe('network.waiter', async (ctx) => ({ status: 'pass', detail: `slow was ${ctx.result('network.slow')?.status}` }), { uses: ['network.slow'] }),
    ])
    expect(order).toEqual(['slow started', 'reader started, slow pending: true', 'slow finished', 'reader judged'])
    expect(byId(results, 'network.reader').detail).toBe('slow ended fail')
    expect(byId(results, 'network.waiter').detail).toBe('slow was fail')
  })

  it('turns a throwing probe into a PROBE_CRASHED fail and skips its dependents', async () => {
    const results = await run([
      probe('cluster.boom', async () => {
        throw new Error('kaboom in parser')
      }),
      probe('dns.after', pass(), { needs: ['cluster.boom'] }),
      probe('env.other', pass('unrelated')),
    ])
    const crashed = byId(results, 'cluster.boom')
    expect(crashed).toMatchObject({ status: 'fail', code: 'PROBE_CRASHED', confirmed: false })
    expect(crashed.detail).toContain('kaboom in parser')
    expect(byId(results, 'dns.after')).toMatchObject({ status: 'skip', skippedBecause: 'cluster.boom' })
    expect(byId(results, 'env.other').status).toBe('pass')
  })

  it('fails a probe that overruns its timeoutMs with TIMEOUT, aborts its signal, within a bounded time', async () => {
    let signalAborted = false
    const started = performance.now()
    const results = await run([
      probe(
        'network.hang',
        (ctx) =>
          new Promise<ProbeOutcome>((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              signalAborted = true
            })
            // Would answer far too late; the engine must not wait for it.
            sleep(3000).then(() => resolve({ status: 'pass', detail: 'too late' }))
          }),
        { timeoutMs: 60 },
      ),
      probe('tls.next', pass(), { needs: ['network.hang'] }),
    ])
    const elapsed = performance.now() - started
    expect(byId(results, 'network.hang')).toMatchObject({ status: 'fail', code: 'TIMEOUT' })
    expect(byId(results, 'network.hang').detail).toContain('60 ms')
    expect(byId(results, 'tls.next')).toMatchObject({ status: 'skip', skippedBecause: 'network.hang' })
    expect(signalAborted).toBe(true)
    expect(elapsed).toBeLessThan(1500)
  })

  it('stops a hung probe when the total --timeout runs out, and skips what needed it', async () => {
    const started = performance.now()
    const results = await run(
      [
        probe('network.hang', () => new Promise<ProbeOutcome>((resolve) => void sleep(3000).then(() => resolve({ status: 'pass', detail: 'late' }))), {
          timeoutMs: 10_000,
        }),
        probe('tls.next', pass(), { needs: ['network.hang'] }),
      ],
      { totalTimeoutMs: 80 },
    )
    expect(performance.now() - started).toBeLessThan(1500)
    expect(byId(results, 'network.hang')).toMatchObject({ status: 'fail', code: 'TIMEOUT' })
    expect(byId(results, 'network.hang').detail).toContain('total --timeout')
    expect(byId(results, 'tls.next')).toMatchObject({ status: 'skip', skippedBecause: 'network.hang' })
  })

  it('never runs more probes at once than the concurrency limit', async () => {
    let active = 0
    let peak = 0
    const busy = async (): Promise<ProbeOutcome> => {
      active++
      peak = Math.max(peak, active)
      await sleep(15)
      active--
      return { status: 'pass', detail: 'done' }
    }
    const ids: ProbeId[] = ['env.p1', 'env.p2', 'env.p3', 'env.p4', 'env.p5']
    const results = await run(
      ids.map((id) => probe(id, busy)),
      { concurrency: 2 },
    )
    expect(results.every((r) => r.status === 'pass')).toBe(true)
    expect(peak).toBe(2)
  })

  it('returns results in registry order, whatever order they finished in', async () => {
    const finished: CheckResult[] = []
    const results = await run(
      [
        probe('env.late', async () => {
          await sleep(60)
          return { status: 'pass', detail: 'late' }
        }),
        probe('dns.middle', async () => {
          await sleep(20)
          return { status: 'pass', detail: 'middle' }
        }),
        probe('tls.early', pass('early')),
      ],
      { finished },
    )
    expect(results.map((r) => r.id)).toEqual(['env.late', 'dns.middle', 'tls.early'])
    expect(finished.map((r) => r.id)).toEqual(['tls.early', 'dns.middle', 'env.late'])
  })

  it('skips with the reason `applies` gives, and runs nothing', async () => {
    let ran = false
    const results = await run([
      probe(
        'cluster.describe',
        async () => {
          ran = true
          return { status: 'pass', detail: 'ran' }
        },
        { applies: () => 'no cluster name: checking a bare endpoint' },
      ),
      probe('dns.after', pass(), { needs: ['cluster.describe'] }),
    ])
    expect(ran).toBe(false)
    expect(byId(results, 'cluster.describe')).toMatchObject({ status: 'skip', detail: 'no cluster name: checking a bare endpoint' })
    expect(byId(results, 'cluster.describe').skippedBecause).toBeUndefined()
    expect(byId(results, 'dns.after')).toMatchObject({ status: 'skip', skippedBecause: 'cluster.describe' })
  })

  it('copies code, category, confirmed, alternatives, evidence and fixes onto the check', async () => {
    const results = await run([
      probe('network.x', async () => ({
        status: 'fail',
        detail: 'dropped',
        code: 'TCP_TIMEOUT',
        category: 'security-group',
        confirmed: false,
        alternatives: [{ category: 'routing', summary: 'route table' }],
        evidence: { ip: '10.1.2.3' },
        fixes: [{ category: 'security-group', title: 't', why: 'w', commands: ['aws ec2 x'] }],
      })),
    ])
    expect(results[0]).toMatchObject({
      id: 'network.x',
      layer: 'network',
      title: 'title of network.x',
      detail: 'dropped',
      code: 'TCP_TIMEOUT',
      category: 'security-group',
      confirmed: false,
      alternatives: [{ category: 'routing', summary: 'route table' }],
      evidence: { ip: '10.1.2.3' },
      fixes: [{ commands: ['aws ec2 x'] }],
    })
  })
})

describe('runProbes over the scripted exec', () => {
  const execProbe = (id: ProbeId, file: string, args: string[]) =>
    probe(id, async (ctx) => {
      const r = await ctx.env.exec(file, args, { timeoutMs: 1000, signal: ctx.signal })
      return { status: r.exitCode === 0 ? 'pass' : 'fail', detail: r.stdout.trim() }
    })

  it('matches concurrent calls by argv, not by order, and consumes each entry once', async () => {
    const exec = script([
      { file: 'tailscale', args: ['status', '--json'], stdout: 'second\n' },
      { file: /\/ip$/, args: ['-j', 'route', 'get', '10.0.0.1'], stdout: 'first\n' },
    ])
    const env = fakeEnv({ exec })
    const results = await runProbes([execProbe('routing.a', '/usr/sbin/ip', ['-j', 'route', 'get', '10.0.0.1']), execProbe('routing.b', '/usr/bin/tailscale', ['status', '--json'])], {
      env,
      target: makeTarget(),
      options: DEFAULT_OPTIONS,
    })
    expect(results.map((r) => r.detail)).toEqual(['first', 'second'])
    expect(() => env.assertAllConsumed()).not.toThrow()
  })

  it('an unexpected call crashes that probe and fails assertAllConsumed, listing what was expected', async () => {
    const env = fakeEnv({ exec: [{ file: 'dig', args: ['+short', 'example.com', 'A'] }] })
    const results = await runProbes([execProbe('dns.a', '/usr/bin/dig', ['+short', 'example.com', 'AAAA'])], {
      env,
      target: makeTarget(),
      options: DEFAULT_OPTIONS,
    })
    expect(results[0]).toMatchObject({ status: 'fail', code: 'PROBE_CRASHED' })
    expect(() => env.assertAllConsumed()).toThrow(/unexpected exec: \/usr\/bin\/dig \+short example\.com AAAA[\s\S]*dig \+short example\.com A/)
  })

  it('fails assertAllConsumed on scripted calls never made', async () => {
    const env = fakeEnv({ exec: [{ file: 'kubectl', args: ['version', '--client', '-o', 'json'] }] })
    expect(() => env.assertAllConsumed()).toThrow(/never made[\s\S]*kubectl version --client -o json/)
  })
})

describe('selectProbes', () => {
  const all = [
    probe('env.a', pass()),
    probe('env.b', pass()),
    probe('cluster.c', pass()),
    probe('dns.d', pass(), { uses: ['cluster.c'] }),
    probe('routing.e', pass(), { needs: ['dns.d'], uses: ['env.b'] }),
    probe('tls.f', pass(), { needs: ['env.a'] }),
  ]

  it('pulls in transitive needs and uses, in registry order', () => {
    const chosen = selectProbes(all, (p) => p.id === 'routing.e')
    expect(chosen.map((p) => p.id)).toEqual(['env.b', 'cluster.c', 'dns.d', 'routing.e'])
  })

  it('gives `eksdoctor dns` (the dns layer of the real registry) the cluster.describe that tells dns.system the endpoint', () => {
    const ids = selectProbes(PROBES, (p) => p.layer === 'dns').map((p) => p.id)
    expect(ids).toContain('cluster.describe')
    expect(ids).toContain('dns.system')
  })

  it('selects by layer', () => {
    expect(selectProbes(all, (p) => p.layer === 'tls').map((p) => p.id)).toEqual(['env.a', 'tls.f'])
  })

  it('does not pull in what a probe only reads; when the run has it for its own sake, the reader waits for it and sees its data', async () => {
    const seen: unknown[] = []
    const reader = probe('dns.a', async (ctx) => (seen.push(ctx.get('env.slow')), { status: 'pass', detail: 'read' }), { reads: ['env.slow'] })
    const slow = probe('env.slow', async () => (await sleep(30), { status: 'pass', detail: 'slow', data: { marker: 'the data' } }))
    expect(selectProbes([slow, reader], (p) => p.id === 'dns.a').map((p) => p.id)).toEqual(['dns.a'])
    await run([slow, reader])
    expect(seen).toEqual([{ marker: 'the data' }])
  })
})

describe('the registry (src/probes/index.ts)', () => {
  it('has unique ids', () => {
    const ids = PROBES.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it.each(PROBES.map((p) => [p.id, p] as const))('%s: id is layer.name with its own layer', (id, p) => {
    expect(LAYERS).toContain(p.layer)
    expect(id).toMatch(/^[a-z]+\.[a-z0-9-]+$/)
    expect(id.startsWith(`${p.layer}.`)).toBe(true)
  })

  it.each(PROBES.map((p, index) => [p.id, p, index] as const))('%s: every needs/uses entry names an earlier probe', (_id, p, index) => {
    const earlier = PROBES.slice(0, index).map((q) => q.id)
    for (const dep of [...(p.needs ?? []), ...(p.uses ?? [])]) expect(earlier, `${p.id} → ${dep}`).toContain(dep)
  })
})
