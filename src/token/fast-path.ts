/**
 * `eksdoctor token` before oclif loads: kubectl runs the plugin for every command. A cache hit is
 * printed at once; a miss is signed here too, loading only the credential chain and the signer.
 * Anything this parser does not understand (--help, a typo) falls through to the full command.
 */
import { renderExecCredential, requestedApiVersion } from './exec-credential.js'
import { readCachedToken, tokenCacheDir, writeCachedToken, type TokenKey } from './cache.js'

const VALUE_FLAGS: Record<string, keyof TokenKey> = {
  '--cluster': 'cluster',
  '--name': 'cluster',
  '-c': 'cluster',
  '--region': 'region',
  '-r': 'region',
  '--profile': 'profile',
  '-p': 'profile',
  '--role-arn': 'roleArn',
}

export function parseTokenArgs(argv: string[], vars: Readonly<Record<string, string | undefined>>): TokenKey | undefined {
  const key: Partial<TokenKey> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const field = VALUE_FLAGS[flag]
    if (!field) return undefined
    const value = inline ?? argv[++i]
    if (!value) return undefined
    key[field] = value
  }
  key.region ??= vars.AWS_REGION ?? vars.AWS_DEFAULT_REGION
  key.profile ??= vars.AWS_PROFILE
  return key.cluster && key.region ? (key as TokenKey) : undefined
}

/**
 * Print an ExecCredential for the key, from the cache or signed now; errors go to stderr with
 * exit 10, as kubectl expects. The one path of both the fast path and the full command.
 */
export async function issueToken(key: TokenKey, vars: Readonly<Record<string, string | undefined>>): Promise<void> {
  const apiVersion = requestedApiVersion(vars.KUBERNETES_EXEC_INFO)
  const dir = tokenCacheDir(vars)
  const cached = await readCachedToken(key, dir)
  if (cached) {
    process.stdout.write(renderExecCredential(cached.token, new Date(cached.expiresAt), apiVersion))
    return
  }
  try {
    const [{ resolveSigningCredentials }, { buildEksToken }] = await Promise.all([import('./credentials.js'), import('../aws/eks-token.js')])
    const credentials = await resolveSigningCredentials({ profile: key.profile, roleArn: key.roleArn, region: key.region })
    const { token, expiresAt } = await buildEksToken({ cluster: key.cluster, region: key.region, credentials })
    await writeCachedToken(key, dir, { token, expiresAt: expiresAt.toISOString() })
    process.stdout.write(renderExecCredential(token, expiresAt, apiVersion))
  } catch (error) {
    const message = ((error as { message?: string })?.message ?? String(error)).split('\n')[0]
    process.stderr.write(`eksdoctor token: no AWS credentials to sign with${key.profile ? ` (profile ${key.profile})` : ''}: ${message}\n`)
    process.exitCode = 10
  }
}

/** Serve `eksdoctor token ARGS` and return true; return false to let the full command handle arguments this parser does not know. */
export async function serveToken(argv: string[], vars: Readonly<Record<string, string | undefined>> = process.env): Promise<boolean> {
  const key = parseTokenArgs(argv, vars)
  if (!key) return false
  await issueToken(key, vars)
  return true
}
