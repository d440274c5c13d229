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
import { deadPeeringTarget, tableOf, whenAwsPathMatters } from './aws-path.js'
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
        if (!remote?.remoteVpcId) return { status: 'skip', detail: 'the source is not a peered VPC in this account and region: its route tables are not readable here' }
        const tables = await ctx.env.aws.describeRouteTables({ vpcId: remote.remoteVpcId }, awsCallOptions(ctx))
        if (!tables.ok) return awsSkip(tables)
        // What must be reachable: the endpoint ENIs when known, else the whole cluster VPC.
        const targets = path.endpointSubnets.flatMap((s) => s.ips)
        const destinations = targets.length ? targets : path.clusterCidrs
        if (destinations.length === 0) return { status: 'skip', detail: 'neither the endpoint IPs nor the cluster VPC CIDR are known' }
        const routerTable = path.router?.subnetId ? tableOf(tables.value, path.router.subnetId) : undefined
        const candidates = routerTable ? [routerTable] : tables.value.filter((t) => t.main || t.subnetIds.length > 0)
        const judged = candidates.map((table) => ({ table, results: destinations.map((d) => ({ d, j: judgeRoute(table, d, remote.connectionId, deadPeeringTarget(path)) })) }))
        const evidence = {
          vpc: remote.remoteVpcId,
          basis: routerTable ? `the route table of the VPN router's subnet ${path.router?.subnetId}` : 'every route table of the VPC (no VPN router named)',
          tables: judged.map((t) => ({
            routeTable: t.table.id,
            main: t.table.main,
            routes: t.results.map((r) => ({ to: r.d, route: describeRoute(r.j.route), verdict: r.j.ok ? 'ok' : r.j.problem })),
          })),
        }
        const good = judged.filter((t) => t.results.every((r) => r.j.ok))
        if (good.length > 0) {
          return { status: 'pass', detail: `${good.map((t) => t.table.id).join(', ')} route${good.length === 1 ? 's' : ''} ${destinations.join(', ')} through ${remote.connectionId}`, evidence }
        }
        const worst = judged[0]
        const bad = worst?.results.find((r) => !r.j.ok)
        const blackhole = judged.some((t) => t.results.some((r) => !r.j.ok && r.j.problem === 'blackhole'))
        // A route that exists but goes elsewhere is replaced; create-route would be refused (RouteAlreadyExists).
        const replace = worst?.results.some((r) => !r.j.ok && r.j.problem !== 'missing') ?? false
        const destination = path.clusterCidrs[0] ?? bad?.d ?? ''
        return {
          status: 'fail',
          code: blackhole ? 'ROUTE_BLACKHOLE' : replace ? 'ROUTE_WRONG_TARGET' : 'ROUTE_MISSING',
          category: 'routing',
          ...(routerTable ? {} : { confirmed: false }),
          detail: `on the VPN side, ${worst?.table.id} of ${remote.remoteVpcId} ${blackhole ? 'sends the cluster into a blackhole' : `has no route to ${bad?.d} through ${remote.connectionId}`}: packets never leave the VPN VPC`,
          evidence,
          fixes: worst && remote.connectionId
            ? [buildRouteFix({ routeTableId: worst.table.id, destination, connectionId: remote.connectionId, region, replace, side: `the VPN VPC ${remote.remoteVpcId}` })]
            : [],
        }
      },
      { ifNoTcp: 'read' },
    )
  },
})
