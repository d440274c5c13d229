import { Command, Flags } from '@oclif/core'
import { PROBES } from '../probes/index.js'

export default class Probes extends Command {
  static override summary = 'list every check id, in path order'
  static override description = 'check ids are stable layer.name strings; --json prints them with their prerequisites.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override enableJsonFlag = true
  static override flags = { markdown: Flags.boolean({ summary: 'print a markdown table (for the README)' }) }

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Probes)
    const rows = PROBES.map((p) => ({ id: p.id, layer: p.layer, title: p.title, needs: p.needs ?? [] }))
    if (!this.jsonEnabled()) {
      if (flags.markdown) {
        this.log('| check id | layer | what it proves | needs |\n| --- | --- | --- | --- |')
        for (const r of rows) this.log(`| \`${r.id}\` | ${r.layer} | ${r.title} | ${r.needs.map((n) => `\`${n}\``).join(', ')} |`)
      } else {
        for (const r of rows) this.log(`${r.id.padEnd(28)} ${r.title}`)
      }
    }
    return { schemaVersion: 1, probes: rows }
  }
}
