/**
 * network.peering — the VPC peering the VPN traffic crosses is active, and allows DNS
 * resolution from the remote VPC on both sides.
 * Evidence: status, both sides' VPCs, CIDRs and DNS options.
 * Fix: accept or replace the peering; modify-vpc-peering-connection-options;
 * aws_vpc_peering_connection(_options).
 */
import { defineProbe, type Fix } from '../../engine/types.js'
import { buildPeeringActiveFix, buildPeeringDnsFix } from '../../fixes/aws-network.js'
import { whenAwsPathMatters } from './aws-path.js'

export const peeringProbe = defineProbe({
  id: 'network.peering',
  layer: 'network',
  title: 'VPC peering active, DNS resolution both ways',
  needs: ['network.source-cidr'],
  uses: ['network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async () => {
        const path = ctx.need('network.source-cidr')
        const region = ctx.target.region ?? ''
        const ids = [...new Set(path.sources.filter((s) => s.connectionId?.startsWith('pcx-')).map((s) => s.connectionId as string))]
        if (ids.length === 0) return { status: 'skip', detail: 'the VPN traffic does not cross a VPC peering' }
        const peerings = ids.map((id) => ({ id, info: path.peerings.find((p) => p.id === id) }))
        const evidence = {
          peerings: peerings.map(({ id, info }) => ({
            id,
            status: info?.status ?? 'not found',
            requester: info ? { vpc: info.requester.vpcId, cidrs: info.requester.cidrs, dns: info.requester.allowDnsResolutionFromRemoteVpc ?? null } : null,
            accepter: info ? { vpc: info.accepter.vpcId, cidrs: info.accepter.cidrs, dns: info.accepter.allowDnsResolutionFromRemoteVpc ?? null } : null,
          })),
        }
        const inactive = peerings.filter(({ info }) => info?.status !== 'active')
        if (inactive.length > 0) {
          const fixes: Fix[] = inactive.map(({ id, info }) =>
            buildPeeringActiveFix(id, info?.status ?? 'deleted', region, info?.requester.vpcId ?? path.sources.find((s) => s.connectionId === id)?.remoteVpcId ?? path.clusterVpcId, info?.accepter.vpcId ?? path.clusterVpcId),
          )
          return {
            status: 'fail',
            code: 'PEERING_NOT_ACTIVE',
            category: 'routing',
              detail: inactive.map(({ id, info }) => `the peering ${id} is ${info?.status ?? 'gone'}${info?.statusMessage ? ` (${info.statusMessage})` : ''}`).join('; ') + ': nothing crosses it',
            evidence,
            fixes,
          }
        }
        const noDns = peerings.filter(({ info }) => !info?.requester.allowDnsResolutionFromRemoteVpc || !info.accepter.allowDnsResolutionFromRemoteVpc)
        if (noDns.length > 0) {
          return {
            status: 'warn',
            code: 'PEERING_DNS_OFF',
            detail: `${noDns.map((p) => p.id).join(', ')} ${noDns.length > 1 ? 'are' : 'is'} active but not set to resolve DNS from the remote VPC on both sides`,
            evidence,
            fixes: noDns.map(({ id }) => buildPeeringDnsFix(id, region)),
          }
        }
        return { status: 'pass', detail: `${ids.join(', ')} active, DNS resolution from the remote VPC on both sides`, evidence }
      },
      { ifNoTcp: 'read' },
    )
  },
})
