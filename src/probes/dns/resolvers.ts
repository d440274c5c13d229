/**
 * dns.resolvers — the same name asked of each nameserver directly: the system's own (from
 * resolv.conf) and every --resolver. With dig when installed, else Node's resolver.
 * Evidence: per-resolver answers and whether they agree with the system resolver.
 * Fix: none; disagreement is a warning that points at split DNS or a filtering resolver.
 */
import { defineProbe, type ProbeContext } from '../../engine/types.js'
import { buildResolverUnreachableFix, buildRouteDomainFix, endpointDomainOf, vpcResolverOf } from '../../fixes/dns.js'
import type { LookupResult } from '../../platform/env.js'
import { parseDigShort } from '../../platform/parsers/dig.js'
import { parseResolvConf } from '../../platform/parsers/resolv-conf.js'
import { isIpAddress } from '../../platform/cidr.js'
import { endpointOf, hostOf } from '../shared.js'
import { showIp } from './system.js'

interface ResolverAnswer {
  server: string
  source: string
  inUse: boolean
  tool: 'dig' | 'node'
  ok: boolean
  code?: string
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

type Asked = { server: string; source: string; inUse: boolean }

/** Whom to ask: the resolver the system uses for the name, the tailnet's split DNS resolver, resolv.conf's, and --resolver. */
async function resolversToAsk(ctx: ProbeContext<never, 'dns.resolver-config'>): Promise<Asked[]> {
  const inUse = ctx.get('dns.resolver-config')
  const asked: Asked[] = []
  const add = (server: string, source: string, used = false) => {
    const seen = asked.find((a) => a.server === server)
    if (seen) seen.inUse ||= used
    else if (isIpAddress(server)) asked.push({ server, source, inUse: used })
  }
  for (const server of inUse?.servers ?? []) add(server, `in use: ${inUse?.via}${inUse?.matchedDomain ? ` for ${inUse.matchedDomain}` : ''}`, true)
  for (const server of inUse?.tailscale?.route?.resolvers ?? []) add(server, `tailnet split DNS for ${inUse?.tailscale?.route?.domain}`)
  const conf = ctx.env.platform === 'win32' ? undefined : await ctx.env.fs.readText('/etc/resolv.conf')
  // Without the resolver configuration, resolv.conf's servers stand for the system's.
  for (const server of conf ? parseResolvConf(conf).nameservers : []) add(server, inUse ? 'resolv.conf' : 'system', !inUse)
  for (const server of ctx.target.resolvers) add(server, '--resolver')
  return asked
}

export const resolversProbe = defineProbe({
  id: 'dns.resolvers',
  layer: 'dns',
  title: 'Each nameserver asked directly',
  // Not `needs`: when the system resolver fails, asking the resolvers directly is what settles it.
  uses: ['cluster.describe', 'dns.system', 'dns.resolver-config', 'cluster.endpoint-enis', 'cluster.vpc'],
  async run(ctx) {
    const system = ctx.get('dns.system')
    const endpoint = endpointOf(ctx)
    const host = system?.host ?? (endpoint ? hostOf(endpoint) : undefined)
    if (!host) return { status: 'skip', detail: 'no endpoint known' }
    if (isIpAddress(host)) return { status: 'skip', detail: 'the endpoint is an IP address: no DNS involved' }
    // What the system resolver itself answered (after a wrong answer, dns.system goes on with the ENIs).
    const systemIps = system?.answered ?? system?.ips ?? []
    const servers = await resolversToAsk(ctx)
    const inUse = ctx.get('dns.resolver-config')
    if (servers.length === 0) return { status: 'skip', detail: inUse ? 'no nameserver known for the name and no --resolver given' : 'no nameserver in /etc/resolv.conf and no --resolver given' }
    const dig = await ctx.env.which('dig')
    const answers: ResolverAnswer[] = await Promise.all(
      servers.map(async ({ server, source, inUse }) => {
        const result = dig
          ? await askWithDig(ctx, dig, host, server)
          : await ctx.env.dns.resolve(host, server, { timeoutMs: Math.max(ctx.options.connectTimeoutMs, 2000) })
        return {
          server,
          source,
          inUse,
          tool: dig ? ('dig' as const) : ('node' as const),
          ok: result.ok,
          ...(result.ok ? {} : { code: result.code }),
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
      resolvers: answers.map((a) => ({ server: a.server, source: a.source, inUse: a.inUse, ok: a.ok, ips: a.ips.map(showIp), error: a.error ?? null })),
    }
    const note = dig ? '' : " (dig not found: asked with Node's resolver)"
    const dnsFailed = ctx.result('dns.system')?.status === 'fail'
    const used = answers.filter((a) => a.inUse)
    const domain = endpointDomainOf(host, ctx.target.region) ?? inUse?.matchedDomain
    // The resolver kubectl's lookups reach gives no reply at all: that, not the name, is the broken link.
    if (dnsFailed && used.length > 0 && used.every((a) => a.code === 'DNS_NO_REPLY')) {
      const resolver = used[0]!.server
      const vpcCidr = ctx.get('cluster.vpc')?.cidrs[0]
      const vpc = vpcCidr && vpcResolverOf(vpcCidr) === resolver ? ctx.get('cluster.vpc')?.vpcId : undefined
      return {
        status: 'fail',
        code: 'DNS_RESOLVER_UNREACHABLE',
        category: 'dns',
        refines: 'dns.system',
        detail: `the resolver the system uses for ${host}, ${used.map((a) => a.server).join(', ')} (${inUse?.why ?? used[0]!.source}), does not answer${vpc ? `: it is the VPC resolver of ${vpc}, which answers only inside its VPC` : ''}`,
        evidence,
        fixes: [buildResolverUnreachableFix({ resolver, domain, tailscale: Boolean(inUse?.tailscale), vpcResolverOf: vpc, platform: ctx.env.platform })],
      }
    }
    // Another resolver answers the ENIs where the one in use does not: the name is sent to the wrong one.
    const eniIps = ctx.get('cluster.endpoint-enis')?.ips ?? []
    const knows = answers.find((a) => !a.inUse && a.ok && a.ips.length > 0 && (eniIps.length ? a.ips.every((ip) => eniIps.includes(ip)) : true))
    if (dnsFailed && knows && used.length > 0 && domain) {
      return {
        status: 'fail',
        code: 'DNS_NO_ANSWER',
        category: 'dns',
        refines: 'dns.system',
        detail: `${used.map((a) => a.server).join(', ')} (in use for ${host}) ${used.every((a) => a.ok && a.ips.length === 0) ? 'has no answer' : 'answers wrongly'}, while ${knows.server} (${knows.source}) answers ${knows.ips.join(', ')}: ${domain} should go to ${knows.server}`,
        evidence,
        fixes: [buildRouteDomainFix({ domain, resolver: knows.server, platform: ctx.env.platform, tailscale: inUse?.tailscale, inUseVia: inUse ? `${used.map((a) => a.server).join(', ')}: ${inUse.why}` : undefined })],
      }
    }
    if (disagree.length === 0) {
      return { status: 'pass', detail: `${answers.length} nameserver${answers.length > 1 ? 's' : ''} ${answers.length > 1 ? 'agree' : 'agrees'} with the system resolver${note}`, evidence }
    }
    const describe = disagree
      .map((a) => `${a.server} (${a.source}) ${a.ok ? (a.ips.length ? `says ${a.ips.join(', ')}` : 'has no answer') : `fails: ${a.error}`}`)
      .join('; ')
    const kubectlUses = inUse && used.length ? ` kubectl's lookups go to ${used.map((a) => a.server).join(', ')} (${inUse.why}).` : ''
    const macNote = ctx.env.platform === 'darwin' && !inUse ? ' On macOS, resolv.conf misses scoped and /etc/resolver/* resolvers that the system uses.' : ''
    return {
      status: 'warn',
      detail: `resolvers disagree with the system answer (${systemIps.length ? systemIps.join(', ') : 'none'}): ${describe}${note}.${kubectlUses}${macNote}`,
      evidence,
    }
  },
})
