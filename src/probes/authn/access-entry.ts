/**
 * authn.access-entry — how the cluster maps the caller's IAM principal: the access entry for the
 * role ARN with its path (found by role name when the path is unknown), its kubernetesGroups and
 * associated policies; or, on a CONFIG_MAP cluster, that only aws-auth maps it.
 * Evidence: authentication mode, the principal, the entry, its groups and policies.
 * Fix: create-access-entry + associate-access-policy (and the Terraform), or the aws-auth
 * mapRoles entry with the role ARN without its path.
 */
import { parsePrincipal } from '../../aws/arn.js'
import type { AccessEntryInfo } from '../../aws/clients.js'
import { defineProbe } from '../../engine/types.js'
import { buildAccessEntryFix, buildAwsAuthFix } from '../../fixes/access.js'
import { awsCallOptions, awsSkip } from '../aws-call.js'

/** The mapping the cluster has for the caller, if any. */
export interface AccessData {
  mode?: string
  principalArn?: string
  entry?: AccessEntryInfo
}

declare module '../../engine/types.js' {
  interface ProbeData {
    'authn.access-entry': AccessData
  }
}

export const accessEntryProbe = defineProbe({
  id: 'authn.access-entry',
  layer: 'authn',
  title: "The cluster's mapping for the IAM principal",
  needs: ['credentials.identity', 'cluster.describe'],
  uses: ['authn.whoami'],
  async run(ctx) {
    const cluster = ctx.need('cluster.describe')
    const identity = ctx.need('credentials.identity')
    const whoami = ctx.result('authn.whoami')
    if (whoami?.skippedBecause) return { status: 'skip', detail: `not run: ${whoami.skippedBecause} failed, so the API server never saw a token` }
    const refused = whoami?.status === 'fail' && whoami.code === 'HTTP_401'
    const region = ctx.target.region ?? ''
    const principal = parsePrincipal(identity.arn)
    const cause = refused ? { refines: 'authn.whoami' as const } : {}
    const mode = cluster.authenticationMode ?? 'unknown'
    if (mode === 'CONFIG_MAP') {
      const roleArnWithoutPath = principal.roleName ? `arn:${principal.partition}:iam::${principal.account}:role/${principal.roleName}` : (identity.principalArn ?? identity.arn)
      const evidence = { authenticationMode: mode, principalArn: identity.principalArn ?? null }
      if (!refused) return { status: 'pass', detail: `${cluster.name} maps principals only through aws-auth, and it maps this one`, evidence, data: { mode } }
      return {
        status: 'fail',
        code: 'HTTP_401',
        category: 'iam',
        confirmed: false,
        ...cause,
        detail: `${cluster.name} uses authentication mode CONFIG_MAP: only the aws-auth ConfigMap maps IAM principals, and it does not map ${roleArnWithoutPath}`,
        evidence,
        data: { mode },
        fixes: [buildAwsAuthFix({ cluster: cluster.name, region, roleArnWithoutPath, username: principal.sessionName ? `${principal.roleName}:{{SessionName}}` : (principal.roleName ?? 'operator') })],
      }
    }
    let principalArn = identity.principalArn
    if (!principalArn) return { status: 'skip', detail: `${identity.arn} has no IAM principal an access entry could name` }
    // Without the path (no iam:GetRole), find the entry by role name among all entries.
    if (!identity.pathKnown && principal.roleName) {
      const listed = await ctx.env.aws.listAccessEntries(cluster.name, awsCallOptions(ctx))
      if (listed.ok) {
        const match = listed.value.find((arn) => arn.endsWith(`/${principal.roleName}`) && arn.includes(`:${principal.account}:role/`))
        if (match) principalArn = match
      }
    }
    const described = await ctx.env.aws.describeAccessEntry(cluster.name, principalArn, awsCallOptions(ctx))
    if (!described.ok) {
      const skipped = awsSkip<AccessData>(described)
      return refused ? { ...skipped, detail: `${skipped.detail} (allowing eks:DescribeAccessEntry and eks:ListAccessEntries would settle the 401)` } : skipped
    }
    const entry = described.value
    const evidence = {
      authenticationMode: mode,
      principalArn,
      pathKnown: identity.pathKnown,
      entry: entry ? { type: entry.type ?? null, username: entry.username ?? null, kubernetesGroups: entry.kubernetesGroups, policies: entry.policies.map((p) => `${p.policyArn.split('/').pop()} (${p.scope}${p.namespaces.length ? `: ${p.namespaces.join(', ')}` : ''})`) } : null,
    }
    const data = { mode, principalArn, entry }
    if (!entry) {
      if (!refused) {
        return { status: 'pass', detail: `no access entry for ${principalArn}; the cluster maps it another way (aws-auth, mode ${mode})`, evidence, data }
      }
      return {
        status: 'fail',
        code: 'HTTP_401',
        category: 'iam',
        ...cause,
        confirmed: mode === 'API' || identity.pathKnown,
        detail: `${cluster.name} has no access entry for ${principalArn}${identity.pathKnown ? '' : ' (role path unknown: looked for the role by name)'}`,
        evidence,
        data,
        fixes: [buildAccessEntryFix({ cluster: cluster.name, region, principalArn, partition: principal.partition })],
      }
    }
    const groups = entry.kubernetesGroups.length ? `groups ${entry.kubernetesGroups.join(', ')}` : 'no groups'
    const policies = entry.policies.length ? entry.policies.map((p) => p.policyArn.split('/').pop()).join(', ') : 'no access policy'
    if (refused) {
      return {
        status: 'fail',
        code: 'HTTP_401',
        category: 'iam',
        ...cause,
        confirmed: false,
        alternatives: [
          { category: 'iam', summary: `the token names another cluster than ${cluster.name}` },
          { category: 'credentials', summary: "this machine's clock is off, so the token's X-Amz-Date is out of range" },
        ],
        detail: `${principalArn} has an access entry (${entry.type ?? 'STANDARD'}, ${groups}) yet the token is refused`,
        evidence,
        data,
      }
    }
    return { status: 'pass', detail: `access entry for ${principalArn}: ${entry.type ?? 'STANDARD'}, ${groups}, ${policies}`, evidence, data }
  },
})
