/**
 * dns.system — what the system resolver (getaddrinfo, as kubectl on macOS and most programs)
 * answers for the endpoint host, every address, each classified.
 * Evidence: the addresses with their class, /etc/hosts lines for the host, lookup time.
 * Fix: stale host name or filtering resolver (no answer); hosts entry or cache (public answer
 * for a private-only cluster); stale answers (private IPs that are not the endpoint's ENIs).
 */

import { defineProbe, type ProbeContext } from '../../engine/types.js'
import { buildNoAnswerFix, buildPublicAnswerFix, buildStaleAnswerFix, isEksEndpointHost, type DnsFacts } from '../../fixes/dns.js'
import { isIpAddress } from '../../platform/cidr.js'
import { sensitive } from '../../engine/sensitive.js'
import { endpointOf, hostOf, portOf } from '../shared.js'
import { classifyAnswer, type ClusterNetworkFacts } from './classify.js'

/** What dns.system hands on: the addresses kubectl would dial. */
export interface ResolvedEndpoint {
  host: string
  port: number
  ips: string[]
  isIpLiteral: boolean
  /** The name's own answer, when the IPs to probe are the ENIs from AWS instead (the answer was wrong). */
  answered?: string[]
}

/** What the checks after a wrong answer go on with. */
export const WITH_ENI_IPS = 'with the ENI IPs from AWS'


declare module '../../engine/types.js' {
  interface ProbeData {
    'dns.system': ResolvedEndpoint
  }
}

const HOSTS_FILE: Record<string, string> = {
  linux: '/etc/hosts',
  darwin: '/etc/hosts',
  win32: 'C:\\Windows\\System32\\drivers\\etc\\hosts',
}

async function hostsEntries(ctx: ProbeContext, host: string): Promise<string[]> {
  const text = await ctx.env.fs.readText(HOSTS_FILE[ctx.env.platform] ?? '/etc/hosts')
  if (!text) return []
  const wanted = host.toLowerCase()
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.split(/\s+/).slice(1).some((name) => name.toLowerCase() === wanted))
}

/** What later probes (issue: endpoint ENIs, VPC CIDRs) add about the cluster network. */
export function networkFactsOf(ctx: Pick<ProbeContext<never, 'cluster.endpoint-enis' | 'cluster.vpc'>, 'get'>): ClusterNetworkFacts {
  const vpc = ctx.get('cluster.vpc')
  return {
    eniIps: ctx.get('cluster.endpoint-enis')?.ips,
    vpcCidrs: vpc ? [...vpc.cidrs, ...(vpc.ipv6Cidrs ?? [])] : undefined,
  }
}

export function showIp(ip: string) {
  return classifyAnswer(ip, {}) === 'public' ? sensitive('public-ip', ip) : ip
}

