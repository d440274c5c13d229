/**
 * cluster.endpoint-access — the posture of the API endpoint: private access on, public off.
 * Evidence: endpointPrivateAccess, endpointPublicAccess, publicAccessCidrs.
 * Fix: update-cluster-config and the Terraform vpc_config to make the endpoint private-only.
 */
import { defineProbe } from '../../engine/types.js'
import { buildPrivateOnlyFix } from '../../fixes/cluster.js'

export const endpointAccessProbe = defineProbe({
  id: 'cluster.endpoint-access',
  layer: 'cluster',
  title: 'Private endpoint on, public endpoint off',
  needs: ['cluster.describe'],
  async run(ctx) {
    const info = ctx.need('cluster.describe')
    const cluster = info.name
    const region = ctx.target.region as string
    const evidence = {
      endpointPrivateAccess: info.endpointPrivateAccess ?? null,
      endpointPublicAccess: info.endpointPublicAccess ?? null,
      publicAccessCidrs: info.publicAccessCidrs,
    }
    const missing = [info.endpointPrivateAccess === undefined ? 'endpointPrivateAccess' : '', info.endpointPublicAccess === undefined ? 'endpointPublicAccess' : ''].filter(Boolean)
    if (info.endpointPrivateAccess === false) {
      return {
        status: 'fail',
        code: 'PRIVATE_ENDPOINT_DISABLED',
        category: 'cluster',
        detail: `${cluster} has its private endpoint turned off: there is no address in the VPC to reach over the VPN`,
        evidence,
        fixes: [buildPrivateOnlyFix(cluster, region, false)],
      }
    }
    if (info.endpointPublicAccess) {
      const open = info.publicAccessCidrs.length ? info.publicAccessCidrs.join(', ') : 'any address'
      return {
        status: ctx.options.requirePrivate ? 'fail' : 'warn',
        category: 'cluster',
        code: 'PUBLIC_ENDPOINT_ENABLED',
        detail: `${cluster} also has its public endpoint on (open to ${open}); set endpoint_public_access = false to keep the API private`,
        evidence,
        fixes: [buildPrivateOnlyFix(cluster, region, true)],
      }
    }
    // A field left out of the answer is unknown: the posture is neither confirmed nor denied.
    if (missing.length) return { status: 'skip', detail: `DescribeCluster did not say ${missing.join(' or ')} for ${cluster}: the endpoint posture is unknown`, evidence }
    return { status: 'pass', detail: `${cluster} is private-only: the API answers only inside the VPC and connected networks`, evidence }
  },
})
