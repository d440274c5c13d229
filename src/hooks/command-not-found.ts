/**
 * A mistyped command outside a terminal (a script, CI) gets the closest command in one line and the
 * usage exit code 2. In a terminal this hook leaves it to @oclif/plugin-not-found, which asks
 * "Did you mean ...?" and runs the command on yes.
 */
import type { Hook } from '@oclif/core'
import { EXIT_USAGE } from '../engine/codes.js'
import { closestNames } from '../util/closest.js'

const hook: Hook<'command_not_found'> = async function (opts) {
  if (process.stdin.isTTY && process.stderr.isTTY) return
  const visible = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id)
  const [near] = closestNames(opts.id, visible, 1)
  const bin = opts.config.bin
  this.error(`${opts.id} is not an ${bin} command${near ? `; did you mean ${bin} ${near}?` : ''} (${bin} help lists them)`, { exit: EXIT_USAGE })
}

export default hook
