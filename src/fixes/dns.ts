/**
 * Fixes for name resolution of the API endpoint, filled in from what the run found: the ENI IPs
 * the name must resolve to, the VPC resolver (the VPC CIDR base + 2) and why it answers only
 * inside its VPC, the region's endpoint domain, and the change for the resolver this workstation uses.
 */
import type { Fix } from '../engine/types.js'
import { cidrBase } from '../platform/cidr.js'
import type { Platform } from '../platform/env.js'
import type { TailscaleSplitDnsRoute } from '../platform/parsers/tailscale-dns.js'

/** What a DNS fix is built from; every field is what the run found, or absent. */
export interface DnsFacts {
  host: string
  cluster?: string
  region?: string
  /** The endpoint ENI IPs AWS reports: what the name must resolve to. */
  eniIps?: string[]
  /** The cluster VPC and its primary CIDR, whose base + 2 is the VPC resolver. */
  vpcId?: string
  vpcCidr?: string
  platform: Platform
  /** Tailscale on this workstation, when it runs. */
  tailscale?: { acceptDns?: boolean }
}

/** The Amazon-provided resolver of a VPC: the base of its primary CIDR plus two. */
export function vpcResolverOf(vpcCidr: string | undefined): string | undefined {
  const base = vpcCidr ? cidrBase(vpcCidr) : undefined
  if (!base) return undefined
  const parts = base.split('.').map(Number)
  parts[3] = (parts[3] ?? 0) + 2
  return parts.join('.')
}

/**
 * The suffixes of EKS API endpoints after `<region>.`: IPv4 clusters' (and IPv6 clusters' before
 * October 2024) `eks.amazonaws.com`, the dual-stack `api.aws` of newer IPv6 clusters, and their
 * China-partition forms.
 */
export const EKS_ENDPOINT_SUFFIXES = ['eks.amazonaws.com.cn', 'eks.amazonaws.com', 'api.amazonwebservices.com.cn', 'api.aws'] as const

/** The domain all of a region's endpoints share (<region>.eks.amazonaws.com, <region>.api.aws, ...). */
export function endpointDomainOf(host: string, region: string | undefined): string | undefined {
  const lower = host.toLowerCase()
  for (const suffix of EKS_ENDPOINT_SUFFIXES) {
    if (region && lower.endsWith(`.${region}.${suffix}`)) return `${region}.${suffix}`
  }
  return undefined
}

/** Whether a host name is an EKS API endpoint's (its unique part is then masked under --redact). */
export function isEksEndpointHost(host: string): boolean {
  const lower = host.toLowerCase()
  return EKS_ENDPOINT_SUFFIXES.some((suffix) => lower.endsWith(`.${suffix}`))
}

/**
 * The VPC resolver (VPC CIDR base + 2) answers only queries from inside its VPC, so from the
 * workstation the region's domain goes to a Route 53 Resolver inbound endpoint in the cluster VPC;
 * the shell finds its address when the commands run, and nothing is changed when there is none.
 */
function splitDnsCommands(f: DnsFacts, domain: string): string[] {
  const commands: string[] = []
  if (f.tailscale?.acceptDns === false) commands.push(`${f.platform === 'win32' ? '' : 'sudo '}tailscale set --accept-dns=true`)
  if (!f.vpcId || !f.region) return commands
  const endpointId = `aws route53resolver list-resolver-endpoints --region ${f.region} --filters Name=Direction,Values=INBOUND Name=HostVPCId,Values=${f.vpcId} --query 'ResolverEndpoints[0].Id' --output text`
  const lookup = `aws route53resolver list-resolver-endpoint-ip-addresses --region ${f.region} --resolver-endpoint-id "$(${endpointId})" --query 'IpAddresses[0].Ip' --output text`
  if (f.platform === 'win32') {
    commands.push(`$resolver = (${lookup})`, `if ($resolver -and $resolver -ne 'None') { Add-DnsClientNrptRule -Namespace '.${domain}' -NameServers $resolver }`)
    return commands
  }
  commands.push(`resolver="$(${lookup})"`)
  if (f.platform === 'darwin') commands.push(`[ "$resolver" != None ] && sudo mkdir -p /etc/resolver && echo "nameserver $resolver" | sudo tee /etc/resolver/${domain}`)
  else {
    // The link is the one the route to the resolver leaves by (the VPN's), found when the command runs.
    const link = `"$(ip -o route get "$resolver" | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')"`
    commands.push(`[ "$resolver" != None ] && sudo resolvectl dns ${link} "$resolver" && sudo resolvectl domain ${link} '~${domain}'   # systemd-resolved`)
  }
  return commands
}

