/**
 * network.security-group — the cluster security group and the additional ones have an ingress
 * rule for TCP 443 (or all traffic) whose source covers where VPN traffic comes from: a CIDR,
 * a managed prefix list, or a referenced group the VPN router belongs to.
 * Evidence: every rule looked at, and which one (if any) admits each source.
 * Fix: authorize-security-group-ingress on the cluster SG; aws_security_group_rule.
 */
import type { SecurityGroupInfo, SgRule } from '../../aws/ec2.js'
import { defineProbe, type ProbeContext } from '../../engine/types.js'
import { buildSecurityGroupRuleFix } from '../../fixes/aws-network.js'
import { buildClientVpnIngressFix } from '../../fixes/client-vpn.js'
import { cidrContains, cidrCovers } from '../../platform/cidr.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'
import { whenAwsPathMatters } from './aws-path.js'

function allows443(rule: SgRule): boolean {
  if (rule.protocol === '-1') return true
  if (rule.protocol !== 'tcp' && rule.protocol !== '6') return false
  return (rule.fromPort ?? 0) <= 443 && (rule.toPort ?? 65535) >= 443
}

function describeRule(group: SecurityGroupInfo, rule: SgRule): string {
  const ports = rule.protocol === '-1' ? 'all traffic' : `${rule.protocol} ${rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`}`
  const sources = [...rule.cidrs, ...rule.ipv6Cidrs, ...rule.prefixListIds, ...rule.groups.map((g) => g.groupId)]
  return `${group.id} ${ports} from ${sources.join(', ') || 'nothing'}`
}

async function prefixLists(ctx: ProbeContext, groups: SecurityGroupInfo[]): Promise<Map<string, string[]>> {
  const ids = [...new Set(groups.flatMap((g) => g.ingress.filter(allows443).flatMap((r) => r.prefixListIds)))]
  const entries = await Promise.all(ids.map(async (id) => [id, await ctx.env.aws.getPrefixListCidrs(id, awsCallOptions(ctx))] as const))
  return new Map(entries.map(([id, result]) => [id, result.ok ? result.value : []]))
}

export const securityGroupProbe = defineProbe({
  id: 'network.security-group',
  layer: 'network',
  title: 'Cluster security group allows 443 from the VPN',
  needs: ['network.source-cidr', 'cluster.describe'],
  uses: ['network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async () => {
        const cluster = ctx.need('cluster.describe')
        const path = ctx.need('network.source-cidr')
        const ids = [...new Set([cluster.clusterSecurityGroupId, ...cluster.securityGroupIds].filter((id): id is string => Boolean(id)))]
        if (ids.length === 0) return { status: 'skip', detail: 'DescribeCluster named no security group' }
        const result = await ctx.env.aws.describeSecurityGroups(ids, awsCallOptions(ctx))
        if (!result.ok) return awsSkip(result)
        const groups = result.value
        const lists = await prefixLists(ctx, groups)
        const routerIp = path.router?.privateIp
        const routerGroups = path.router?.groupIds ?? []
        const admits = (rule: SgRule, source: string, carried: string[] = []): string | undefined => {
          if (!allows443(rule)) return undefined
          const cidr = rule.cidrs.find((c) => cidrCovers(c, source) || (routerIp && cidrContains(c, routerIp)))
          if (cidr) return cidr
          for (const id of rule.prefixListIds) {
            const hit = (lists.get(id) ?? []).find((c) => cidrCovers(c, source) || (routerIp && cidrContains(c, routerIp)))
            if (hit) return `${id} (${hit})`
          }
          const group = rule.groups.find((g) => routerGroups.includes(g.groupId) || carried.includes(g.groupId))
          return group ? `${group.groupId} (${routerGroups.includes(group.groupId) ? "the VPN router's group" : "the Client VPN endpoint's group"})` : undefined
        }
        const verdicts = path.sources.map((source) => {
          for (const group of groups) {
            for (const rule of group.ingress) {
              const by = admits(rule, source.cidr, source.groupIds)
              if (by) return { source, group, by }
            }
          }
          return { source }
        })
        const evidence = {
          groups: ids,
          rulesLookedAt: groups.flatMap((g) => g.ingress.map((r) => describeRule(g, r))),
          sources: verdicts.map((v) => ({ source: v.source.cidr, admittedBy: 'by' in v ? `${v.group?.id}: ${v.by}` : null })),
          routerIp: routerIp ?? null,
        }
        const admitted = verdicts.filter((v) => 'by' in v)
        if (admitted.length > 0) {
          const missing = verdicts.filter((v) => !('by' in v)).map((v) => v.source.cidr)
          return {
            status: 'pass',
            detail: `${admitted.map((v) => `${v.source.cidr} admitted by ${v.group?.id} (${v.by})`).join('; ')}${missing.length ? `; not admitted: ${missing.join(', ')}` : ''}`,
            evidence,
          }
        }
        const groupId = cluster.clusterSecurityGroupId ?? ids[0] ?? ''
        // EKS gives its cluster group an "all traffic from itself" rule; that reference says nothing about the VPN.
        const referenced = groups.flatMap((g) => g.ingress.filter(allows443).flatMap((r) => r.groups.map((x) => x.groupId).filter((id) => id !== g.id)))
        const note = referenced.length && !path.router && !path.sources.some((s) => s.groupIds?.length) ? ` (rules referencing ${[...new Set(referenced)].join(', ')} admit only members of those groups; name the VPN router with --vpn-instance to check them)` : ''
        return {
          status: 'fail',
          code: 'SG_NO_RULE',
          category: 'security-group',
          detail: `${ids.join(', ')} ${ids.length > 1 ? 'have' : 'has'} no ingress for TCP 443 from ${path.sources.map((s) => s.cidr).join(' or ')}${note}`,
          evidence,
          fixes: path.sources
            .map((s) => {
              const region = ctx.target.region ?? ''
              if (s.via !== 'client-vpn') return buildSecurityGroupRuleFix(groupId, s.cidr, region)
              const endpointId = path.clientVpn?.endpoints.find((r) => r.associations.some((a) => a.subnetId === s.subnetId))?.endpoint.id ?? 'the Client VPN endpoint'
              // A group reference works within the VPC; from another VPC the subnet's CIDR says it.
              const sourceGroupId = s.remoteVpcId ? undefined : s.groupIds?.[0]
              return buildClientVpnIngressFix({ groupId, region, endpointId, ...(sourceGroupId ? { sourceGroupId } : { cidr: s.cidr }) })
            })
            .filter((fix, i, all) => all.findIndex((f) => f.commands[0] === fix.commands[0]) === i),
        }
      },
      { ifNoTcp: 'read' },
    )
  },
})
