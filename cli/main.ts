// The racelab process: the command line (cli/program.ts) with this process's arguments and streams.
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
