/**
 * Credentials for signing a token: the profile's chain, then an assumed role when --role-arn asks.
 * The chain's own AWS calls (SSO, STS) go through eksdoctor's transport (proxy, CA bundle); its
 * settings are read only if the chain makes such a call, so keys in the environment load nothing more.
 */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { assumeRole, createCredentialChain, type AwsCredentials } from '../aws/credential-chain.js'
import type { HttpHandlerOptions } from '../aws/transport.js'

export async function resolveSigningCredentials(
  o: { profile?: string; roleArn?: string; region: string },
  vars: Readonly<Record<string, string | undefined>> = process.env,
): Promise<AwsCredentials> {
  let options: Promise<HttpHandlerOptions> | undefined
  const requestHandler = () =>
    (options ??= (async () => {
      const [{ resolveAwsSettings }, { httpHandlerOptions }] = await Promise.all([import('../aws/settings.js'), import('../aws/transport.js')])
      const readText = (path: string) => readFile(path, 'utf8').catch(() => undefined)
      const settings = await resolveAwsSettings(o.profile, { vars, homedir: vars.HOME ?? homedir(), readText })
      return httpHandlerOptions({ vars, caBundle: settings.caBundle })
    })())
  const base = await createCredentialChain({ profile: o.profile, requestHandler })
  return o.roleArn ? assumeRole(base, { roleArn: o.roleArn, region: o.region, requestHandler }) : base()
}