function hostsFileCommand(f: DnsFacts): string | undefined {
  if (!f.eniIps?.length) return undefined
  if (f.platform === 'win32') return `Add-Content -Path $env:SystemRoot\\System32\\drivers\\etc\\hosts -Value "${f.eniIps.map((ip) => `${ip} ${f.host}`).join('`n')}"   # stopgap: stale when the ENIs move`
  return `printf '%s ${f.host}\\n' ${f.eniIps.join(' ')} | sudo tee -a /etc/hosts   # stopgap: stale when the ENIs move`
}

/** Why and how the name should reach the private IPs, in words that name them. */
function resolutionFix(f: DnsFacts, title: string, cause: string): Fix {
  const resolver = vpcResolverOf(f.vpcCidr)
  const domain = endpointDomainOf(f.host, f.region)
  const ips = f.eniIps?.length ? f.eniIps.join(', ') : undefined
  const commands: string[] = []
  const hosts = hostsFileCommand(f)
  if (hosts) commands.push(hosts)
  if (domain) commands.push(...splitDnsCommands(f, domain))
  if (!ips && f.cluster && f.region) {
    commands.push(`aws eks describe-cluster --name ${f.cluster} --region ${f.region} --query cluster.endpoint --output text`)
    commands.push(`aws ec2 describe-network-interfaces --filters 'Name=description,Values=Amazon EKS ${f.cluster}' --region ${f.region} --query 'NetworkInterfaces[].PrivateIpAddress' --output text`)
  }
  const vpcResolver =
    resolver && domain
      ? ` The VPC resolver ${resolver} (the VPC CIDR ${f.vpcCidr} base + 2) answers only queries from inside ${f.vpcId ?? 'its VPC'}: over the VPN send ${domain} to a Route 53 Resolver inbound endpoint in that VPC (the commands look it up and change nothing when there is none)${f.tailscale ? `, or in the Tailscale admin console add a split DNS nameserver for ${domain}: the resolver of the VPC the subnet router sits in, which it reaches from inside when it source-NATs` : ''}.`
      : ''
  return {
    category: 'dns',
    title,
    why:
      `${cause} ${f.host} must resolve to ${ips ? `the endpoint ENI IPs ${ips}` : "the cluster's endpoint ENI IPs"}, which public DNS answers for a private-only cluster.` +
      vpcResolver +
      (hosts ? ' The hosts-file lines work at once but go stale when EKS moves the ENIs (upgrades, changes).' : ''),
    commands,
  }
}

export function buildNoAnswerFix(f: DnsFacts, o: { sinkhole?: string[] } = {}): Fix {
  const cause = o.sinkhole?.length
    ? `A DNS filter (Pi-hole, NextDNS, a corporate resolver) answers ${o.sinkhole.join(', ')} for the name.`
    : 'The name gets no answer: the host name is stale (the cluster was recreated with a new endpoint), or the resolver in use drops private answers (DNS rebinding protection on home routers and filtering resolvers).'
  return resolutionFix(f, `Make ${f.host} resolve to the cluster's private endpoint IPs`, cause)
}

export function buildPublicAnswerFix(f: DnsFacts, publicIps: string[], o: { hostsFile: boolean }): Fix {
  if (o.hostsFile) {
    return {
      category: 'dns',
      title: `Remove the hosts-file entry that sends ${f.host} to ${publicIps.join(', ')}`,
      why: `The cluster is private-only, yet ${publicIps.join(', ')} came back: an /etc/hosts entry overrides DNS.${f.eniIps?.length ? ` The name must resolve to ${f.eniIps.join(', ')}.` : ''}`,
      commands: [`sudo sed -i.bak '/${f.host.replace(/\./g, '\\.')}/d' /etc/hosts`],
    }
  }
  const fix = resolutionFix(
    f,
    `Stop ${f.host} resolving to public addresses`,
    `The cluster is private-only, yet ${publicIps.join(', ')} came back: a cached answer from when the public endpoint was on, or a resolver that rewrites answers.`,
  )
  return { ...fix, commands: [flushCacheCommand(f.platform), ...fix.commands] }
}

export function buildStaleAnswerFix(f: DnsFacts, staleIps: string[]): Fix {
  const fix = resolutionFix(
    f,
    `Drop the stale addresses for ${f.host}`,
    `${staleIps.join(', ')} ${staleIps.length > 1 ? 'are' : 'is'} private but not an endpoint ENI of the cluster: an /etc/hosts line, a cached answer or a resolver with an old record.`,
  )
  return { ...fix, commands: [...(f.platform === 'win32' ? [] : [`grep -n '${f.host}' /etc/hosts`]), flushCacheCommand(f.platform), ...fix.commands] }
}

function flushCacheCommand(platform: Platform): string {
  if (platform === 'darwin') return 'sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder'
  if (platform === 'win32') return 'Clear-DnsClientCache'
  return 'sudo resolvectl flush-caches   # systemd-resolved'
}

