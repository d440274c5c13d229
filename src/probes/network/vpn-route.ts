/**
 * network.vpn-route — the VPN side: the route table of the VPN router's subnet (or, without a
 * known router, every table of the source VPC) routes the cluster's endpoint IPs through the
 * same connection, in state active.
 * Evidence: per table the route that matches the endpoint IPs.
 * Fix: create-route / replace-route on the VPN side; aws_route.
 */
import { defineProbe } from '../../engine/types.js'
import { buildRouteFix } from '../../fixes/aws-network.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'
import { deadTarget, replacedPeering, routeTargetFor, tableOf, whenAwsPathMatters } from './aws-path.js'
import { describeRoute, judgeRoute } from './routes.js'

export const vpnRouteProbe = defineProbe({
  id: 'network.vpn-route',
  layer: 'network',
  title: 'VPN VPC routes to the cluster',
  needs: ['network.source-cidr'],
  uses: ['network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async () => {
        const path = ctx.need('network.source-cidr')
        const region = ctx.target.region ?? ''
        const remote = path.sources.find((s) => s.remoteVpcId && (!path.router?.vpcId || s.remoteVpcId === path.router.vpcId))
        if (!remote?.remoteVpcId && path.sources.length && path.sources.every((s) => s.via === 'client-vpn')) return { status: 'skip', detail: 'the Client VPN association is in the cluster VPC: there is no VPN side to route' }
        if (!remote?.remoteVpcId) return { status: 'skip', detail: 'the source is not a peered VPC in this account and region: its route tables are not readable here' }
        const tables = await ctx.env.aws.describeRouteTables({ vpcId: remote.remoteVpcId }, awsCallOptions(ctx))
        if (!tables.ok) return awsSkip(tables)
        // What must be reachable: the endpoint ENIs when known, else the whole cluster VPC.
        const targets = path.endpointSubnets.flatMap((s) => s.ips)
        const destinations = targets.length ? targets : path.clusterCidrs
        if (destinations.length === 0) return { status: 'skip', detail: 'neither the endpoint IPs nor the cluster VPC CIDR are known' }
        // A Client VPN association's subnet is where its traffic leaves, as a router's subnet is.
        const exitSubnet = path.router?.subnetId ?? remote.subnetId
        const routerTable = exitSubnet ? tableOf(tables.value, exitSubnet) : undefined
        const candidates = routerTable ? [routerTable] : tables.value.filter((t) => t.main || t.subnetIds.length > 0)
        const judged = candidates.map((table) => ({ table, results: destinations.map((d) => ({ d, j: judgeRoute(table, d, remote.connectionId, deadTarget(path)) })) }))
        const evidence = {
          vpc: remote.remoteVpcId,
          basis: routerTable ? `the route table of ${path.router ? "the VPN router's subnet" : 'the Client VPN association subnet'} ${exitSubnet}` : 'every route table of the VPC (no VPN router named)',
          tables: judged.map((t) => ({
            routeTable: t.table.id,
            main: t.table.main,
            routes: t.results.map((r) => ({ to: r.d, route: describeRoute(r.j.route), verdict: r.j.ok ? 'ok' : r.j.problem })),
          })),
        }
        const broken = judged.filter((t) => t.results.some((r) => !r.j.ok))
        const good = judged.filter((t) => !broken.includes(t))
        if (broken.length === 0) {
          return { status: 'pass', detail: `${good.map((t) => t.table.id).join(', ')} route${good.length === 1 ? 's' : ''} ${destinations.join(', ')} through ${remote.connectionId}`, evidence }
        }
        const problemOf = (t: (typeof judged)[number]) => t.results.find((r) => !r.j.ok)
        const blackhole = broken.some((t) => t.results.some((r) => !r.j.ok && r.j.problem === 'blackhole'))
        // A route that exists but goes elsewhere is replaced; create-route would be refused (RouteAlreadyExists).
        const replaces = (t: (typeof judged)[number]) => t.results.some((r) => !r.j.ok && r.j.problem !== 'missing')
        const wrongTarget = broken.some(replaces)
        const target = remote.connectionId ? routeTargetFor(path, remote.connectionId) : undefined
        const fixFor = (t: (typeof judged)[number]) =>
          buildRouteFix({
            routeTableId: t.table.id,
            destination: path.clusterCidrs[0] ?? problemOf(t)?.d ?? '',
            connectionId: target ?? '',
            region,
            replace: replaces(t),
            side: `the VPN VPC ${remote.remoteVpcId}`,
            replacedPeering: replacedPeering(path, remote.connectionId),
          })
        const what = (t: (typeof judged)[number]) => (t.results.some((r) => !r.j.ok && r.j.problem === 'blackhole') ? 'sends the cluster into a blackhole' : `has no route to ${problemOf(t)?.d} through ${remote.connectionId}`)
        const detail = routerTable
          ? `on the VPN side, ${routerTable.id} of ${remote.remoteVpcId} ${what(broken[0]!)}: packets never leave the VPN VPC`
          : `no VPN router was identified, so which route table of ${remote.remoteVpcId} it uses is not known: ${broken.map((t) => `${t.table.id} ${what(t)}`).join('; ')}${good.length ? ` (${good.map((t) => t.table.id).join(', ')} route${good.length === 1 ? 's' : ''} it: if the router's subnet uses ${good.length === 1 ? 'that one' : 'one of them'}, this is not the cause)` : ''}`
        return {
          status: 'fail',
          code: blackhole ? 'ROUTE_BLACKHOLE' : wrongTarget ? 'ROUTE_WRONG_TARGET' : 'ROUTE_MISSING',
          category: 'routing',
          ...(routerTable ? {} : { confirmed: false }),
          detail,
          evidence,
          fixes: target ? broken.map(fixFor) : [],
        }
      },
      { ifNoTcp: 'read' },
    )
  },
})
