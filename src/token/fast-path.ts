/**
 * `eksdoctor token` on a cache hit, before oclif loads: kubectl runs the plugin for every command.
 * Anything this parser does not understand falls through to the full command.
 */
import { renderExecCredential, requestedApiVersion } from './exec-credential.js'
import { readCachedToken, tokenCacheDir, type TokenKey } from './cache.js'

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

/** Print a cached ExecCredential and return true, or return false to run the full command. */
export async function printCachedToken(argv: string[], vars: Readonly<Record<string, string | undefined>> = process.env): Promise<boolean> {
  const key = parseTokenArgs(argv, vars)
  if (!key) return false
  const entry = await readCachedToken(key, tokenCacheDir(vars))
  if (!entry) return false
  process.stdout.write(renderExecCredential(entry.token, new Date(entry.expiresAt), requestedApiVersion(vars.KUBERNETES_EXEC_INFO)))
  return true
}
