/** Find executables the way a shell would, plus the places GUI installers put them. */
import { access, constants, stat } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import type { Platform } from './env.js'

/** Where the macOS Tailscale app keeps its CLI: the GUI binary enters CLI mode from a terminal. */
const KNOWN_LOCATIONS: Record<string, Partial<Record<Platform, string[]>>> = {
  tailscale: {
    darwin: ['/Applications/Tailscale.app/Contents/MacOS/Tailscale', '/opt/homebrew/bin/tailscale', '/usr/local/bin/tailscale'],
    win32: ['C:\\Program Files\\Tailscale\\tailscale.exe'],
  },
}

async function isExecutable(path: string, platform: Platform): Promise<boolean> {
  try {
    const info = await stat(path)
    if (!info.isFile()) return false
    if (platform !== 'win32') await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export async function findExecutable(
  name: string,
  vars: Readonly<Record<string, string | undefined>>,
  platform: Platform,
): Promise<string | undefined> {
  const dirs = (vars.PATH ?? vars.Path ?? '').split(platform === 'win32' ? ';' : delimiter).filter(Boolean)
  const exts = platform === 'win32' ? (vars.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = join(dir, name + ext)
      if (await isExecutable(candidate, platform)) return candidate
    }
  }
  for (const candidate of KNOWN_LOCATIONS[name]?.[platform] ?? []) {
    if (await isExecutable(candidate, platform)) return candidate
  }
  return undefined
}
