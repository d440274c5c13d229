/**
 * Endpoints for the two requests that are not sent by an SDK client: EC2's Query calls and the
 * STS host inside an EKS token. Both come from the SDK's own partition table (@aws-sdk/core's
 * `partition`: dnsSuffix, dualStackDnsSuffix, FIPS and dual-stack support per partition), so
 * us-iso*, us-isob*, eusc-*, cn- and us-gov- regions get the hosts the SDK would use.
 */
import type { EndpointPartition } from '@smithy/types'
import type { AwsSettings } from './settings.js'

/** What endpoint resolution needs from the settings. */
export type EndpointSettings = Pick<AwsSettings, 'useFipsEndpoint' | 'useDualstackEndpoint' | 'endpointUrl'>

/** The partition of a region as the SDK resolves it (an unknown region falls back as the SDK does). */
export async function regionPartition(region: string): Promise<EndpointPartition> {
  const { partition } = await import('@aws-sdk/core/client')
  return partition(region)
}

/**
 * EC2's endpoint rules, as @aws-sdk/client-ec2 evaluates them (its endpoint/bdd.js), over the SDK's
 * partitions; test/unit/aws/endpoints.test.ts holds them to the SDK client's resolver for every
 * region. Errors carry the SDK's wording.
 */
export async function ec2Endpoint(region: string, s: EndpointSettings): Promise<string> {
  const configured = s.endpointUrl('EC2')
  if (configured) {
    if (s.useFipsEndpoint) throw new Error('Invalid Configuration: FIPS and custom endpoint are not supported')
    if (s.useDualstackEndpoint) throw new Error('Invalid Configuration: Dualstack and custom endpoint are not supported')
    return configured
  }
  if (!region) throw new Error('Invalid Configuration: Missing Region')
  const p = await regionPartition(region)
  if (s.useFipsEndpoint && s.useDualstackEndpoint) {
    if (p.supportsFIPS && p.supportsDualStack) return `https://ec2-fips.${region}.${p.dualStackDnsSuffix}`
    throw new Error('FIPS and DualStack are enabled, but this partition does not support one or both')
  }
  if (s.useFipsEndpoint) {
    if (!p.supportsFIPS) throw new Error('FIPS is enabled but this partition does not support FIPS')
    // GovCloud's regular EC2 endpoint is its FIPS endpoint.
    return p.name === 'aws-us-gov' ? `https://ec2.${region}.amazonaws.com` : `https://ec2-fips.${region}.${p.dnsSuffix}`
  }
  if (s.useDualstackEndpoint) {
    if (!p.supportsDualStack) throw new Error('DualStack is enabled but this partition does not support DualStack')
    return `https://ec2.${region}.${p.dualStackDnsSuffix}`
  }
  return `https://ec2.${region}.${p.dnsSuffix}`
}

/** The regional STS host an EKS token is presigned for, as `aws eks get-token` signs it. */
export async function stsHost(region: string): Promise<string> {
  return `sts.${region}.${(await regionPartition(region)).dnsSuffix}`
}
