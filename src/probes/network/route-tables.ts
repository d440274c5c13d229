/**
 * network.route-tables — each endpoint subnet's route table (its explicit association, else
 * the VPC's main table) routes the VPN source CIDR back through the connection it came in by,
 * in state active. A blackhole route is its own finding. One bad subnet out of two is reported
 * for the endpoint IPs in it.
 * Evidence: per subnet the table, the matching route, its target and state.
 * Fix: create-route / replace-route with the real table, CIDR and connection ids; aws_route.
 */
import { defineProbe, type FailureCode, type Fix } from '../../engine/types.js'
import { buildRouteFix } from '../../fixes/aws-network.js'
import { deadTarget, replacedPeering, routeTargetFor, whenAwsPathMatters } from './aws-path.js'
import { describeRoute, judgeRoute } from './routes.js'

export const routeTablesProbe = defineProbe({
  id: 'network.route-tables',
  layer: 'network',
  title: 'Endpoint subnets route back to the VPN',
  needs: ['network.source-cidr'],
  uses: ['network.tcp-connect', 'routing.local-route'],
  early: ['network.tcp-connect'],
  run(ctx) {
    return whenAwsPathMatters(
      ctx,
      async () => {
        const path = ctx.need('network.source-cidr')
        const region = ctx.target.region ?? ''
        const rows = path.endpointSubnets.flatMap((subnet) =>
          path.sources.map((source) => ({
            subnet,
            source,
            judgement: subnet.table ? judgeRoute(subnet.table, source.cidr, source.connectionId, deadTarget(path)) : undefined,
          })),
        )
        const evidence = {
          routes: rows.map((r) => ({
            subnet: r.subnet.subnetId,
            endpointIps: r.subnet.ips,
            routeTable: r.subnet.table?.id ?? null,
            main: r.subnet.table?.main ?? null,
            destination: r.source.cidr,
            route: describeRoute(r.judgement?.route),
            verdict: r.judgement ? (r.judgement.ok ? 'ok' : r.judgement.problem) : 'no table',
          })),
        }
        // With several candidate sources and no router to choose, a subnet is fine if any of them routes.
        const bySubnet = new Map<string, typeof rows>()
        for (const row of rows) bySubnet.set(row.subnet.subnetId, [...(bySubnet.get(row.subnet.subnetId) ?? []), row])
        const broken = [...bySubnet.values()].filter((list) => list.every((r) => !r.judgement?.ok)).map((list) => list[0]!)
        if (broken.length === 0) {
          return { status: 'pass', detail: rows.filter((r) => r.judgement?.ok).map((r) => `${r.subnet.table?.id}: ${describeRoute(r.judgement?.route)}`).join('; '), evidence }
        }
        const fixes: Fix[] = []
        const parts: string[] = []
        let code: FailureCode = 'ROUTE_MISSING'
        for (const row of broken) {
          const table = row.subnet.table
          const ips = row.subnet.ips.length ? ` (endpoint IP ${row.subnet.ips.join(', ')})` : ''
          if (!table || !row.judgement || row.judgement.ok) continue
          const problem = row.judgement.problem
          if (problem === 'blackhole') code = 'ROUTE_BLACKHOLE'
          else if (problem === 'wrong-target' && code === 'ROUTE_MISSING') code = 'ROUTE_WRONG_TARGET'
          parts.push(
            problem === 'blackhole'
              ? `${table.id} of ${row.subnet.subnetId}${ips} sends ${row.source.cidr} into a blackhole (${row.judgement.route?.destination} → ${row.judgement.route?.targetId}, ${row.judgement.route?.state === 'blackhole' ? 'blackhole' : 'a target that no longer exists'})`
              : problem === 'wrong-target'
                ? `${table.id} of ${row.subnet.subnetId}${ips} sends ${row.source.cidr} to ${row.judgement.route?.targetId}, not ${row.source.connectionId}`
                : `${table.id} of ${row.subnet.subnetId}${ips} has no route to ${row.source.cidr}`,
          )
          // A transit gateway that is gone is replaced by the cluster VPC's live one, or fixed by the transit gateway check.
          const target = row.source.connectionId ? routeTargetFor(path, row.source.connectionId) : undefined
          if (target) {
            fixes.push(
              buildRouteFix({
                routeTableId: table.id,
                destination: row.source.cidr,
                connectionId: target,
                region,
                replace: problem !== 'missing',
                side: `the endpoint subnet ${row.subnet.subnetId}`,
                replacedPeering: replacedPeering(path, row.source.connectionId),
              }),
            )
          }
        }
        const partial = broken.length < bySubnet.size ? `; the other endpoint subnet${bySubnet.size - broken.length > 1 ? 's are' : ' is'} fine, so the failure is intermittent` : ''
        return {
          status: 'fail',
          code,
          category: 'routing',
          detail: `${parts.join('; ')}: replies never get back${partial}`,
          evidence,
          fixes,
        }
      },
      { ifNoTcp: 'read' },
    )
  },
})