/** Tailscale's DNS is off on this node while the tailnet has a split DNS route for the name. */
export function buildAcceptDnsFix(platform: Platform, route: TailscaleSplitDnsRoute): Fix {
  return {
    category: 'dns',
    title: 'Accept the DNS settings of your tailnet',
    why: `The tailnet sends ${route.domain} to ${route.resolvers.join(', ')}, but this node runs with --accept-dns=false, so the name goes to the local resolver instead.`,
    commands: [`${platform === 'win32' ? '' : 'sudo '}tailscale set --accept-dns=true`],
  }
}

/** The resolver the workstation uses for the name does not answer. */
export function buildResolverUnreachableFix(o: { resolver: string; domain?: string; tailscale: boolean; vpcResolverOf?: string; platform: Platform }): Fix {
  const magic = o.resolver === '100.100.100.100'
  return {
    category: 'dns',
    title: `Make the resolver ${o.resolver} answer, or stop sending ${o.domain ?? 'the name'} to it`,
    why: magic
      ? 'Tailscale\'s resolver 100.100.100.100 does not answer: tailscaled is not running or is stuck, or the tailnet\'s nameserver it forwards to is unreachable.'
      : o.vpcResolverOf
        ? `${o.resolver} is the VPC resolver of ${o.vpcResolverOf}, which answers only queries from inside that VPC: from this workstation it never will.`
        : `${o.resolver} gets the query${o.domain ? ` for ${o.domain}` : ''} and gives no answer: it is not reachable over the VPN, or it is down.`,
    commands: magic
      ? [o.platform === 'win32' ? 'tailscale status' : 'tailscale status && tailscale dns status', ...(o.platform === 'linux' ? ['sudo systemctl restart tailscaled'] : [])]
      : o.platform === 'darwin'
        ? ['scutil --dns', ...(o.domain ? [`ls /etc/resolver/ && cat /etc/resolver/${o.domain}`] : [])]
        : o.platform === 'win32'
          ? ['Get-DnsClientNrptPolicy -Effective']
          : ['resolvectl status'],
  }
}

/** Send the region's endpoint domain to a resolver that answers it, the way this workstation takes it. */
export function buildRouteDomainFix(o: {
  domain: string
  resolver: string
  platform: Platform
  tailscale?: { acceptDns?: boolean; route?: TailscaleSplitDnsRoute }
  /** How the name reaches the resolver in use now (resolv.conf, a scoped resolver, a link's domain). */
  inUseVia?: string
}): Fix {
  const viaTailnet = o.tailscale?.route?.resolvers.includes(o.resolver)
  const sudo = o.platform === 'win32' ? '' : 'sudo '
  const direct = directRouteCommand(o)
  if (viaTailnet && o.tailscale?.acceptDns === false) {
    return {
      category: 'dns',
      title: `Send ${o.domain} to ${o.resolver}`,
      why: `The tailnet already sends ${o.domain} to ${o.resolver}, which answers; this node does not accept Tailscale DNS, so its own resolver gets the name and gives no usable answer.`,
      commands: [`${sudo}tailscale set --accept-dns=true`],
    }
  }
  if (viaTailnet) {
    // Tailscale DNS is on, yet the system resolver does not go through it: another program owns the configuration.
    const check =
      o.platform === 'darwin'
        ? 'scutil --dns   # another VPN or an /etc/resolver file takes the domain before Tailscale'
        : o.platform === 'win32'
          ? 'Get-DnsClientNrptPolicy -Effective   # Tailscale adds an NRPT rule for the domain; another VPN can shadow it'
          : 'ls -l /etc/resolv.conf   # tailscaled writes it or hands it to systemd-resolved; NetworkManager or dhclient may have taken it back'
    return {
      category: 'dns',
      title: `Make the system resolver follow Tailscale DNS for ${o.domain}`,
      why: `The tailnet sends ${o.domain} to ${o.resolver}, which answers, and this node accepts Tailscale DNS, but the system resolver does not use it${o.inUseVia ? ` (${o.inUseVia})` : ''}.`,
      commands: [check, ...(o.platform === 'linux' ? ['sudo systemctl restart tailscaled   # writes the DNS configuration again'] : []), direct],
    }
  }
  return {
    category: 'dns',
    title: `Send ${o.domain} to ${o.resolver}`,
    why: `${o.resolver} answers the endpoint's name with its private IPs, and the resolver in use does not (a filter drops private answers, or it has no route to the answer).`,
    commands: [direct],
  }
}

function directRouteCommand(o: { domain: string; resolver: string; platform: Platform }): string {
  if (o.platform === 'darwin') return `sudo mkdir -p /etc/resolver && echo 'nameserver ${o.resolver}' | sudo tee /etc/resolver/${o.domain}`
  if (o.platform === 'win32') return `Add-DnsClientNrptRule -Namespace '.${o.domain}' -NameServers '${o.resolver}'`
  const link = `"$(ip -o route get ${o.resolver} | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')"`
  return `sudo resolvectl dns ${link} ${o.resolver} && sudo resolvectl domain ${link} '~${o.domain}'   # systemd-resolved`
}
