/**
 * authn.token — an EKS token for the cluster, signed here as `aws eks get-token` signs it
 * (presigned sts:GetCallerIdentity with x-k8s-aws-id: <cluster>). The token itself is a
 * secret: it is never in the evidence.
 * Evidence: the cluster name signed in, the region, the expiry, the signer.
 * Fix: none here; a failure to sign is a credentials failure, found by credentials.identity.
 */
import { defineProbe } from '../../engine/types.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'

/** The token the later authn and authz checks present. */
export interface TokenData {
  token: string
  expiresAt: string
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'authn.token': TokenData
  }
}

export const tokenProbe = defineProbe({
  id: 'authn.token',
  layer: 'authn',
  title: 'EKS token signed for the cluster',
  // Signed only once the API server answers: before that nobody would read it.
  needs: ['credentials.identity', 'cluster.describe', 'apiserver.readyz'],
  async run(ctx) {
    const cluster = ctx.need('cluster.describe')
    const identity = ctx.get('credentials.identity')
    const result = await ctx.env.aws.eksToken(cluster.name, { ...awsCallOptions(ctx), roleArn: ctx.target.roleArn })
    if (!result.ok) return awsSkip(result)
    const expiresAt = result.value.expiresAt.toISOString()
    return {
      status: 'pass',
      detail: `signed for ${cluster.name} in ${ctx.target.region} by ${ctx.target.roleArn ?? identity?.arn ?? 'the current credentials'}, valid until ${expiresAt.slice(11, 19)} UTC`,
      evidence: { cluster: cluster.name, region: ctx.target.region ?? null, roleArn: ctx.target.roleArn ?? null, expiresAt },
      data: { token: result.value.token, expiresAt },
    }
  },
})
