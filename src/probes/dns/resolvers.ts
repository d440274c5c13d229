/**
 * dns.resolvers — the same name asked of each nameserver directly: the system's own (from
 * resolv.conf) and every --resolver. With dig when installed, else Node's resolver.
 * Evidence: per-resolver answers and whether they agree with the system resolver.
 * Fix: none; disagreement is a warning that points at split DNS or a filtering resolver.
 */
import { defineProbe, type ProbeContext } from '../../engine/types.js'
import type { LookupResult } from '../../platform/env.js'
import { parseDigShort } from '../../platform/parsers/dig.js'
import { parseResolvConf } from '../../platform/parsers/resolv-conf.js'
import { isIpAddress } from '../../platform/cidr.js'
import { endpointOf, hostOf } from '../shared.js'
import { showIp } from './system.js'

interface ResolverAnswer {
  server: string
  source: 'system' | '--resolver'
  tool: 'dig' | 'node'
  ok: boolean
  ips: string[]
  error?: string
}

async function askWithDig(ctx: ProbeContext, dig: string, host: string, server: string): Promise<LookupResult> {
  const timeS = Math.max(1, Math.ceil(ctx.options.connectTimeoutMs / 1000))
  const ask = (type: 'A' | 'AAAA') =>
    ctx.env.exec(dig, ['+short', `+time=${timeS}`, '+tries=1', `@${server}`, host, type], {
      timeoutMs: timeS * 1000 + 1500,
      signal: ctx.signal,
    })
  const started = performance.now()
  const [a, aaaa] = await Promise.all([ask('A'), ask('AAAA')])
  const ms = Math.round(performance.now() - started)
  const parsedA = parseDigShort(a.stdout, a.exitCode ?? 9)
  const parsedAAAA = parseDigShort(aaaa.stdout, aaaa.exitCode ?? 9)
  if (!parsedA.ok) return { ok: false, code: parsedA.code === 'DNS_ERROR' ? 'DNS_NO_REPLY' : parsedA.code, message: parsedA.message, ms }
  const addresses = [
    ...parsedA.addresses.map((address) => ({ address, family: 4 as const })),
    ...(parsedAAAA.ok ? parsedAAAA.addresses.map((address) => ({ address, family: 6 as const })) : []),
  ]
  return { ok: true, addresses, ms }
}

export const resolversProbe = defineProbe({
  id: 'dns.resolvers',
  layer: 'dns',
  title: 'Each nameserver asked directly',
  // Not `needs`: when the system resolver fails, asking the VPC resolver directly is what settles it.
  uses: ['cluster.describe', 'dns.system'],
  async run(ctx) {
    const system = ctx.get('dns.system')
    const endpoint = endpointOf(ctx)
    const host = system?.host ?? (endpoint ? hostOf(endpoint) : undefined)
    if (!host) return { status: 'skip', detail: 'no endpoint known' }
    if (isIpAddress(host)) return { status: 'skip', detail: 'the endpoint is an IP address: no DNS involved' }
    const systemIps = system?.ips ?? []
    const conf = ctx.env.platform === 'win32' ? undefined : await ctx.env.fs.readText('/etc/resolv.conf')
    const systemServers = conf ? parseResolvConf(conf).nameservers : []
    const servers = [
      ...systemServers.map((server) => ({ server, source: 'system' as const })),
      ...ctx.target.resolvers.map((server) => ({ server, source: '--resolver' as const })),
    ]
    if (servers.length === 0) return { status: 'skip', detail: 'no nameserver in /etc/resolv.conf and no --resolver given' }
    const dig = await ctx.env.which('dig')
    const answers: ResolverAnswer[] = await Promise.all(
      servers.map(async ({ server, source }) => {
        const result = dig
          ? await askWithDig(ctx, dig, host, server)
          : await ctx.env.dns.resolve(host, server, { timeoutMs: Math.max(ctx.options.connectTimeoutMs, 2000) })
        return {
          server,
          source,
          tool: dig ? ('dig' as const) : ('node' as const),
          ok: result.ok,
          ips: result.ok ? result.addresses.map((a) => a.address) : [],
          ...(result.ok ? {} : { error: `${result.code}: ${result.message}` }),
        }
      }),
    )
    const systemSet = [...systemIps].sort().join(',')
    const disagree = answers.filter((a) => !a.ok || [...a.ips].sort().join(',') !== systemSet)
    const evidence = {
      tool: dig ? 'dig' : 'node resolver (dig not found)',
      system: systemIps.map(showIp),
      resolvers: answers.map((a) => ({ server: a.server, source: a.source, ok: a.ok, ips: a.ips.map(showIp), error: a.error ?? null })),
    }
    const note = dig ? '' : ' (dig not found: asked with Node\'s resolver)'
    if (disagree.length === 0) {
      return { status: 'pass', detail: `${answers.length} nameserver${answers.length > 1 ? 's' : ''} agree with the system resolver${note}`, evidence }
    }
    const describe = disagree
      .map((a) => `${a.server} (${a.source}) ${a.ok ? (a.ips.length ? `says ${a.ips.join(', ')}` : 'has no answer') : `fails: ${a.error}`}`)
      .join('; ')
    const macNote = ctx.env.platform === 'darwin' ? ' On macOS, resolv.conf misses scoped and /etc/resolver/* resolvers that the system uses.' : ''
    return {
      status: 'warn',
      detail: `resolvers disagree with the system answer (${systemIps.length ? systemIps.join(', ') : 'none'}): ${describe}${note}.${macNote}`,
      evidence,
    }
  },
})
