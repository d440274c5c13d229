/**
 * dns.resolver-config — which resolver this workstation sends the endpoint's name to, and why:
 * macOS by `scutil --dns` (per-domain, supplemental and /etc/resolver resolvers, in their order),
 * Linux by `resolvectl status` when resolv.conf is systemd-resolved's stub (per-link servers and
 * routing domains), else resolv.conf, Windows by the NRPT and the interfaces' servers; and what
 * Tailscale does with DNS here (accept-DNS, the tailnet's split DNS route for the name).
 * Evidence: the servers, the domain and interface that routed the name, Tailscale's DNS state.
 * Fix: accept Tailscale DNS when the tailnet would answer the name but this node ignores it.
 */
import { defineProbe, type ProbeContext } from '../../engine/types.js'
import { chooseWindowsResolver, parseWindowsDns, windowsDnsArgs } from '../../platform/parsers/dns-windows.js'
import { isResolvedStub, parseResolvectlStatus, routeQuery } from '../../platform/parsers/resolvectl.js'
import { parseResolvConf } from '../../platform/parsers/resolv-conf.js'
import { chooseDarwinResolver, parseScutilDns } from '../../platform/parsers/scutil-dns.js'
import { parseTailscaleDnsStatus, type TailscaleSplitDnsRoute } from '../../platform/parsers/tailscale-dns.js'
import { isIpAddress } from '../../platform/cidr.js'
import { buildAcceptDnsFix } from '../../fixes/dns.js'
import { endpointOf, hostOf } from '../shared.js'

/** The resolver the system uses for the endpoint's name, and why it is that one. */
export type ResolverInUse = {
  /** The servers the query goes to (what kubectl's lookups reach). */
  servers: string[]
  via: 'scutil' | 'systemd-resolved' | 'resolv.conf' | 'nrpt' | 'windows-interfaces'
  why: string
  matchedDomain?: string
  iface?: string
  /** Tailscale's DNS on this node: accept-DNS, and the tailnet's split DNS route that covers the name. */
  tailscale?: { acceptDns?: boolean; route?: TailscaleSplitDnsRoute; magicDns?: boolean }
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'dns.resolver-config': ResolverInUse
  }
}

const BOUND = { timeoutMs: 4000 }

function normalised(domain: string): string {
  return domain.toLowerCase().replace(/\.+$/, '')
}

/** The tailnet's split DNS route with the longest domain that covers the host. */
function routeFor(routes: TailscaleSplitDnsRoute[], host: string): TailscaleSplitDnsRoute | undefined {
  const name = normalised(host)
  return routes
    .filter((r) => {
      const d = normalised(r.domain)
      return d && (name === d || name.endsWith(`.${d}`))
    })
    .sort((a, b) => normalised(b.domain).length - normalised(a.domain).length)
    .map((r) => ({ ...r, domain: normalised(r.domain) }))[0]
}

async function resolverOfPlatform(ctx: ProbeContext, host: string): Promise<ResolverInUse | string> {
  const signal = ctx.signal
  if (ctx.env.platform === 'darwin') {
    const run = await ctx.env.exec('/usr/sbin/scutil', ['--dns'], { ...BOUND, signal })
    if (run.notFound || run.timedOut || run.exitCode !== 0) return `scutil --dns ${run.timedOut ? 'did not answer' : 'failed'}`
    const choice = chooseDarwinResolver(parseScutilDns(run.stdout), host)
    if (!choice) return 'scutil --dns names no resolver for the name'
    return { servers: choice.resolver.nameservers, via: 'scutil', why: choice.why, matchedDomain: choice.matchedDomain, iface: choice.resolver.ifName }
  }
  if (ctx.env.platform === 'win32') {
    const run = await ctx.env.exec('powershell', windowsDnsArgs(), { timeoutMs: 8000, signal })
    if (run.notFound || run.timedOut) return `the DNS client cmdlets ${run.timedOut ? 'did not answer' : 'could not run'}`
    const choice = chooseWindowsResolver(parseWindowsDns(run.stdout), host)
    return { servers: choice.servers, via: choice.rule ? 'nrpt' : 'windows-interfaces', why: choice.why, matchedDomain: choice.rule?.namespace, iface: choice.interface?.alias }
  }
  const conf = (await ctx.env.fs.readText('/etc/resolv.conf')) ?? ''
  if (isResolvedStub(conf)) {
    const resolvectl = await ctx.env.which('resolvectl')
    const run = resolvectl ? await ctx.env.exec(resolvectl, ['status'], { ...BOUND, signal }) : undefined
    if (run && !run.timedOut && run.exitCode === 0) {
      const status = parseResolvectlStatus(run.stdout)
      const route = routeQuery(status, host)
      const servers = [...new Set(route.links.flatMap((l) => l.servers))]
      const fallback = servers.length ? servers : status.global.servers
      return { servers: fallback, via: 'systemd-resolved', why: route.why, matchedDomain: route.matchedDomain, iface: route.links.map((l) => l.ifName).join(', ') || undefined }
    }
  }
  const nameservers = parseResolvConf(conf).nameservers
  if (!nameservers.length) return 'resolv.conf names no nameserver'
  return { servers: nameservers, via: 'resolv.conf', why: `resolv.conf sends every query to ${nameservers.join(', ')}` }
}

