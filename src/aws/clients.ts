/**
 * AWS calls behind small typed functions: EKS, STS and IAM through the SDK's own clients (each
 * imported only when a call needs it), EC2 through a small Query client that shares the SDK's
 * endpoint rules, retry strategy and HTTP handler (query-client.ts says why). One credential
 * chain per profile is shared by every call. Every call has a time bound. Credentials follow the
 * standard chain; endpoints, FIPS and dual-stack, attempts and retry mode, proxies and CA bundles
 * are read as the SDK and the aws CLI read them (settings.ts, transport.ts).
 */
import { createAwsPlumbing, type AwsCallOptions, type AwsResult } from './call.js'
import { assumeRole } from './credential-chain.js'
import { createClientVpnCalls, type ClientVpnCalls } from './client-vpn.js'
import { createEc2Calls, type Ec2Calls } from './ec2.js'
import { createEksCalls, type EksCalls } from './eks.js'
import { createIdentityCalls, type IdentityCalls } from './identity.js'
import type { SharedConfigSource } from './shared-config.js'
import { createTransitGatewayCalls, type TransitGatewayCalls } from './transit-gateway.js'
export type { AwsCallOptions, AwsFailure, AwsPlumbing, AwsResult } from './call.js'
export { classifyAwsError } from './call.js'
export type { AccessEntryInfo, ClusterInfo } from './eks.js'

export interface AwsClients extends Ec2Calls, ClientVpnCalls, TransitGatewayCalls, IdentityCalls, EksCalls {
  /** An EKS token signed with the profile's credentials (and --role-arn's role). */
  eksToken(cluster: string, o: AwsCallOptions & { roleArn?: string }): Promise<AwsResult<{ token: string; expiresAt: Date }>>
}

/** `files`: where the shared config files are read from; the real disk and home directory unless given. */
export function createAwsClients(vars: Readonly<Record<string, string | undefined>>, files: Partial<Omit<SharedConfigSource, 'vars'>> = {}): AwsClients {
  const aws = createAwsPlumbing(vars, files)
  return {
    ...createEc2Calls(aws),
    ...createTransitGatewayCalls(aws),
    ...createClientVpnCalls(aws),
    ...createIdentityCalls(aws),
    ...createEksCalls(aws),
    eksToken: (cluster, o) =>
      aws.call('sts:GetCallerIdentity (presigned)', o, async () => {
        const { buildEksToken } = await import('./eks-token.js')
        const provider = await aws.credentials(o)
        const credentials = o.roleArn
          ? await assumeRole(provider, {
              roleArn: o.roleArn,
              region: o.region,
              requestHandler: await aws.httpHandler(o),
            })
          : await provider()
        return buildEksToken({ cluster, region: o.region, credentials })
      }),
  }
}
