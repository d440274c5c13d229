/**
 * The shared config and credentials files (~/.aws/config, ~/.aws/credentials) parsed by the SDK's
 * own loader, so duplicated sections, `[profile x]` against `[x]`, comments and sub-sections read
 * exactly as every SDK client reads them. The files are read through `readText` (the ProbeEnv's,
 * a fake in tests) and handed to the loader as their contents.
 */
import { join } from 'node:path'
import type { ParsedIniData, Profile } from '@smithy/types'

/** How to find and read the shared files: the variables, the home directory and a reader. */
export interface SharedConfigSource {
  vars: Readonly<Record<string, string | undefined>>
  homedir: string
  readText(path: string): Promise<string | undefined>
}

/** Both files as the SDK keys them: the config file by profile name, plus `sso-session.x` and `services.x`. */
export interface SharedConfig {
  paths: { config: string; credentials: string }
  configFile: ParsedIniData
  credentialsFile: ParsedIniData
}

/** Where the SDK looks: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (an empty one is unset), `~/` expanded. */
export function sharedConfigPaths(o: Pick<SharedConfigSource, 'vars' | 'homedir'>): SharedConfig['paths'] {
  const expand = (path: string) => (path.startsWith('~/') ? join(o.homedir, path.slice(2)) : path)
  return {
    config: expand(o.vars.AWS_CONFIG_FILE || join(o.homedir, '.aws', 'config')),
    credentials: expand(o.vars.AWS_SHARED_CREDENTIALS_FILE || join(o.homedir, '.aws', 'credentials')),
  }
}

export async function loadSharedConfig(o: SharedConfigSource): Promise<SharedConfig> {
  const paths = sharedConfigPaths(o)
  const config = await o.readText(paths.config)
  const credentials = await o.readText(paths.credentials)
  const { externalDataInterceptor, loadSharedConfigFiles } = await import('@smithy/core/config')
  // The loader parses only what it reads itself; its interceptor hands it these contents instead.
  // The loader takes them synchronously, so they are withdrawn at once and the SDK's credential
  // chain keeps reading the disk.
  const record = externalDataInterceptor.getFileRecord()
  externalDataInterceptor.interceptFile(paths.config, config ?? '')
  externalDataInterceptor.interceptFile(paths.credentials, credentials ?? '')
  const loading = loadSharedConfigFiles({ filepath: paths.credentials, configFilepath: paths.config, ignoreCache: true })
  delete record[paths.config]
  delete record[paths.credentials]
  const { configFile, credentialsFile } = await loading
  return { paths, configFile, credentialsFile }
}

/** The profile's settings merged as the SDK merges them: `preferred` wins a key set in both files. */
export function profileSettings(shared: SharedConfig, profile: string, preferred: 'config' | 'credentials' = 'config'): Profile {
  const fromConfig = shared.configFile[profile] ?? {}
  const fromCredentials = shared.credentialsFile[profile] ?? {}
  return preferred === 'config' ? { ...fromCredentials, ...fromConfig } : { ...fromConfig, ...fromCredentials }
}

/** The profile a call uses when none is named: AWS_PROFILE, then `default`, as the SDK picks it. */
export function profileName(profile: string | undefined, vars: Readonly<Record<string, string | undefined>>): string {
  return profile || vars.AWS_PROFILE || 'default'
}