export const resolverConfigProbe = defineProbe({
  id: 'dns.resolver-config',
  layer: 'dns',
  title: "The resolver that answers the endpoint's name",
  uses: ['cluster.describe', 'routing.tailscale'],
  applies: (target) => (target.endpoint || (target.cluster && target.region) ? true : 'no endpoint to resolve'),
  async run(ctx) {
    const endpoint = endpointOf(ctx)
    if (!endpoint) return { status: 'skip', detail: 'no endpoint known' }
    const host = hostOf(endpoint)
    if (isIpAddress(host)) return { status: 'skip', detail: 'the endpoint is an IP address: no DNS involved' }
    const tailscale = ctx.get('routing.tailscale')
    const running = tailscale?.status?.backendState === 'Running'
    const [found, dnsStatus] = await Promise.all([
      resolverOfPlatform(ctx, host),
      running && tailscale?.path ? ctx.env.exec(tailscale.path, ['dns', 'status'], { ...BOUND, signal: ctx.signal }) : undefined,
    ])
    const parsed = dnsStatus && dnsStatus.exitCode === 0 ? parseTailscaleDnsStatus(dnsStatus.stdout) : undefined
    const acceptDns = tailscale?.prefs?.corpDNS ?? parsed?.tailscaleDns
    const route = parsed ? routeFor(parsed.splitDnsRoutes, host) : undefined
    const ts = running ? { acceptDns, ...(route ? { route } : {}), ...(parsed?.magicDns !== undefined ? { magicDns: parsed.magicDns } : {}) } : undefined
    if (typeof found === 'string') return { status: 'skip', detail: `${found}: the resolver for the name is not known`, ...(ts ? { evidence: { tailscale: { acceptDns: acceptDns ?? null } } } : {}) }
    const data: ResolverInUse = { ...found, ...(ts ? { tailscale: ts } : {}) }
    const evidence = {
      servers: found.servers,
      via: found.via,
      why: found.why,
      matchedDomain: found.matchedDomain ?? null,
      interface: found.iface ?? null,
      tailscale: ts ? { acceptDns: acceptDns ?? null, splitRoute: route ? `${route.domain} → ${route.resolvers.join(', ')}` : null } : null,
    }
    const where = `${found.servers.join(', ') || 'no server'}${found.iface ? ` on ${found.iface}` : ''}`
    if (ts && acceptDns === false && route) {
      return {
        status: 'warn',
        code: 'TAILSCALE_DNS_OFF',
        detail: `${host} goes to ${where} (${found.why}); the tailnet sends ${route.domain} to ${route.resolvers.join(', ')}, but this node does not accept Tailscale DNS`,
        evidence,
        data,
        fixes: [buildAcceptDnsFix(ctx.env.platform, route)],
      }
    }
    return { status: 'pass', detail: `${host} goes to ${where}: ${found.why}`, evidence, data }
  },
})
