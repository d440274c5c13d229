/**
 * network.vpn-router — the EC2 instance that routes VPN traffic into AWS has its
 * source/destination check off, as a router must.
 * Evidence: instance id, private IP, how it was found, SourceDestCheck.
 * Fix: modify-instance-attribute --no-source-dest-check, and source_dest_check = false.
 */
import type { Probe } from '../../engine/types.js'
import { buildSourceDestCheckFix } from '../../fixes/aws-network.js'
import { asCauseOfTimeout, type AwsPath } from './aws-path.js'

export const vpnRouterProbe: Probe = {
  id: 'network.vpn-router',
  layer: 'network',
  title: 'VPN router instance forwards (source/dest check off)',
  needs: ['network.source-cidr'],
  async run(ctx) {
    const path = ctx.get<AwsPath>('network.source-cidr') as AwsPath
    const router = path.router
    if (!router) {
      const given = ctx.target.vpnInstance ?? ctx.target.vpnIp
      return {
        status: 'skip',
        summary: given ? `the VPN router ${given} was not found in ${ctx.target.region}` : 'no VPN router named: pass --vpn-instance or --vpn-ip to check it',
      }
    }
    const evidence = { instanceId: router.id, privateIp: router.privateIp ?? null, found: router.how, sourceDestCheck: router.sourceDestCheck ?? null, state: router.state ?? null }
    if (router.sourceDestCheck) {
      return {
        status: 'fail',
        code: 'SOURCE_DEST_CHECK_ON',
        category: 'routing',
        ...asCauseOfTimeout(ctx),
        summary: `the VPN router ${router.id} (${router.privateIp}) has source/dest check on: EC2 drops every packet it forwards`,
        evidence,
        fixes: [buildSourceDestCheckFix(router.id, ctx.target.region ?? '')],
      }
    }
    return { status: 'pass', summary: `${router.id} (${router.privateIp}, found by ${router.how}) has source/dest check off`, evidence }
  },
}
