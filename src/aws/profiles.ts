/** Profile names defined in the shared config and credentials files, to catch a typo early. */
import { loadSharedConfig, type SharedConfigSource } from './shared-config.js'

/** Sections of the config file that are not profiles, as the SDK keys them. */
const NOT_PROFILES = /^(sso-session|services)\./

export async function listProfiles(o: SharedConfigSource): Promise<{ names: string[]; files: string[] }> {
  const shared = await loadSharedConfig(o)
  // The SDK's keys: `[profile x]` and `[default]` of the config file, every section of the credentials file.
  const names = new Set([...Object.keys(shared.configFile).filter((name) => !NOT_PROFILES.test(name)), ...Object.keys(shared.credentialsFile)])
  return { names: [...names], files: [shared.paths.config, shared.paths.credentials] }
}
