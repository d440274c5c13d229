/** Credentials for signing a token: the profile's chain, then an assumed role when --role-arn asks. */
import type { SigningCredentials } from '../aws/eks-token.js'
import { quietSdkNotices, SILENT_LOGGER } from '../aws/sdk-quiet.js'

export async function resolveSigningCredentials(o: { profile?: string; roleArn?: string; region: string }): Promise<SigningCredentials> {
  quietSdkNotices()
  const { fromNodeProviderChain, fromTemporaryCredentials } = await import('@aws-sdk/credential-providers')
  const base = fromNodeProviderChain({ ...(o.profile ? { profile: o.profile } : {}), logger: SILENT_LOGGER })
  if (!o.roleArn) return base()
  // The session name aws eks get-token uses, so CloudTrail reads the same.
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: { RoleArn: o.roleArn, RoleSessionName: 'EKSGetTokenAuth' },
    clientConfig: { region: o.region },
  })()
}
