/** JSON files under the user's cache folder, written atomically and readable only by the user. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Cache, Platform } from './env.js'

export function cacheDir(vars: Readonly<Record<string, string | undefined>>, platform: Platform): string {
  if (vars.XDG_CACHE_HOME) return join(vars.XDG_CACHE_HOME, 'eksdoctor')
  const home = vars.HOME ?? homedir()
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'eksdoctor')
  if (platform === 'win32') return join(vars.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'eksdoctor', 'cache')
  return join(home, '.cache', 'eksdoctor')
}

export function createFileCache(dir: string): Cache {
  const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_')
  return {
    async read<T>(name: string): Promise<T | undefined> {
      try {
        return JSON.parse(await readFile(join(dir, `${safe(name)}.json`), 'utf8')) as T
      } catch {
        return undefined
      }
    },
    async write(name: string, value: unknown): Promise<void> {
      // A cache that cannot be written only costs speed.
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 })
        const path = join(dir, `${safe(name)}.json`)
        const temp = `${path}.${process.pid}.tmp`
        await writeFile(temp, JSON.stringify(value), { mode: 0o600 })
        await rename(temp, path)
      } catch {
        return
      }
    },
  }
}
