/** Fixes for name resolution of the API endpoint. */
import type { Fix } from '../engine/types.js'

export function buildNoAnswerFix(host: string, o: { cluster?: string; region?: string; hostsFile?: boolean }): Fix {
  const commands: string[] = []
  if (o.cluster && o.region) commands.push(`aws eks describe-cluster --name ${o.cluster} --region ${o.region} --query cluster.endpoint --output text`)
  commands.push(`eksdoctor dns --resolver <VPC resolver IP: the VPC CIDR base + 2>`)
  return {
    category: 'dns',
    title: `Make ${host} resolve to the cluster's private endpoint IPs`,
    why:
      'Public DNS answers a private-only EKS endpoint with its private IPs. No answer means the host name is stale ' +
      '(the cluster was recreated and has a new endpoint), or your resolver drops private answers (DNS rebinding ' +
      'protection on home routers and filtering resolvers). Send eks.amazonaws.com to the VPC resolver over the VPN ' +
      '(Tailscale: a split DNS nameserver in the admin console), or use a resolver that keeps private answers.',
    commands,
  }
}

export function buildPublicAnswerFix(host: string, publicIps: string[], o: { hostsFile?: boolean }): Fix {
  return {
    category: 'dns',
    title: `Stop ${host} resolving to public addresses`,
    why:
      `The cluster is private-only, yet ${publicIps.join(', ')} came back: ` +
      (o.hostsFile
        ? 'an /etc/hosts entry overrides DNS.'
        : 'a cached answer from when the public endpoint was on, or a resolver that rewrites answers.'),
    commands: o.hostsFile
      ? [`sudo sed -i.bak '/${host.replace(/\./g, '\\.')}/d' /etc/hosts`]
      : [
          'sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder   # macOS',
          'resolvectl flush-caches   # Linux with systemd-resolved',
        ],
  }
}

export function buildStaleAnswerFix(host: string, staleIps: string[], eniIps: string[]): Fix {
  return {
    category: 'dns',
    title: `Drop the stale addresses for ${host}`,
    why: `${staleIps.join(', ')} ${staleIps.length > 1 ? 'are' : 'is'} private but not an endpoint ENI of the cluster (those are ${eniIps.join(', ')}): an /etc/hosts line, a cached answer or a resolver with an old record.`,
    commands: [
      `grep -n '${host}' /etc/hosts`,
      'sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder   # macOS',
      'resolvectl flush-caches   # Linux with systemd-resolved',
    ],
  }
}
