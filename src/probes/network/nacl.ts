/**
 * network.nacl — the network ACLs of the endpoint subnets let TCP 443 in from the VPN source
 * and the replies (ephemeral ports 1024-65535) out to it. NACLs are stateless and evaluated
 * in rule order; the first matching rule decides.
 * Evidence: per subnet and direction the rule that decides.
 * Fix: create-network-acl-entry with a rule number before the deny; aws_network_acl_rule.
 */
import type { NaclEntry, NaclInfo } from '../../aws/ec2.js'
import { defineProbe, type Fix } from '../../engine/types.js'
import { buildNaclFix } from '../../fixes/aws-network.js'
import { cidrCovers, isValidCidr } from '../../platform/cidr.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'
import { whenAwsPathMatters } from './aws-path.js'

const CATCH_ALL_RULE = 32767

type Decision = { allowed: true; rule: number } | { allowed: false; rule?: number }

function overlaps(a: string, b: string): boolean {
  return cidrCovers(a, b) || cidrCovers(b, a)
}

/** Walk the rules in order for every address of `source`: a deny that touches part of it already breaks some flows. */
export function decideNacl(entries: NaclEntry[], o: { egress: boolean; source: string; fromPort: number; toPort: number }): Decision {
  // Rule 32767 is the catch-all every NACL ends with: reaching it means no rule allowed the flow.
  const rules = entries
    .filter((e) => e.egress === o.egress && e.cidr && isValidCidr(e.cidr) && e.ruleNumber < CATCH_ALL_RULE)
    .sort((a, b) => a.ruleNumber - b.ruleNumber)
  for (const rule of rules) {
    const protocolOk = rule.protocol === '-1' || rule.protocol === '6' || rule.protocol === 'tcp'
    if (!protocolOk || !overlaps(rule.cidr as string, o.source)) continue
    const portsHit = rule.protocol === '-1' || ((rule.fromPort ?? 0) <= o.toPort && (rule.toPort ?? 65535) >= o.fromPort)
    if (!portsHit) continue
    const coversAll = cidrCovers(rule.cidr as string, o.source) && (rule.protocol === '-1' || ((rule.fromPort ?? 0) <= o.fromPort && (rule.toPort ?? 65535) >= o.toPort))
    if (rule.action === 'deny') return { allowed: false, rule: rule.ruleNumber }
    if (coversAll) return { allowed: true, rule: rule.ruleNumber }
  }
  return { allowed: false }
}

function freeRuleNumber(entries: NaclEntry[], egress: boolean, before?: number): number {
  const used = new Set(entries.filter((e) => e.egress === egress).map((e) => e.ruleNumber))
  const ceiling = before !== undefined ? before - 1 : 100
  for (let n = ceiling; n >= 1; n--) if (!used.has(n)) return n
  return 1
}

export const naclProbe = defineProbe({
  id: 'network.nacl',
  layer: 'network',
  title: 'Network ACLs of the endpoint subnets',
  needs: ['network.source-cidr'],
  uses: ['network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async () => {
        const path = ctx.need('network.source-cidr')
        const region = ctx.target.region ?? ''
        const subnetIds = path.endpointSubnets.map((s) => s.subnetId)
        if (subnetIds.length === 0) return { status: 'skip', detail: 'no endpoint subnet known' }
        const result = await ctx.env.aws.describeNacls(subnetIds, awsCallOptions(ctx))
        if (!result.ok) return awsSkip(result)
        const naclOf = (subnetId: string): NaclInfo | undefined => result.value.find((n) => n.subnetIds.includes(subnetId))
        const rows = path.endpointSubnets.flatMap((subnet) => {
          const nacl = naclOf(subnet.subnetId)
          return path.sources.map((source) => ({
            subnet,
            nacl,
            source: source.cidr,
            inbound: nacl ? decideNacl(nacl.entries, { egress: false, source: source.cidr, fromPort: 443, toPort: 443 }) : undefined,
            outbound: nacl ? decideNacl(nacl.entries, { egress: true, source: source.cidr, fromPort: 1024, toPort: 65535 }) : undefined,
          }))
        })
        const evidence = {
          nacls: rows.map((r) => ({
            subnet: r.subnet.subnetId,
            nacl: r.nacl?.id ?? null,
            source: r.source,
            inbound443: r.inbound ? (r.inbound.allowed ? `allowed by rule ${r.inbound.rule}` : r.inbound.rule ? `denied by rule ${r.inbound.rule}` : 'no allow rule') : 'no NACL visible',
            outboundEphemeral: r.outbound ? (r.outbound.allowed ? `allowed by rule ${r.outbound.rule}` : r.outbound.rule ? `denied by rule ${r.outbound.rule}` : 'no allow rule') : 'no NACL visible',
          })),
        }
        const bad = rows.filter((r) => r.nacl && (!r.inbound?.allowed || !r.outbound?.allowed))
        // Several candidate sources: a subnet fails only if none of them passes.
        const failingSubnets = new Set(bad.map((r) => r.subnet.subnetId))
        for (const subnetId of [...failingSubnets]) {
          if (rows.some((r) => r.subnet.subnetId === subnetId && r.inbound?.allowed && r.outbound?.allowed)) failingSubnets.delete(subnetId)
        }
        if (failingSubnets.size === 0) return { status: 'pass', detail: `${[...new Set(rows.map((r) => r.nacl?.id).filter(Boolean))].join(', ')} pass TCP 443 in and the replies out`, evidence }
        const fixes: Fix[] = []
        const parts: string[] = []
        for (const row of bad.filter((r) => failingSubnets.has(r.subnet.subnetId))) {
          const nacl = row.nacl as NaclInfo
          for (const [direction, decision] of [['in', row.inbound], ['out', row.outbound]] as const) {
            if (!decision || decision.allowed) continue
            const ingress = direction === 'in'
            parts.push(
              `${nacl.id} (${row.subnet.subnetId}${row.subnet.ips.length ? `, endpoint IP ${row.subnet.ips.join(', ')}` : ''}) ${decision.rule !== undefined ? `denies by rule ${decision.rule}` : 'has no rule allowing'} ${ingress ? `TCP 443 in from ${row.source}` : `replies out to ${row.source}`}`,
            )
            const fix = buildNaclFix({ naclId: nacl.id, ingress, ruleNumber: freeRuleNumber(nacl.entries, !ingress, decision.rule), source: row.source, region, denyRule: decision.rule })
            if (!fixes.some((f) => f.commands[0] === fix.commands[0])) fixes.push(fix)
          }
        }
        return { status: 'fail', code: 'NACL_DENY', category: 'security-group', detail: [...new Set(parts)].join('; '), evidence, fixes }
      },
      { ifNoTcp: 'read' },
    )
  },
})