export const systemResolverProbe = defineProbe({
  id: 'dns.system',
  layer: 'dns',
  title: 'System resolver answer for the endpoint',
  uses: ['cluster.describe', 'cluster.endpoint-access', 'cluster.endpoint-enis', 'cluster.vpc', 'routing.tailscale'],
  applies: (target) => (target.endpoint || (target.cluster && target.region) ? true : 'no endpoint to resolve'),
  async run(ctx) {
    const endpoint = endpointOf(ctx)
    if (!endpoint) return { status: 'skip', detail: 'no endpoint known: AWS did not say it and no kubeconfig or --endpoint gave it' }
    const host = hostOf(endpoint)
    const port = portOf(endpoint)
    if (isIpAddress(host)) {
      return {
        status: 'pass',
        detail: `the endpoint is the address ${host}: nothing to resolve`,
        evidence: { host: showIp(host) },
        data: { host, port, ips: [host], isIpLiteral: true },
      }
    }
    const hostEvidence = isEksEndpointHost(host) ? sensitive('endpoint-host', host) : host
    const [answer, hostsLines] = await Promise.all([
      ctx.env.dns.lookup(host, { timeoutMs: Math.max(ctx.options.connectTimeoutMs, 3000) }),
      hostsEntries(ctx, host),
    ])
    const cluster = ctx.get('cluster.describe')
    const privateOnly = cluster ? cluster.endpointPrivateAccess === true && cluster.endpointPublicAccess === false : undefined
    const facts = networkFactsOf(ctx)
    const tailscale = ctx.get('routing.tailscale')
    const dnsFacts: DnsFacts = {
      host,
      cluster: ctx.target.cluster,
      region: ctx.target.region,
      eniIps: facts.eniIps,
      vpcId: cluster?.vpcId,
      vpcCidr: facts.vpcCidrs?.[0],
      platform: ctx.env.platform,
      ...(tailscale?.status?.backendState === 'Running' ? { tailscale: { acceptDns: tailscale.prefs?.corpDNS } } : {}),
    }
    // A wrong answer is a broken link, but the rest of the path can still be probed at the ENIs AWS names.
    const goOn = (answered: string[]) =>
      facts.eniIps?.length ? { data: { host, port, ips: facts.eniIps, isIpLiteral: false, answered }, assumption: WITH_ENI_IPS } : answered.length ? { data: { host, port, ips: answered, isIpLiteral: false } } : {}
    if (!answer.ok || answer.addresses.length === 0) {
      const why = answer.ok ? 'an empty answer' : `${answer.code} (${answer.message})`
      return {
        status: 'fail',
        code: answer.ok ? 'DNS_NO_ANSWER' : answer.code,
        category: 'dns',
        detail: `${host} does not resolve: ${why}`,
        evidence: { host: hostEvidence, answers: [], hostsFile: hostsLines, ms: answer.ms },
        ...goOn([]),
        fixes: [buildNoAnswerFix(dnsFacts)],
      }
    }
    const ips = [...new Set(answer.addresses.map((a) => a.address))]
    const answers = ips.map((ip) => ({ ip: showIp(ip), class: classifyAnswer(ip, facts) }))
    const evidence = { host: hostEvidence, answers, hostsFile: hostsLines, ms: answer.ms }
    const data = { host, port, ips, isIpLiteral: false }
    const sinkholed = ips.filter((ip) => classifyAnswer(ip, facts) === 'reserved')
    if (sinkholed.length > 0) {
      return {
        status: 'fail',
        code: 'DNS_NO_ANSWER',
        category: 'dns',
        detail: `${host} resolves to ${sinkholed.join(', ')}: a DNS filter (Pi-hole, NextDNS, a corporate resolver) blocks the name`,
        evidence,
        ...goOn(ips),
        fixes: [buildNoAnswerFix(dnsFacts, { sinkhole: sinkholed })],
      }
    }
    const publicIps = ips.filter((ip) => classifyAnswer(ip, facts) === 'public')
    if (publicIps.length > 0 && privateOnly) {
      return {
        status: 'fail',
        code: 'DNS_PUBLIC_ANSWER',
        category: 'dns',
        detail: `${host} resolves to public ${publicIps.join(', ')} but the cluster is private-only`,
        evidence,
        ...goOn(ips),
        fixes: [buildPublicAnswerFix(dnsFacts, publicIps, { hostsFile: hostsLines.length > 0 })],
      }
    }
    if (facts.eniIps?.length) {
      const stale = ips.filter((ip) => !facts.eniIps?.includes(ip) && classifyAnswer(ip, facts) !== 'public')
      if (stale.length > 0) {
        return {
          status: 'fail',
          code: 'DNS_STALE_ANSWER',
          category: 'dns',
          detail: `${host} resolves to ${stale.join(', ')}, which ${stale.length > 1 ? 'are not endpoint ENIs' : 'is not an endpoint ENI'} of the cluster (${facts.eniIps.join(', ')})`,
          evidence,
          ...goOn(ips),
          fixes: [buildStaleAnswerFix(dnsFacts, stale)],
        }
      }
    }
    if (publicIps.length > 0) {
      return {
        status: 'warn',
        code: 'DNS_PUBLIC_ANSWER',
        detail: `${host} resolves to public ${publicIps.join(', ')}: traffic goes over the internet, not the VPN (the public endpoint is on, or a resolver rewrote the answer)`,
        evidence,
        data,
      }
    }
    return {
      status: 'pass',
      detail: `${host} → ${ips.join(', ')}${hostsLines.length ? ' (from /etc/hosts)' : ''}`,
      evidence,
      data,
    }
  },
})
