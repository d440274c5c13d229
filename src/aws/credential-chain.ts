/**
 * The SDK's credential chain (environment, profile, SSO, assume-role, web identity,
 * credential_process, metadata) and --role-arn's assumed role, with every request the chain makes
 * (SSO portal, SSO OIDC, STS) sent through eksdoctor's transport, so a proxy and a CA bundle apply
 * to them too. Loads only the chain; the handler is built when the chain first calls AWS.
 */
import { quietSdkNotices, SILENT_LOGGER } from './sdk-quiet.js'
import type { HttpHandlerOptions } from './transport.js'

/** Credentials as the signer and the SDK clients take them. */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

export type CredentialProvider = () => Promise<AwsCredentials>

/** What the chain's own SDK clients send with: a NodeHttpHandler, or its options, read on first use. */
export type ChainRequestHandler = (() => Promise<HttpHandlerOptions>) | { handle: unknown }

export async function createCredentialChain(o: { profile?: string; requestHandler: ChainRequestHandler }): Promise<CredentialProvider> {
  quietSdkNotices()
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers')
  const requestHandler = o.requestHandler as never
  return fromNodeProviderChain({
    ...(o.profile ? { profile: o.profile } : {}),
    logger: SILENT_LOGGER,
    // clientConfig reaches SSO, SSO OIDC and assume-role; web identity reads parentClientConfig.
    clientConfig: { requestHandler },
    parentClientConfig: { requestHandler },
  })
}

/** Credentials of a role assumed with the chain's, under the session name `aws eks get-token` uses. */
export async function assumeRole(base: CredentialProvider, o: { roleArn: string; region: string; requestHandler: ChainRequestHandler }): Promise<AwsCredentials> {
  const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers')
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: { RoleArn: o.roleArn, RoleSessionName: 'EKSGetTokenAuth' },
    clientConfig: { region: o.region, requestHandler: o.requestHandler as never },
  })()
}
