/**
 * network.vpn-forwarding — when TCP to the endpoint times out and every AWS link checked is in
 * order, what is left is the VPN router itself: SNAT, IP forwarding, source/dest check.
 * Not confirmed: the router's kernel is not visible from here.
 * Evidence: which AWS checks passed.
 * Fix: the router commands (SNAT on, ip_forward=1, the source/dest check query).
 */
import { whenAwsPathMatters } from './aws-path.js'
import { defineProbe, type ProbeContext, type ProbeId } from '../../engine/types.js'
import { buildRouterForwardingFixes, type VpnKind } from '../../fixes/aws-network.js'

const AWS_LINKS = ['network.client-vpn', 'network.vpn-router', 'network.vpn-route', 'network.peering', 'network.transit-gateway', 'network.nacl', 'network.security-group', 'network.route-tables'] as const satisfies readonly ProbeId[]

/** Which VPN the path crosses, from what the workstation showed: its router's SNAT is set differently. */
function vpnOf(ctx: ProbeContext<never, 'routing.wireguard' | 'routing.tailscale' | 'routing.local-route'>): VpnKind {
  const wg = ctx.get('routing.wireguard')
  const carrier = wg?.carriers[0]
  if (carrier) return { kind: 'wireguard', iface: carrier.iface, ...(wg.tunnelAddresses[carrier.iface] ? { tunnelAddress: wg.tunnelAddresses[carrier.iface] } : {}) }
  if (ctx.get('routing.tailscale')?.status) return { kind: 'tailscale' }
  const iface = ctx.get('routing.local-route')?.find((r) => r.kind === 'vpn')?.lookup.interface
  return iface && !/^tailscale/i.test(iface) ? { kind: 'tunnel', iface } : { kind: 'tailscale' }
}

export const vpnForwardingProbe = defineProbe({
  id: 'network.vpn-forwarding',
  layer: 'network',
  title: 'What is left: the VPN router forwarding',
  needs: ['network.source-cidr'],
  uses: [...AWS_LINKS, 'network.tcp-connect', 'routing.local-route'],
  reads: ['routing.wireguard', 'routing.tailscale'],
  applies: (_target, options) => (options.mode === 'audit' ? 'the audit reads AWS only; the router\'s kernel is checked from a workstation' : true),
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async () => {
        const path = ctx.need('network.source-cidr')
        // What is left applies to a connection that entered the VPN and was dropped beyond it.
        const explained = ctx.result('network.tcp-connect')?.explainedBy
        if (explained) return { status: 'skip', detail: `the connection never crossed the VPN: ${explained === 'routing.wireguard' ? 'the WireGuard tunnel is down' : 'the local route is what is broken'}` }
        if (path.sources.length && path.sources.every((s) => s.via === 'client-vpn')) return { status: 'skip', detail: 'the path enters AWS through Client VPN, whose endpoint forwards and translates itself: there is no VPN router of yours to check' }
        const results = AWS_LINKS.map((id) => ctx.result(id)).filter((r) => r !== undefined)
        const failed = results.filter((r) => r.status === 'fail')
        if (failed.length > 0) return { status: 'skip', detail: `${failed[0]?.id} already explains the dropped connection` }
        const unread = results.filter((r) => r.status === 'skip' && r.code === 'AWS_ACCESS_DENIED')
        const evidence = { checked: results.map((r) => ({ id: r.id, status: r.status })) }
        const router = path.router ? { id: path.router.id, ip: path.router.privateIp } : undefined
        const vpn = vpnOf(ctx)
        const snatOff =
          vpn.kind === 'tailscale'
            ? 'SNAT is off on the subnet router (--snat-subnet-routes=false), so the cluster sees tailnet addresses nothing allows or routes back'
            : `the VPN server does not source-NAT, so the cluster sees the client's tunnel address${vpn.tunnelAddress ? ` ${vpn.tunnelAddress}` : ''}, which nothing allows or routes back`
        return {
          status: 'fail',
          code: 'VPN_NOT_FORWARDING',
          category: 'routing',
          refines: 'network.tcp-connect',
          confirmed: false,
          alternatives: [
            { category: 'routing', summary: snatOff },
            { category: 'routing', summary: 'IP forwarding is off in the router\'s kernel' },
            ...(router?.id ? [] : [{ category: 'routing' as const, summary: 'source/dest check is on for the router instance (not checked: name it with --vpn-instance)' }]),
          ],
          detail: `the AWS side is in order (${results.filter((r) => r.status === 'pass').map((r) => r.id.split('.')[1]).join(', ')})${unread.length ? `, except what could not be read (${unread.map((r) => r.id).join(', ')})` : ''}: the VPN router does not forward or does not source-NAT`,
          evidence,
          fixes: buildRouterForwardingFixes(path.sources, router, ctx.target.region ?? '', path.sources.find((s) => s.remoteVpcId)?.remoteVpcId, vpn),
        }
      },
      { ifNoTcp: 'read' },
    )
  },
})
