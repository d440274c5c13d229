/**
 * network.vpn-router — the EC2 instance that routes VPN traffic into AWS has its
 * source/destination check off, as a router that forwards without source NAT must.
 * Evidence: instance id, private IP, how it was found, SourceDestCheck.
 * Fix: modify-instance-attribute --no-source-dest-check, and source_dest_check = false.
 */
import { defineProbe } from '../../engine/types.js'
import { buildSourceDestCheckFix } from '../../fixes/aws-network.js'
import { whenAwsPathMatters } from './aws-path.js'

export const vpnRouterProbe = defineProbe({
  id: 'network.vpn-router',
  layer: 'network',
  title: 'VPN router instance forwards (source/dest check off)',
  needs: ['network.source-cidr'],
  uses: ['network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async () => {
        const path = ctx.need('network.source-cidr')
        const router = path.router
        if (!router && path.sources.length && path.sources.every((s) => s.via === 'client-vpn')) return { status: 'skip', detail: 'the path enters AWS through Client VPN: no router instance of yours forwards it' }
        if (!router) {
          const given = ctx.target.vpnInstance ?? ctx.target.vpnIp
          return {
            status: 'skip',
            detail: given ? `the VPN router ${given} was not found in ${ctx.target.region}` : 'no VPN router named: pass --vpn-instance or --vpn-ip to check it',
          }
        }
        const evidence = { instanceId: router.id, privateIp: router.privateIp ?? null, found: router.how, sourceDestCheck: router.sourceDestCheck ?? null, state: router.state ?? null }
        if (router.sourceDestCheck) {
          // With SNAT every packet on the router's ENI is from or to the router itself, which the check allows;
          // whether the router NATs is not visible from AWS, so this is a strong suspicion, not a proof.
          return {
            status: 'fail',
            code: 'SOURCE_DEST_CHECK_ON',
            category: 'routing',
              confirmed: false,
            alternatives: [{ category: 'routing', summary: 'the router source-NATs (the Tailscale default), so the check never sees a forwarded address and something else drops the traffic' }],
            detail: `the VPN router ${router.id} (${router.privateIp}) has source/dest check on: EC2 drops every packet it forwards without source NAT`,
            evidence,
            fixes: [buildSourceDestCheckFix(router.id, ctx.target.region ?? '')],
          }
        }
        return { status: 'pass', detail: `${router.id} (${router.privateIp}, found by ${router.how}) has source/dest check off`, evidence }
      },
      { ifNoTcp: 'read' },
    )
  },
})
