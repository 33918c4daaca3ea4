/**
 * The subcommands of the CLI. cli.ts hands over when the first argument is not an option; each
 * subcommand parses its own flags and returns its exit code.
 */
import { LogfilterError, PROGRAM_NAME, formatMessage } from '../errors.js'
import { EXIT_CONFIG, runtimeFailure } from './shared.js'

type Subcommand = (argv: readonly string[]) => Promise<number>

// Loaded on first use, so that the plain filter does not pay for the tools' modules.
const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  scan: async (argv) => (await import('./scan.js')).runScan(argv),
  'support-packet': async (argv) => (await import('./support-packet.js')).runSupportPacket(argv),
  reconcile: async (argv) => (await import('./reconcile.js')).runReconcile(argv),
}

/** One line per subcommand, for the main help text. */
export const SUBCOMMAND_HELP = `Commands (run ${PROGRAM_NAME} COMMAND --help for each):
  scan              audit existing logs: list every secret, prompt and banned field, with a masked preview
  support-packet    write the support packet for one request, task or job (Markdown or JSON)
  reconcile         join logged request and billing ids with TokenLab usage records
`

/** Runs subcommand `name`; resolves to the exit code. Configuration errors exit with 2. */
export async function runSubcommand(name: string, argv: readonly string[]): Promise<number> {
  const subcommand = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined
  if (subcommand === undefined) {
    const message = formatMessage('command line', `unknown command ${JSON.stringify(name)}`, `the commands are ${Object.keys(SUBCOMMANDS).join(', ')}; the filter itself takes no positional arguments`)
    process.stderr.write(`${message}\n`)
    return EXIT_CONFIG
  }
  try {
    return await subcommand(argv)
  } catch (error) {
    if (error instanceof LogfilterError) {
      process.stderr.write(`${error.message}\n`)
      return EXIT_CONFIG
    }
    return runtimeFailure(name, error)
  }
}
