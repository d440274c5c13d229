/**
 * The AWS settings an exec credential plugin runs with, as the plugin itself resolves them: kubectl
 * starts it with its own environment plus the entry's `env`, so the profile, the output format and
 * the shared files come from that merge, then from the plugin's args.
 *
 * - The AWS CLI (botocore): `--profile`, else AWS_DEFAULT_PROFILE, else AWS_PROFILE, else `default`;
 *   `--output`, else AWS_DEFAULT_OUTPUT, else the profile's `output` in the config file, else json.
 * - The SDK-based plugins (eksdoctor token, aws-iam-authenticator): `--profile`, else AWS_PROFILE.
 * - An SSO profile's token is cached in ~/.aws/sso/cache/<sha1>.json, the sha1 of its sso_session
 *   name, or of its sso_start_url for a legacy profile (botocore SSOTokenLoader, the SDK's
 *   getSSOTokenFilepath). A legacy token past expiresAt fails; an sso-session token is refreshed
 *   while its refreshToken and client registration last.
 */
import { createHash } from 'node:crypto'
import { posix, win32 } from 'node:path'
import { loadSharedConfig, profileSettings, type SharedConfig } from '../aws/shared-config.js'
import type { ExecInfo } from './kubeconfig.js'

type Vars = Readonly<Record<string, string | undefined>>

/** Sections of the config file that are not profiles, as the SDK keys them. */
const NOT_PROFILES = /^(sso-session|services)\./

/** The variables the plugin sees: kubectl's own, with the entry's env over them. */
export function execVars(vars: Vars, exec: ExecInfo): Vars {
  return { ...vars, ...exec.env }
}

function argValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === name) return args[i + 1]
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1)
  }
  return undefined
}

/** Where a setting of the plugin came from: its args, its own env, or the environment kubectl passes on. */
export type SettingSource = { from: 'args' } | { from: 'exec-env' | 'env'; variable: string }

export function describeSource(s: SettingSource, what: string): string {
  return s.from === 'args' ? `its --${what} argument` : s.from === 'exec-env' ? `its env ${s.variable}` : `${s.variable} in kubectl's environment`
}

/** The profile a plugin signs with, and where it came from (none: nothing named one, so `default`). */
export function execProfile(exec: ExecInfo, vars: Vars): { profile: string; source?: SettingSource } {
  const fromArgs = argValue(exec.args, '--profile')
  if (fromArgs) return { profile: fromArgs, source: { from: 'args' } }
  const merged = execVars(vars, exec)
  const names = exec.kind === 'aws-cli' ? ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE'] : ['AWS_PROFILE']
  for (const variable of names) {
    const value = merged[variable]
    if (value) return { profile: value, source: { from: exec.env[variable] !== undefined ? 'exec-env' : 'env', variable } }
  }
  return { profile: 'default' }
}

/** The AWS CLI output format `aws eks get-token` prints with, and where it came from (none: the profile's config, or the default). */
export function execOutput(exec: ExecInfo, vars: Vars, shared: SharedConfig, profile: string): { output: string; source?: SettingSource; setting: string } {
  const fromArgs = argValue(exec.args, '--output')
  if (fromArgs) return { output: fromArgs, source: { from: 'args' }, setting: 'its --output argument' }
  const merged = execVars(vars, exec)
  if (merged.AWS_DEFAULT_OUTPUT) {
    const source: SettingSource = { from: exec.env.AWS_DEFAULT_OUTPUT !== undefined ? 'exec-env' : 'env', variable: 'AWS_DEFAULT_OUTPUT' }
    return { output: merged.AWS_DEFAULT_OUTPUT, source, setting: describeSource(source, 'output') }
  }
  // botocore reads `output` from the config file only, never from the credentials file.
  const output = shared.configFile[profile]?.output
  if (output) return { output, setting: `output = ${output} in the profile ${profile} of ${shared.paths.config}` }
  return { output: 'json', setting: 'the default' }
}

/** The shared files as the plugin reads them (its env may point AWS_CONFIG_FILE elsewhere). */
export function loadExecSharedConfig(exec: ExecInfo, o: { vars: Vars; homedir: string; readText(path: string): Promise<string | undefined> }): Promise<SharedConfig> {
  return loadSharedConfig({ vars: execVars(o.vars, exec), homedir: o.homedir, readText: o.readText })
}

/** Profile names of both files, as the SDK keys them. */
export function profileNames(shared: SharedConfig): string[] {
  return [...new Set([...Object.keys(shared.configFile).filter((name) => !NOT_PROFILES.test(name)), ...Object.keys(shared.credentialsFile)])]
}

/** Where a profile's SSO token lives, when it is an SSO profile. */
export interface SsoCacheRef {
  /** The sso_session name, or the start URL of a legacy profile: what the cache file is keyed by. */
  key: string
  session?: string
  startUrl?: string
  path: string
}

export function ssoCacheRef(shared: SharedConfig, profile: string, o: { homedir: string; platform: string }): SsoCacheRef | undefined {
  const settings = profileSettings(shared, profile)
  const session = settings.sso_session
  const startUrl = session ? shared.configFile[`sso-session.${session}`]?.sso_start_url : settings.sso_start_url
  const key = session ?? startUrl
  if (!key) return undefined
  const join = o.platform === 'win32' ? win32.join : posix.join
  const path = join(o.homedir, '.aws', 'sso', 'cache', `${createHash('sha1').update(key).digest('hex')}.json`)
  return { key, path, ...(session ? { session } : {}), ...(startUrl ? { startUrl } : {}) }
}

/** What the cached token says: only times and whether it can be refreshed, never the token itself. */
export type SsoTokenState =
  | { state: 'missing' }
  | { state: 'unreadable' }
  | { state: 'valid'; expiresAt: string }
  | { state: 'refreshable'; expiresAt: string }
  | { state: 'expired'; expiresAt: string }

export function judgeSsoToken(text: string | undefined, ref: SsoCacheRef, now: number): SsoTokenState {
  if (text === undefined) return { state: 'missing' }
  let token: Record<string, unknown>
  try {
    token = JSON.parse(text) as Record<string, unknown>
  } catch {
    return { state: 'unreadable' }
  }
  const expiresAt = typeof token.expiresAt === 'string' ? token.expiresAt : undefined
  const expiry = expiresAt ? Date.parse(expiresAt) : Number.NaN
  if (!expiresAt || typeof token.accessToken !== 'string' || Number.isNaN(expiry)) return { state: 'unreadable' }
  if (expiry > now) return { state: 'valid', expiresAt }
  const registration = typeof token.registrationExpiresAt === 'string' ? Date.parse(token.registrationExpiresAt) : Number.NaN
  const refreshable = ref.session !== undefined && ['refreshToken', 'clientId', 'clientSecret'].every((k) => typeof token[k] === 'string') && registration > now
  return refreshable ? { state: 'refreshable', expiresAt } : { state: 'expired', expiresAt }
}
